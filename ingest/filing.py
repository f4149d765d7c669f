"""Filing: committed raw mail into cases, in the process `casedesk serve` starts for it.

One module for the whole path (issue 16): the filing process and its preparing pool (started
by serve, stopped on SIGTERM within STOP_WITHIN), the `Worker` that drains the queue one short
transaction per batch under a named `DrainPolicy`, and what a mail that breaks the reader
becomes (`Failed`, counted against the mail, never a stall). A spawned process imports only
this, the pipeline and the store: not the web view, IMAP or the scheduler (about 15 MB less).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue as queues
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.batching import whole_or_each
from core.settings import LOG_FORMAT, Settings
from ingest.pipeline import Filed, Prepared, file_mail, prepare, set_aside_case
from store.db import Database
from store.inbound import MAX_ATTEMPTS, claim, mark_set_aside, pending, record_attempt
from store.models import RawMail
from store.search import has_pending, index_pending
from store.tickets import known_messages

log = logging.getLogger("casedesk.ingest")

# Another instance's unprocessed mail is taken over after this long (it may have crashed).
ORPHAN_AFTER = timedelta(seconds=5)
# Message bodies are indexed for search when the queue is empty, and during a burst that long
# keeps it full at least this often (seconds), so search never lags a burst by more.
INDEX_LAG = 10.0


@dataclass(frozen=True)
class Failed:
    """Why a mail could not be prepared ("TypeError: ..."): a failed attempt against that mail."""

    error: str


# A mail's preparation, or why it could not be read.
Ready = Prepared | Failed
Batch = tuple[list[RawMail], Future[list[Ready]]]
# What filing tells its observer (the /metrics of serve) per batch: (outcome, seconds) per mail;
# outcomes are Filed's, plus "failed" (an attempt) and "set_aside".
Report = Callable[[list[tuple[str, float]]], None]


@dataclass(frozen=True)
class DrainPolicy:
    """How the writer and the preparing pool share a backlog ("prepare ahead").

    Full batches go to the pool, at most `pool_depth` at a time so it never waits for the writer
    to hand it more; the writer files them in the order taken. Writing is the cheaper half, so
    while the oldest batch is still in the pool the writer prepares a further one itself, up to
    `ahead` batches taken and not yet filed. A trickle of mail (less than a batch) is prepared
    in-line, at once.
    """

    batch: int = 16
    pool_depth: int = 2
    ahead: int = 4

    def feed_pool(self, queue: deque[Batch]) -> bool:
        """Should another batch go to the pool now?"""
        return in_pool(queue) < self.pool_depth and len(queue) < self.ahead

    def prepare_here(self, queue: deque[Batch]) -> bool:
        """Should the writer take (and prepare) a batch itself rather than wait?"""
        waiting = bool(queue) and not queue[0][1].done()
        return not queue or waiting and len(queue) < self.ahead


PREPARE_AHEAD = DrainPolicy()
BATCH = PREPARE_AHEAD.batch


class Stopped(Exception):
    """serve is stopping: leave the rest of the backlog for the next start."""


class Worker:
    """Files raw mail this instance accepted (and orphans); safe to run beside other instances.

    With a `pool` of preparing processes, batches are parsed and read there while the batch
    before is filed here: one writer, in order, the slow pure part on other cores, shared as
    its `DrainPolicy` says.
    """

    def __init__(self, db: Database, settings: Settings, owner: str, wake: Any = None,
                 pool: Executor | None = None, stop: Any = None, report: Report | None = None,
                 policy: DrainPolicy = PREPARE_AHEAD) -> None:
        self.db, self.settings, self.owner, self.pool, self.policy = db, settings, owner, pool, policy
        # Checked between mails: on SIGTERM filing stops after the current one (issue 13).
        self.stop = stop if stop is not None else threading.Event()
        self.report = report
        # Set after each commit so filing starts at once; a multiprocessing.Event across processes.
        self.wake = wake if wake is not None else threading.Event()
        # SQLite has one serve per file: whatever is pending after a restart is ours at once.
        self.orphan_after = timedelta(0) if db.is_sqlite else ORPHAN_AFTER
        self.indexed_at = time.monotonic()

    def drain(self) -> int:
        """File everything pending now, batch by batch in the order taken; returns how many
        mails were handled."""
        total = 0
        queue: deque[Batch] = deque()
        while not self.stop.is_set():
            while self.pool is not None and self.policy.feed_pool(queue) and self.take(queue, pooled=True):
                pass
            if self.policy.prepare_here(queue) and self.take(queue, pooled=False):
                continue  # the writer prepared a batch itself rather than wait for the pool
            if not queue:
                return total
            rows, ready = queue.popleft()
            try:
                total += self.file_all(rows, self.result(ready, rows))
            except Stopped:
                break
            if time.monotonic() - self.indexed_at > INDEX_LAG and not self.stop.is_set():
                self.index()
        for _, ready in queue:  # batches the pool has not started are dropped; they stay pending
            ready.cancel()
        return total

    def take(self, queue: deque[Batch], pooled: bool) -> bool:
        """Add the next batch of pending mail (not yet in `queue`) to it, being prepared in the
        pool if `pooled` and it is full, else prepared here. False when nothing is pending."""
        skip = {row.id for rows, _ in queue for row in rows}
        with self.db.read() as session:
            rows = pending(session, self.owner, self.orphan_after, self.policy.batch + len(skip))
        rows = [row for row in rows if row.id not in skip][:self.policy.batch]
        if not rows:
            return False
        queue.append((rows, self.prepared(rows, pooled)))
        return True

    def prepared(self, rows: list[RawMail], pooled: bool) -> Future[list[Ready]]:
        """The batch's preparation: submitted to the pool, or done here and now."""
        if pooled and self.pool is not None and len(rows) == self.policy.batch:
            try:
                return self.pool.submit(prepare_ids, [row.id for row in rows])  # type: ignore[misc]
            except Exception as exc:
                self.lose_pool(exc)
        done: Future[list[Ready]] = Future()
        done.set_result(self.prepare_here(rows))
        return done

    def result(self, ready: Future[list[Ready]], rows: list[RawMail]) -> list[Ready]:
        """A batch's preparation; if the pool broke (a process killed), prepare here from now on.
        Raises Stopped rather than wait for the pool once serve is stopping."""
        while True:
            if self.stop.is_set():
                raise Stopped
            try:
                return ready.result(timeout=0.2)
            except FutureTimeout:
                continue
            except BrokenProcessPool as exc:
                self.lose_pool(exc)
                return self.prepare_here(rows)

    def prepare_here(self, rows: list[RawMail]) -> list[Ready]:
        """Prepare in this process; stops between mails when serve is stopping (the rest stay
        pending)."""
        return prepare_rows(self.db, self.settings, [row.id for row in rows], self.stop)  # type: ignore[misc]

    def lose_pool(self, exc: Exception) -> None:
        log.error("preparing processes unavailable (%s: %s); filing goes on in this process",
                  type(exc).__name__, exc)
        self.pool = None

    def file_all(self, rows: list[RawMail], ready: list[Ready]) -> int:
        """File a prepared batch in one transaction; if a mail in it fails, mail by mail, so only
        the culprit counts a failed attempt. Returns how many mails were handled.

        A store outage is raised (the worker retries the whole batch later, without limit);
        any other failure is the mail's: after MAX_ATTEMPTS it is set aside, and the queue goes on.
        """
        prepared = [(row, item) for row, item in zip(rows, ready) if isinstance(item, Prepared)]
        unreadable = [(row, item) for row, item in zip(rows, ready) if isinstance(item, Failed)]
        started = time.monotonic()
        results = whole_or_each(prepared, self.file_batch, fatal=self.db.is_outage) if prepared else []
        filed = [result for result in results if isinstance(result, Filed)]
        self.observe(prepared, filed, time.monotonic() - started)
        for (row, _), result in zip(prepared, results):
            if isinstance(result, Exception):
                self.failed(row, failure(result))
        for row, reason in unreadable:
            self.failed(row, reason)
        return len(prepared) + len(unreadable)

    def failed(self, row: RawMail, failed: Failed) -> None:
        """Count a failed attempt; at MAX_ATTEMPTS set the mail aside as a held case."""
        error = failed.error
        with self.db.write() as session:
            attempts = record_attempt(session, row.id, error)  # type: ignore[arg-type]
            if attempts >= MAX_ATTEMPTS:
                set_aside(session, row, attempts, error)
        log.warning("filing %s failed (attempt %d of %d): %s", row.message_id, attempts, MAX_ATTEMPTS, error)
        self.tell([("set_aside" if attempts >= MAX_ATTEMPTS else "failed", 0.0)])

    def observe(self, prepared: list[tuple[RawMail, Prepared]], filed: list[Filed], seconds: float) -> None:
        """Each filed mail's time (its preparation plus its share of the write) to the observer."""
        if self.report is None or not filed:
            return
        share = seconds / max(1, len(prepared))
        spent = {item.mail.message_id: item.seconds for _, item in prepared}
        self.tell([(f.outcome, spent.get(f.message_id, 0.0) + share) for f in filed])

    def tell(self, outcomes: list[tuple[str, float]]) -> None:
        if self.report is not None:
            try:
                self.report(outcomes)
            except Exception:  # metrics must never stop filing
                log.debug("filing report failed", exc_info=True)

    def file_batch(self, prepared: Sequence[tuple[RawMail, Prepared]]) -> list[Filed | None]:
        """File prepared mails in one transaction: one flush of many rows is far cheaper than a
        savepoint per mail. A mail that fails rolls the batch back; file_all retries mail by mail.
        Per mail, what became of it (None: another instance claimed it first)."""
        with self.db.write() as session:
            won = claim(session, [row.id for row, _ in prepared if row.id is not None])
            known = known_messages(session, [ready.mail.message_id for _, ready in prepared])
            return [file_mail(session, row, ready, self.settings, known) if row.id in won else None
                    for row, ready in prepared]

    def index(self) -> int:
        """Index a batch of filed messages for search (store.search.index_pending); how many.
        Asks first with a read, so an idle worker does not take the write lock every wake."""
        self.indexed_at = time.monotonic()
        with self.db.read() as session:
            if not has_pending(session):
                return 0
        with self.db.write() as session:
            return index_pending(session)

    def run(self, stop: Any, idle: float = 0.5) -> None:
        """Loop until `stop`: drain; with nothing to file, index for search; then sleep until
        woken by a commit or `idle` passes."""
        while not stop.is_set():
            try:
                handled = self.drain() or (not stop.is_set() and self.index())
            except Exception as exc:
                # The store is down or busy: the mail is safe in raw_mail; try again shortly.
                log.warning("ingest worker: store error (%s: %s), retrying", type(exc).__name__,
                            str(exc).splitlines()[0][:200])
                stop.wait(1.0)
                continue
            if not handled and not stop.is_set():
                self.wake.wait(idle)
                self.wake.clear()


def in_pool(queue: deque[Batch]) -> int:
    """Batches of the queue the pool is still preparing (the writer's own are done at once)."""
    return sum(1 for _, ready in queue if not ready.done())


def prepare_rows(db: Database, settings: Settings, ids: list[int], stop: Any = None) -> list[Ready]:
    """Prepare raw mails by id, in order. Their bytes are read here, in one short snapshot (the
    writer's queue holds none), and no read stays open while they are parsed. With `stop` set,
    the mails after the current one are left out (they stay pending)."""
    with db.read() as session:
        rows = {row.id: row for row in session.scalars(select(RawMail).where(RawMail.id.in_(ids)))}  # type: ignore[union-attr]
    ready: list[Ready] = []
    for raw_id in ids:
        if stop is not None and stop.is_set():
            break
        ready.append(prepare_safely(db, rows[raw_id], settings) if raw_id in rows else Failed("LookupError: raw mail gone"))
    return ready


def prepare_safely(db: Database, row: RawMail, settings: Settings) -> Ready:
    """Parse and read one mail; a mail that breaks the reader becomes its error, not a stall."""
    started = time.monotonic()
    try:
        return replace(prepare(db, row, settings), seconds=time.monotonic() - started)
    except Exception as exc:
        log.exception("reading %s failed", row.message_id)
        return failure(exc)


def failure(exc: Exception) -> Failed:
    """A mail's own failure in one line, bounded ("TypeError: ...")."""
    first = str(exc).splitlines()[0][:500] if str(exc) else ""
    return Failed(f"{type(exc).__name__}: {first}")


def set_aside(session: Session, row: RawMail, attempts: int, error: str) -> None:
    """Keep a mail that cannot be filed visible and reprocessable instead of blocking the queue:
    out of the queue, marked set aside, and a held case staff can find."""
    log.error("%s set aside after %d failed attempts: %s", row.message_id, attempts, error)
    mark_set_aside(session, row.id, error)  # type: ignore[arg-type]
    set_aside_case(session, row, attempts, error)


# -- in a preparing process ---------------------------------------------------------------------

_store: tuple[Database, Settings] | None = None


def start_preparing(settings: Settings) -> None:
    """Pool initializer: a preparing process reads the store through its own connection."""
    global _store
    _store = (Database(settings.database.url), settings)


def prepare_ids(ids: list[int]) -> list[Ready]:
    """Pool entry: prepare raw mails by id (the bytes are read here, not shipped between processes)."""
    assert _store is not None, "start_preparing was not called"
    return prepare_rows(*_store, ids)


# -- the filing process and its pool, as serve starts them ------------------------------------

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
            except queues.Empty:
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
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    # The pool's manager thread closes its wake-up pipe when it sees the preparers gone; left
    # running, it races the interpreter's exit hook, which writes to that pipe ("OSError: [Errno
    # 9] Bad file descriptor" printed by the filing process on a busy machine's SIGTERM).
    if manager is not None:
        manager.join(MANAGER_EXIT)


# How long stopping waits for the pool's manager thread once its preparers are killed.
MANAGER_EXIT = 2.0


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
