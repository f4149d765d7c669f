"""A CPU-time budget for reading one mail: SIGPROF interrupts the parse when it is spent.

Why a signal rather than a process per mail: reading is CPU-bound Python (the email package,
mail-parser, the HTML scan, our patterns), and a signal handler runs between any
two bytecodes, so the timer stops it where it is, in whichever process prepares the mail (the
filing process, a preparer, `casedesk ingest`). Killing a preparing process instead would break
its whole pool (BrokenProcessPool: the batch in flight is lost and a new process costs a second
of imports), and the in-line path has no process to kill. What a signal cannot interrupt is one
long call into C (a single regex over megabytes): the inputs are bounded for that (address
headers, References, HTML depth and size, MIME depth; docs/filing.md).

Why CPU time rather than wall time: filing runs at nice 10 and preparers at nice 19, so on a
busy machine a mail's wall time says more about the other processes than about the mail. The
budget measures what the mail costs (ITIMER_PROF: this process's user and system time), so an
ordinary mail is never held because the machine was busy.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any


class OverBudget(BaseException):
    """The mail's budget is spent. A BaseException, so the `except Exception` fallbacks of the
    parsers cannot swallow it and go on reading."""


def clock() -> float:
    """The clock budgets are counted on: this process's CPU time (what ITIMER_PROF counts)."""
    return time.process_time()


def can_interrupt() -> bool:
    """Timer signals reach the main thread of a process only (and not on every platform)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


# After the budget is spent, the timer fires again this often until the block is left.
RETRY_TICK = 0.05


@contextmanager
def budget(deadline: float) -> Iterator[None]:
    """Raise OverBudget in the block once `clock()` passes `deadline`.

    Off the main thread the block runs to its end and the caller checks the clock after it
    (a cooperative budget): the inputs are bounded, so that end comes.
    """
    left = deadline - clock()
    if left <= 0:
        raise OverBudget("no time left")
    if not can_interrupt():
        yield
        return

    def on_timer(_signum: int, _frame: object) -> None:
        raise OverBudget("budget spent")

    # Someone else's profiling timer is kept: if it is due first, it stays in charge; otherwise
    # it is set again, for the time it had left, once the block is over.
    outer, start = signal.getitimer(signal.ITIMER_PROF)[0], clock()
    if outer and outer <= left:
        yield
        return
    previous = signal.signal(signal.SIGPROF, on_timer)
    # Then every RETRY_TICK again: an OverBudget raised inside a garbage-collector callback is
    # "unraisable", and the next tick raises it where it counts. It is dropped quietly: the
    # default hook prints it as an error, and a slow hook (pytest's formats a traceback) would
    # itself be hit by the next tick.
    hook = sys.unraisablehook
    sys.unraisablehook = partial(quiet_over_budget, hook)
    signal.setitimer(signal.ITIMER_PROF, left, RETRY_TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        sys.unraisablehook = hook
        if outer:
            signal.setitimer(signal.ITIMER_PROF, max(0.001, outer - (clock() - start)))


def quiet_over_budget(hook: Any, unraisable: Any) -> None:
    """sys.unraisablehook while a budget runs: an OverBudget that could not be raised (it hit a
    garbage-collector callback or a __del__) is no error; anything else goes to `hook`."""
    if not isinstance(unraisable.exc_value, OverBudget):
        hook(unraisable)
