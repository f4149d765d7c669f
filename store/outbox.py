"""The outbox: plan a mail once per key, claim due rows without double-sending, settle them."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import cast

from sqlalchemy import bindparam, func, or_, select, text, update
from sqlalchemy.orm import load_only
from sqlmodel import Session, col

from store.db import insert
from store.models import STAFF_NOTICES, Outbox, Ticket, table_of
from store.tickets import add_message

PENDING = "pending"
SENT = "sent"
# The mail server refused the mail for good (5xx): retrying would only repeat the refusal.
FAILED = "failed"
# Over the per-address cap: dropped, never sent, kept visible for staff.
SUPPRESSED = "suppressed"
# A reminder the case no longer needs (the customer answered or the case completed first).
CANCELLED = "cancelled"
# Mail a person caused and another person reads: a staff answer to its customer, notices to the
# staff list. The per-address cap is loop protection against machines; a team list gets more than
# ten notices on a busy afternoon, and a staff answer is never dropped. They still count towards it.
UNCAPPED = frozenset({"staff_answer", *STAFF_NOTICES})


# A local part that needs no quotes (RFC 5322 dot-atom): `"ann"@d` is the mailbox `ann@d`.
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def mailbox(address: str) -> str:
    """One spelling per mailbox, so the per-address cap counts it once (issue 12): needless quotes
    around the local part dropped, everything lowercased, the domain case-folded without a final dot."""
    local, _, domain = address.strip().rpartition("@")
    if len(local) > 2 and local[0] == local[-1] == '"' and _DOT_ATOM.match(local[1:-1]):
        local = local[1:-1]
    return f"{local.lower()}@{domain.casefold().rstrip('.')}" if local else address.strip().lower()


def plan(session: Session, *, key: str, kind: str, recipient: str, message_id: str, data: bytes,
         ticket_id: int | None = None, due: datetime | None = None) -> bool:
    """Insert one planned mail in the caller's transaction; False when `key` is already planned.

    ON CONFLICT DO NOTHING rather than check-then-insert: two processes deciding the same mail
    at the same moment both try, the unique key lets exactly one row in, and neither fails.
    """
    values = {"key": key, "kind": kind, "recipient": mailbox(recipient), "message_id": message_id,
              "data": data, "ticket_id": ticket_id, "status": PENDING, "attempts": 0,
              "next_attempt_at": due or datetime.now(timezone.utc), "created_at": datetime.now(timezone.utc)}
    statement = (insert(session, Outbox).values(**values)
                 .on_conflict_do_nothing(index_elements=["key"]).returning(Outbox.id))
    return session.execute(statement).scalar() is not None


def rows_of(session: Session, ticket_ids: Sequence[int]) -> list[Outbox]:
    """Every outbox row of these cases, oldest first: the sent history the policy decides from."""
    if not ticket_ids:
        return []
    return list(session.scalars(
        select(Outbox).where(col(Outbox.ticket_id).in_(ticket_ids)).order_by(col(Outbox.id))
    ))


def cancel(session: Session, keys: Sequence[str], now: datetime) -> int:
    """Cancel planned mails that are not yet claimed; a claimed one is already on its way."""
    if not keys:
        return 0
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.key).in_(keys), col(Outbox.status) == PENDING, col(Outbox.claimed_at).is_(None))
        .values(status=CANCELLED, next_attempt_at=now)
    )
    return result.rowcount or 0


def claim(session: Session, now: datetime, *, limit: int, lease: timedelta,
          cap: int, window: timedelta) -> tuple[list[Outbox], list[Outbox]]:
    """Claim due rows, stamping `claimed_at = now`; returns (claimed, suppressed by the cap).

    `claimed_at` is both the lease and the claim's token: whoever settles the row must name it, so
    a process whose lease ran out (and whose row another process took over) cannot settle it.

    Due: pending, next attempt reached, and unclaimed or claimed by a process whose lease ran out
    (it crashed mid-send). PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent processes take
    disjoint rows; SQLite: the caller's BEGIN IMMEDIATE already makes this the only writer.

    The cap counts mails sent to the address within `window` plus mails claimed and in flight, so
    two processes cannot both send the tenth: on PostgreSQL each recipient's count is taken under
    a transaction-scoped advisory lock, in address order so two claimers never deadlock.
    """
    statement = (
        select(Outbox)
        .where(col(Outbox.status) == PENDING, col(Outbox.next_attempt_at) <= now,
               or_(col(Outbox.claimed_at).is_(None), col(Outbox.claimed_at) < now - lease))
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = sorted(session.scalars(statement), key=lambda r: (r.recipient, r.id))
    postgres = session.get_bind().dialect.name == "postgresql"
    claimed: list[Outbox] = []
    suppressed: list[Outbox] = []
    for row in rows:
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                            {"k": zlib.crc32(row.recipient.encode())})
        if row.kind not in UNCAPPED and recent_count(session, row, now, lease, window) >= cap:
            row.status, row.next_attempt_at, row.claimed_at = SUPPRESSED, now, None
            row.last_error = f"over the cap of {cap} mails per {window} to {row.recipient}"
            suppressed.append(row)
        else:
            row.claimed_at = now
            claimed.append(row)
        session.flush()
    return claimed, suppressed


def recent_count(session: Session, row: Outbox, now: datetime, lease: timedelta, window: timedelta) -> int:
    """Mails to this row's address sent within `window`, or claimed by someone and in flight."""
    return session.scalar(
        select(func.count()).select_from(Outbox).where(
            col(Outbox.recipient) == row.recipient, col(Outbox.id) != row.id,
            or_(col(Outbox.sent_at) >= now - window,
                (col(Outbox.status) == PENDING) & (col(Outbox.claimed_at) >= now - lease)),
        )
    ) or 0


def mark_sent(session: Session, row_id: int, claimed_at: datetime, now: datetime,
              message: Mapping[str, object] | None) -> bool:
    """Settle a row as sent and put the outbound message on its case, in one transaction.

    False when the claim is no longer ours (our lease ran out and another process took the row):
    then the other process records it, not us.
    """
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.claimed_at) == claimed_at, col(Outbox.status) == PENDING)
        .values(status=SENT, sent_at=now, attempts=col(Outbox.attempts) + 1, last_error=None)
    )
    if not result.rowcount:
        return False
    ticket = session.get(Ticket, message["ticket_id"]) if message is not None else None
    if message is not None and ticket is not None:
        add_message(session, ticket, message, now)
    return True


def mark_failed(session: Session, row_id: int, claimed_at: datetime, now: datetime, error: str,
                retry_at: datetime | None) -> bool:
    """Count a failed attempt: release the claim until `retry_at`, or fail for good when None."""
    values: dict[str, object] = {"attempts": col(Outbox.attempts) + 1, "last_error": error[:1000],
                                 "claimed_at": None}
    if retry_at is None:
        values.update(status=FAILED, next_attempt_at=now)
    else:
        values["next_attempt_at"] = retry_at
    result = session.exec(
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.claimed_at) == claimed_at, col(Outbox.status) == PENDING)
        .values(**values)
    )
    return bool(result.rowcount)


def history_of(session: Session, ticket_ids: Sequence[int]) -> list[Outbox]:
    """Like `rows_of`, without the mail bytes: what the policy decides from, cheap to load."""
    if not ticket_ids:
        return []
    # load_only takes ORM attributes, which SQLModel declares as the fields' value types.
    loaded = (Outbox.ticket_id, Outbox.key, Outbox.kind, Outbox.status, Outbox.sent_at, Outbox.next_attempt_at,
              Outbox.claimed_at)
    return list(session.scalars(
        select(Outbox).options(load_only(*loaded))  # type: ignore[arg-type]
        .where(col(Outbox.ticket_id).in_(ticket_ids)).order_by(col(Outbox.id))
    ))


def outbox_of(session: Session, ticket_id: int) -> list[Outbox]:
    """A case's planned and sent mail, oldest first."""
    return rows_of(session, [ticket_id])


def cases_to_follow_up(session: Session, now: datetime, every_waiting_case: bool = False) -> list[int]:
    """Ids of the cases the follow-up policy must look at now: those whose next step fell due by
    `now`, and those whose last decision is out of date (never made, or the case's `updated_at` or
    `status` moved since). Each half is one index lookup (ix_ticket_followup_due and the partial
    ix_ticket_followup_stale), so a tick reads what changed or fell due, not every open case.

    `every_waiting_case` takes every case with a next step at all, due or not: after the
    [followup] timings changed, the stored due times are those of the old timings.
    """
    due = select(col(Ticket.id)).where(
        col(Ticket.followup_due_at).is_not(None) if every_waiting_case else col(Ticket.followup_due_at) <= now)
    # The same condition as the partial index's, so both SQLite and PostgreSQL can use it.
    stale = select(col(Ticket.id)).where(or_(
        col(Ticket.followup_seen_at).is_(None),
        col(Ticket.followup_seen_at) != Ticket.updated_at,
        col(Ticket.followup_seen_status) != Ticket.status,
    ))
    found = set(session.scalars(due)) | set(session.scalars(stale))
    return sorted(cast("set[int]", found))  # ids read back from the table are never None


def record_decisions(session: Session, decided: Sequence[tuple[int, datetime | None]]) -> None:
    """Store (case id, next due time) for cases just decided on, with the `updated_at` and `status`
    the decision read. Copied inside the database, after the caller's own changes are flushed, so
    "the case changed since" compares a value with itself rather than two clocks.
    """
    if not decided:
        return
    session.flush()
    table = table_of(Ticket)
    session.connection().execute(
        update(table).where(table.c.id == bindparam("case_id")).values(
            followup_due_at=bindparam("due"), followup_seen_at=table.c.updated_at,
            followup_seen_status=table.c.status),
        [{"case_id": case_id, "due": due} for case_id, due in decided],
    )


def lock_tickets(session: Session, ticket_ids: Sequence[int]) -> list[Ticket]:
    """Load cases for a decision; on PostgreSQL the rows stay locked until commit, so a reply
    being filed at the same moment waits for (or is seen by) the decision."""
    return list(session.scalars(
        select(Ticket).where(col(Ticket.id).in_(ticket_ids)).order_by(col(Ticket.id)).with_for_update()
    ))
