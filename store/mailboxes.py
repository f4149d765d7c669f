"""IMAP mailboxes' health: one row per mailbox, upserted by its fetcher, read by /healthz."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from store.db import Database, insert
from store.models import MailboxStatus, table_of


def record_status(db: Database, name: str, *, error: str | None, now: datetime) -> None:
    """Upsert the mailbox's row after a pass (error None) or a failure.

    `failures` counts consecutive failures in the database, so it also adds up across
    `casedesk fetch --once` runs from cron; a success resets it and keeps the last error text.
    """
    table = table_of(MailboxStatus)
    if error is None:
        values: dict[str, object] = {"last_ok_at": now, "failures": 0, "updated_at": now}
        update = values
    else:
        values = {"last_error": error[:2000], "failures": 1, "updated_at": now}
        update = {**values, "failures": table.c.failures + 1}
    with db.write() as session:
        session.execute(insert(session, MailboxStatus).values(name=name, **values).on_conflict_do_update(
            index_elements=["name"], set_=update))


def mailbox_statuses(session: Session) -> list[MailboxStatus]:
    """Every mailbox any fetcher has reported on, by name."""
    statement = select(MailboxStatus).order_by(col(MailboxStatus.name))
    return list(session.scalars(statement))
