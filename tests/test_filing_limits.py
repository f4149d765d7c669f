"""Filing never stalls and no accepted mail vanishes (issue 13): hostile mail against a real
`casedesk serve`, set-aside mail made visible and filed again, prompt SIGTERM with a backlog."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from conftest import Serve, mail, run_cli, wait_until, write_config
from helpers import sign_in
from ingest.parse import message_id_of
from store.db import Database
from store.migrate import upgrade
from store.inbound import Incoming, accept
from store.models import Message, RawMail, Ticket

ANN = "ann@example.com"


def huge_cc_reply(parent: str, count: int = 250_000) -> bytes:
    """A reply from a participant copying `count` addresses (about 5 MB of Cc)."""
    cc = ", ".join(f"person{i}@example.org" for i in range(count))
    return (f"From: Ann <{ANN}>\r\nTo: support@support.example.com\r\nCc: {cc}\r\n"
            f"Subject: Re: Coding: cannot change project\r\nIn-Reply-To: {parent}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nDate: Mon, 05 Oct 2026 07:00:00 +0000\r\n\r\n"
            "Invoice ID: 41220\r\n").encode()


def nested_divs(depth: int = 20_000) -> bytes:
    """An HTML-only mail of `depth` nested <div> (about 240 KB)."""
    html = "<html><body>" + "<div>x" * depth + "</div>" * depth + "<p>Invoice ID: 41220</p></body></html>"
    return (f"From: Ann <{ANN}>\r\nTo: support@support.example.com\r\nSubject: deep\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            f"{html}\r\n").encode()


def nested_mime(depth: int = 1_000) -> bytes:
    """A mail whose multipart parts nest `depth` deep."""
    head = (f"From: Ann <{ANN}>\r\nTo: support@support.example.com\r\nSubject: nested parts\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nMIME-Version: 1.0\r\n")
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth))
    closing = "".join(f"--b{i}--\r\n" for i in reversed(range(depth)))
    return (head + opening + "Content-Type: text/plain\r\n\r\nInvoice ID: 41220\r\n" + closing).encode()


def healthz(serve: Serve) -> str:
    with urllib.request.urlopen(f"{serve.base_url}/healthz", timeout=30) as response:
        return response.read().decode()


def ordinary_is_filed_after(serve: Serve, hostile: bytes, within: float = 60) -> dict:
    """Send the hostile mail, then an ordinary one; the ordinary one must be filed `within`."""
    assert serve.send(hostile) == {}
    subject = f"ordinary {uuid.uuid4().hex[:8]}"
    assert serve.send(mail(subject=subject, sender="Bob <bob@example.com>")) == {}
    started = time.monotonic()
    wait_until(lambda: any(r["subject"] == subject for r in serve.tickets_now()), timeout=within, every=0.2)
    assert time.monotonic() - started < within
    return {r["subject"]: r for r in serve.tickets()}


def test_a_huge_cc_reply_does_not_stall_filing(serve: Serve) -> None:
    first = f"<{uuid.uuid4().hex}@example.com>"
    assert serve.send(mail(subject="Coding: cannot change project", sender=f"Ann <{ANN}>",
                           body="Invoice ID: 41220", message_id=first)) == {}
    [case] = serve.wait_tickets(1)
    ordinary_is_filed_after(serve, huge_cc_reply(first))
    shown = serve.show(case["ref"])
    assert len(shown["messages"]) == 2  # the reply found its case
    db = Database(serve.settings.database.url)
    with db.read() as session:
        from store.models import Participant

        copied = session.scalar(select(func.count()).select_from(Participant))
        defects = session.scalars(select(Message.defects).order_by(Message.id)).all()
    db.dispose()
    assert copied <= 100 + 2  # the participants of one mail are capped (plus Bob of his own case)
    assert any("more addresses not" in d for row in defects for d in row)  # and the rest counted
    assert "set aside" not in healthz(serve)


def test_deeply_nested_html_does_not_stall_filing(serve: Serve) -> None:
    cases = ordinary_is_filed_after(serve, nested_divs())
    deep = serve.show(cases["deep"]["ref"])
    assert "x" in deep["messages"][0]["body"] or deep.get("held_reason")


def test_mime_nested_1000_deep_is_a_visible_held_case(serve: Serve) -> None:
    assert serve.send(nested_mime()) == {}
    [held] = serve.wait_tickets(1, 60, "--status", "held")
    assert held["subject"] == "nested parts" and held["customer"] == ANN
    assert held["held_reason"].startswith("could not be read fully: MIME parts nested too deep")
    listing = run_cli(serve.config, "tickets", "--status", "held")
    assert held["ref"] in listing.stdout.decode()
    assert healthz(serve).startswith("ok\n")  # filed, not set aside


def test_an_unmailable_address_is_decided_once(make_serve: Callable[..., Serve]) -> None:
    serve = make_serve(followup={"first_request_after": "0s", "tick": "200ms"})
    bad = (f"From: ann@example.com.\r\nTo: support@support.example.com\r\nSubject: Coding: help\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n\r\nInvoice ID: 41220\r\n").encode()
    assert serve.send(bad) == {}
    [held] = serve.wait_tickets(1, 60, "--status", "held")
    assert held["held_reason"] == "cannot mail ann@example.com."
    # Later ticks run (a good case gets its first mail) and do not try the bad address again.
    assert serve.send(mail(subject="Coding: help", sender="bob@example.com")) == {}
    outbox = Path(serve.settings.outbound.maildir) / "new"
    wait_until(lambda: outbox.is_dir() and any(outbox.iterdir()), timeout=60)
    log = serve.log.read_text()
    assert log.count("cannot mail ann@example.com.") == 1, log[-3000:]
    assert "Traceback" not in log and "planning mail for" not in log


POISON = """CREATE TRIGGER poison BEFORE INSERT ON message FOR EACH ROW WHEN (NEW.body LIKE '%poison%')
BEGIN SELECT RAISE(ABORT, 'poison mail refused'); END"""
POISON_PG = ["""CREATE FUNCTION poison() RETURNS trigger AS $$
BEGIN IF NEW.body LIKE '%poison%' THEN RAISE EXCEPTION 'poison mail refused'; END IF; RETURN NEW; END
$$ LANGUAGE plpgsql""", "CREATE TRIGGER poison BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION poison()"]


def test_a_mail_that_fails_3_times_is_set_aside_visibly_and_filed_again(make_serve: Callable[..., Serve]) -> None:
    """The database itself refuses one mail's message row (a trigger): filing fails for that
    mail alone, 3 times, and the queue goes on."""
    serve = make_serve()
    db = Database(serve.settings.database.url)
    with db.engine.begin() as connection:
        for statement in ([POISON] if db.is_sqlite else POISON_PG):
            connection.execute(text(statement))
    assert serve.send(mail(subject="poison", sender=f"Ann <{ANN}>", body="this mail is poison")) == {}
    assert serve.send(mail(subject="after the poison", sender="bob@example.com")) == {}
    serve.wait_tickets(2)
    wait_until(lambda: serve.tickets_now("held"), every=0.2)
    [held] = serve.tickets("--status", "held")
    assert held["subject"] == "poison" and held["customer"] == ANN
    assert held["held_reason"].startswith("set aside after 3 failed attempts: ")
    assert "poison mail refused" in held["held_reason"]
    assert any(r["subject"] == "after the poison" for r in serve.tickets())
    staff = sign_in(serve, "staff@support.example.com")  # staff find it in the web view too
    listing = staff.get("/tickets", params={"status": "held"}).text
    assert held["ref"] in listing and "set aside after 3 failed attempts" in listing
    assert "poison mail refused" in staff.get(f"/tickets/{held['ref']}").text
    body = wait_until(lambda: (b := healthz(serve)) and "1 set aside" in b and b)
    assert body.startswith("degraded\n") and "degraded: 1 set aside" in body
    with db.read() as session:
        [raw] = session.scalars(select(RawMail).where(RawMail.set_aside_at.is_not(None))).all()
    assert raw.attempts == 3 and "poison mail refused" in (raw.error or "")

    with db.engine.begin() as connection:  # the cause is mended ...
        connection.execute(text("DROP TRIGGER poison" if db.is_sqlite else "DROP TRIGGER poison ON message"))
    again = run_cli(serve.config, "reprocess", "--failed")  # ... and the mail filed again
    db.dispose()
    assert again.returncode == 0 and b"1 set-aside mail(s) filed again, 0 set aside again" in again.stderr
    rows = {r["ref"]: r for r in serve.tickets()}
    [refiled] = [r for r in rows.values() if r["subject"] == "poison" and r["ref"] != held["ref"]]
    assert refiled["status"] == "awaiting_customer" and refiled["message_count"] == 1
    assert rows[held["ref"]]["status"] == "closed" and rows[held["ref"]]["held_reason"].startswith("filed again")
    assert serve.tickets("--status", "held") == []
    assert healthz(serve).startswith("ok\n")


@pytest.mark.timeout(1200)
def test_sigterm_with_a_2000_mail_backlog_exits_promptly_and_a_restart_files_each_once(
        tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    serve = Serve(config)
    db = Database(serve.settings.database.url)
    upgrade(db)
    mails = [mail(subject=f"backlog {i}", sender=f"c{i % 50}@example.com") for i in range(2000)]
    for start in range(0, len(mails), 64):
        accept(db, [Incoming(message_id_of(raw), raw) for raw in mails[start:start + 64]], "an-earlier-serve")

    def filed() -> int:
        with db.read() as session:
            return session.scalar(select(func.count()).select_from(Message)) or 0

    serve.start()
    wait_until(lambda: filed() > 0, timeout=120)
    assert serve.proc is not None
    stopped_at = time.monotonic()
    serve.proc.send_signal(signal.SIGTERM)
    assert serve.proc.wait(30) == 0
    took = time.monotonic() - stopped_at
    assert took < 10, f"serve took {took:.1f}s to stop"
    assert filed() < len(mails), "the backlog was filed before stopping: the test proves nothing"

    serve.start()
    try:
        serve.wait_all_filed(timeout=900)
    finally:
        serve.stop()
    with db.read() as session:
        messages = session.scalar(select(func.count()).select_from(Message))
        distinct = session.scalar(select(func.count(func.distinct(Message.message_id))))
        cases = session.scalar(select(func.sum(Ticket.message_count)))
        aside = session.scalar(select(func.count()).select_from(RawMail).where(RawMail.error.is_not(None)))
    db.dispose()
    assert (messages, distinct, cases, aside) == (2000, 2000, 2000, 0)
    assert json.loads(run_cli(config, "tickets", "--json").stdout)  # readable afterwards


# -- in-process: the pure limits and the worker's decisions ------------------------------------

WELL_FORMED = """<html><head><title>t</title><style>p {color: red}</style></head><body>
<h1>Coding rows</h1><p>Hello <b>there</b>,</p><div>Invoice ID: 41220</div>
<table><tr><th>Row</th><th>Project</th></tr><tr><td>1</td><td>P-88</td></tr></table>
<ul><li>one</li><li>two</li></ul><script>alert(1)</script><p>Thanks&nbsp;&amp; regards</p></body></html>"""


def test_the_linear_html_pass_reads_like_the_tree_and_in_linear_time() -> None:
    from ingest.budget import clock
    from ingest.parse import html_to_text

    text = html_to_text(WELL_FORMED)
    assert "Invoice ID: 41220" in text and "P-88" in text and "alert" not in text
    deep = "<div>x" * 20_000 + "</div>" * 20_000
    started = clock()
    assert html_to_text(deep).count("x") == 20_000
    # Unterminated tags: html.parser (and BeautifulSoup on it) rescans them, 10,000 took 11 s.
    for broken in ("<div " * 60_000, "<a" * 150_000, '<a href="' * 30_000, "<script>" * 50_000):
        html_to_text(broken)
    assert clock() - started < 5  # BeautifulSoup: over 100 s of CPU for the deep one alone


def test_address_headers_are_bounded_and_the_rest_counted() -> None:
    from ingest.parse import MAX_ADDRESSES, parse

    raw = huge_cc_reply("<parent@example.com>", 50_000)
    parsed = parse(raw)
    assert len(parsed.cc) == MAX_ADDRESSES and parsed.cc[0] == "person0@example.org"
    [note] = [d for d in parsed.defects if d.startswith("cc:")]
    assert int(note.split()[1]) > 40_000  # "cc: N more addresses not read"


@pytest.fixture
def worker_parts(tmp_path: Path, db_url: str):
    from core.settings import load

    def make(**filing: str):
        settings = load(write_config(tmp_path, db_url, filing=filing))
        db = Database(settings.database.url)
        upgrade(db)
        made.append(db)
        return settings, db

    made: list[Database] = []
    yield make
    for db in made:
        db.dispose()


def many_parts(count: int = 10_000) -> bytes:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(count))
    return (f"From: {ANN}\r\nTo: support@support.example.com\r\nSubject: many parts\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="b"\r\n\r\n{parts}--b--\r\n').encode()


def test_an_over_budget_that_cannot_be_raised_is_dropped_quietly() -> None:
    """The budget's CPU timer can fire while the garbage collector runs a driver's weakref callback
    (psycopg's _collection_gced): the OverBudget raised there is "unraisable", and the next tick
    raises it where it counts. It never reaches the process's hook: pytest's formatted it while the
    next tick fired, and the test below failed once on PostgreSQL in CI (session 15)."""
    import sys

    from ingest.budget import OverBudget, budget, clock

    seen: list[type[BaseException]] = []
    before = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: seen.append(type(unraisable.exc_value))
    try:
        with budget(clock() + 60):
            for exc in (OverBudget("budget spent"), ValueError("a driver's own fault")):
                sys.unraisablehook(SimpleNamespace(exc_type=type(exc), exc_value=exc, exc_traceback=None,
                                                   err_msg=None, object=None))
        assert seen == [ValueError]
    finally:
        sys.unraisablehook = before


def test_a_mail_over_its_budget_is_filed_held_with_its_headers(worker_parts) -> None:
    from ingest.filing import Worker

    settings, db = worker_parts(mail_budget="100ms")
    slow, ordinary = many_parts(), mail(subject="Coding: help", sender="bob@example.com")
    accept(db, [Incoming(message_id_of(raw), raw) for raw in (slow, ordinary)], "me")
    assert Worker(db, settings, "me").drain() == 2
    with db.read() as session:
        cases = {t.subject: t for t in session.scalars(select(Ticket))}
    assert cases["many parts"].status == "held" and cases["many parts"].customer == ANN
    assert cases["many parts"].held_reason == "could not be read fully: parsing took over 0.1s of CPU"
    assert cases["Coding: help"].status != "held"


def test_a_store_outage_is_retried_and_never_counted_against_the_mail(worker_parts) -> None:
    from ingest.filing import Worker

    settings, db = worker_parts()
    if not db.is_sqlite:
        pytest.skip("a held SQLite write lock is the outage here")
    raw = mail(subject="Coding: help")
    accept(db, [Incoming(message_id_of(raw), raw)], "me")
    blocker = db.engine.raw_connection()
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    try:
        with pytest.raises(Exception) as outage:
            Worker(db, settings, "me").drain()
        assert db.is_outage(outage.value)
    finally:
        blocker.rollback()
        blocker.close()
    with db.read() as session:
        [row] = session.scalars(select(RawMail)).all()
    assert (row.attempts, row.processed_at, row.set_aside_at) == (0, None, None)
    assert Worker(db, settings, "me").drain() == 1


def test_lists_from_a_mail_go_in_chunks(worker_parts) -> None:
    """Longer than SQLite's 250,000 and PostgreSQL's 65,535 bind parameters."""
    from store.tickets import add_participants, known_messages, open_ticket, participants, ticket_for_message_ids

    _, db = worker_parts()
    ids = [f"{i}@example.org" for i in range(260_000)]
    with db.write() as session:
        assert known_messages(session, ids) == set()
        assert ticket_for_message_ids(session, ids) is None
        ticket = open_ticket(session, Ticket(customer=ANN, subject="s"), [ANN])
        add_participants(session, ticket, ids[:1_200])
        add_participants(session, ticket, ids[:1_300])
        assert len(participants(session, ticket)) == 1_301
