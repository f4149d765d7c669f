"""The mail's path: parse -> dedupe -> find the case -> classify -> extract checklist -> record."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from core.casetypes import UNKNOWN_TYPE, UNSURE, CaseType, case_type_of, facts_of, shown_value, to_confirm
from core.settings import Settings
from ingest.automatic import automatic_reason, internal_sender
from ingest.budget import OverBudget, budget, clock
from ingest.classify import Reading, read_mail, ready_to_read
from ingest.parse import ParsedMail, headers_only, parse
from ingest.staffmail import file_staff_mail, staff_address_of
from ingest.case_finder import Thread, find_case, may_have_a_case
from store.db import Database
from store.inbound import raw_of
from store.models import (AWAITING_CUSTOMER, CLOSED, HELD, INBOUND, NO_CASE, READY, SET_ASIDE, STAFF_SET, RawMail,
                          Ticket, held_as_no_case)
from store.tickets import add_message, messages_of, open_ticket

log = logging.getLogger("casedesk.ingest")

# Participants one mail may add to a case; the rest are counted on the message (issue 13).
MAX_PARTICIPANTS = 100
UNREAD = "could not be read fully"


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
    # Time the preparation took (for the filing-time histogram of /metrics).
    seconds: float = 0.0


def prepare(db: Database, raw: RawMail, settings: Settings) -> Prepared:
    """Parse and read a raw mail, before the write lock, within `[filing] mail_budget`.

    The store is read only for the threading lookup, in a snapshot of its own: a read held
    open across the parsing would pin SQLite's WAL, which then grows with every mail accepted
    meanwhile and makes every read slower. The budget (CPU time, ingest/budget.py) covers the
    parse and the reading, not that lookup (an interrupted query could leave its connection in
    an unknown state).
    """
    limit = settings.filing.mail_budget.total_seconds()
    deadline = clock() + limit
    mail = parse_within(raw, deadline, limit)
    staff_address = staff_address_of(raw, mail, settings)
    if staff_address is not None and not mail.unread:
        # Staff mail clients may put our own domain in their Message-IDs: only the headers count.
        return Prepared(mail, automatic_reason(mail, raw.mail_from, ()), None, None, staff_address)
    automatic = held_reason(mail, raw, settings)
    if automatic or mail.unread:
        return Prepared(mail, automatic, None, None)
    known_type = None
    recipients = tuple(raw.rcpt_to or ())
    if may_have_a_case(mail, recipients):  # most first mails do not: no snapshot to open
        with db.read() as session:
            ticket = find_case(session, mail, recipients, settings.web.secret).ticket
            known_type = ticket.case_type if ticket else None
    warming = clock()
    ready_to_read(settings.case_types)  # compiles once per process: not this mail's cost
    deadline += clock() - warming
    try:
        with budget(deadline):
            reading = read_mail(mail, settings.case_types, known_type, own_domains(settings))
    except OverBudget:
        reading = None
    if reading is None or clock() > deadline:
        return Prepared(replace(mail, unread=f"reading took over {limit:g}s of CPU"), None, None, None)
    return Prepared(mail, automatic, known_type, reading)


def parse_within(raw: RawMail, deadline: float, limit: float) -> ParsedMail:
    """The parsed mail, or its headers alone when parsing runs over the budget."""
    try:
        with budget(deadline):
            mail = parse(raw.data, raw.message_id)
    except OverBudget:
        log.warning("%s: parsing took over %gs of CPU; filing its headers as held", raw.message_id, limit)
        return headers_only(raw.data, raw.message_id, f"parsing took over {limit:g}s of CPU")
    if clock() > deadline and not mail.unread:  # no timer signal off the main thread
        return replace(mail, text="", html=None, unread=f"parsing took over {limit:g}s of CPU")
    return mail


def held_reason(mail: ParsedMail, raw: RawMail, settings: Settings) -> str | None:
    """Why this mail is filed held and never answered, or None: automatic mail, then mail from
    staff or our own domains (`internal_sender`). Steps that must see staff mail go before this."""
    return (automatic_reason(mail, raw.mail_from, own_domains(settings), settings.automatic.subjects)
            or internal_sender(mail.from_addr, settings.web.staff, own_domains(settings)))


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
    # A mail that could not be read fully is a held case of its own: added to an existing case
    # unread, it would go unnoticed there.
    thread = (Thread(None, "new: held, " + UNREAD) if mail.unread
              else find_case(session, mail, tuple(raw.rcpt_to or ()), settings.web.secret))
    ticket = thread.ticket
    known_type = ticket.case_type if ticket else None
    if reading is not None and known_type != prepared.known_type:
        reading = read_mail(mail, settings.case_types, known_type, own_domains(settings))
    if reading is not None and ticket is not None:
        reading = for_case(ticket, reading)
    when = raw.received_at
    participants, left_out = capped(copied(mail, settings) if reading is not None else [mail.from_addr])
    defects = [*mail.defects, *([f"participants: {left_out} more addresses not added"] if left_out else [])]
    message = dict(
        raw_id=raw.id, direction=INBOUND, message_id=mail.message_id, from_addr=mail.from_addr,
        from_name=mail.from_name, to_addrs=list(mail.to), cc_addrs=list(mail.cc), subject=mail.subject,
        date=mail.date, body=mail.text, html=mail.html, automatic=automatic,
        fields=dict(reading.fields) if reading else {}, defects=defects,
        attachments=[vars(a) for a in mail.attachments],
    )
    if ticket is None:
        ticket = new_case(mail, reading, thread.claimed_ref, when, settings)
        open_ticket(session, ticket, participants, message)
        outcome = "held" if automatic or mail.unread else "new"
    else:
        # Participants come from the first mail only (issue 12): a later mail cannot add readers.
        add_message(session, ticket, message, when)
        if reading is not None:
            apply_reading(ticket, reading, settings.case_types, when, holds_no_case(settings))
        outcome = "reply"
    log.info("%s %s -> %s %s (%s%s%s)", mail.message_id, mail.from_addr or "?", outcome, ticket.ref,
             thread.rule, f", automatic: {automatic}" if automatic else "",
             f": {mail.unread}" if mail.unread else "")
    return Filed(outcome, ticket.ref, mail.message_id)


def set_aside_case(session: Session, raw: RawMail, attempts: int, error: str) -> Ticket:
    """A held case that makes a set-aside mail visible to staff (web view, `casedesk tickets
    --status held`), with what its headers say; `casedesk reprocess --failed` replaces it."""
    mail = headers_only(raw_of(session, raw.id) or b"", raw.message_id, "set aside")  # type: ignore[arg-type]
    when = raw.received_at
    ticket = Ticket(customer=mail.from_addr or raw.mail_from.lower(), subject=mail.subject or "(no subject)",
                    status=HELD, held_reason=f"{SET_ASIDE} {attempts} failed attempts: {error}"[:1000],
                    created_at=when, updated_at=when, last_customer_at=when)
    message = dict(raw_id=raw.id, direction=INBOUND, message_id=mail.message_id, from_addr=mail.from_addr,
                   from_name=mail.from_name, to_addrs=list(mail.to), cc_addrs=list(mail.cc),
                   subject=mail.subject, date=mail.date, body="", defects=list(mail.defects))
    try:
        with session.begin_nested():
            open_ticket(session, ticket, capped([mail.from_addr])[0], message)
    except Exception:  # the Message-ID is the trouble, say: the case alone still shows the mail
        ticket = Ticket(**{k: getattr(ticket, k) for k in ("customer", "subject", "status", "held_reason",
                                                           "created_at", "updated_at", "last_customer_at")})
        open_ticket(session, ticket)
    return ticket


def new_case(mail: ParsedMail, reading: Reading | None, claimed_ref: str | None, when: datetime,
             settings: Settings) -> Ticket:
    """The case a mail opens, reading applied, not yet stored; automatic mail (no reading) is held,
    never answered."""
    ticket = Ticket(
        customer=mail.from_addr, subject=mail.subject or "(no subject)",
        status=HELD if reading is None else AWAITING_CUSTOMER, automatic=reading is None and not mail.unread,
        language=reading.language if reading else "en", claimed_ref=claimed_ref,
        created_at=when, updated_at=when, last_customer_at=when,
        held_reason=f"{UNREAD}: {mail.unread}" if mail.unread else None,
    )
    if reading is not None:
        apply_reading(ticket, reading, settings.case_types, when, holds_no_case(settings))
    return ticket


def apply_reading(ticket: Ticket, reading: Reading, case_types: tuple[CaseType, ...], when: datetime,
                  hold: bool = False) -> None:
    """Merge a mail's reading into its case: later values win; status follows what is missing.

    A type the customer states ("Type: Coding", "Ärendetyp: Kontering") overrides the case's.
    Each message keeps the values it gave (Message.fields): the thread says who said what.
    With `hold` (staff are told of such mail: `holds_no_case`), a first mail read as no support
    case holds its case for staff, and it stays held until a mail of the customer's has a type.
    """
    if reading.case_type is not None and (ticket.case_type is None or reading.corrected):
        ticket.case_type, ticket.case_type_reason = reading.case_type, reading.reason
    case_type = case_type_of(case_types, ticket.case_type)
    old = facts_of(ticket.fields)
    unsure = {**to_confirm(ticket.fields), **{k: c.value for k, c in reading.unsure.items()}}
    ticket.fields = case_type.merge(old, reading.fields) if case_type else {**old, **reading.fields}
    ticket.missing = missing_of(ticket, case_types)
    unsure = {k: v for k, v in unsure.items()  # what our next mail may show to be confirmed
              if k in ticket.missing and case_type and (spec := case_type.field(k)) and spec.confirmable}
    if unsure:
        ticket.fields = {**ticket.fields, UNSURE: unsure}
    ticket.has_missing = bool(ticket.missing)
    ticket.last_customer_at = when
    if ticket.case_type is None and held_as_no_case(ticket.held_reason):
        return  # "Thanks!", "any news?": still no case; staff are told of the new mail (notify/policy.py)
    first = ticket.status == AWAITING_CUSTOMER and ticket.created_at == when and not ticket.held_reason
    if hold and first and ticket.case_type is None and reading.no_case:
        # A price question, an invitation, a bill sent to us: nobody is asked for a case type.
        # The case is held for staff, who answer it or give it a type (#type); a later mail of
        # the customer's that is a case makes it one.
        ticket.status, ticket.held_reason = HELD, f"{NO_CASE}: {reading.reason}"
        return
    if held_as_no_case(ticket.held_reason):
        ticket.held_reason = None
    if not ticket.missing and ticket.status != READY:
        ticket.ready_at = when  # the "ready" staff notification is keyed by this moment
    ticket.status = AWAITING_CUSTOMER if ticket.missing else READY


def holds_no_case(settings: Settings) -> bool:
    """Mail read as no support case is held only where staff are told of it (docs/staff.md): with
    nobody told, it would sit unanswered, so its sender is asked for a case type as before."""
    return bool(settings.staff.notify) and "not_a_case" in settings.staff.notify_on


def for_case(ticket: Ticket, reading: Reading) -> Reading:
    """The reading as it adds to this case: a value recalled from the customer's own earlier mail
    quoted below (Reading.recalled) only fills a gap, so a correction the case took in between is
    never undone by the old mail; and the values the customer confirmed (with_confirmed)."""
    have = facts_of(ticket.fields)
    stale = {k for k in reading.recalled if have.get(k)}
    if stale:
        reading = replace(reading, fields={k: v for k, v in reading.fields.items() if k not in stale},
                          recalled=reading.recalled - stale)
    return with_confirmed(ticket, reading)


def with_confirmed(ticket: Ticket, reading: Reading) -> Reading:
    """The reading with each value our request mail showed as read ("we read 4471-22 in your
    mail") and the customer answered "yes" to: from then on it is the customer's own value, and
    the message that said yes carries it (the thread keeps who said what). Only a value the
    quoted mail shows is taken: a "yes" to another question, or to a guess a later mail replaced,
    confirms nothing."""
    guesses = to_confirm(ticket.fields)
    taken = {k: guesses[k] for k in reading.confirmed
             if k in guesses and k not in reading.fields and shown_value(guesses[k]) in reading.shown}
    return replace(reading, fields={**taken, **reading.fields}) if taken else reading


def missing_of(ticket: Ticket, case_types: tuple[CaseType, ...]) -> list[str]:
    """Required fields still empty; an unknown (or no longer configured) type misses the type."""
    case_type = case_type_of(case_types, ticket.case_type)
    return case_type.missing(ticket.fields or {}) if case_type else [UNKNOWN_TYPE]


def reprocess(session: Session, ticket: Ticket, settings: Settings) -> None:
    """Re-run detection and extraction over a case's stored raw mail (after a config change).

    Held and closed cases keep their status; the checklist is rebuilt from the first mail on.
    A case held for a reason (unread, set aside, cannot be mailed) is left for staff; one held as no
    support case is read again, and released when its mail now reads as a case. A type staff set
    (#type) stays: reading again does not overrule staff.
    """
    if ticket.automatic or ticket.held_reason and not held_as_no_case(ticket.held_reason):
        return
    status = ticket.status
    if not (ticket.case_type_reason or "").startswith(STAFF_SET):
        ticket.case_type, ticket.case_type_reason = None, ""
    ticket.fields = {}
    for message in messages_of(session, ticket):
        if message.direction != INBOUND or message.automatic or message.raw_id is None:
            continue
        mail = parse(raw_of(session, message.raw_id) or b"")
        reading = for_case(ticket, read_mail(mail, settings.case_types, ticket.case_type, own_domains(settings)))
        message.fields = dict(reading.fields)
        apply_reading(ticket, reading, settings.case_types, ticket.last_customer_at)
    ticket.missing = missing_of(ticket, settings.case_types)
    ticket.has_missing = bool(ticket.missing)
    if status == CLOSED:
        ticket.status = status


def own_domains(settings: Settings) -> tuple[str, ...]:
    """Domains whose Message-IDs mean the mail is our own coming back.

    Asked several times a mail, and `support_address` parses the From setting each time: kept
    per settings object (frozen), by identity.
    """
    cached = _own_domains.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    domains = tuple({*settings.smtp.domains, settings.support_address.rpartition("@")[2].lower()})
    if len(_own_domains) >= 8:
        _own_domains.clear()
    _own_domains[id(settings)] = (settings, domains)
    return domains


_own_domains: dict[int, tuple[Settings, tuple[str, ...]]] = {}


def capped(addresses: list[str]) -> tuple[list[str], int]:
    """The first MAX_PARTICIPANTS distinct addresses, and how many more there were."""
    unique = list(dict.fromkeys(a for a in addresses if a))
    return unique[:MAX_PARTICIPANTS], max(0, len(unique) - MAX_PARTICIPANTS)


def copied(mail: ParsedMail, settings: Settings) -> list[str]:
    """The sender and the people they copied, minus our own support addresses."""
    ours = set(own_domains(settings))
    return [a for a in (mail.from_addr, *mail.to, *mail.cc) if a.rpartition("@")[2] not in ours]

