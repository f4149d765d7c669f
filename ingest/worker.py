"""The ingest worker: drains committed raw mail into cases, one short transaction per batch."""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from casedesk.settings import Settings
from ingest.pipeline import Filed, Prepared, file_mail, prepare
from store.db import Database
from store.inbound import claim, pending, record_error
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


class Worker:
    """Files raw mail this instance accepted (and orphans); safe to run beside other instances.

    With a `pool` of preparing processes, a full batch is parsed and read there while the batch
    before it is being filed here: one writer, in order, and the slow pure part on other cores.
    Writing is the cheaper half, so while the writer would wait for the pool it prepares a
    further batch itself. A trickle of mail is prepared in-line, at once.
    """

    def __init__(self, db: Database, settings: Settings, owner: str, wake: Any = None,
                 pool: Executor | None = None) -> None:
        self.db, self.settings, self.owner, self.pool = db, settings, owner, pool
        # Set after each commit so filing starts at once; a multiprocessing.Event across processes.
        self.wake = wake if wake is not None else threading.Event()
        # SQLite has one serve per file: whatever is pending after a restart is ours at once.
        self.orphan_after = timedelta(0) if db.is_sqlite else ORPHAN_AFTER

    def drain(self) -> int:
        """File everything pending now, batch by batch in the order taken; returns how many
        mails were handled."""
        total = 0
        queue: deque[Batch] = deque()
        while True:
            while (self.pool is not None and in_pool(queue) < POOL_DEPTH and len(queue) < AHEAD
                   and self.take(queue, pooled=True)):
                pass
            waiting = bool(queue) and not queue[0][1].done()
            if (not queue or waiting and len(queue) < AHEAD) and self.take(queue, pooled=False):
                continue  # the writer prepared a batch itself rather than wait for the pool
            if not queue:
                return total
            rows, ready = queue.popleft()
            total += len(self.file_all(rows, self.result(ready, rows)))

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
        """A batch's preparation; if the pool broke (a process killed), prepare here from now on."""
        try:
            return ready.result()
        except BrokenProcessPool as exc:
            self.lose_pool(exc)
            return self.prepare_here(rows)

    def prepare_here(self, rows: list[RawMail]) -> list[Ready]:
        return prepare_rows(self.db, self.settings, [row.id for row in rows])  # type: ignore[misc]

    def lose_pool(self, exc: Exception) -> None:
        log.error("preparing processes unavailable (%s: %s); filing goes on in this process",
                  type(exc).__name__, exc)
        self.pool = None

    def file_all(self, rows: list[RawMail], ready: list[Ready]) -> list[Filed]:
        """File a prepared batch in one transaction; if a mail in it fails, mail by mail, so
        only the culprit is set aside."""
        prepared = list(zip(rows, ready))
        try:
            return self.file_batch(prepared)
        except OperationalError:
            raise
        except Exception:
            if len(prepared) == 1:
                raise
            return [filed for item in prepared for filed in self.file_batch([item])]

    def file_batch(self, prepared: list[tuple[RawMail, Ready]]) -> list[Filed]:
        """File prepared mails in one transaction: one flush of many rows is far cheaper than a
        savepoint per mail. Alone, a mail that fails is set aside with its error; in a batch its
        failure rolls the batch back, and file_all retries mail by mail."""
        filed: list[Filed] = []
        with self.db.write() as session:
            won = claim(session, [row.id for row, _ in prepared if row.id is not None])
            known = known_messages(session, [ready.mail.message_id for _, ready in prepared
                                             if not isinstance(ready, str)])
            for row, ready in prepared:
                if row.id not in won:
                    continue
                if isinstance(ready, str):
                    set_aside(session, row, ready)
                elif len(prepared) > 1:
                    filed.append(file_mail(session, row, ready, self.settings, known))
                else:
                    try:
                        with session.begin_nested():
                            filed.append(file_mail(session, row, ready, self.settings, known))
                    except OperationalError:
                        raise  # the store is in trouble, not the mail: retry later
                    except Exception as exc:
                        set_aside(session, row, f"{type(exc).__name__}: {exc}")
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
            if not handled:
                self.wake.wait(idle)
                self.wake.clear()


def in_pool(queue: deque[Batch]) -> int:
    """Batches of the queue the pool is still preparing (the writer's own are done at once)."""
    return sum(1 for _, ready in queue if not ready.done())


def prepare_rows(db: Database, settings: Settings, ids: list[int]) -> list[Ready]:
    """Prepare raw mails by id, in order. Their bytes are read here, in one short snapshot (the
    writer's queue holds none), and no read stays open while they are parsed."""
    with db.read() as session:
        rows = {row.id: row for row in session.scalars(select(RawMail).where(RawMail.id.in_(ids)))}  # type: ignore[union-attr]
    return [prepare_safely(db, rows[raw_id], settings) if raw_id in rows else "LookupError: raw mail gone"
            for raw_id in ids]


def prepare_safely(db: Database, row: RawMail, settings: Settings) -> Ready:
    """Parse and read one mail; a mail that breaks the reader becomes its error, not a stall."""
    try:
        return prepare(db, row, settings)
    except Exception as exc:
        log.exception("reading %s failed", row.message_id)
        return f"{type(exc).__name__}: {exc}"


def set_aside(session: Session, row: RawMail, error: str) -> None:
    """Keep a mail that cannot be filed visible and reprocessable instead of blocking the queue."""
    log.error("filing %s failed: %s", row.message_id, error)
    record_error(session, row.id, error)  # type: ignore[arg-type]


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
