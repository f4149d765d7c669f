"""notify/policy.py: which mail a case needs now, from values alone (no database, no clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.settings import FollowupSettings, Settings
from notify.policy import Plan, Sent, due_mail, first_key, follow_ups, next_step, stale
from store.models import AWAITING_CUSTOMER, CLOSED, HELD, READY, Ticket

T0 = datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc)
F, R = timedelta(minutes=5), timedelta(days=2)


def settings(max_reminders: int = 2) -> Settings:
    return Settings(path=Path("config.toml"), followup=FollowupSettings(
        first_request_after=F, reminder_every=R, max_reminders=max_reminders))


def ticket(status: str = AWAITING_CUSTOMER, missing: tuple[str, ...] = ("invoice_id",),
           last: datetime = T0, automatic: bool = False) -> Ticket:
    return Ticket(id=1, ref="CASE-1001", customer="ann@example.com", status=status, automatic=automatic,
                  missing=list(missing), last_customer_at=last)


def run(case: Ticket, until: datetime, max_reminders: int = 2, step: timedelta = timedelta(minutes=1),
        history: list[Sent] | None = None) -> list[tuple[Plan, datetime]]:
    """Tick the policy every `step` until `until`, sending each planned mail at once."""
    sent = list(history or [])
    out = []
    now = case.last_customer_at
    while now <= until:
        for plan in due_mail(case, sent, settings(max_reminders), now):
            out.append((plan, now))
            sent.append(Sent(plan.key, plan.kind, now))
            if plan.closes:
                case.status = CLOSED
        now += step
    return out


def test_nothing_before_first_request_after() -> None:
    assert due_mail(ticket(), [], settings(), T0 + F - timedelta(seconds=1)) == []


def test_first_mail_after_the_delay_counted_from_the_last_customer_message() -> None:
    [plan] = due_mail(ticket(), [], settings(), T0 + F)
    assert (plan.key, plan.kind, plan.due) == ("CASE-1001:first", "first", T0 + F)
    # A second quick mail moved last_customer_at: the first mail waits for it.
    assert due_mail(ticket(last=T0 + timedelta(minutes=3)), [], settings(), T0 + F) == []


def test_complete_case_gets_the_acknowledgement_and_nothing_more() -> None:
    complete = ticket(status=READY, missing=())
    [plan] = due_mail(complete, [], settings(), T0 + F)
    # The first mail of a case complete from the start is the confirmation itself.
    assert (plan.key, plan.kind) == ("CASE-1001:first", "complete")
    history = [Sent(p.key, p.kind, at) for p, at in run(complete, T0 + 30 * R)]
    assert [s.kind for s in history] == ["complete"]
    # A later "thanks" from the customer changes nothing: the first mail already said so.
    complete.last_customer_at = T0 + 31 * R
    assert run(complete, T0 + 60 * R, history=history) == []
    # Incomplete again (a reprocess), asked by a reminder, then completed by an answer: confirmed once.
    complete.status, complete.missing, complete.last_customer_at = AWAITING_CUSTOMER, ["invoice_id"], T0 + 61 * R
    history += [Sent(p.key, p.kind, at) for p, at in run(complete, T0 + 62 * R, history=history)]
    assert [s.kind for s in history] == ["complete", "reminder"]
    complete.status, complete.missing, complete.last_customer_at = READY, [], T0 + 62 * R + timedelta(hours=1)
    assert [p.key for p, _ in run(complete, T0 + 90 * R, history=history)] == ["CASE-1001:complete"]


def test_a_case_that_becomes_complete_gets_one_confirmation_then_nothing_more() -> None:
    case = ticket()
    history = [Sent(p.key, p.kind, at) for p, at in run(case, T0 + F + R)]
    assert [s.kind for s in history] == ["first", "reminder"]
    reply = T0 + F + R + timedelta(hours=3)
    case.status, case.missing, case.last_customer_at = READY, [], reply
    # Not before first_request_after has passed since the answer (a quick second reply merges).
    assert due_mail(case, history, settings(), reply + F - timedelta(seconds=1)) == []
    [plan] = due_mail(case, history, settings(), reply + F)
    assert (plan.key, plan.kind, plan.due) == ("CASE-1001:complete", "complete", reply + F)
    later = run(case, T0 + 30 * R, history=history)
    assert [(p.kind, at) for p, at in later] == [("complete", reply + F)]
    history += [Sent(p.key, p.kind, at) for p, at in later]
    # Incomplete again, then complete again: reminders may follow, but never a second confirmation.
    case.status, case.missing, case.last_customer_at = AWAITING_CUSTOMER, ["invoice_id"], T0 + 31 * R
    history += [Sent(p.key, p.kind, at) for p, at in run(case, T0 + 32 * R, history=history)]
    case.status, case.missing, case.last_customer_at = READY, [], T0 + 33 * R
    assert [p.kind for p, _ in run(case, T0 + 60 * R, history=history)] == []
    assert next_step(case, history, settings()) is None


def test_no_confirmation_before_the_first_mail_has_left_or_without_an_answer() -> None:
    case = ticket(status=READY, missing=(), last=T0 + timedelta(hours=1))
    assert due_mail(case, [Sent("CASE-1001:first", "first", None)], settings(), T0 + 10 * R) == []
    # Completed without a word from the customer since our first mail (a reprocess): nothing.
    case.last_customer_at = T0
    assert due_mail(case, [Sent("CASE-1001:first", "first", T0 + F)], settings(), T0 + 10 * R) == []


def test_the_whole_timeline_reminders_warning_closing() -> None:
    timeline = run(ticket(), T0 + 10 * R)
    assert [(p.kind, p.number, at - T0) for p, at in timeline] == [
        ("first", 0, F), ("reminder", 1, F + R), ("warning", 2, F + 2 * R), ("closed", 2, F + 3 * R)]
    assert timeline[-1][0].closes


@pytest.mark.parametrize("max_reminders, kinds", [
    (0, ["first", "warning", "closed"]),
    (1, ["first", "warning", "closed"]),
    (3, ["first", "reminder", "reminder", "warning", "closed"]),
])
def test_max_reminders_counts_the_warning_as_the_last_reminder(max_reminders: int, kinds: list[str]) -> None:
    assert [p.kind for p, _ in run(ticket(), T0 + 20 * R, max_reminders)] == kinds


def test_a_step_waits_until_the_previous_one_has_left() -> None:
    pending_first = [Sent("CASE-1001:first", "first", None)]
    assert due_mail(ticket(), pending_first, settings(), T0 + 10 * R) == []


def test_after_downtime_it_catches_up_one_step_at_a_time() -> None:
    # Down for a week: the first mail goes now, the reminder one reminder_every later, not at once.
    late = T0 + 7 * R
    sent = [Sent("CASE-1001:first", "first", late)]
    assert due_mail(ticket(), sent, settings(), late) == []
    [plan] = due_mail(ticket(), sent, settings(), late + R)
    assert plan.kind == "reminder"


def test_a_reply_starts_a_new_round_with_new_keys() -> None:
    case = ticket()
    first_round = run(case, T0 + F + R)
    assert [p.kind for p, _ in first_round] == ["first", "reminder"]
    history = [Sent(p.key, p.kind, at) for p, at in first_round]
    reply = T0 + F + R + timedelta(hours=1)
    case.last_customer_at = reply
    assert due_mail(case, history, settings(), reply + R - timedelta(seconds=1)) == []
    [plan] = due_mail(case, history, settings(), reply + R)
    assert plan.kind == "reminder" and plan.number == 1
    assert plan.key not in {s.key for s in history}
    assert plan.key.startswith("CASE-1001:20261") and plan.key.endswith(":reminder:1")


def test_complete_case_gets_no_reminder() -> None:
    sent = [Sent(first_key(ticket()), "first", T0 + F)]
    assert due_mail(ticket(status=READY, missing=()), sent, settings(), T0 + 5 * R) == []


@pytest.mark.parametrize("case", [ticket(status=HELD), ticket(automatic=True), ticket(status=CLOSED)])
def test_held_automatic_and_closed_cases_get_nothing(case: Ticket) -> None:
    assert due_mail(case, [], settings(), T0 + 10 * R) == []


def test_a_closed_case_reopened_by_a_reply_is_followed_up_again_without_a_second_first_mail() -> None:
    case = ticket()
    history = [Sent(p.key, p.kind, at) for p, at in run(case, T0 + 10 * R)]
    assert case.status == CLOSED
    case.status, case.last_customer_at = AWAITING_CUSTOMER, T0 + 11 * R
    kinds = [p.kind for p, _ in run(case, T0 + 30 * R, history=history)]
    assert kinds == ["reminder", "warning", "closed"]


def test_stale_cancels_unsent_reminders_of_an_old_round_or_a_complete_case() -> None:
    case = ticket()
    key, kind, _ = follow_ups(case, 2)[0]
    pending = [Sent(key, kind, None), Sent("CASE-1001:first", "first", None)]
    assert stale(case, pending, settings()) == []
    case.last_customer_at = T0 + R
    assert stale(case, pending, settings()) == [key]
    assert stale(ticket(status=READY, missing=()), pending, settings()) == [key]
    # Sent rows and the first mail are never cancelled.
    assert stale(ticket(status=READY, missing=()), [Sent(key, kind, T0)], settings()) == []


def test_next_step_names_the_mail_and_when_it_falls_due_whatever_the_clock() -> None:
    # The planner stores this on the case, so a tick reads only the cases whose step fell due.
    step = next_step(ticket(), [], settings())
    assert step is not None and (step.kind, step.due) == ("first", T0 + F)
    sent = [Sent("CASE-1001:first", "first", T0 + F + timedelta(hours=1))]
    step = next_step(ticket(), sent, settings())
    assert step is not None and (step.kind, step.due) == ("reminder", T0 + F + timedelta(hours=1) + R)


@pytest.mark.parametrize("case, history", [
    (ticket(status=READY, missing=()), [Sent("CASE-1001:first", "first", T0 + F)]),
    (ticket(), [Sent("CASE-1001:first", "first", None)]),
    (ticket(status=HELD), []),
    (ticket(status=CLOSED), []),
])
def test_next_step_is_none_when_nothing_will_fall_due_until_a_fact_changes(case: Ticket,
                                                                         history: list[Sent]) -> None:
    assert next_step(case, history, settings()) is None


# -- staff in the loop (docs/staff.md) -----------------------------------------------------------

def staff_settings(*events: str) -> Settings:
    from core.settings import StaffSettings

    return Settings(path=Path("config.toml"), followup=settings().followup,
                    staff=StaffSettings(notify=("team@example.net",), notify_on=events or ("ready", "customer_wrote")))


def test_a_staff_answer_stops_requests_and_reminders_until_the_customer_writes_again() -> None:
    case = ticket()
    first = Sent(first_key(case), "first", T0 + F)
    assert run(ticket(), T0 + 5 * R, history=[first])  # without an answer: reminders, warning, closing
    case.last_staff_reply_at = T0 + F + timedelta(minutes=1)
    assert run(case, T0 + 5 * R, history=[first]) == []
    pending = Sent(f"CASE-1001:{T0:%Y%m%dT%H%M%S%fZ}:reminder:1", "reminder", None)
    assert stale(case, [pending], settings()) == [pending.key]
    case.last_customer_at = T0 + R  # the customer writes again: a new round of follow-ups
    assert [p.kind for p, _ in run(case, T0 + 3 * R, history=[first])][:1] == ["reminder"]


def test_ready_is_told_once_per_time_the_case_becomes_ready() -> None:
    from notify.policy import staff_events

    case = ticket(status=READY, missing=())
    case.ready_at = T0
    assert staff_events(case, staff_settings(), T0) == [(f"CASE-1001:staff:ready:{T0:%Y%m%dT%H%M%S%fZ}", "staff_ready")]
    assert staff_events(case, settings(), T0) == []  # [staff] notify empty: off
    assert staff_events(case, staff_settings("customer_wrote"), T0) == []
    assert staff_events(case, staff_settings(), T0 + timedelta(days=8)) == []  # old news after an upgrade
    case.last_customer_at = T0 + timedelta(hours=1)  # the customer writes again on the ready case
    kinds = [kind for _, kind in staff_events(case, staff_settings(), T0 + timedelta(hours=1))]
    assert kinds == ["staff_ready", "staff_customer_wrote"]
    for status in (HELD, CLOSED):
        case.status = status
        assert staff_events(case, staff_settings(), T0) == []


def test_the_customer_writing_after_a_staff_answer_is_told_also_on_an_incomplete_case() -> None:
    from notify.policy import staff_events

    case = ticket()
    case.last_staff_reply_at = T0
    assert staff_events(case, staff_settings(), T0) == []
    case.last_customer_at = T0 + timedelta(minutes=3)
    assert [k for _, k in staff_events(case, staff_settings(), T0 + timedelta(minutes=3))] == ["staff_customer_wrote"]
