"""The ingest worker: drains committed raw mail into cases, one short transaction per batch."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.settings import Settings
from ingest.pipeline import Filed, Prepared, file_mail, prepare, set_aside_case
from store.db import Database
from store.inbound import MAX_ATTEMPTS, claim, mark_set_aside, pending, record_attempt
from store.models import RawMail
from store.tickets import known_messages

log = logging.getLogger("casedesk.ingest")

# Another instance's unprocessed mail is taken over after this long (it may have crashed).
ORPHAN_AFTER = timedelta(seconds=5)
BATCH = 16
# Batches queued in the pool at once, so it never waits for the writer to hand it more.
POOL_DEPTH = 2
# Batches taken and not yet filed, at most, counting those the writer prepared itself.
AHEAD = 4
# A mail's preparation, or why it could not be read ("TypeError: ..."), which sets it aside.
Ready = Prepared | str
Batch = tuple[list[RawMail], Future[list[Ready]]]
# What filing tells its observer (the /metrics of serve) per batch: (outcome, seconds) per mail;
# outcomes are Filed's, plus "failed" (an attempt) and "set_aside".
Report = Callable[[list[tuple[str, float]]], None]


class Stopped(Exception):
    """serve is stopping: leave the rest of the backlog for the next start."""


class Worker:
    """Files raw mail this instance accepted (and orphans); safe to run beside other instances.

    With a `pool` of preparing processes, a full batch is parsed and read there while the batch
    before it is being filed here: one writer, in order, and the slow pure part on other cores.
    Writing is the cheaper half, so while the writer would wait for the pool it prepares a
    further batch itself. A trickle of mail is prepared in-line, at once.
    """

    def __init__(self, db: Database, settings: Settings, owner: str, wake: Any = None,
                 pool: Executor | None = None, stop: Any = None, report: Report | None = None) -> None:
        self.db, self.settings, self.owner, self.pool = db, settings, owner, pool
        # Checked between mails: on SIGTERM filing stops after the current one (issue 13).
        self.stop = stop if stop is not None else threading.Event()
        self.report = report
        # Set after each commit so filing starts at once; a multiprocessing.Event across processes.
        self.wake = wake if wake is not None else threading.Event()
        # SQLite has one serve per file: whatever is pending after a restart is ours at once.
        self.orphan_after = timedelta(0) if db.is_sqlite else ORPHAN_AFTER

    def drain(self) -> int:
        """File everything pending now, batch by batch in the order taken; returns how many
        mails were handled."""
        total = 0
        queue: deque[Batch] = deque()
        while not self.stop.is_set():
            while (self.pool is not None and in_pool(queue) < POOL_DEPTH and len(queue) < AHEAD
                   and self.take(queue, pooled=True)):
                pass
            waiting = bool(queue) and not queue[0][1].done()
            if (not queue or waiting and len(queue) < AHEAD) and self.take(queue, pooled=False):
                continue  # the writer prepared a batch itself rather than wait for the pool
            if not queue:
                return total
            rows, ready = queue.popleft()
            try:
                total += self.file_all(rows, self.result(ready, rows))
            except Stopped:
                break
        for _, ready in queue:  # batches the pool has not started are dropped; they stay pending
            ready.cancel()
        return total

    def take(self, queue: deque[Batch], pooled: bool) -> bool:
        """Add the next batch of pending mail (not yet in `queue`) to it, being prepared in the
        pool if `pooled` and it is full, else prepared here. False when nothing is pending."""
        skip = {row.id for rows, _ in queue for row in rows}
        with self.db.read() as session:
            rows = pending(session, self.owner, self.orphan_after, BATCH + len(skip))
        rows = [row for row in rows if row.id not in skip][:BATCH]
        if not rows:
            return False
        queue.append((rows, self.prepared(rows, pooled)))
        return True

    def prepared(self, rows: list[RawMail], pooled: bool) -> Future[list[Ready]]:
        """The batch's preparation: submitted to the pool, or done here and now."""
        if pooled and self.pool is not None and len(rows) == BATCH:
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
        prepared = [(row, item) for row, item in zip(rows, ready) if not isinstance(item, str)]
        unreadable = [(row, item) for row, item in zip(rows, ready) if isinstance(item, str)]
        started = time.monotonic()
        try:
            filed = self.file_batch(prepared)
        except Exception as exc:
            if self.db.is_outage(exc) or len(prepared) < 2:
                self.failed_or_raise(prepared, exc)
                filed = []
            else:
                filed = [f for item in prepared for f in self.file_alone(item)]
        self.observe(prepared, filed, time.monotonic() - started)
        for row, error in unreadable:
            self.failed(row, error)
        return len(prepared) + len(unreadable)

    def file_alone(self, item: tuple[RawMail, Prepared]) -> list[Filed]:
        try:
            return self.file_batch([item])
        except Exception as exc:
            self.failed_or_raise([item], exc)
            return []

    def failed_or_raise(self, items: list[tuple[RawMail, Prepared]], exc: Exception) -> None:
        """Raise a store outage; count a mail's own failure against it."""
        if self.db.is_outage(exc) or len(items) != 1:
            raise exc
        self.failed(items[0][0], f"{type(exc).__name__}: {str(exc).splitlines()[0][:500] if str(exc) else ''}")

    def failed(self, row: RawMail, error: str) -> None:
        """Count a failed attempt; at MAX_ATTEMPTS set the mail aside as a held case."""
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

    def file_batch(self, prepared: list[tuple[RawMail, Prepared]]) -> list[Filed]:
        """File prepared mails in one transaction: one flush of many rows is far cheaper than a
        savepoint per mail. A mail that fails rolls the batch back; file_all retries mail by mail."""
        filed: list[Filed] = []
        if not prepared:
            return filed
        with self.db.write() as session:
            won = claim(session, [row.id for row, _ in prepared if row.id is not None])
            known = known_messages(session, [ready.mail.message_id for _, ready in prepared])
            for row, ready in prepared:
                if row.id in won:
                    filed.append(file_mail(session, row, ready, self.settings, known))
        return filed

    def run(self, stop: Any, idle: float = 0.5) -> None:
        """Loop until `stop`: drain, then sleep until woken by a commit or `idle` passes."""
        while not stop.is_set():
            try:
                handled = self.drain()
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
        ready.append(prepare_safely(db, rows[raw_id], settings) if raw_id in rows else "LookupError: raw mail gone")
    return ready


def prepare_safely(db: Database, row: RawMail, settings: Settings) -> Ready:
    """Parse and read one mail; a mail that breaks the reader becomes its error, not a stall."""
    started = time.monotonic()
    try:
        return replace(prepare(db, row, settings), seconds=time.monotonic() - started)
    except Exception as exc:
        log.exception("reading %s failed", row.message_id)
        return f"{type(exc).__name__}: {exc}"


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
