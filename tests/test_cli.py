"""`casedesk ingest/tickets/show/raw` as an operator or an MTA pipe would run them."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from pathlib import Path

import pytest

from conftest import mail, run_cli, sample, write_config


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url)


def tickets(config: Path, *args: str) -> list[dict]:
    result = run_cli(config, "tickets", "--json", *args)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_ingest_eml_mbox_maildir_and_stdin(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail(subject="From a file"))
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for n in range(3):
        box.add(mail(subject=f"From an mbox {n}"))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    for n in range(2):
        maildir.add(mail(subject=f"From a Maildir {n}"))
    result = run_cli(config, "ingest", str(eml), str(tmp_path / "archive.mbox"), str(tmp_path / "Maildir"))
    assert result.returncode == 0, result.stderr.decode()
    assert b"6 new, 0 already stored" in result.stderr
    piped = run_cli(config, "ingest", "-", input=mail(subject="From a pipe"))
    assert piped.returncode == 0, piped.stderr.decode()
    subjects = {t["subject"] for t in tickets(config)}
    assert subjects == {"From a file", "From a pipe", *(f"From an mbox {n}" for n in range(3)),
                        *(f"From a Maildir {n}" for n in range(2))}


def test_ingest_twice_dedupes(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail(subject="Once"))
    assert run_cli(config, "ingest", str(eml)).returncode == 0
    again = run_cli(config, "ingest", str(eml))
    assert b"0 new, 1 already stored" in again.stderr
    assert len(tickets(config)) == 1


def test_tickets_and_show_json_shapes(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "att.eml"
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Cy <cy@example.com>"
    message["To"] = "support@support.example.com"
    message["Subject"] = "With attachment"
    message["Message-ID"] = "<att@example.com>"
    message.set_content("See the attached invoice.")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="inv.pdf")
    eml.write_bytes(message.as_bytes())
    assert run_cli(config, "ingest", str(eml)).returncode == 0
    [row] = tickets(config)
    # The documented shape, plus the additive staff fields (docs/staff.md).
    assert set(row) == {"ref", "subject", "customer", "case_type", "status", "missing",
                        "message_count", "created_at", "updated_at", "last_staff_reply_at", "last_staff_reply_by"}
    assert row["last_staff_reply_at"] is None
    assert row["ref"].startswith("CASE-") and row["message_count"] == 1
    shown = json.loads(run_cli(config, "show", row["ref"], "--json").stdout)
    assert {"ref", "subject", "customer", "case_type", "status", "fields", "missing", "messages"} <= set(shown)
    [msg] = shown["messages"]
    assert {"direction", "from", "to", "subject", "date", "body", "attachments"} <= set(msg)
    assert msg["direction"] == "in" and msg["from"] == "cy@example.com"
    assert msg["attachments"] == [{"filename": "inv.pdf", "content_type": "application/pdf", "size": 13}]
    assert tickets(config, "--status", "held") == []
    raw = run_cli(config, "raw", row["ref"], "1")
    assert raw.returncode == 0 and raw.stdout == message.as_bytes()


def test_unknown_ref_is_a_clear_error(config: Path) -> None:
    result = run_cli(config, "show", "CASE-99999")
    assert result.returncode != 0
    assert b"no case CASE-99999" in result.stderr and b"Traceback" not in result.stderr


def test_ingest_from_a_pipe_exits_75_when_the_store_is_locked(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url)
    assert run_cli(config, "tickets").returncode == 0  # creates the schema
    lock = sqlite3.connect(sqlite_url.split(":///", 1)[1], isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli(config, "ingest", "-", input=mail(subject="Locked out"))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert result.returncode == 75, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    assert run_cli(config, "ingest", "-", input=mail(subject="Locked out")).returncode == 0


def test_sample_mail_through_the_cli(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.eml"
    path.write_bytes(sample("coding-en.eml"))
    assert run_cli(config, "ingest", str(path)).returncode == 0
    [row] = tickets(config)
    assert row["customer"] == "dana.frost@example-foods.com"
