"""Staff answering by mail: a reply to a case's signed staff address, its commands and its relay.

The step runs before every other filing rule: mail to a staff address never opens or joins a
customer case as the customer's mail. It counts as a staff answer when the address's signature
verifies (core/signing.py) and the sender is in `[web] staff`; anything else is held on a
case of its own, with the reason, and never relayed (docs/staff.md).

Lines at the top of the new text that start with `#` are commands: `#close`, `#reopen`,
`#type KEY`, `#note TEXT`. A `#note` makes the whole reply internal. What is left is relayed to
the customer, through the outbox, in the customer's thread.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as MimeMessage

from sqlmodel import Session

from core.casetypes import CaseType
from core.outmail import BadRecipient, compose
from core.settings import Settings
from core.signing import is_staff_address, verify_staff_address
from ingest.authresults import unauthenticated
from ingest.classify import body_text
from ingest.parse import ParsedMail, parse
from ingest.quoting import is_quoted, split_reply
from ingest.case_finder import SUBJECT_TAG
from store.models import (AWAITING_CUSTOMER, CLOSED, HELD, INBOUND, NOTE, READY, STAFF_ANSWER, STAFF_SET, RawMail,
                          Ticket, held_as_no_case)
from store.inbound import raw_of
from store.outbox import plan
from store.tickets import add_message, messages_of, open_ticket, ticket_by_ref

log = logging.getLogger("casedesk.ingest")

COMMANDS = ("close", "reopen", "type", "note")
# Command lines read from the top of a reply, at most: a reply is input like any other.
MAX_COMMANDS = 20
# References carries at most this many earlier Message-IDs, as the follow-up mail does.
MAX_REFERENCES = 10
ANSWER, REFUSED = "staff_answer", "staff_refused"
_COMMAND = re.compile(r"^#([A-Za-z_-]{1,30})(?:[ \t]+(.*))?$")


@dataclass(frozen=True)
class Command:
    name: str
    argument: str
    line: str


@dataclass(frozen=True)
class StaffReply:
    """A staff reply read: its commands (top lines), the text for the customer, and any note."""

    commands: tuple[Command, ...]
    text: str
    note: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of a staff mail: `answered`, `commands`, `note`, `refused` or `held`, and why."""

    outcome: str
    ref: str | None
    reason: str = ""


def staff_address_of(raw: RawMail, mail: ParsedMail, settings: Settings) -> str | None:
    """The staff address this mail was sent to (envelope first, then To/Cc), at one of our domains."""
    ours = {*settings.smtp.domains, settings.support_address.rpartition("@")[2].lower()}
    for address in (*(raw.rcpt_to or ()), *mail.to, *mail.cc):
        if is_staff_address(address) and address.rpartition("@")[2].lower() in ours:
            return address.strip()
    return None


def answer_text(mail: ParsedMail) -> list[str]:
    """The lines a staff member wrote now: above the quoted history, '>' lines left out. Their
    sign-off stays (it is part of an answer to a customer)."""
    reply = split_reply(body_text(mail))
    return [line for line in reply.lines[: reply.cut] if not is_quoted(line)]


def read_reply(lines: list[str]) -> StaffReply:
    """Split the command lines at the top from the text; `#note` turns the rest into the note."""
    commands: list[Command] = []
    index = 0
    while index < len(lines) and len(commands) < MAX_COMMANDS:
        line = lines[index].strip()
        if line and not line.startswith("#"):
            break
        if line:
            match = _COMMAND.match(line)
            name, argument = (match[1].lower(), (match[2] or "").strip()) if match else (line[:40], "")
            commands.append(Command(name, argument, line))
        index += 1
    text = "\n".join(lines[index:]).strip()
    notes = [c for c in commands if c.name == "note"]
    note = "\n\n".join(part for part in (*(c.argument for c in notes), text) if part) if notes else None
    return StaffReply(tuple(commands), "" if notes else text, note)


def problems(reply: StaffReply, ticket: Ticket, case_types: tuple[CaseType, ...]) -> list[str]:
    """Why this reply cannot be carried out as a whole; [] when it can."""
    found = [f"unknown command {c.line!r} (known: {', '.join('#' + n for n in COMMANDS)})"
             for c in reply.commands if c.name not in COMMANDS]
    for command in reply.commands:
        if command.name == "type" and type_of(command.argument, case_types) is None:
            found.append(f"unknown case type {command.argument!r} (known: {', '.join(t.key for t in case_types)})")
    reopens = bool(reply.commands) and reply.commands[0].name == "reopen"
    if ticket.status == CLOSED and not reopens:
        found.append(f"{ticket.ref} is closed: start the reply with #reopen to act on it")
    if not reply.commands and not reply.text:
        found.append("the reply has no text and no command")
    return found


def type_of(argument: str, case_types: tuple[CaseType, ...]) -> CaseType | None:
    """A case type by key or label (either language), case-insensitively."""
    wanted = argument.strip().lower()
    return next((t for t in case_types if wanted in (t.key.lower(), t.label.lower(), t.label_sv.lower())), None)


def file_staff_mail(session: Session, raw: RawMail, mail: ParsedMail, address: str, automatic: str | None,
                    settings: Settings) -> Outcome:
    """Carry out a mail sent to a staff address, inside the filing transaction."""
    when = raw.received_at
    ref, why = verify_staff_address(settings.web.secret, address, when.timestamp())
    ticket = ticket_by_ref(session, ref) if ref and not why else None
    sender = mail.from_addr.strip().lower()
    reason = (why or (f"automatic mail ({automatic})" if automatic else "")
              or ("" if sender in settings.web.staff else f"sender {sender or '(none)'} is not in [web] staff")
              or authenticity(session, raw, sender, settings.staff.authserv_id)
              or ("" if ticket is not None else f"no case {ref}")
              or foreign(mail, ref))
    if reason:
        return hold(session, raw, mail, ref, reason, when)
    assert ticket is not None
    reply = read_reply(answer_text(mail))
    found = problems(reply, ticket, settings.case_types)
    if found:
        return refuse(session, raw, mail, ticket, found, settings)
    for command in reply.commands:
        run_command(ticket, command, sender, settings.case_types, when)
    if reply.note is not None or not reply.text:
        body = reply.note if reply.note is not None else "\n".join(c.line for c in reply.commands)
        record_note(session, raw, mail, ticket, body, None, when)
        outcome = "note" if reply.note is not None else "commands"
        log.info("%s from staff %s -> %s %s (%s)", mail.message_id, sender, outcome, ticket.ref,
                 ", ".join(c.line for c in reply.commands) or "-")
        return Outcome(outcome, ticket.ref)
    return relay(session, raw, mail, ticket, reply, settings)


def authenticity(session: Session, raw: RawMail, sender: str, authserv_id: str) -> str:
    """With `[staff] authserv_id` set, why our relay did not vouch for the sender ("" if it did)."""
    if not authserv_id:
        return ""
    data = raw_of(session, raw.id) if raw.id is not None else None
    return unauthenticated(data or b"", sender, authserv_id)


def foreign(mail: ParsedMail, ref: str | None) -> str:
    """A subject tag naming another case than the one the address is signed for: held, since
    the staff member is answering one case's customer on another case's address."""
    tag = SUBJECT_TAG.search(mail.subject or "")
    if tag and ref and tag.group(1).upper() != ref:
        return f"the subject names {tag.group(1).upper()} but the address is signed for {ref}"
    return ""


def run_command(ticket: Ticket, command: Command, sender: str, case_types: tuple[CaseType, ...],
                when: datetime) -> None:
    """One checked command on the case (a note is recorded by the caller)."""
    if command.name == "close":
        ticket.status = CLOSED
    elif command.name == "reopen":
        follow_missing(ticket, when)
    elif command.name == "type":
        chosen = type_of(command.argument, case_types)
        assert chosen is not None
        ticket.case_type, ticket.case_type_reason = chosen.key, f"{STAFF_SET} {sender} (#type)"
        if held_as_no_case(ticket.held_reason):
            ticket.held_reason = None  # staff say it is a case after all: its checklist is asked for
        ticket.missing = chosen.missing(ticket.fields or {})
        ticket.has_missing = bool(ticket.missing)
        if ticket.status != CLOSED:
            follow_missing(ticket, when)


def follow_missing(ticket: Ticket, when: datetime) -> None:
    """Status from what is missing, as filing sets it; becoming ready is a staff notification."""
    ready = not ticket.missing
    if ready and ticket.status != READY:
        ticket.ready_at = when
    ticket.status = READY if ready else AWAITING_CUSTOMER


def relay(session: Session, raw: RawMail, mail: ParsedMail, ticket: Ticket, reply: StaffReply,
          settings: Settings) -> Outcome:
    """Plan the answer to the customer in their thread and record it on the case as sent by staff."""
    sender = mail.from_addr.lower()
    parent, references = customer_thread(session, ticket)
    files = attachments_of(raw_of(session, raw.id) or b"", mail) if raw.id is not None else []
    try:
        if ticket.automatic or ticket.status == HELD and not held_as_no_case(ticket.held_reason):
            # (a mail read as no support case is held for staff to answer: its sender is a person)
            raise BadRecipient(f"{ticket.ref} is held automatic mail: its sender is never mailed")
        message_id, data = compose(settings, to=ticket.customer, subject=f"Re: {ticket.subject}",
                                   text=reply.text, ref=ticket.ref, in_reply_to=parent,
                                   references=references, automatic=False, attachments=files)
    except (BadRecipient, ValueError) as exc:
        return refuse(session, raw, mail, ticket, [f"cannot mail the customer {ticket.customer!r}: {exc}"], settings)
    when = raw.received_at
    plan(session, key=f"{ticket.ref}:answer:{mail.message_id}", kind=ANSWER, recipient=ticket.customer,
         message_id=message_id, data=data, ticket_id=ticket.id, due=when)
    sent = parse(data, message_id)
    add_message(session, ticket, dict(
        raw_id=None, direction=STAFF_ANSWER, message_id=message_id, from_addr=sender, from_name=mail.from_name,
        to_addrs=[ticket.customer], subject=sent.subject, date=when, body=reply.text,
        attachments=[vars(a) for a in sent.attachments], created_at=when,
    ), when)
    ticket.last_staff_reply_at, ticket.last_staff_reply_by = when, sender
    log.info("%s from staff %s -> answered %s: relayed as <%s> to %s%s", mail.message_id, sender, ticket.ref,
             message_id, ticket.customer, f" with {len(files)} attachment(s)" if files else "")
    return Outcome("answered", ticket.ref)


def customer_thread(session: Session, ticket: Ticket) -> tuple[str | None, list[str]]:
    """(the customer's latest human mail, the Message-IDs the customer has seen, newest last).
    Notes are left out: their Message-IDs are a staff member's own and stay internal."""
    messages = [m for m in messages_of(session, ticket) if m.direction != NOTE]
    human = [m for m in messages if m.direction == INBOUND and not m.automatic]
    return (human[-1].message_id if human else None), [m.message_id for m in messages][-MAX_REFERENCES:]


def attachments_of(data: bytes, mail: ParsedMail) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) of the staff mail's attachments, cut from its raw bytes
    (the filing queue's rows leave the bytes out: they are read here)."""
    if not mail.attachments:
        return []
    parts: list[MimeMessage] = list(email.message_from_bytes(data).walk())
    found = []
    for attachment in mail.attachments:
        payload = parts[attachment.part].get_payload(decode=True) if attachment.part < len(parts) else None
        if isinstance(payload, bytes):
            found.append((attachment.filename or "attachment", attachment.content_type, payload))
    return found


def record_note(session: Session, raw: RawMail, mail: ParsedMail, ticket: Ticket, body: str,
                refused: str | None, when: datetime) -> None:
    """An internal message on the case: staff see it in the thread, the customer never does."""
    add_message(session, ticket, dict(
        raw_id=raw.id, direction=NOTE, message_id=mail.message_id, from_addr=mail.from_addr.lower(),
        from_name=mail.from_name, to_addrs=list(mail.to), subject=mail.subject, date=mail.date or when,
        body=body, automatic=refused, created_at=when,
    ), when)


def refuse(session: Session, raw: RawMail, mail: ParsedMail, ticket: Ticket, found: list[str],
           settings: Settings) -> Outcome:
    """Carry out nothing; keep the mail on the case as a refused note and tell its sender, once."""
    reason = "; ".join(found)
    record_note(session, raw, mail, ticket, body_text(mail)[:20_000], f"refused: {reason}", raw.received_at)
    text = (f"Nothing was done with your mail about {ticket.ref} ({mail.subject!r}), and nothing was sent "
            f"to the customer:\n\n" + "\n".join(f"- {line}" for line in found)
            + "\n\nCommands go on the first lines of a reply: #close, #reopen, #type KEY, #note TEXT.\n")
    try:
        message_id, data = compose(settings, to=mail.from_addr, subject=f"[{ticket.ref}] not done: {mail.subject}",
                                   text=text)
        plan(session, key=f"staffmail:{mail.message_id}:refused", kind=REFUSED, recipient=mail.from_addr,
             message_id=message_id, data=data, ticket_id=ticket.id, due=raw.received_at)
    except (BadRecipient, ValueError) as exc:
        log.warning("%s: cannot tell %r why it was refused (%s)", mail.message_id, mail.from_addr, exc)
    log.warning("%s from staff %s -> refused on %s: %s", mail.message_id, mail.from_addr, ticket.ref, reason)
    return Outcome("refused", ticket.ref, reason)


def hold(session: Session, raw: RawMail, mail: ParsedMail, ref: str | None, reason: str,
         when: datetime) -> Outcome:
    """Keep the mail on a held case of its own: visible to staff, never answered, never relayed."""
    ticket = Ticket(customer=mail.from_addr, subject=mail.subject or "(no subject)", status=HELD,
                    automatic=True, claimed_ref=ref, case_type_reason=f"staff address: {reason}",
                    created_at=when, updated_at=when, last_customer_at=when)
    open_ticket(session, ticket, [mail.from_addr] if mail.from_addr else [], dict(
        raw_id=raw.id, direction=INBOUND, message_id=mail.message_id, from_addr=mail.from_addr,
        from_name=mail.from_name, to_addrs=list(mail.to), cc_addrs=list(mail.cc), subject=mail.subject,
        date=mail.date, body=mail.text, html=mail.html, automatic=f"staff address: {reason}",
        attachments=[vars(a) for a in mail.attachments], defects=list(mail.defects)))
    log.warning("%s from %s to a staff address -> held as %s, never relayed: %s", mail.message_id,
                mail.from_addr or "?", ticket.ref, reason)
    return Outcome("held", ticket.ref, reason)
