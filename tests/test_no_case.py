"""A mail read as no support case (a price question, an invitation, a bill sent to us) is held
for staff: its sender is asked nothing (ingest/pipeline.py, notify/policy.py, docs/staff.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conftest import write_config
from core.settings import load
from ingest.classify import read_mail
from ingest.parse import parse
from ingest.pipeline import apply_reading, new_case
from notify.policy import STAFF_NO_CASE, staff_events
from store.models import HELD, utcnow
from web.thread import missing as thread_missing

TYPES_DOMAINS = ("support.example.com",)


def mail(body: str, subject: str = "Hello") -> bytes:
    return f"From: Dana <dana@example-foods.com>\r\nSubject: {subject}\r\nMessage-ID: <x@example-foods.com>\r\n\r\n{body}\r\n".encode()


def test_a_price_question_is_held_and_a_case_releases_it(tmp_path: Path) -> None:
    settings = load(write_config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite", staff={"notify": ["team@example.net"]}))
    types = settings.case_types
    price = parse(mail("Hi, what would it cost to add five more user licences to our subscription?", "Licences"))
    reading = read_mail(price, types, None, TYPES_DOMAINS)
    assert reading.no_case and reading.case_type is None
    now = utcnow()
    ticket = new_case(price, reading, None, now, settings)
    ticket.ref = "CASE-1001"
    assert ticket.status == HELD and ticket.held_reason == "not a support case: a question about price or licences"
    assert not ticket.automatic  # a person wrote it: staff may answer
    assert thread_missing(ticket, None) == []  # the web view asks its sender for nothing either
    # Staff are told once per customer message; not when the event is not listed.
    assert staff_events(ticket, settings, now) == [(f"CASE-1001:staff:not_a_case:{now:%Y%m%dT%H%M%S%fZ}", STAFF_NO_CASE)]
    (tmp_path / "q").mkdir()
    quiet = load(write_config(tmp_path / "q", f"sqlite:///{tmp_path}/db.sqlite",
                              staff={"notify": ["team@example.net"], "notify_on": ["ready"]}))
    assert staff_events(ticket, quiet, now) == []
    assert staff_events(ticket, settings, now + timedelta(days=8)) == []  # old news
    # Another mail that is no case keeps it held ("Thanks!", "any news?": told to staff again, keyed
    # by that mail); one that is a case makes it a case.
    later = now + timedelta(minutes=5)
    for text in ("What would it cost to add ten more?", "Thanks, that answers it!", "Hi again, any news on this?"):
        apply_reading(ticket, read_mail(parse(mail(text, "Re: Licences")), types, None, TYPES_DOMAINS), types, later, True)
        assert ticket.status == HELD and ticket.last_customer_at == later, text
    assert staff_events(ticket, settings, later) == [(f"CASE-1001:staff:not_a_case:{later:%Y%m%dT%H%M%S%fZ}", STAFF_NO_CASE)]
    case = read_mail(parse(mail("I cannot change the project on coding row 2 of invoice 41220.")), types, None, TYPES_DOMAINS)
    apply_reading(ticket, case, types, later + timedelta(minutes=5))
    assert ticket.case_type == "coding" and ticket.held_reason is None and ticket.status != HELD


def test_a_case_asked_for_its_type_is_not_held_by_a_later_question(tmp_path: Path) -> None:
    """Only a case's first mail, or one already held as no case, is held: a customer's price
    question on a case that is waiting for them does not take it away from them."""
    settings = load(write_config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite"))
    types = settings.case_types
    vague = parse(mail("Hi, something is wrong with invoice 41220, can you help?"))
    now = utcnow()
    ticket = new_case(vague, read_mail(vague, types, None, TYPES_DOMAINS), None, now, settings)
    assert ticket.status == "awaiting_customer"
    price = read_mail(parse(mail("And what would five more user licences cost?", "Licences")), types, None, TYPES_DOMAINS)
    apply_reading(ticket, price, types, now + timedelta(minutes=1))
    assert ticket.status == "awaiting_customer" and ticket.held_reason is None


def test_every_staff_notice_kind_stays_off_the_case_and_out_of_the_loop_cap() -> None:
    """A notice kind missing from either list was shown to the customer on their case page (with
    the staff address in it) and counted against the team list's loop cap."""
    from notify.policy import STAFF_KINDS
    from notify.sender import NOT_ON_THE_CASE
    from store.outbox import UNCAPPED
    assert set(STAFF_KINDS.values()) <= NOT_ON_THE_CASE and set(STAFF_KINDS.values()) <= UNCAPPED


def test_nobody_told_means_nothing_held(tmp_path: Path) -> None:
    """With `[staff] notify = []` (the default) nobody would see a held mail: its sender is asked
    for a case type as before (the session's review)."""
    settings = load(write_config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite"))
    price = parse(mail("Hi, what would it cost to add five more user licences to our subscription?", "Licences"))
    ticket = new_case(price, read_mail(price, settings.case_types, None, TYPES_DOMAINS), None, utcnow(), settings)
    assert ticket.status == "awaiting_customer" and ticket.held_reason is None
