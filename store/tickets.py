"""Ticket queries: find a case for a mail, open one, record messages, list and read cases."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from store.models import CLOSED, HELD, SET_ASIDE, Message, Outbox, Participant, Ticket, row, table_of, utcnow

T = TypeVar("T")
# Bind parameters per statement for lists that come from a mail: SQLite here allows 250,000,
# PostgreSQL 65,535; a mail's list can be longer, so every such query goes in chunks of this.
MAX_PARAMETERS = 500

REF_PREFIX = "CASE-"
# Refs start at CASE-1001 so they are never confused with small counts in prose.
REF_OFFSET = 1000


def chunks(items: Sequence[T], size: int = MAX_PARAMETERS) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`: one statement each."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def ref_for(ticket_id: int) -> str:
    return f"{REF_PREFIX}{REF_OFFSET + ticket_id}"


def known_messages(session: Session, message_ids: Iterable[str]) -> set[str]:
    """Those of these Message-IDs already on a case (in or out): one query for a filing batch."""
    wanted = list(dict.fromkeys(message_ids))
    return {found for part in chunks(wanted) for found in session.scalars(
        select(col(Message.message_id)).where(col(Message.message_id).in_(part)))}


def ticket_for_message_ids(session: Session, message_ids: Sequence[str]) -> Ticket | None:
    """The case holding the first of these Message-IDs (callers pass them in priority order).

    Each id comes with its case in one joined statement (it was a query, then an ORM get).
    """
    if not message_ids:
        return None
    found: dict[str, Ticket] = {}
    for part in chunks(list(dict.fromkeys(message_ids))):
        statement = (select(col(Message.message_id), Ticket).join(Ticket, col(Ticket.id) == col(Message.ticket_id))
                     .where(col(Message.message_id).in_(part)))
        for message_id, ticket in session.execute(statement):
            found[str(message_id)] = cast(Ticket, ticket)
    return next((found[message_id] for message_id in message_ids if message_id in found), None)


def ticket_by_ref(session: Session, ref: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(col(Ticket.ref) == ref.upper()))


def is_participant(session: Session, ticket: Ticket, address: str) -> bool:
    return address == ticket.customer or session.scalar(
        select(col(Participant.id)).where(col(Participant.ticket_id) == ticket.id, col(Participant.address) == address)
    ) is not None


def sent_to(session: Session, message_id: str, address: str) -> bool:
    """True when the mail we sent with this Message-ID went to `address`."""
    return session.scalar(
        select(col(Outbox.id)).where(col(Outbox.message_id) == message_id, col(Outbox.recipient) == address.lower()).limit(1)
    ) is not None


def open_ticket(session: Session, ticket: Ticket, participants: Iterable[str] = (),
                first_message: Mapping[str, object] | None = None) -> Ticket:
    """Insert a new case, give it its reference (derived from the row id, so unique everywhere)
    and record its participants and first message.

    Filing opens a case per new mail, so this is four plain statements: the case arrives with
    its final values, and nothing is left for the ORM to update afterwards.
    """
    if first_message is not None:
        ticket.message_count += 1
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    ref = ref_for(ticket.id)
    table = table_of(Ticket)
    session.execute(update(table).where(table.c.id == ticket.id).values(ref=ref))
    set_committed_value(ticket, "ref", ref)
    add_participants(session, ticket, participants, new=True)
    if first_message is not None:
        insert_message(session, ticket, first_message)
    return ticket


def add_participants(session: Session, ticket: Ticket, addresses: Iterable[str], new: bool = False) -> None:
    """Remember who may write to this case; already known addresses are skipped (a `new` case
    has none yet, so nobody is asked)."""
    wanted = sorted({a for a in addresses if a})
    if wanted and not new:
        known = {found for part in chunks(wanted) for found in session.scalars(
            select(col(Participant.address)).where(col(Participant.ticket_id) == ticket.id,
                                                   col(Participant.address).in_(part)))}
        wanted = [a for a in wanted if a not in known]
    # Two parameters a row: a multi-row insert stays within MAX_PARAMETERS too.
    for part in chunks(wanted, MAX_PARAMETERS // 2):
        session.execute(insert(table_of(Participant)), [
            {"ticket_id": ticket.id, "address": a} for a in part])


def participants(session: Session, ticket: Ticket) -> list[str]:
    return list(session.scalars(select(col(Participant.address)).where(col(Participant.ticket_id) == ticket.id)))


def add_message(session: Session, ticket: Ticket, values: Mapping[str, object], at: datetime | None = None) -> None:
    """Append a message (column values of `Message`) to a case and touch the case."""
    insert_message(session, ticket, values)
    ticket.message_count += 1
    ticket.updated_at = at or utcnow()


def insert_message(session: Session, ticket: Ticket, values: Mapping[str, object]) -> None:
    """One Core INSERT: visible to the next query at once, no ORM object to build or flush."""
    session.execute(insert(table_of(Message)), [row(Message, **{**values, "ticket_id": ticket.id})])


def messages_of(session: Session, ticket: Ticket) -> list[Message]:
    """A case's messages, oldest first."""
    return list(session.scalars(
        select(Message).where(col(Message.ticket_id) == ticket.id).order_by(col(Message.id))
    ))


def list_tickets(
    session: Session,
    *,
    status: str | None = None,
    case_type: str | None = None,
    customer: str | None = None,
    visible_to: str | None = None,
    missing_any: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Ticket]:
    """Cases newest activity first; `visible_to` limits to cases that address takes part in."""
    statement = select(Ticket)
    if status:
        statement = statement.where(col(Ticket.status) == status)
    if case_type:
        statement = statement.where(col(Ticket.case_type) == case_type)
    if customer:
        statement = statement.where(col(Ticket.customer) == customer.lower())
    if missing_any is not None:
        statement = statement.where(col(Ticket.has_missing) == missing_any)
    if visible_to:
        address = visible_to.lower()
        statement = statement.where(
            (col(Ticket.customer) == address)
            | col(Ticket.id).in_(select(col(Participant.ticket_id)).where(col(Participant.address) == address))
        )
    statement = statement.order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    return list(session.scalars(statement))


def outbound_bytes(session: Session, message_id: str) -> bytes | None:
    """The bytes of a mail we sent, as the outbox holds them."""
    return session.scalar(select(col(Outbox.data)).where(col(Outbox.message_id) == message_id))


def retire_set_aside_cases(session: Session, raw_ids: list[int]) -> int:
    """Close the held cases that stood for these set-aside mails, before the mails are filed
    again: their message rows go (so the Message-IDs are new again to dedupe), the case stays,
    closed and saying so, so its reference is never handed to another case (SQLite would reuse
    a deleted row id). Returns how many."""
    found: set[int] = set()
    for part in chunks(raw_ids):
        found |= set(session.scalars(
            select(col(Ticket.id)).join(Message, col(Message.ticket_id) == Ticket.id)
            .where(col(Message.raw_id).in_(part), col(Ticket.held_reason).like(f"{SET_ASIDE}%"),
                   col(Ticket.status) == HELD)))
    cases = sorted(found)
    for part in chunks(cases):
        session.execute(delete(Message).where(col(Message.ticket_id).in_(part)))
        session.execute(update(Ticket).where(col(Ticket.id).in_(part)).values(
            status=CLOSED, message_count=0, updated_at=utcnow(),
            held_reason="filed again by casedesk reprocess --failed (" + col(Ticket.held_reason) + ")"))
    return len(cases)
