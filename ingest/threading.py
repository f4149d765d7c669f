"""Find the case a mail belongs to: headers first, then a [REF] tag from a participant."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from casedesk.signing import verify_message_id
from ingest.parse import ParsedMail
from store.models import Ticket
from store.tickets import REF_PREFIX, is_participant, ticket_by_ref, ticket_for_message_ids

_REF = re.escape(REF_PREFIX) + r"\d+"
# "[CASE-1042]" anywhere in the subject, so also after Re:/SV:/VS:/Fwd: prefixes.
SUBJECT_TAG = re.compile(rf"\[({_REF})\]", re.IGNORECASE)
PLUS_ADDRESS = re.compile(rf"^[^@+]+\+({_REF})@", re.IGNORECASE)


@dataclass(frozen=True)
class Thread:
    """Where a mail goes: an existing case (and how it was found), or a new one."""

    ticket: Ticket | None
    rule: str
    claimed_ref: str | None = None


def find_case(session: Session, mail: ParsedMail, recipients: tuple[str, ...], secret: str) -> Thread:
    """Threading in the documented order; a reference alone never lets a stranger in."""
    by_header = ticket_for_message_ids(session, header_ids(mail))
    if by_header is not None:
        return Thread(by_header, "in-reply-to/references")
    for message_id in header_ids(mail):
        ref = verify_message_id(secret, message_id)
        ticket = ticket_by_ref(session, ref) if ref else None
        if ticket is not None:
            return Thread(ticket, "signed message-id")
    claimed = claimed_ref(mail, recipients)
    if claimed is None:
        return Thread(None, "new")
    ticket = ticket_by_ref(session, claimed)
    if ticket is not None and is_participant(session, ticket, mail.from_addr):
        return Thread(ticket, "reference from a participant")
    return Thread(None, "new: reference claimed by a non-participant", claimed.upper())


def header_ids(mail: ParsedMail) -> list[str]:
    """In-Reply-To first, then References newest first, without repeats."""
    return list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))


def claimed_ref(mail: ParsedMail, recipients: tuple[str, ...]) -> str | None:
    """A case reference from the subject tag or a support+REF@ address, if any."""
    tag = SUBJECT_TAG.search(mail.subject)
    if tag:
        return tag.group(1).upper()
    for address in (*recipients, *mail.to, *mail.cc):
        plus = PLUS_ADDRESS.match(address)
        if plus:
            return plus.group(1).upper()
    return None
