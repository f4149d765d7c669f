"""Write a batch in one go, and if that fails, item by item: one bad item never fails the rest.

The SMTP group commit, the IMAP commit and filing all write many mails per transaction because
one commit of many rows is far cheaper than one per mail; this is their common fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def whole_or_each(items: Sequence[Item], write: Callable[[Sequence[Item]], Sequence[Result]],
                  fatal: Callable[[Exception], bool] = lambda exc: False) -> list[Result | Exception]:
    """`write(items)` returns one result per item. If it raises, each item is written alone.
    Returns per item its result, or the exception it failed with on its own. An exception that
    is `fatal` (the store is down: no item would fare better alone) is raised instead."""
    try:
        return list(write(items))
    except Exception as exc:
        if fatal(exc):
            raise
        if len(items) == 1:
            return [exc]
    return [alone(item, write, fatal) for item in items]


def alone(item: Item, write: Callable[[Sequence[Item]], Sequence[Result]],
          fatal: Callable[[Exception], bool]) -> Result | Exception:
    try:
        return write([item])[0]
    except Exception as exc:
        if fatal(exc):
            raise
        return exc
