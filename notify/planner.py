"""Plan due follow-up mail: read the facts, ask the policy, write outbox rows in that transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from core.links import my_tickets_link
from core.outmail import BadRecipient, compose, recipient
from core.settings import FollowupSettings, Settings
from notify.policy import Plan, Sent, due_mail, first_key, next_step, stale, utc
from notify.render import render
from notify.staff import plan_notices, plan_set_aside, set_aside_unsent
from store.db import Database
from store.models import CLOSED, HELD, INBOUND, Message, Outbox, Ticket
from store.outbox import PENDING, cancel, cases_to_follow_up, history_of, lock_tickets, plan, record_decisions
from store.tickets import messages_of

log = logging.getLogger("casedesk.notify")

# Cases decided per write transaction: short enough not to hold the SQLite write lock for long.
BATCH = 50
# References carries at most this many earlier Message-IDs (the newest), as mail clients do.
MAX_REFERENCES = 10


def history(rows: list[Outbox]) -> list[Sent]:
    """Outbox rows as the policy reads them: settled ones with the moment they left the queue."""
    return [Sent(r.key, r.kind, None if r.status == PENDING else (r.sent_at or r.next_attempt_at)) for r in rows]


# The [followup] timings each store's stored due times were last worked out with, in this
# process (by database URL). Only the first tick after a start, or after the timings changed,
# finds a difference.
_timings_used: dict[str, FollowupSettings] = {}


def plan_due(db: Database, settings: Settings, now: datetime) -> int:
    """Plan every mail due at `now`; returns how many rows were inserted.

    Only cases whose next step fell due, or that changed since their last decision, are read
    (`cases_to_follow_up`); each decision stores when the case next needs a look. That stored
    time is only an index: every decision works the due times out again from the stored event
    times (the customer's last message, when each mail left) and the current [followup]
    timings. So that changed timings reach the cases already waiting, the first tick with
    timings other than those the stored times came from reads every waiting case once.
    """
    recheck = _timings_used.get(db.url) != settings.followup
    with db.read() as session:
        ids = cases_to_follow_up(session, now, every_waiting_case=recheck)
    planned = 0
    # Set-aside mail is read first without the write lock: almost every tick finds nothing new.
    with db.read() as session:
        unsent = set_aside_unsent(session, settings, now)
    if unsent:
        with db.write() as session:
            planned += plan_set_aside(session, settings, now)
    for start in range(0, len(ids), BATCH):
        with db.write() as session:
            planned += plan_batch(session, settings, ids[start:start + BATCH], now)
    _timings_used[db.url] = settings.followup
    return planned


def plan_batch(session: Session, settings: Settings, ids: list[int], now: datetime) -> int:
    """Decide and plan for these cases inside one transaction (the decision and its rows commit together)."""
    tickets = lock_tickets(session, ids)
    by_ticket: dict[int, list[Outbox]] = {}
    for row in history_of(session, ids):
        by_ticket.setdefault(row.ticket_id or 0, []).append(row)
    planned = 0
    decided: list[tuple[int, datetime | None]] = []
    for ticket in tickets:
        rows = by_ticket.get(ticket.id or 0, [])
        if unmailable(ticket, now):
            decided.append((ticket.id or 0, None))
            continue
        try:
            # A case whose mail cannot be built for another reason is logged and skipped; it must
            # not stop every other case's mail. It stays out of date, so the next tick tries again.
            with session.begin_nested():
                count = plan_case(session, settings, ticket, history(rows), now)
        except Exception:
            log.exception("planning mail for %s failed", ticket.ref)
            continue
        planned += count
        decided.append((ticket.id or 0, look_again_at(ticket, rows, settings, now, count)))
    record_decisions(session, decided)
    return planned


def unmailable(ticket: Ticket, now: datetime) -> bool:
    """Decide once about a customer address the email package refuses (a trailing dot, NUL, a line
    break): the case is held for staff with the reason, logged once, and never planned again.
    True when the case was held just now."""
    if ticket.status in (HELD, CLOSED) or ticket.automatic:
        return False
    try:
        recipient(ticket.customer)
        return False
    except BadRecipient:
        pass
    shown = ticket.customer.encode("unicode_escape").decode("ascii")[:200]
    ticket.status, ticket.held_reason, ticket.updated_at = HELD, f"cannot mail {shown}", now
    log.warning("%s: cannot mail %s; case held for staff", ticket.ref, shown)
    return True


def look_again_at(ticket: Ticket, rows: list[Outbox], settings: Settings, now: datetime,
                  planned: int) -> datetime | None:
    """When this case next needs a decision, if it does not change meanwhile: its next step's due
    time, or, while one of its mails is still in the outbox, when that mail is to be sent.

    The outbox settling a mail is what lets the next step fall due, and a mail that fails for good
    or is suppressed does not touch the case, so the case is looked at again once its mail should
    have left. A mail planned just now is sent in this very tick: look again at the next.
    """
    if planned:
        return now
    sent = history(rows)
    dropped = set(stale(ticket, sent, settings))
    waiting = [r.next_attempt_at for r in rows if r.status == PENDING and r.key not in dropped]
    step = next_step(ticket, sent, settings)
    times = [utc(t) for t in waiting] + ([step.due] if step is not None else [])
    return min(times, default=None)


def plan_case(session: Session, settings: Settings, ticket: Ticket, sent: list[Sent], now: datetime) -> int:
    """Cancel what the case no longer needs, then plan what it needs now."""
    dropped = stale(ticket, sent, settings)
    if cancel(session, dropped, now):
        log.info("%s: cancelled %s (no longer needed)", ticket.ref, ", ".join(dropped))
    planned = 0
    for item in due_mail(ticket, sent, settings, now):
        if plan_mail(session, settings, ticket, item, now):
            planned += 1
            if item.closes:
                ticket.status = CLOSED
                ticket.updated_at = now
            log.info("%s: planned %s (%s) to %s%s", ticket.ref, item.key, item.kind, ticket.customer,
                     ", case closed" if item.closes else "")
    return planned + plan_notices(session, settings, ticket, {row.key for row in sent}, now)


def plan_mail(session: Session, settings: Settings, ticket: Ticket, item: Plan, now: datetime) -> bool:
    """Render, compose and insert one planned mail; False when another process planned it first."""
    messages = messages_of(session, ticket)
    rendered = render(item.kind, ticket, case_types=settings.case_types,
                      link=my_tickets_link(settings),
                      reminder_every=settings.followup.reminder_every, number=item.number,
                      signature=settings.outbound.signature, name=customer_name(ticket, messages),
                      templates=settings.outbound.templates, first=item.key == first_key(ticket))
    parent, references = thread_of(messages)
    message_id, data = compose(settings, to=ticket.customer, subject=ticket.subject, text=rendered.text,
                               html=rendered.html, ref=ticket.ref, in_reply_to=parent,
                               references=references)
    return plan(session, key=item.key, kind=item.kind, recipient=ticket.customer, message_id=message_id,
                data=data, ticket_id=ticket.id, due=now)


def customer_name(ticket: Ticket, messages: list[Message]) -> str | None:
    """The display name on the customer's latest human mail to this case (None when they gave none)."""
    for message in reversed(messages):
        if message.direction == INBOUND and not message.automatic and message.from_addr.lower() == ticket.customer.lower():
            return message.from_name or None
    return None


def thread_of(messages: list[Message]) -> tuple[str | None, list[str]]:
    """(the customer's latest human mail, the case's Message-IDs newest last) for threading headers."""
    human = [m for m in messages if m.direction == INBOUND and not m.automatic]
    parent = human[-1].message_id if human else None
    return parent, [m.message_id for m in messages][-MAX_REFERENCES:]
