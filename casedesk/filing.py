"""The filing process `casedesk serve` starts, and its preparing processes.

Kept apart from serve's module so a spawned process imports only what filing needs (the ingest
pipeline and the store), not the web view, IMAP or the scheduler: about 15 MB less each.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from casedesk.settings import LOG_FORMAT, Settings
from ingest.worker import Worker, start_preparing
from store.db import Database

# How much filing yields to the SMTP listener when both want a core (nice(2)).
FILING_NICENESS = 10
# Preparers yield further, to the writer too: it holds the write lock the listener waits for,
# and it prepares batches itself when they fall behind.
PREPARER_NICENESS = 19


class FilingProcess:
    """The ingest worker in a process of its own: parsing and classifying use the second core
    instead of competing with the SMTP loop for the interpreter lock."""

    def __init__(self, settings: Settings, owner: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.wake, self.stopping = context.Event(), context.Event()
        self.process = context.Process(
            target=run_filing, name="casedesk-filing",  # not a daemon: it has a pool
            args=(settings, owner, self.wake, self.stopping, os.getpid(), logging.getLogger().level),
        )
        self.process.start()

    def stop(self, timeout: float = 30) -> None:
        """Let the worker finish its batch (its transaction commits or rolls back whole)."""
        self.stopping.set()
        self.wake.set()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_filing(settings: Settings, owner: str, wake: Any, stopping: Any, parent: int, level: int) -> None:
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
    try:
        Worker(db, settings, owner, wake, pool).run(stopping)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        db.dispose()


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
