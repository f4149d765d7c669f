"""Staff notifications: plan the mail that tells `[staff] notify` a case is ready, a customer wrote
again, or a mail was set aside (docs/staff.md).

Level-triggered like the follow-up mail: the events are read from stored facts (`ready_at`,
`last_customer_at`, `last_staff_reply_at`, `raw_mail.error`), and each notice is one outbox row
with a unique key per event and address, so it is planned once whatever happens.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
from datetime import datetime
from functools import lru_cache
from typing import TypeAlias

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Row, select
from sqlmodel import Session, col

from core.casetypes import case_type_of, facts_of, to_confirm, with_guess
from core.outmail import bare_id, compose, one_line
from core.settings import Settings
from core.signing import make_staff_address
from notify.policy import (NOTICE_WINDOW, STAFF_NO_CASE, STAFF_READY, STAFF_SET_ASIDE, STAFF_WROTE, notice_key,
                           staff_events)
from notify.render import TEMPLATES
from store.models import INBOUND, Outbox, RawMail, Ticket
from store.outbox import plan
from store.tickets import messages_of

log = logging.getLogger("casedesk.notify")

HEADLINES = {
    STAFF_READY: "{ref} is ready: its checklist is complete.",
    STAFF_WROTE: "The customer wrote again on {ref}.",
    STAFF_NO_CASE: "{ref} was read as no support case ({reason}): nothing was asked of the customer.\n"
                   "Answer it by replying, close it with #close, or make it a case with #type KEY.",
}
# The customer's newest text is quoted up to here: enough to decide, short enough to read.
QUOTE_LINES = 40
QUOTE_CHARS = 4000
# Set-aside mails told per tick at most (the rest next tick: the keys make it catch up).
SET_ASIDE_BATCH = 100
# Where a quoted history starts in the customer's text (the full text is on the case).
_HISTORY = re.compile(r"^\s*(?:>|-{3,}|_{10,}|(?:from|från|sent|skickat)\s*:|on .{0,200} wrote:|den .{0,200} skrev:)",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Plain text only: no autoescaping; a template typo fails loudly instead of mailing a blank.
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def thread_root(ref: str, settings: Settings) -> str:
    """A Message-ID every notice about a case refers to, so a staff mailbox keeps one thread per case."""
    return f"casedesk-staff.{ref}@{settings.support_address.rpartition('@')[2] or 'localhost'}"


def plan_notices(session: Session, settings: Settings, ticket: Ticket, known: set[str], now: datetime) -> int:
    """Plan the staff notices this case's facts call for and `known` (its outbox keys) lacks."""
    planned = 0
    for event_key, kind in staff_events(ticket, settings, now):
        wanted = [a for a in settings.staff.notify if notice_key(event_key, a) not in known]
        if not wanted:
            continue
        text = notice_text(session, settings, ticket, kind)
        reply_to = make_staff_address(settings.web.secret, settings.support_address, ticket.ref, now.timestamp())
        root = thread_root(ticket.ref, settings)
        for address in wanted:
            message_id, data = compose(settings, to=address, subject=f"[{ticket.ref}] {ticket.subject}", text=text,
                                       reply_to=reply_to, in_reply_to=root, references=[root])
            if plan(session, key=notice_key(event_key, address), kind=kind, recipient=address,
                    message_id=message_id, data=data, ticket_id=ticket.id, due=now):
                planned += 1
                log.info("%s: planned %s (%s) to %s", ticket.ref, notice_key(event_key, address), kind, address)
    return planned


def notice_text(session: Session, settings: Settings, ticket: Ticket, kind: str) -> str:
    """The notice: ref, type, customer, every checklist fact, a link and the newest customer text."""
    case_type = case_type_of(settings.case_types, ticket.case_type)
    fields = facts_of(ticket.fields)
    guesses = to_confirm(ticket.fields)
    labels = [(f.key, f.label) for f in case_type.fields] if case_type else []
    facts = [(label, one_line(str(fields.get(key) or "-"))) for key, label in labels]
    # (a case of no type yet shows what was read under the fields' own labels, not their keys)
    known = {f.key: f.label for t in settings.case_types for f in t.fields}
    facts += [(known.get(key, key), one_line(str(value))) for key, value in sorted(fields.items()) if key not in dict(labels)]
    newest = [m for m in messages_of(session, ticket) if m.direction == INBOUND and not m.automatic]
    answered = ticket.last_staff_reply_at
    return environment().get_template("staff_notice.en.txt").render(
        headline=HEADLINES[kind].format(ref=ticket.ref, reason=(ticket.held_reason or "").partition(": ")[2]),
        ref=ticket.ref, subject=one_line(ticket.subject),
        type_label=case_type.label if case_type else "not known yet", customer=ticket.customer,
        status=ticket.status, facts=facts, missing=[with_guess(labels_of(k, labels), guesses, k) for k in ticket.missing or []],
        last_staff=f"{answered:%Y-%m-%d %H:%M} UTC by {ticket.last_staff_reply_by}" if answered else "",
        link=f"{settings.web.base_url}/tickets/{ticket.ref}",
        quote=quote(newest[-1].body) if newest else [],
        quote_date=f"{(newest[-1].date or newest[-1].created_at):%Y-%m-%d %H:%M}" if newest else "",
        support=settings.support_address, type_keys=[t.key for t in settings.case_types])


def labels_of(key: str, labels: list[tuple[str, str]]) -> str:
    return dict(labels).get(key, "Case type" if key == "case_type" else key)


def quote(body: str) -> list[str]:
    """The customer's new text: up to the first line of quoted history, bounded."""
    lines: list[str] = []
    for line in body[:QUOTE_CHARS].replace("\r\n", "\n").split("\n"):
        if _HISTORY.match(line) or len(lines) >= QUOTE_LINES:
            break
        lines.append(line.rstrip())
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


# A set-aside raw mail as a notice reads it: (id, message_id, mail_from, error, received_at).
SetAside: TypeAlias = "Row[int | None, str, str, str | None, datetime]"


def set_aside_unsent(session: Session, settings: Settings, now: datetime) -> dict[str, tuple[SetAside, str]]:
    """{outbox key: (raw mail row, address)} of set-aside notices not planned yet.

    A mail is set aside when filing it failed 3 times: `raw_mail.set_aside_at` is set
    (ingest/filing.py, issue 13). Reads only those rows of the last NOTICE_WINDOW (indexed).
    """
    staff = settings.staff
    if not staff.notify or "set_aside" not in staff.notify_on:
        return {}
    rows = session.execute(
        select(col(RawMail.id), col(RawMail.message_id), col(RawMail.mail_from), col(RawMail.error),
               col(RawMail.received_at))
        .where(col(RawMail.set_aside_at) >= now - NOTICE_WINDOW)
        .order_by(col(RawMail.id).desc()).limit(SET_ASIDE_BATCH)
    ).all()
    keys = {f"set_aside:{row.id}:{a}": (row, a) for row in rows for a in staff.notify}
    if not keys:
        return {}
    known = set(session.scalars(select(col(Outbox.key)).where(col(Outbox.key).in_(list(keys)))))
    return {key: value for key, value in keys.items() if key not in known}


def plan_set_aside(session: Session, settings: Settings, now: datetime) -> int:
    """Tell staff about mail set aside, once per mail and address (inside a write transaction)."""
    planned = 0
    for key, (row, address) in set_aside_unsent(session, settings, now).items():
        if plan_one_set_aside(session, settings, key, row, address, now):
            planned += 1
    return planned


def plan_one_set_aside(session: Session, settings: Settings, key: str, row: SetAside, address: str, now: datetime) -> bool:
    data = session.scalar(select(col(RawMail.data)).where(col(RawMail.id) == row.id)) or b""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data[:65536])
    text = environment().get_template("staff_set_aside.en.txt").render(
        message_id=bare_id(row.message_id) or "(unusual)", sender=one_line(str(headers.get("From") or row.mail_from))[:300],
        subject=one_line(str(headers.get("Subject") or ""))[:300], received=f"{row.received_at:%Y-%m-%d %H:%M} UTC",
        error=one_line(row.error or "")[:500], link=f"{settings.web.base_url}/tickets")
    message_id, mail = compose(settings, to=address, subject="casedesk: a mail was set aside", text=text)
    planned = plan(session, key=key, kind=STAFF_SET_ASIDE, recipient=address, message_id=message_id, data=mail, due=now)
    if planned:
        log.info("planned %s (%s) to %s: %s", key, STAFF_SET_ASIDE, address, (row.error or "")[:200])
    return planned
