"""What mail a case needs now, decided from stored facts alone (pure: no database, no clock).

The timeline (docs/notify.md has it with an example):

- `first`: once per case, `first_request_after` after the customer's last message, so a quick
  second mail is merged before we ask. It acknowledges the case and asks for what is missing.
- Then, while the case misses something, a *round* of follow-ups counted from the customer's last
  message: reminders every `reminder_every`, the last of which is the `warning` (the case will be
  closed after another `reminder_every` without an answer), then `closed`, which closes the case.
- A human reply moves `last_customer_at` and so starts a new round with new keys; the old round's
  unsent reminders are cancelled.
- `complete`: once, when a case that our first mail asked for something becomes complete: a
  short confirmation that support takes it from here. Nothing follows it. A case complete from
  its first mail gets that first mail as a `complete` mail instead (same key as `first`).

Each step waits for the previous one to have left (sent, or settled otherwise), so after downtime
we catch up one step per `reminder_every` instead of firing the whole round at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core.times import utc
from core.settings import Settings
from store.models import (AWAITING_CUSTOMER, CLOSED, HELD, READY, STAFF_NO_CASE, STAFF_READY, STAFF_SET_ASIDE,
                          STAFF_WROTE, Ticket, held_as_no_case)

FIRST, REMINDER, WARNING, CLOSING, COMPLETE = "first", "reminder", "warning", "closed", "complete"
# Staff notification kinds (docs/staff.md), one per [staff] notify_on event.
STAFF_KINDS = {"ready": STAFF_READY, "customer_wrote": STAFF_WROTE, "set_aside": STAFF_SET_ASIDE,
               "not_a_case": STAFF_NO_CASE}
# Events older than this are not notified: after an upgrade (every ready case is "ready since its
# customer's last mail") or a long outage, a team list is not flooded with old news.
NOTICE_WINDOW = timedelta(days=7)
# Kinds that only make sense while the case still waits for the same customer message.
FOLLOW_UPS = (REMINDER, WARNING)
# Kinds that ask the customer for something; a case completed after one of them is confirmed.
ASKING = (FIRST, REMINDER, WARNING)


@dataclass(frozen=True)
class Sent:
    """One outbox row of the case as the policy sees it; `at` is None while it is still pending."""

    key: str
    kind: str
    at: datetime | None


@dataclass(frozen=True)
class Plan:
    """One mail due now: its unique outbox key, its kind and reminder number, and when it fell due."""

    key: str
    kind: str
    number: int
    due: datetime

    @property
    def closes(self) -> bool:
        """Planning this mail closes the case, in the same transaction."""
        return self.kind == CLOSING


def round_of(ticket: Ticket) -> str:
    """The follow-up round: the customer's last message, to the microsecond, as key text."""
    return utc(ticket.last_customer_at).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def first_key(ticket: Ticket) -> str:
    return f"{ticket.ref}:{FIRST}"


def complete_key(ticket: Ticket) -> str:
    """One confirmation per case, ever: the unique outbox key makes "exactly once" hold."""
    return f"{ticket.ref}:{COMPLETE}"


def is_complete(ticket: Ticket) -> bool:
    """Ready for support: the type is known and nothing required is missing."""
    return ticket.status == READY and not ticket.missing


def follow_ups(ticket: Ticket, max_reminders: int) -> list[tuple[str, str, int]]:
    """(key, kind, number) of this round's steps: reminders, the warning (the last reminder), closing.

    With max_reminders = 0 the warning is still sent: a case is never closed without one.
    """
    stamp = f"{ticket.ref}:{round_of(ticket)}"
    reminders = [(f"{stamp}:{REMINDER}:{n}", REMINDER, n) for n in range(1, max_reminders)]
    last = max(max_reminders, 1)
    return [*reminders, (f"{stamp}:{WARNING}", WARNING, last), (f"{stamp}:{CLOSING}", CLOSING, last)]


def next_step(ticket: Ticket, sent_history: Sequence[Sent], settings: Settings) -> Plan | None:
    """The next mail this case will need, with the moment it falls due, if its facts stay as they
    are; None when it needs none, or until the previous mail has left the outbox.

    The planner stores `due` on the case, so a tick looks only at cases whose next step fell due.
    """
    if ticket.automatic or ticket.status in (HELD, CLOSED) or staff_answered(ticket):
        return None
    followup = settings.followup
    by_key = {row.key: row for row in sent_history}
    spoken = utc(ticket.last_customer_at)
    first = by_key.get(first_key(ticket))
    if first is None:
        kind = COMPLETE if is_complete(ticket) else FIRST
        return Plan(first_key(ticket), kind, 0, spoken + followup.first_request_after)
    if is_complete(ticket):
        return confirmation(ticket, first, by_key, settings)
    if ticket.status != AWAITING_CUSTOMER or not ticket.missing or first.at is None:
        return None
    previous = max(utc(first.at), spoken)
    for key, kind, number in follow_ups(ticket, followup.max_reminders):
        row = by_key.get(key)
        if row is None:
            return Plan(key, kind, number, previous + followup.reminder_every)
        if row.at is None:
            return None
        previous = utc(row.at)
    return None


def confirmation(ticket: Ticket, first: Sent, by_key: dict[str, Sent], settings: Settings) -> Plan | None:
    """The `complete` mail for a case we asked for something, once the customer's answer made it
    complete.

    It waits `first_request_after` after the customer's last message, as the first mail does, so a
    burst of replies gets one confirmation. Nothing when no mail of ours has asked yet (the first
    mail already said "complete"), when the customer has not written since we first asked (a case
    completed by `casedesk reprocess`, or planned before this mail existed), or when the case was
    confirmed before.
    """
    asked = [utc(row.at) for row in by_key.values() if row.kind in ASKING and row.at is not None]
    if first.at is None or not asked or complete_key(ticket) in by_key:
        return None
    if utc(ticket.last_customer_at) <= min(asked):
        return None
    due = max(utc(first.at), utc(ticket.last_customer_at) + settings.followup.first_request_after)
    return Plan(complete_key(ticket), COMPLETE, 0, due)


def due_mail(ticket: Ticket, sent_history: Sequence[Sent], settings: Settings, now: datetime) -> list[Plan]:
    """The mail this case needs now (at most one); [] when nothing is due yet or ever."""
    step = next_step(ticket, sent_history, settings)
    return [step] if step is not None and now >= step.due else []


def stale(ticket: Ticket, pending: Sequence[Sent], settings: Settings) -> list[str]:
    """Keys of unsent reminders the case no longer needs: an earlier round's, or any once complete."""
    current = {key for key, _, _ in follow_ups(ticket, settings.followup.max_reminders)}
    waiting = ticket.status == AWAITING_CUSTOMER and bool(ticket.missing) and not staff_answered(ticket)
    return [row.key for row in pending
            if row.at is None and row.kind in FOLLOW_UPS and (not waiting or row.key not in current)]


def staff_answered(ticket: Ticket) -> bool:
    """A staff member answered after the customer's last message: no automatic request or reminder
    goes out until the customer writes again (which moves `last_customer_at` past the answer)."""
    answered = ticket.last_staff_reply_at
    return answered is not None and utc(answered) >= utc(ticket.last_customer_at)


def stamp(when: datetime) -> str:
    return utc(when).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def staff_events(ticket: Ticket, settings: Settings, now: datetime) -> list[tuple[str, str]]:
    """(key without recipient, kind) of the staff notifications this case's facts call for.

    - ready: the case became ready (keyed by `ready_at`, so it becoming ready again is news again);
    - customer_wrote: the customer wrote after that on a ready case, or after a staff answer
      (keyed by the customer's message, so each new mail is told once);
    - not_a_case: the customer's mail was read as no support case and is held for staff, who
      alone can answer it (keyed by the customer's message).
    Only events within NOTICE_WINDOW of `now`; nothing when `[staff] notify` is empty.
    """
    staff = settings.staff
    spoken = utc(ticket.last_customer_at)
    if staff.notify and not ticket.automatic and ticket.status == HELD and held_as_no_case(ticket.held_reason):
        fresh = "not_a_case" in staff.notify_on and now - spoken <= NOTICE_WINDOW
        return [(f"{ticket.ref}:staff:not_a_case:{stamp(spoken)}", STAFF_NO_CASE)] if fresh else []
    if not staff.notify or ticket.automatic or ticket.status in (HELD, CLOSED):
        return []
    found = []
    ready_at = utc(ticket.ready_at) if ticket.ready_at else None
    if "ready" in staff.notify_on and ticket.status == READY and ready_at and now - ready_at <= NOTICE_WINDOW:
        found.append((f"{ticket.ref}:staff:ready:{stamp(ready_at)}", STAFF_READY))
    answered = utc(ticket.last_staff_reply_at) if ticket.last_staff_reply_at else None
    wrote_again = ((ticket.status == READY and ready_at is not None and spoken > ready_at)
                   or (answered is not None and spoken > answered))
    # The mail that made the case ready is told as "ready" alone.
    if "customer_wrote" in staff.notify_on and wrote_again and ready_at != spoken and now - spoken <= NOTICE_WINDOW:
        found.append((f"{ticket.ref}:staff:wrote:{stamp(spoken)}", STAFF_WROTE))
    return found


def notice_key(event_key: str, recipient: str) -> str:
    """One outbox row per notified address."""
    return f"{event_key}:{recipient.lower()}"
