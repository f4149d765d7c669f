"""Who may see what: revoked sign-ins, known addresses, case visibility and a message's bytes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from core.times import utc
from store.db import insert
from store.inbound import raw_of
from store.models import Message, Participant, Revocation, Ticket, UsedLink
from store.tickets import is_participant, outbound_bytes

# A used link's row must outlive the link itself; no link lives longer than a day.
USED_LINK_KEPT = timedelta(hours=25)


def revoked_at(session: Session, address: str) -> datetime | None:
    """Links and sessions of this address issued before this moment are void."""
    when = session.scalar(select(col(Revocation.revoked_at)).where(col(Revocation.address) == address.lower()))
    return utc(when) if when else None


def revoke(session: Session, address: str, at: datetime) -> None:
    """Void every link and session of `address` issued before `at` (a later revoke moves it on)."""
    address = address.lower()
    updated = session.exec(
        update(Revocation).where(col(Revocation.address) == address).values(revoked_at=at)
    )
    if updated.rowcount == 0:
        session.add(Revocation(address=address, revoked_at=at))


def use_link(session: Session, nonce: str, address: str, now: datetime) -> bool:
    """Record that the link with this nonce was used; False when it already was.

    ON CONFLICT DO NOTHING: two browsers confirming the same link at once both try, exactly one
    row gets in, and only that one starts a session.
    """
    session.execute(delete(UsedLink).where(col(UsedLink.used_at) < now - USED_LINK_KEPT))
    statement = (insert(session, UsedLink).values(nonce=nonce, address=address.lower(), used_at=now)
                 .on_conflict_do_nothing(index_elements=["nonce"]).returning(col(UsedLink.id)))
    return session.execute(statement).scalar() is not None


def link_used(session: Session, nonce: str) -> bool:
    return session.scalar(select(col(UsedLink.id)).where(col(UsedLink.nonce) == nonce)) is not None


def is_known(session: Session, address: str) -> bool:
    """True when the address is the customer or a participant of some case."""
    address = address.lower()
    return (
        session.scalar(select(col(Ticket.id)).where(col(Ticket.customer) == address).limit(1)) is not None
        or session.scalar(select(col(Participant.id)).where(col(Participant.address) == address).limit(1)) is not None
    )


def language_of(session: Session, address: str, default: str = "en") -> str:
    """The language of the address's most recent case, for mail we send it outside a case."""
    language = session.scalar(
        select(col(Ticket.language)).where(col(Ticket.customer) == address.lower())
        .order_by(col(Ticket.updated_at).desc()).limit(1)
    )
    return language or default


def may_see(session: Session, ticket: Ticket, address: str, staff: bool) -> bool:
    """Staff see every case; anyone else only cases they are customer or participant of."""
    return staff or is_participant(session, ticket, address.lower())


def message_bytes(session: Session, message: Message) -> bytes | None:
    """Inbound: the bytes as received; outbound: the bytes as the outbox sent them."""
    if message.raw_id is not None:
        return raw_of(session, message.raw_id)
    return outbound_bytes(session, message.message_id)
