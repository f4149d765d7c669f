"""A time budget for reading one mail: SIGALRM interrupts the parse when the budget is spent.

Why an alarm rather than a process per mail: reading is CPU-bound Python (the email package,
mail-parser, html.parser, BeautifulSoup, our patterns), and a signal handler runs between any
two bytecodes, so the alarm stops it where it is, in whichever process prepares the mail (the
filing process, a preparer, `casedesk ingest`). Killing a preparing process instead would break
its whole pool (BrokenProcessPool: the batch in flight is lost and a new process costs a second
of imports), and the in-line path has no process to kill. What an alarm cannot interrupt is one
long call into C (a single regex over megabytes): the inputs are bounded for that (address
headers, References, HTML depth and size, MIME depth; docs/filing.md).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(BaseException):
    """The mail's time budget is spent. A BaseException, so the `except Exception` fallbacks of
    the parsers cannot swallow it and go on reading."""


def can_interrupt() -> bool:
    """Alarms reach the main thread of a process only (and not on every platform)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def budget(deadline: float) -> Iterator[None]:
    """Raise OverBudget in the block once time.monotonic() passes `deadline`.

    Off the main thread the block runs to its end and the caller checks the deadline after it
    (a cooperative budget): the inputs are bounded, so that end comes.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise OverBudget("no time left")
    if not can_interrupt():
        yield
        return

    def on_alarm(_signum: int, _frame: object) -> None:
        raise OverBudget("time budget spent")

    # Someone else's alarm (pytest-timeout's, say) is kept: if it is due first, it stays in
    # charge; otherwise it is set again, for the time it had left, once the block is over.
    outer, start = signal.getitimer(signal.ITIMER_REAL)[0], time.monotonic()
    if outer and outer <= left:
        yield
        return
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, left)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - start)))
