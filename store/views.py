"""The public JSON shapes of a case: `casedesk tickets/show --json` and the web API share them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session

from core.times import utc
from store.models import NOTE, STAFF_ANSWER, Message, Ticket
from store.tickets import messages_of


def iso(when: datetime | None) -> str | None:
    """UTC timestamp as ISO 8601 with a Z."""
    if when is None:
        return None
    return utc(when).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def case_view(ticket: Ticket) -> dict[str, Any]:
    """What every JSON shape of a case starts with."""
    return {
        "ref": ticket.ref,
        "subject": ticket.subject,
        "customer": ticket.customer,
        "case_type": ticket.case_type,
        "status": ticket.status,
    }


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """One row of `casedesk tickets --json`."""
    return {
        **case_view(ticket),
        "missing": list(ticket.missing or []),
        "message_count": ticket.message_count,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        # Extension beyond the documented shape (additive only): why a case is held, if it says.
        "held_reason": ticket.held_reason,
        # Additive (docs/staff.md): the last staff answer relayed to the customer, and by whom.
        "last_staff_reply_at": iso(ticket.last_staff_reply_at),
        "last_staff_reply_by": ticket.last_staff_reply_by,
    }


def message_view(message: Message) -> dict[str, Any]:
    return {
        "direction": message.direction,
        "from": message.from_addr,
        "to": list(message.to_addrs or []),
        "subject": message.subject,
        "date": iso(message.date or message.created_at),
        "body": message.body,
        "attachments": [
            {"filename": a["filename"], "content_type": a["content_type"], "size": a["size"]}
            for a in message.attachments or []
        ],
        # Extensions beyond the documented shape (additive only).
        "message_id": message.message_id,
        "automatic": message.automatic,
        "fields": dict(message.fields or {}),
        # The staff member who wrote a relayed answer ("outbound") or a note ("note"); else None.
        "staff": message.from_addr if message.direction in (STAFF_ANSWER, NOTE) else None,
    }


def visible_messages(messages: list[Message], staff: bool) -> list[Message]:
    """Notes are internal: staff see them in the thread, a customer never does."""
    return messages if staff else [m for m in messages if m.direction != NOTE]


def ticket_detail(session: Session, ticket: Ticket, staff: bool = True) -> dict[str, Any]:
    """`casedesk show REF --json`: the case, its checklist and every message oldest first
    (for a customer's view, `staff=False`, without the internal notes)."""
    return {
        **case_view(ticket),
        "fields": dict(ticket.fields or {}),
        "missing": list(ticket.missing or []),
        "messages": [message_view(m) for m in visible_messages(messages_of(session, ticket), staff)],
        # Extensions beyond the documented shape (additive only).
        "language": ticket.language,
        "case_type_reason": ticket.case_type_reason,
        "claimed_ref": ticket.claimed_ref,
        "held_reason": ticket.held_reason,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "last_staff_reply_at": iso(ticket.last_staff_reply_at),
        "last_staff_reply_by": ticket.last_staff_reply_by,
    }
