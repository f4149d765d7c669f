"""notify/staff.py: staff notices planned from stored facts, once per event and address."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from core.settings import load
from conftest import write_config
from notify.planner import plan_due
from store.db import Database
from store.migrate import upgrade
from store.inbound import Incoming, accept, mark_set_aside
from store.models import Outbox, utcnow


def test_a_mail_set_aside_is_told_to_staff_once(tmp_path: Path, db_url: str) -> None:
    # A mail is set aside after 3 failed attempts: raw_mail.set_aside_at is set (ingest/filing.py).
    settings = load(write_config(tmp_path, db_url, staff={"notify": ["team@example.net", "lead@example.net"]}))
    db = Database(db_url)
    upgrade(db)
    raw = (b"From: Ann <ann@example.com>\r\nSubject: =?utf-8?q?Broken=0D=0ABcc:_x@evil.example?=\r\n"
           b"Message-ID: <broken@example.com>\r\n\r\nbody\r\n")
    ok = b"From: b@example.com\r\nSubject: fine\r\nMessage-ID: <fine@example.com>\r\n\r\nbody\r\n"
    [raw_id, _] = accept(db, [Incoming("broken@example.com", raw), Incoming("fine@example.com", ok)], "test")
    with db.write() as session:
        mark_set_aside(session, raw_id, "TypeError: the parser broke\r\nBcc: evil@example.org")
    now = utcnow()
    assert plan_due(db, settings, now) == 2
    assert plan_due(db, settings, now + timedelta(minutes=1)) == 0  # once
    with db.read() as session:
        rows = list(session.scalars(select(Outbox).order_by(Outbox.recipient)))
    assert [(r.recipient, r.kind, r.ticket_id) for r in rows] == [
        ("lead@example.net", "staff_set_aside", None), ("team@example.net", "staff_set_aside", None)]
    text = rows[0].data.decode()
    assert "broken@example.com" in text and "the parser broke" in text
    assert "\nBcc:" not in text and "\r\nBcc:" not in text  # header injection through the error or subject
    # Off when the event is not listed, or nobody is to be told.
    (tmp_path / "q").mkdir()
    quiet = load(write_config(tmp_path / "q", db_url, staff={"notify": ["x@example.net"], "notify_on": ["ready"]}))
    assert plan_due(db, quiet, now) == 0
    db.dispose()
