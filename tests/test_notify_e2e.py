"""Follow-up mail end to end: real `casedesk serve` processes sending to a real SMTP capture server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlmodel import select

from core.signing import verify_message_id
from conftest import Serve, mail, sample, wait_until
from helpers import Capture, Received, quiet
from store.db import Database
from store.models import Outbox, Ticket

FAST = {"first_request_after": "1s", "reminder_every": "2s", "max_reminders": 2, "tick": "200ms"}


@pytest.fixture
def desk(make_serve: Callable[..., Serve], capture: Capture) -> Callable[..., Serve]:
    """Start casedesk serve mailing the capture server, with short follow-up durations."""

    def start(**followup: Any) -> Serve:
        return make_serve(outbound={"transport": "smtp", "host": "127.0.0.1", "port": capture.port},
                          followup={**FAST, **followup})

    return start


def outbox(serve: Serve) -> list[Outbox]:
    db = Database(serve.settings.database.url)
    try:
        with db.read() as session:
            return list(session.scalars(select(Outbox).order_by(Outbox.id)))
    finally:
        db.dispose()


def labels(serve: Any, type_key: str, keys: list[str], language: str = "en") -> list[str]:
    [case_type] = [t for t in serve.settings.case_types if t.key == type_key]
    specs = {f.key: f for f in case_type.fields}
    return [specs[k].label_sv if language == "sv" else specs[k].label for k in keys]


def reply_to(received: Received, body: str, sender: str) -> bytes:
    """The customer answering our mail: Re: subject, In-Reply-To and References to our Message-ID."""
    ours = str(received.mail["Message-ID"])
    return mail(subject=f"Re: {received.mail['Subject']}", body=body, sender=sender,
                headers={"In-Reply-To": ours, "References": ours})


def test_first_mail_after_the_delay_asks_for_the_missing_fields(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="1h")
    capture.start()
    serve.send(sample("approval-en-missing.eml"))
    [first] = capture.wait("rita.moss@example-energy.com", 1)
    [ticket] = serve.tickets()
    ref = ticket["ref"]
    assert ticket["case_type"] == "review_approval"
    for label in labels(serve, "review_approval", ["invoice_id", "coding_rows", "users"]):
        assert f"{label}: ____" in first.text
    # My Tickets, never a sign-in link: this mail is stored on the case, where others read it (issue 12).
    assert ref in first.text and f"{serve.settings.web.base_url}/tickets" in first.text
    assert "/auth/" not in first.text and "/auth/" not in str(first.mail.get_body(("html",)))
    # One single invoice's case: the vendor's own advice comes with the first mail.
    assert "support button in the invoice's window" in first.text
    assert first.mail.get_body(("html",)) is not None
    # Planned no earlier than first_request_after after the customer's mail.
    db = Database(serve.settings.database.url)
    with db.read() as session:
        customer_at = session.scalars(select(Ticket.last_customer_at)).one()
    db.dispose()
    [row] = outbox(serve)
    assert (row.created_at - customer_at).total_seconds() >= 1
    # Every header the issue lists.
    h = first.mail
    assert first.mail_from == "support@support.example.com"
    assert first.rcpt_tos == ["rita.moss@example-energy.com"]
    assert h["Subject"] == f"[{ref}] Review/Approval question"
    assert h["In-Reply-To"] == "<sample-approval-en-missing@example-energy.com>"
    assert "<sample-approval-en-missing@example-energy.com>" in h["References"]
    assert verify_message_id(serve.settings.web.secret, h["Message-ID"].strip("<>")) == ref
    assert h["Auto-Submitted"] == "auto-replied"
    assert h["X-Auto-Response-Suppress"] == "All"
    assert h["Precedence"] == "auto_reply"
    assert h["Reply-To"] == "support@support.example.com"
    # `casedesk show --json` lists what we sent.
    shown = serve.show(ref)
    out = [m for m in shown["messages"] if m["direction"] == "out"]
    assert [m["message_id"] for m in out] == [h["Message-ID"].strip("<>")]
    assert out[0]["to"] == ["rita.moss@example-energy.com"] and "____" in out[0]["body"]


def test_a_quick_second_mail_is_merged_before_the_ask(make_desk: Callable[..., Any]) -> None:
    """In-process, with the tick's clock in hand: no race between filing and the first ask."""
    desk = make_desk(followup={"first_request_after": "5m", "reminder_every": "1h"})
    desk.file(sample("approval-en-missing.eml"))
    desk.file(mail(subject="Re: Review/Approval question", body="Forgot this one.\n\nInvoice ID: 50999\n",
                   sender="Rita Moss <rita.moss@example-energy.com>",
                   headers={"In-Reply-To": "<sample-approval-en-missing@example-energy.com>"}))
    assert desk.sent() == []
    desk.tick(datetime.now(timezone.utc) + timedelta(minutes=10))
    [first] = desk.sent("rita.moss@example-energy.com")
    text = first.get_body(("plain",)).get_content()
    invoice, rows, users = labels(desk, "review_approval", ["invoice_id", "coding_rows", "users"])
    assert f"{rows}: ____" in text and f"{users}: ____" in text
    assert f"{invoice}: ____" not in text
    assert len(desk.tickets()) == 1


def test_reminders_up_to_the_cap_then_warning_then_closing(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk()
    capture.start()
    serve.send(sample("unknown.eml"))
    # Automatic mail is held and never answered, whatever the timeline does.
    serve.send(sample("out-of-office.eml"))
    customer = "greta.holm@example-consult.com"
    mails = capture.wait(customer, 4)
    texts = [m.text for m in mails]
    assert "Thank you for your mail" in texts[0]
    assert "A reminder about your case" in texts[1]
    assert "A last reminder" in texts[2] and "within 2 seconds, we will close the case" in texts[2]
    assert "We have closed your case" in texts[3]
    # The type is unknown: every mail that asks lists the case types to choose from.
    for text in texts[:3]:
        for case_type in serve.settings.case_types:
            assert f"- {case_type.label}\n" in text
        assert "Case type: ____" in text
    quiet(3)
    assert len(capture.received) == 4
    assert all(m.mail["In-Reply-To"] == "<sample-unknown@example-consult.com>" for m in mails)
    [ticket] = serve.tickets("--status", "closed")
    assert ticket["customer"] == customer
    shown = serve.show(ticket["ref"])
    assert [m["direction"] for m in shown["messages"]] == ["in", "out", "out", "out", "out"]
    held = [t for t in serve.tickets() if t["status"] == "held"]
    assert len(held) == 1 and capture.to(held[0]["customer"]) == []


def test_one_confirmation_then_silence_once_the_customer_completes_the_form(desk: Callable[..., Serve],
                                                                           capture: Capture) -> None:
    serve = desk(reminder_every="3s")
    capture.start()
    serve.send(sample("approval-en-missing.eml"))
    customer = "rita.moss@example-energy.com"
    [first] = capture.wait(customer, 1)
    invoice, rows, users = labels(serve, "review_approval", ["invoice_id", "coding_rows", "users"])
    serve.send(reply_to(first, f"Here you are.\n\n{invoice}: 50999\n{rows}: 2\n{users}: Anna Lund\n",
                        "Rita Moss <rita.moss@example-energy.com>"))
    wait_until(lambda: serve.tickets_now("ready"))
    [ticket] = serve.tickets("--status", "ready")
    assert ticket["missing"] == []
    # The reply threaded onto the case through In-Reply-To to our mail.
    assert [m["direction"] for m in serve.show(ticket["ref"])["messages"]][:3] == ["in", "out", "in"]
    # Exactly one short confirmation, then nothing more: no reminder, no second confirmation.
    [_, confirmed] = capture.wait(customer, 2)
    assert "we now have everything we need for your case" in confirmed.text and "____" not in confirmed.text
    assert confirmed.text.startswith("Hi Rita,") and confirmed.mail["In-Reply-To"]
    quiet(7)
    assert len(capture.to(customer)) == 2
    assert [r.kind for r in outbox(serve)] == ["first", "complete"]


def test_swedish_ticket_gets_swedish_mail(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="1h")
    capture.start()
    serve.send(sample("capture-sv-missing.eml"))
    [first] = capture.wait("olof.rask@example-kommun.se", 1)
    assert first.text.startswith("Hej Olof,")  # "Olof Rask <olof.rask@...>": his first name
    for label in labels(serve, "capture_verification", ["invoice_number", "invoice_examples"], "sv"):
        assert f"{label}: ____" in first.text
    assert "Mina ärenden" in first.mail.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_customer_header_values_cannot_inject_headers_or_recipients(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="1h")
    capture.start()
    raw = (b"From: =?utf-8?q?Ann=0D=0ABcc=3A_victim=40evil=2Eexample?= <ann@example.com>\r\n"
           b"To: support@support.example.com\r\n"
           b"Subject: =?utf-8?q?Help=0D=0ABcc=3A_victim2=40evil=2Eexample=0D=0AX-Injected=3A_yes?=\r\n"
           b"Message-ID: <hostile-1@example.com>\r\n"
           b"Date: Mon, 05 Oct 2026 07:00:00 +0000\r\n\r\nWho is our account manager?\r\n")
    serve.send(raw, sender="ann@example.com")
    [first] = capture.wait("ann@example.com", 1)
    assert len(capture.received) == 1 and first.rcpt_tos == ["ann@example.com"]
    names = {name.lower() for name in first.mail.keys()}
    assert not names & {"bcc", "cc", "x-injected"}
    assert "\n" not in first.mail["Subject"] and "Bcc: victim2@evil.example" in first.mail["Subject"]
    assert first.mail["To"] == "ann@example.com"


def test_smtp_server_down_then_back_sends_every_mail_once(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="1h")
    customers = [f"c{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(3)]
    for n, customer in enumerate(customers):
        serve.send(mail(subject=f"Question {n}", body="Who is our account manager?", sender=customer),
                   sender=customer)
    # The server is down: every row is attempted, fails and waits for its retry.
    wait_until(lambda: (rows := outbox(serve)) and len(rows) == 3 and all(r.attempts >= 2 for r in rows))
    assert capture.received == [] and all(r.status == "pending" and r.last_error for r in outbox(serve))
    capture.start()
    for customer in customers:
        capture.wait(customer, 1)
    quiet(2)
    assert sorted(r.rcpt_tos[0] for r in capture.received) == sorted(customers)
    assert len({r.mail["Message-ID"] for r in capture.received}) == 3
    assert all(r.status == "sent" for r in outbox(serve))


def test_the_hard_cap_per_address(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="1h")
    capture.start()
    for n in range(11):
        serve.send(mail(subject=f"Question {n}", body="Who is our account manager?", sender="bo@example.com"),
                   sender="bo@example.com")
    serve.wait_tickets(11)
    wait_until(lambda: len([r for r in outbox(serve) if r.status != "pending"]) == 11)
    quiet(1)
    assert len(capture.to("bo@example.com")) == 10
    assert [r.status for r in outbox(serve)].count("suppressed") == 1


def test_two_serve_processes_on_postgresql_send_each_mail_once(make_serve: Callable[..., Serve],
                                                               capture: Capture, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several serve processes share one database only on PostgreSQL")
    capture.start()
    tables = {"outbound": {"transport": "smtp", "host": "127.0.0.1", "port": capture.port},
              "followup": {**FAST, "tick": "100ms"}}
    serves = [make_serve(**tables), make_serve(**tables)]
    customers = [f"p{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(6)]
    for n, customer in enumerate(customers):
        serves[n % 2].send(mail(subject=f"Question {n}", body="Who is our account manager?", sender=customer),
                           sender=customer)
    # Each unknown-type case runs the whole timeline: first, reminder, warning, closing.
    for customer in customers:
        capture.wait(customer, 4)
    quiet(3)
    assert len(capture.received) == 24
    assert len({r.mail["Message-ID"] for r in capture.received}) == 24
    rows = outbox(serves[0])
    assert len(rows) == 24 and all(r.status == "sent" and r.attempts == 1 for r in rows)
