"""The mail's path: parse -> dedupe -> find the case -> classify -> extract checklist -> record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from casedesk.casetypes import CaseType, case_type_of
from casedesk.settings import Settings
from ingest.automatic import automatic_reason
from ingest.classify import Reading, read_mail
from ingest.parse import ParsedMail, parse
from ingest.staffmail import file_staff_mail, staff_address_of
from ingest.threading import find_case
from store.db import Database
from store.inbound import raw_of
from store.models import AWAITING_CUSTOMER, CLOSED, HELD, INBOUND, READY, RawMail, Ticket
from store.tickets import add_message, add_participants, is_participant, messages_of, open_ticket

log = logging.getLogger("casedesk.ingest")

UNKNOWN_TYPE = "case_type"


@dataclass(frozen=True)
class Filed:
    """What became of one mail: `new`, `reply`, `held` or `duplicate`, and on which case."""

    outcome: str
    ref: str | None
    message_id: str


@dataclass(frozen=True)
class Prepared:
    """The slow, pure part of filing, done before the write lock: the parse and the reading.

    `known_type` is the case type the reading assumed; if the case changed before the mail is
    filed (its own earlier mail was filed meanwhile), the mail is read again under the lock.
    """

    mail: ParsedMail
    automatic: str | None
    known_type: str | None
    reading: Reading | None
    # The signed staff address the mail was sent to: it is filed by ingest/staffmail.py.
    staff_address: str | None = None


def prepare(db: Database, raw: RawMail, settings: Settings) -> Prepared:
    """Parse and read a raw mail, before the write lock.

    The store is read only for the threading lookup, in a snapshot of its own: a read held
    open across the parsing would pin SQLite's WAL, which then grows with every mail accepted
    meanwhile and makes every read slower.
    """
    mail = parse(raw.data, raw.message_id)
    staff_address = staff_address_of(raw, mail, settings)
    if staff_address is not None:
        # Staff mail clients may put our own domain in their Message-IDs: only the headers count.
        return Prepared(mail, automatic_reason(mail, raw.mail_from, ()), None, None, staff_address)
    automatic = automatic_reason(mail, raw.mail_from, own_domains(settings))
    if automatic:
        return Prepared(mail, automatic, None, None)
    with db.read() as session:
        ticket = find_case(session, mail, tuple(raw.rcpt_to or ()), settings.web.secret).ticket
        known_type = ticket.case_type if ticket else None
    return Prepared(mail, automatic, known_type, read_mail(mail, settings.case_types, known_type))


def file_mail(session: Session, raw: RawMail, prepared: Prepared, settings: Settings, known: set[str]) -> Filed:
    """Record one prepared mail on its case (opening one if needed) inside the caller's transaction.

    `known` holds the Message-IDs already on a case (`known_messages`, read once per batch);
    the mail's own is added, so a second copy later in the batch is a duplicate too.
    """
    mail, automatic, reading = prepared.mail, prepared.automatic, prepared.reading
    if mail.message_id in known:
        return Filed("duplicate", None, mail.message_id)
    known.add(mail.message_id)
    # First of all rules: a reply to a staff address is a staff answer (or held), never customer mail.
    if prepared.staff_address is not None:
        staff = file_staff_mail(session, raw, mail, prepared.staff_address, automatic, settings)
        return Filed(staff.outcome, staff.ref, mail.message_id)
    thread = find_case(session, mail, tuple(raw.rcpt_to or ()), settings.web.secret)
    ticket = thread.ticket
    known_type = ticket.case_type if ticket else None
    if reading is not None and known_type != prepared.known_type:
        reading = read_mail(mail, settings.case_types, known_type)
    when = raw.received_at
    message = dict(
        raw_id=raw.id, direction=INBOUND, message_id=mail.message_id, from_addr=mail.from_addr,
        from_name=mail.from_name, to_addrs=list(mail.to), cc_addrs=list(mail.cc), subject=mail.subject,
        date=mail.date, body=mail.text, html=mail.html, automatic=automatic,
        fields=dict(reading.fields) if reading else {}, defects=list(mail.defects),
        attachments=[vars(a) for a in mail.attachments],
    )
    if ticket is None:
        ticket = new_case(mail, reading, thread.claimed_ref, when, settings)
        participants = copied(mail, settings) if reading is not None else [mail.from_addr]
        open_ticket(session, ticket, participants, message)
        outcome = "held" if automatic else "new"
    else:
        if reading is not None and is_participant(session, ticket, mail.from_addr):
            add_participants(session, ticket, copied(mail, settings))
        add_message(session, ticket, message, when)
        if reading is not None:
            apply_reading(ticket, reading, settings.case_types, when)
        outcome = "reply"
    log.info("%s %s -> %s %s (%s%s)", mail.message_id, mail.from_addr or "?", outcome, ticket.ref,
             thread.rule, f", automatic: {automatic}" if automatic else "")
    return Filed(outcome, ticket.ref, mail.message_id)


def new_case(mail: ParsedMail, reading: Reading | None, claimed_ref: str | None, when: datetime,
             settings: Settings) -> Ticket:
    """The case a mail opens, reading applied, not yet stored; automatic mail (no reading) is held,
    never answered."""
    ticket = Ticket(
        customer=mail.from_addr, subject=mail.subject or "(no subject)",
        status=HELD if reading is None else AWAITING_CUSTOMER, automatic=reading is None,
        language=reading.language if reading else "en", claimed_ref=claimed_ref,
        created_at=when, updated_at=when, last_customer_at=when,
    )
    if reading is not None:
        apply_reading(ticket, reading, settings.case_types, when)
    return ticket


def apply_reading(ticket: Ticket, reading: Reading, case_types: tuple[CaseType, ...], when: datetime) -> None:
    """Merge a mail's reading into its case: later values win; status follows what is missing."""
    if ticket.case_type is None and reading.case_type is not None:
        ticket.case_type, ticket.case_type_reason = reading.case_type, reading.reason
    case_type = case_type_of(case_types, ticket.case_type)
    old = ticket.fields or {}
    ticket.fields = case_type.merge(old, reading.fields) if case_type else {**old, **reading.fields}
    ticket.missing = missing_of(ticket, case_types)
    ticket.has_missing = bool(ticket.missing)
    if not ticket.missing and ticket.status != READY:
        ticket.ready_at = when  # the "ready" staff notification is keyed by this moment
    ticket.status = AWAITING_CUSTOMER if ticket.missing else READY
    ticket.last_customer_at = when


def missing_of(ticket: Ticket, case_types: tuple[CaseType, ...]) -> list[str]:
    """Required fields still empty; an unknown (or no longer configured) type misses the type."""
    case_type = case_type_of(case_types, ticket.case_type)
    return case_type.missing(ticket.fields or {}) if case_type else [UNKNOWN_TYPE]


def reprocess(session: Session, ticket: Ticket, settings: Settings) -> None:
    """Re-run detection and extraction over a case's stored raw mail (after a config change).

    Held and closed cases keep their status; the checklist is rebuilt from the first mail on.
    """
    if ticket.automatic:
        return
    status = ticket.status
    ticket.case_type, ticket.case_type_reason, ticket.fields = None, "", {}
    for message in messages_of(session, ticket):
        if message.direction != INBOUND or message.automatic or message.raw_id is None:
            continue
        mail = parse(raw_of(session, message.raw_id) or b"")
        reading = read_mail(mail, settings.case_types, ticket.case_type)
        message.fields = dict(reading.fields)
        apply_reading(ticket, reading, settings.case_types, ticket.last_customer_at)
    ticket.missing = missing_of(ticket, settings.case_types)
    ticket.has_missing = bool(ticket.missing)
    if status == CLOSED:
        ticket.status = status


def own_domains(settings: Settings) -> tuple[str, ...]:
    """Domains whose Message-IDs mean the mail is our own coming back."""
    return tuple({*settings.smtp.domains, settings.support_address.rpartition("@")[2].lower()})


def copied(mail: ParsedMail, settings: Settings) -> list[str]:
    """The sender and the people they copied, minus our own support addresses."""
    ours = set(own_domains(settings))
    return [a for a in (mail.from_addr, *mail.to, *mail.cc) if a.rpartition("@")[2] not in ours]

