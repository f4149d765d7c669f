"""`casedesk serve`: SMTP listener, scheduler, IMAP fetchers and web view, plus a filing process."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import uvicorn

from casedesk.settings import Settings
from ingest.imap import Fetchers
from ingest.server import Committer, start_listener
from ingest.worker import Worker, start_preparing
from notify import scheduler as notify
from store.db import Database
from store.migrate import ensure_current
from web.app import create_app

log = logging.getLogger("casedesk")
LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


class WebServer(uvicorn.Server):
    """uvicorn without its own signal handling: SIGTERM belongs to serve's orderly shutdown."""

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        pass

    def capture_signals(self):  # type: ignore[no-untyped-def]
        import contextlib

        return contextlib.nullcontext()


def instance_name() -> str:
    """A name for this serve process: raw mail it accepts is filed by it first."""
    return f"serve-{uuid.uuid4().hex[:12]}"


# How much filing yields to the SMTP listener when both want a core (nice(2)).
FILING_NICENESS = 10


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


async def serve(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT, then stop taking mail, finish what was taken, and exit."""
    db = Database(settings.database.url)
    ensure_current(db)
    owner = instance_name()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    filing = FilingProcess(settings, owner)
    committer = Committer(db, owner, filing.wake.set)
    committer.start()
    smtp = await start_listener(settings, committer)
    ticker = notify.start(settings, db, owner)
    fetchers = Fetchers(settings.imap, db, owner, filing.wake.set)
    fetchers.start()
    web = WebServer(uvicorn.Config(create_app(settings, db), host=settings.web.listen.host,
                                   port=settings.web.listen.port, log_level="warning", lifespan="off"))
    web_task = asyncio.create_task(web.serve())
    log.info("casedesk %s: SMTP on %s, web on %s, database %s", owner, settings.smtp.listen,
             settings.web.listen, db.engine.url.render_as_string(hide_password=True))
    print(f"casedesk serving: SMTP {settings.smtp.listen}, web {settings.web.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        smtp.close()
        await committer.close()
        await asyncio.to_thread(fetchers.stop)
        web.should_exit = True
        await asyncio.gather(web_task, return_exceptions=True)
        await asyncio.to_thread(filing.stop)
        await asyncio.to_thread(ticker.shutdown)
        db.dispose()
        log.info("stopped")
