"""The filing process `casedesk serve` starts, and its preparing processes.

Kept apart from serve's module so a spawned process imports only what filing needs (the ingest
pipeline and the store), not the web view, IMAP or the scheduler: about 15 MB less each.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from core.settings import LOG_FORMAT, Settings
from ingest.worker import Report, Worker, start_preparing
from store.db import Database

# How much filing yields to the SMTP listener when both want a core (nice(2)).
FILING_NICENESS = 10
# Preparers yield further, to the writer too: it holds the write lock the listener waits for,
# and it prepares batches itself when they fall behind.
PREPARER_NICENESS = 19
# On SIGTERM filing stops after its current mail; a filing process still busy after this long
# is killed (nothing is lost: see FilingProcess.stop).
STOP_WITHIN = 5.0


class FilingProcess:
    """The ingest worker in a process of its own: parsing and classifying use the second core
    instead of competing with the SMTP loop for the interpreter lock."""

    def __init__(self, settings: Settings, owner: str, report: Report | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.wake, self.stopping = context.Event(), context.Event()
        # What was filed, batch by batch, for serve's /metrics (read by a thread of serve).
        self.reports: Any = context.Queue()
        self.process = context.Process(
            target=run_filing, name="casedesk-filing",  # not a daemon: it has a pool
            args=(settings, owner, self.wake, self.stopping, os.getpid(), logging.getLogger().level,
                  self.reports),
        )
        self.process.start()
        self.reader = threading.Thread(target=self.read_reports, args=(report,), daemon=True,
                                       name="casedesk-filing-reports")
        self.reader.start()

    def read_reports(self, report: Report | None) -> None:
        """Hand the filing process's reports to `report` until it has exited."""
        while self.process.is_alive() or not self.reports.empty():
            try:
                outcomes = self.reports.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # the process was killed mid-report
                return
            if report is not None:
                report(outcomes)

    def begin_stop(self) -> None:
        """Tell filing to stop after the mail it is on; serve goes on shutting down meanwhile."""
        self.stopping.set()
        self.wake.set()

    def stop(self, timeout: float = STOP_WITHIN) -> None:
        """Stop after the current mail; a process that has not exited within `timeout` (a mail
        deep in its budget, a slow disk) is killed: its open transaction rolls back whole and
        every mail it had not filed is still committed in raw_mail, for the next start."""
        self.begin_stop()
        self.process.join(timeout)
        if self.process.is_alive():
            logging.getLogger("casedesk").warning("filing did not stop within %ss; killed", timeout)
            self.process.kill()
            self.process.join()
        self.reader.join(2)


def run_filing(settings: Settings, owner: str, wake: Any, stopping: Any, parent: int, level: int,
               reports: Any = None) -> None:
    """Entry point of the filing process: file committed mail until told to stop or orphaned."""
    die_with(parent)
    # Filing can lag (the mail is committed and safe), answering SMTP cannot: when the cores are
    # busy, the listener goes first and filing catches up after the burst (preparers inherit it).
    os.nice(FILING_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us in order
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    logging.basicConfig(level=level, format=LOG_FORMAT)
    db = Database(settings.database.url)
    # Parsing and reading a burst of mail may use further cores; processes start on first use.
    count = settings.filing.preparer_count()
    pool = ProcessPoolExecutor(count, multiprocessing.get_context("spawn"), start_preparer,
                               (settings, os.getpid(), level)) if count else None
    report = reports.put if reports is not None else None
    try:
        Worker(db, settings, owner, wake, pool, stop=stopping, report=report).run(stopping)
    finally:
        if pool is not None:
            stop_pool(pool)
        db.dispose()
        if reports is not None:
            reports.close()
            reports.join_thread()


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the preparers now: what they are preparing is still pending and is prepared again
    after the restart, so there is nothing to wait for (shutdown(wait=True) would wait for a
    whole batch at nice 19, seconds on a busy machine)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public way to reach them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


def start_preparer(settings: Settings, parent: int, level: int) -> None:
    """Initializer of a preparing process: dies with the filing process, logs like it."""
    die_with(parent)
    os.nice(PREPARER_NICENESS - os.nice(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=level, format=LOG_FORMAT)
    start_preparing(settings)


def die_with(parent: int) -> None:
    """Never outlive serve: a kill -9 of serve must not leave a filing process behind."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="casedesk-parent-watch").start()
