"""Find the case a mail belongs to: headers first, then a [REF] tag from a participant."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from core.signing import verify_message_id
from ingest.parse import ParsedMail
from store.models import Ticket
from store.tickets import REF_PREFIX, is_participant, sent_to, ticket_by_ref, ticket_for_message_ids

_REF = re.escape(REF_PREFIX) + r"\d+"
# "[CASE-1042]" anywhere in the subject, so also after Re:/SV:/VS:/Fwd: prefixes.
SUBJECT_TAG = re.compile(rf"\[({_REF})\]", re.IGNORECASE)
PLUS_ADDRESS = re.compile(rf"^[^@+]+\+({_REF})@", re.IGNORECASE)
# In-Reply-To and References ids looked at (newest first): a hostile mail can list thousands.
MAX_HEADER_IDS = 100


@dataclass(frozen=True)
class Thread:
    """Where a mail goes: an existing case (and how it was found), or a new one."""

    ticket: Ticket | None
    rule: str
    claimed_ref: str | None = None


def find_case(session: Session, mail: ParsedMail, recipients: tuple[str, ...], secret: str) -> Thread:
    """Threading in the documented order; a reference alone never lets a stranger in.

    Headers, the subject tag and the plus-address all thread only a participant's mail, or a reply
    to one of our signed Message-IDs from the address that mail went to (issue 12). A stranger's
    mail opens a case of its own that records the case it referred to.
    """
    sender, ids = mail.from_addr, header_ids(mail)
    referred: list[str] = []
    by_header = ticket_for_message_ids(session, ids)
    if by_header is not None:
        if is_participant(session, by_header, sender):
            return Thread(by_header, "in-reply-to/references")
        referred.append(by_header.ref)
    for message_id in ids:
        ref = verify_message_id(secret, message_id)
        ticket = ticket_by_ref(session, ref) if ref else None
        if ticket is None:
            continue
        if is_participant(session, ticket, sender) or sent_to(session, message_id, sender):
            return Thread(ticket, "signed message-id")
        referred.append(ticket.ref)
    claimed = claimed_ref(mail, recipients)
    ticket = ticket_by_ref(session, claimed) if claimed else None
    if ticket is not None and is_participant(session, ticket, sender):
        return Thread(ticket, "reference from a participant")
    referred += [claimed] if claimed else []
    if referred:
        return Thread(None, "new: reference from a non-participant", referred[0].upper())
    return Thread(None, "new")


def may_have_a_case(mail: ParsedMail, recipients: tuple[str, ...]) -> bool:
    """False when `find_case` can only answer "new" without asking the store: no header ids
    and no claimed reference."""
    return bool(mail.in_reply_to or mail.references) or claimed_ref(mail, recipients) is not None


def header_ids(mail: ParsedMail) -> list[str]:
    """In-Reply-To first, then References newest first, without repeats."""
    return list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))[:MAX_HEADER_IDS]


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
