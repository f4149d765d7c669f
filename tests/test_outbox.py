"""store/outbox.py, notify/sender.py and core/outmail.py against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import mailbox
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlmodel import select

from core.links import login_link
from core.outmail import BadRecipient, compose, header_text
from core.settings import FollowupSettings, OutboundSettings, Settings, WebSettings
from core.signing import verify_message_id
from notify import sender
from notify.scheduler import run_tick
from store.db import Database
from store.migrate import upgrade
from store.models import CLOSED, OUTBOUND, Message, Outbox, Ticket
from store.outbox import SENT, SUPPRESSED, cases_to_follow_up, claim, mark_failed, mark_sent, plan
from store.tickets import add_message, messages_of, open_ticket

NOW = datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc)
SECRET = "s3cret-0123456789abcdef-0123456789abcdef"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        path=tmp_path / "config.toml",
        outbound=OutboundSettings(transport="maildir", maildir=tmp_path / "outbox"),
        web=WebSettings(base_url="http://desk.example.com", secret=SECRET),
        followup=FollowupSettings(first_request_after=timedelta(seconds=1), reminder_every=timedelta(seconds=2),
                                  max_reminders=2, tick=timedelta(milliseconds=200)),
    )


def planned(db: Database, key: str, recipient: str = "ann@example.com", ticket_id: int | None = None) -> bool:
    with db.write() as session:
        return plan(session, key=key, kind="test", recipient=recipient, message_id=f"{key}@x",
                    data=b"Subject: x\r\n\r\nbody\r\n", ticket_id=ticket_id, due=NOW)


def rows(db: Database) -> list[Outbox]:
    with db.read() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def claimed(db: Database, now: datetime = NOW, limit: int = 20,
            lease: timedelta = timedelta(minutes=10), cap: int = 10) -> tuple[list[str], list[str]]:
    with db.write() as session:
        got, dropped = claim(session, now, limit=limit, lease=lease, cap=cap, window=timedelta(hours=3))
        return [r.key for r in got], [r.key for r in dropped]


def outbox_mail(settings: Settings) -> list[bytes]:
    return [m.as_bytes() for m in mailbox.Maildir(settings.outbound.maildir, create=True)]


# -- store/outbox.py -----------------------------------------------------------------------------

def test_a_key_is_planned_once(db: Database) -> None:
    assert planned(db, "CASE-1001:first") is True
    assert planned(db, "CASE-1001:first") is False
    assert [r.key for r in rows(db)] == ["CASE-1001:first"]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(db: Database) -> None:
    planned(db, "a")
    assert claimed(db) == (["a"], [])
    assert claimed(db, NOW + timedelta(minutes=1)) == ([], [])
    # The first claimer died: after the lease another process takes the row over.
    later = NOW + timedelta(minutes=11)
    assert claimed(db, later) == (["a"], [])
    with db.write() as session:
        # The late first claimer cannot settle a row that is no longer its own.
        assert mark_sent(session, rows(db)[0].id, NOW, NOW, None) is False  # type: ignore[arg-type]
        assert mark_sent(session, rows(db)[0].id, later, later, None) is True  # type: ignore[arg-type]
    [row] = rows(db)
    assert row.status == SENT and row.attempts == 1
    assert claimed(db, NOW + timedelta(hours=1)) == ([], [])


def test_a_failed_row_waits_for_its_retry_time(db: Database) -> None:
    planned(db, "a")
    claimed(db)
    with db.write() as session:
        mark_failed(session, rows(db)[0].id, NOW, NOW, "ConnectionRefusedError", NOW + timedelta(seconds=30))  # type: ignore[arg-type]
    [row] = rows(db)
    assert (row.status, row.attempts, row.last_error, row.claimed_at) == ("pending", 1, "ConnectionRefusedError", None)
    assert claimed(db, NOW + timedelta(seconds=29)) == ([], [])
    assert claimed(db, NOW + timedelta(seconds=30)) == (["a"], [])


def test_the_cap_counts_sent_and_in_flight_mail_per_address(db: Database) -> None:
    for n in range(4):
        planned(db, f"ann-{n}")
    planned(db, "bo-0", recipient="bo@example.com")
    got, dropped = claimed(db, cap=3)
    assert sorted(got) == ["ann-0", "ann-1", "ann-2", "bo-0"] and dropped == ["ann-3"]
    assert [r.status for r in rows(db)].count(SUPPRESSED) == 1


def test_backoff_doubles_from_the_tick_and_is_capped() -> None:
    base = timedelta(milliseconds=200)
    assert [sender.backoff(n, base).total_seconds() for n in (1, 2, 3)] == [0.2, 0.4, 0.8]
    assert sender.backoff(40, base) == sender.BACKOFF_CAP


@pytest.mark.pg
def test_concurrent_claimers_take_disjoint_rows(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has one writer; SKIP LOCKED is a PostgreSQL matter")
    for n in range(60):
        planned(db, f"k{n}", recipient=f"r{n % 7}@example.com")
    taken: list[list[str]] = []
    lock = threading.Lock()

    def work(owner: str) -> None:
        while True:
            got, _ = claimed(db, limit=3, cap=1000)
            if not got:
                return
            with lock:
                taken.append(got)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [k for batch in taken for k in batch]
    assert sorted(keys) == sorted(f"k{n}" for n in range(60))


# -- notify/sender.py and the tick -------------------------------------------------------------

def open_case(db: Database, missing: list[str], **values: object) -> Ticket:
    with db.write() as session:
        ticket = open_ticket(session, Ticket(customer="ann@example.com", subject="Help", missing=missing,
                             has_missing=bool(missing), status="awaiting_customer" if missing else "ready",
                             last_customer_at=NOW, created_at=NOW, updated_at=NOW, **values))
        session.add(Message(ticket_id=ticket.id, message_id=f"{uuid.uuid4().hex}@example.com", from_addr="ann@example.com",  # type: ignore[arg-type]
                            subject="Help", body="hi"))
        return ticket


def test_tick_sends_the_first_mail_then_reminders_warning_and_closes(db: Database, settings: Settings) -> None:
    ticket = open_case(db, ["case_type"])
    kinds = []
    at = NOW
    while at < NOW + timedelta(seconds=20):
        tick = run_tick(settings, db, "me", at)
        at += timedelta(milliseconds=500)
        assert tick.report.failed == 0
    kinds = [r.kind for r in rows(db)]
    assert kinds == ["first", "reminder", "warning", "closed"]
    assert all(r.status == SENT for r in rows(db))
    assert len(outbox_mail(settings)) == 4
    with db.read() as session:
        assert session.get(Ticket, ticket.id).status == CLOSED  # type: ignore[union-attr]
        out = [m for m in messages_of(session, ticket) if m.direction == OUTBOUND]
    assert [m.message_id for m in out] == [r.message_id for r in rows(db)]
    assert "Case type: ____" in out[0].body and out[0].to_addrs == ["ann@example.com"]


def test_transport_down_then_back_sends_each_mail_once(db: Database, settings: Settings, tmp_path: Path) -> None:
    open_case(db, [])
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the Maildir should be")
    down = settings.but(outbound=settings.outbound.model_copy(update={"maildir": blocker}))
    run_tick(down, db, "me", NOW + timedelta(seconds=2))
    run_tick(down, db, "me", NOW + timedelta(seconds=3))
    [row] = rows(db)
    assert row.status == "pending" and row.attempts == 2 and row.last_error
    for n in range(5):
        run_tick(settings, db, "me", NOW + timedelta(seconds=10 + n))
    [row] = rows(db)
    assert row.status == SENT and row.attempts == 3
    assert len(outbox_mail(settings)) == 1


def test_the_hard_cap_suppresses_the_eleventh_mail_to_one_address(db: Database, settings: Settings) -> None:
    for _ in range(11):
        open_case(db, [])
    run_tick(settings, db, "me", NOW + timedelta(seconds=2))
    statuses = [r.status for r in rows(db)]
    assert statuses.count(SENT) == sender.CAP and statuses.count(SUPPRESSED) == 1
    assert len(outbox_mail(settings)) == sender.CAP


def test_held_cases_get_nothing(db: Database, settings: Settings) -> None:
    open_case(db, [], automatic=True)
    with db.write() as session:
        open_ticket(session, Ticket(customer="bot@example.com", subject="Auto", status="held", last_customer_at=NOW))
    run_tick(settings, db, "me", NOW + timedelta(hours=1))
    assert rows(db) == []


# -- which cases a tick reads ------------------------------------------------------------------

def to_follow_up(db: Database, now: datetime) -> list[int]:
    with db.read() as session:
        return cases_to_follow_up(session, now)


def kinds_of(db: Database, ticket: Ticket) -> list[str]:
    return [r.kind for r in rows(db) if r.ticket_id == ticket.id]


def reply(db: Database, ticket: Ticket, received: datetime, missing: list[str]) -> None:
    """File a customer reply the way ingest does: `updated_at` and the clock start are the moment
    the mail was received, which may be before a tick that ran while it waited to be filed."""
    with db.write() as session:
        case = session.get(Ticket, ticket.id)
        assert case is not None
        add_message(session, case, dict(message_id=f"{uuid.uuid4().hex}@example.com", from_addr=case.customer,
                                        subject="Re: Help", body="answer"), received)
        case.missing, case.has_missing = missing, bool(missing)
        case.status, case.last_customer_at = "awaiting_customer" if missing else "ready", received


def test_a_case_with_nothing_due_is_not_read_by_a_tick(db: Database, settings: Settings) -> None:
    ready = open_case(db, [])
    waiting = open_case(db, ["case_type"])
    with db.write() as session:
        held = open_ticket(session, Ticket(customer="bot@example.com", subject="Auto", status="held",
                                           automatic=True, last_customer_at=NOW))
    # Never decided on yet: every case is read once.
    assert to_follow_up(db, NOW) == [ready.id, waiting.id, held.id]
    run_tick(settings, db, "me", NOW + timedelta(seconds=1))
    # Both first mails went out: a new fact, so each case is read once more, then never again
    # until its next step: the waiting case's reminder, reminder_every after its first mail.
    run_tick(settings, db, "me", NOW + timedelta(seconds=1, milliseconds=1))
    assert to_follow_up(db, NOW + timedelta(seconds=2)) == []
    assert to_follow_up(db, NOW + timedelta(days=365)) == [waiting.id]
    with db.read() as session:
        due = {t.id: t.followup_due_at for t in session.scalars(select(Ticket))}
    assert due == {ready.id: None, held.id: None, waiting.id: NOW + timedelta(seconds=3)}


def test_a_reply_is_seen_at_the_next_tick_even_if_received_before_the_last_one(db: Database,
                                                                              settings: Settings) -> None:
    # Complete from the start: its first mail is the confirmation (kind "complete").
    ticket = open_case(db, [])
    run_tick(settings, db, "me", NOW + timedelta(seconds=1))
    run_tick(settings, db, "me", NOW + timedelta(seconds=2))
    assert kinds_of(db, ticket) == ["complete"] and to_follow_up(db, NOW + timedelta(days=1)) == []
    # Received at 1.5 s, filed only after the tick at 2 s: the complete case misses something again.
    reply(db, ticket, NOW + timedelta(seconds=1, milliseconds=500), ["invoice_id"])
    assert to_follow_up(db, NOW + timedelta(seconds=2)) == [ticket.id]
    run_tick(settings, db, "me", NOW + timedelta(seconds=3))
    # Read once: the new round's reminder falls due reminder_every after the reply, not before.
    assert to_follow_up(db, NOW + timedelta(seconds=3)) == []
    run_tick(settings, db, "me", NOW + timedelta(seconds=3, milliseconds=400))
    assert kinds_of(db, ticket) == ["complete"]
    run_tick(settings, db, "me", NOW + timedelta(seconds=3, milliseconds=500))
    assert kinds_of(db, ticket) == ["complete", "reminder"]


def test_a_reply_cancels_the_waiting_reminder_at_the_next_tick(db: Database, settings: Settings,
                                                               tmp_path: Path) -> None:
    ticket = open_case(db, ["case_type"])
    run_tick(settings, db, "me", NOW + timedelta(seconds=1))
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the Maildir should be")
    down = settings.but(outbound=settings.outbound.model_copy(update={"maildir": blocker}))
    run_tick(down, db, "me", NOW + timedelta(seconds=3))
    assert [(r.kind, r.status) for r in rows(db)] == [("first", SENT), ("reminder", "pending")]
    reply(db, ticket, NOW + timedelta(seconds=3, milliseconds=1), [])
    run_tick(down, db, "me", NOW + timedelta(seconds=3, milliseconds=2))
    assert [(r.kind, r.status) for r in rows(db)] == [("first", SENT), ("reminder", "cancelled")]


def test_a_step_that_fell_due_during_downtime_is_caught_up(db: Database, settings: Settings) -> None:
    ticket = open_case(db, ["case_type"])
    run_tick(settings, db, "me", NOW + timedelta(seconds=1))
    # Nobody ticked for an hour: the reminder is planned at once, the warning reminder_every later.
    back = NOW + timedelta(hours=1)
    assert to_follow_up(db, back) == [ticket.id]
    assert run_tick(settings, db, "me", back).planned == 1
    assert run_tick(settings, db, "me", back + timedelta(seconds=1)).planned == 0
    assert run_tick(settings, db, "me", back + timedelta(seconds=2)).planned == 1
    assert kinds_of(db, ticket) == ["first", "reminder", "warning"]


def test_a_suppressed_mail_lets_the_next_step_follow(db: Database, settings: Settings) -> None:
    cases = [open_case(db, ["case_type"]) for _ in range(sender.CAP + 1)]
    run_tick(settings, db, "me", NOW + timedelta(seconds=1))
    [dropped] = [r for r in rows(db) if r.status == SUPPRESSED]
    # Suppressing does not touch the case; its decision said to look again once the mail left.
    run_tick(settings, db, "me", NOW + timedelta(seconds=3))
    assert [r.kind for r in rows(db) if r.ticket_id == dropped.ticket_id] == ["first", "reminder"]
    assert len(cases) == sender.CAP + 1


def test_the_follow_up_lookups_use_their_indexes(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL plans small tables as sequential scans whatever the indexes")
    for _ in range(3):
        open_case(db, [])
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    to_follow_up(db, NOW)
    event.remove(db.engine, "before_cursor_execute", seen)
    plans = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            plans.append(" / ".join(str(row[-1]) for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)))
    assert len(plans) == 2
    assert "ix_ticket_followup_due" in plans[0] and "ix_ticket_followup_stale" in plans[1], plans


# -- core/outmail.py and core/links.py ----------------------------------------------------

def headers_of(data: bytes) -> dict[str, list[str]]:
    mail = message_from_bytes(data, policy=default)
    out: dict[str, list[str]] = {}
    for name, value in mail.items():
        out.setdefault(name.lower(), []).append(str(value))
    return out


def test_compose_sets_every_header(settings: Settings) -> None:
    message_id, data = compose(settings, to="ann@example.com", subject="Help", text="t", html="<p>t</p>",
                               ref="CASE-1001", in_reply_to="<m2@example.com>", references=["<m1@example.com>"])
    h = headers_of(data)
    assert h["subject"] == ["[CASE-1001] Help"]
    assert h["message-id"] == [f"<{message_id}>"] and verify_message_id(SECRET, message_id) == "CASE-1001"
    assert h["in-reply-to"] == ["<m2@example.com>"]
    assert h["references"] == ["<m1@example.com> <m2@example.com>"]
    assert h["auto-submitted"] == ["auto-replied"]
    assert h["x-auto-response-suppress"] == ["All"]
    assert h["precedence"] == ["auto_reply"]
    assert h["reply-to"] == ["support@support.example.com"]
    assert h["to"] == ["ann@example.com"]
    assert b"\r\n" in data and message_from_bytes(data, policy=default).get_body(("html",)) is not None


def test_compose_without_ref_has_a_random_id_at_the_support_domain(settings: Settings) -> None:
    message_id, data = compose(settings, to="ann@example.com", subject="Your sign-in link", text="t")
    assert message_id.endswith("@support.example.com") and verify_message_id(SECRET, message_id) is None
    assert headers_of(data)["subject"] == ["Your sign-in link"]


def test_customer_text_cannot_inject_headers(settings: Settings) -> None:
    hostile = "Help\r\nBcc: victim@evil.example\r\nX-Injected: yes\nCc: other@evil.example"
    _, data = compose(settings, to="ann@example.com", subject=hostile, text="t", ref="CASE-1001",
                      in_reply_to="<a@b>\r\nBcc: x@y", references=["<c@d>\nCc: z@y"])
    h = headers_of(data)
    assert "bcc" not in h and "cc" not in h and "x-injected" not in h
    assert h["subject"] == ["[CASE-1001] Help Bcc: victim@evil.example X-Injected: yes Cc: other@evil.example"]
    assert "in-reply-to" not in h and "references" not in h


@pytest.mark.parametrize("to", ["a@example.com, b@example.com", "a@example.com\r\nBcc: b@example.com",
                                "", "undisclosed-recipients:;"])
def test_compose_refuses_anything_but_one_address(settings: Settings, to: str) -> None:
    with pytest.raises(BadRecipient):
        compose(settings, to=to, subject="x", text="t")


def test_login_link_carries_the_lowercased_address(settings: Settings) -> None:
    link = login_link(settings, "Ann@Example.COM")
    assert link.startswith("http://desk.example.com/auth/")
    token = link.rpartition("/")[2]
    address, nonce = URLSafeTimedSerializer(SECRET, salt="casedesk-login").loads(token, max_age=60)
    assert address == "ann@example.com" and len(nonce) >= 16
    assert login_link(settings, "ann@example.com") != link  # every link its own nonce: single use


@pytest.mark.parametrize("hostile", [
    "=?utf-8?q?Hi=0D=0ABcc:_victim@evil.example=0D=0AX-Injected:_yes?=",
    "=?utf-8?b?SGkNCkJjYzogdmljdGltQGV2aWwuZXhhbXBsZQ0KWC1JbmplY3RlZDogeWVz?=",
    "a\x00b\x1b[31m\u2028c\u202ed\x85",
])
def test_encoded_words_and_controls_never_reach_a_header(settings: Settings, hostile: str) -> None:
    """Issue 12 / CVE-2024-6923: text that still looks like an encoded-word after our one decode
    is written as plain text; the email package cannot decode it into a line break."""
    _, data = compose(settings, to="ann@example.com", subject=hostile, text="t", ref="CASE-1001",
                      in_reply_to=f"<{hostile}@x>", references=[f"<{hostile}@y>"])
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if line[:1] not in b" \t"]
    assert b"bcc" not in names and b"x-injected" not in names and b"auto-submitted" in names
    assert b"\x00" not in data and b"\x1b" not in data
    assert header_text(hostile) == " ".join(header_text(hostile).split()) and "=?" not in header_text(hostile)


def test_the_cap_counts_a_mailbox_however_it_is_spelled(db: Database) -> None:
    """Issue 12: `"ann"@d`, a capitalised domain or a final dot is the same mailbox for the cap."""
    spellings = ['"ann"@Example.COM', "ann@example.com", "ANN@EXAMPLE.COM", "ann@example.com."]
    for n in range(sender.CAP + 1):
        assert planned(db, f"k{n}", recipient=spellings[n % len(spellings)])
    with db.write() as session:
        claimed, suppressed = claim(session, NOW, limit=50, lease=sender.LEASE, cap=sender.CAP, window=sender.WINDOW)
    assert len(claimed) == sender.CAP and len(suppressed) == 1
    assert {r.recipient for r in rows(db)} == {"ann@example.com"}




def test_changed_followup_timings_apply_to_cases_already_waiting(db: Database, settings: Settings) -> None:
    """Due times are worked out at each decision from the stored event times, never frozen:
    a shorter [followup] first_request_after (after a restart) reaches a case decided on before."""
    slow = settings.but(followup=settings.followup.model_copy(update={"first_request_after": timedelta(hours=1)}))
    ticket = open_case(db, ["case_type"])
    assert run_tick(slow, db, "me", NOW + timedelta(seconds=1)).planned == 0
    with db.read() as session:
        assert session.get(Ticket, ticket.id).followup_due_at == NOW + timedelta(hours=1)  # type: ignore[union-attr]
    assert to_follow_up(db, NOW + timedelta(seconds=2)) == []  # by the stored time, not yet
    # The operator shortens the wait to 1 s and restarts: the case is due at once.
    assert run_tick(settings, db, "me", NOW + timedelta(seconds=2)).planned == 1
    assert kinds_of(db, ticket) == ["first"]
    # A longer reminder_every after that holds the reminder back past its old due time (3 s).
    patient = settings.but(followup=settings.followup.model_copy(update={"reminder_every": timedelta(hours=2)}))
    assert run_tick(patient, db, "me", NOW + timedelta(seconds=4)).planned == 0
    assert run_tick(patient, db, "me", NOW + timedelta(hours=2, seconds=3)).planned == 1
    assert kinds_of(db, ticket) == ["first", "reminder"]
