"""Raw mail in: durable accept with dedupe, and the queue the ingest worker drains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from store.db import Database, insert
from store.models import RawMail, utcnow

# A mail that fails to file this many times is set aside (a store outage does not count).
MAX_ATTEMPTS = 3


# The `accepted_by` of mail that `casedesk ingest -` committed without filing it
# (casedesk/mailgate.py PIPE_OWNER): any instance files it at once, as if its own listener took it.
PIPE_OWNER = "ingest-pipe"


@dataclass(frozen=True)
class Incoming:
    """A mail as it arrived: envelope, bytes, and its (possibly synthetic) Message-ID."""

    message_id: str
    data: bytes
    mail_from: str = ""
    rcpt_to: tuple[str, ...] = ()
    source: str = "smtp"


def accept(db: Database, mails: list[Incoming], accepted_by: str) -> list[int | None]:
    """Commit raw mails in one transaction; returns each row id, or None for a known Message-ID.

    A duplicate (same Message-ID, also within the batch) is not an error: the sender gets 250
    and the mail is stored once. One executemany for the batch keeps a group commit cheap.
    """
    now = utcnow()
    wanted = list(dict.fromkeys(mail.message_id for mail in mails))
    with db.write() as session:
        known = set(session.scalars(select(col(RawMail.message_id)).where(col(RawMail.message_id).in_(wanted))))
        fresh: dict[str, Incoming] = {}
        for mail in mails:
            if mail.message_id not in known:
                fresh.setdefault(mail.message_id, mail)
        if fresh:
            session.execute(insert(session, RawMail).on_conflict_do_nothing(index_elements=["message_id"]), [
                {"message_id": m.message_id, "mail_from": m.mail_from, "rcpt_to": list(m.rcpt_to),
                 "data": m.data, "size": len(m.data), "source": m.source, "accepted_by": accepted_by,
                 "received_at": now}
                for m in fresh.values()
            ])
            ids: dict[str, int | None] = dict(session.execute(
                select(col(RawMail.message_id), col(RawMail.id)).where(col(RawMail.message_id).in_(list(fresh)))
            ).all())
        else:
            ids = {}
    first = set()
    result: list[int | None] = []
    for mail in mails:
        # Only the first copy of a Message-ID in this batch counts as new.
        is_first = mail.message_id in fresh and mail.message_id not in first
        first.add(mail.message_id)
        result.append(ids.get(mail.message_id) if is_first else None)
    return result


def pending(session: Session, owner: str, orphan_after: timedelta, limit: int) -> list[RawMail]:
    """Unprocessed mail this instance accepted, and any other instance's that waited too long.

    Each `casedesk serve` drains what its own listener took, so instances on one PostgreSQL
    do not parse the same mail; a crashed instance's leftovers are picked up by whoever is up,
    and piped mail (PIPE_OWNER) by every instance at once (the claim files it once).
    The bytes are left out: they are read where the mail is parsed.
    """
    stale = utcnow() - orphan_after
    statement = (
        select(RawMail)
        .options(defer(RawMail.data))  # type: ignore[arg-type]  # read where the mail is parsed
        .where(col(RawMail.processed_at).is_(None))
        .where(or_(col(RawMail.accepted_by).in_([owner, PIPE_OWNER]), col(RawMail.received_at) < stale))
        .order_by(col(RawMail.id))
        .limit(limit)
    )
    return list(session.scalars(statement))


def claim(session: Session, raw_ids: list[int]) -> set[int]:
    """Mark raw mails processed inside the filing transaction; returns the ids this worker won
    (another instance may have filed some meanwhile). One statement for the whole batch."""
    if not raw_ids:
        return set()
    result = session.execute(
        update(RawMail)
        .where(col(RawMail.id).in_(raw_ids), col(RawMail.processed_at).is_(None))
        .values(processed_at=utcnow())
        .returning(col(RawMail.id))
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


def oldest_pending(session: Session) -> tuple[int, datetime | None]:
    """How many raw mails wait to be filed, and when the oldest arrived (uses the pending index)."""
    waiting = session.scalar(select(func.count()).select_from(RawMail).where(col(RawMail.processed_at).is_(None)))
    oldest = session.scalar(select(func.min(col(RawMail.received_at))).where(col(RawMail.processed_at).is_(None)))
    return waiting or 0, oldest


def raw_of(session: Session, raw_id: int) -> bytes | None:
    row = session.get(RawMail, raw_id)
    return row.data if row else None


def record_attempt(session: Session, raw_id: int, error: str) -> int:
    """Count a failed filing attempt of a pending mail and keep its error; returns the attempts
    so far (0 when the mail is no longer pending: another instance filed it)."""
    result = session.execute(
        update(RawMail).where(col(RawMail.id) == raw_id, col(RawMail.processed_at).is_(None))
        .values(attempts=col(RawMail.attempts) + 1, error=error[:2000])
        .returning(col(RawMail.attempts))
        .execution_options(synchronize_session=False)
    )
    return result.scalar() or 0


def mark_set_aside(session: Session, raw_id: int, error: str) -> None:
    """Take a mail out of the queue for good: processed, set aside now, its error kept."""
    now = utcnow()
    session.execute(
        update(RawMail).where(col(RawMail.id) == raw_id)
        .values(processed_at=now, set_aside_at=now, error=error[:2000])
        .execution_options(synchronize_session=False)
    )


def set_aside_count(session: Session) -> int:
    """How many mails are set aside and not yet retried (/healthz, /metrics)."""
    return session.scalar(select(func.count()).select_from(RawMail)
                          .where(col(RawMail.set_aside_at).is_not(None))) or 0


def set_aside_ids(session: Session, limit: int = 10_000) -> list[int]:
    """The set-aside mails, oldest first."""
    return list(session.scalars(select(col(RawMail.id)).where(col(RawMail.set_aside_at).is_not(None))
                                .order_by(col(RawMail.id)).limit(limit)))


def release(session: Session, raw_ids: list[int], owner: str) -> None:
    """Put set-aside mails back in the queue of `owner`, with a fresh count of attempts."""
    for start in range(0, len(raw_ids), 500):
        session.execute(
            update(RawMail).where(col(RawMail.id).in_(raw_ids[start:start + 500]))
            .values(processed_at=None, set_aside_at=None, attempts=0, error=None, accepted_by=owner)
            .execution_options(synchronize_session=False)
        )
