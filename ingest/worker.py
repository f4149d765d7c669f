"""The ingest worker: drains committed raw mail into cases, one short transaction per batch."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from casedesk.settings import Settings
from ingest.pipeline import Filed, Prepared, file_mail, prepare
from store.db import Database
from store.inbound import claim, pending, record_error
from store.models import RawMail

log = logging.getLogger("casedesk.ingest")

# Another instance's unprocessed mail is taken over after this long (it may have crashed).
ORPHAN_AFTER = timedelta(seconds=5)
BATCH = 16


class Worker:
    """Files raw mail this instance accepted (and orphans); safe to run beside other instances."""

    def __init__(self, db: Database, settings: Settings, owner: str, wake: Any = None) -> None:
        self.db, self.settings, self.owner = db, settings, owner
        # Set after each commit so filing starts at once; a multiprocessing.Event across processes.
        self.wake = wake if wake is not None else threading.Event()
        # SQLite has one serve per file: whatever is pending after a restart is ours at once.
        self.orphan_after = timedelta(0) if db.is_sqlite else ORPHAN_AFTER

    def drain_once(self, limit: int = BATCH) -> list[Filed]:
        """File up to `limit` pending mails; returns what became of them.

        Parsing and reading (the slow, pure part) happen in a read session, so the write lock
        is held only for the threading lookups and inserts.
        """
        with self.db.read() as session:
            rows = pending(session, self.owner, self.orphan_after, limit)
            prepared = [(row, self.prepare(session, row)) for row in rows]
        try:
            return self.file_batch(prepared)
        except OperationalError:
            raise
        except Exception:
            if len(prepared) == 1:
                raise
            # A mail in the batch failed: file mail by mail, so only the culprit is set aside.
            return [filed for item in prepared for filed in self.file_batch([item])]

    def file_batch(self, prepared: list[tuple[RawMail, Prepared | Exception]]) -> list[Filed]:
        """File prepared mails in one transaction: one flush of many rows is far cheaper than a
        savepoint per mail. Alone, a mail that fails is set aside with its error; in a batch its
        failure rolls the batch back, and drain_once retries mail by mail."""
        filed: list[Filed] = []
        with self.db.write() as session:
            won = claim(session, [row.id for row, _ in prepared if row.id is not None])
            for row, ready in prepared:
                if row.id not in won:
                    continue
                if isinstance(ready, Exception):
                    self.set_aside(session, row, ready)
                elif len(prepared) > 1:
                    filed.append(file_mail(session, row, ready, self.settings))
                else:
                    try:
                        with session.begin_nested():
                            filed.append(file_mail(session, row, ready, self.settings))
                    except OperationalError:
                        raise  # the store is in trouble, not the mail: retry later
                    except Exception as exc:
                        self.set_aside(session, row, exc)
        return filed

    @staticmethod
    def set_aside(session: Session, row: RawMail, exc: Exception) -> None:
        """Keep a mail that cannot be filed visible and reprocessable instead of blocking the queue."""
        log.error("filing %s failed: %s: %s", row.message_id, type(exc).__name__, exc)
        record_error(session, row.id, f"{type(exc).__name__}: {exc}")  # type: ignore[arg-type]

    def prepare(self, session: Session, row: RawMail) -> Prepared | Exception:
        """Parse and read one mail; a mail that breaks the reader becomes its error, not a stall."""
        try:
            return prepare(session, row, self.settings)
        except Exception as exc:
            log.exception("reading %s failed", row.message_id)
            return exc

    def drain(self) -> int:
        """File everything pending now; returns how many mails were handled."""
        total = 0
        while True:
            batch = self.drain_once()
            total += len(batch)
            if len(batch) < BATCH and not self.more_pending():
                return total

    def more_pending(self) -> bool:
        with self.db.read() as session:
            return bool(pending(session, self.owner, self.orphan_after, 1))

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
