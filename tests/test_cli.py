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
    assert run_cli(config, "tickets").returncode == 0  # creates the schema: the pipe's quick path
    piped = run_cli(config, "ingest", "-", input=mail(subject="From a pipe"))
    assert piped.returncode == 0, piped.stderr.decode()
    assert b"1 new, 0 already stored" in piped.stderr
    assert tickets(config) == []  # committed, not filed: that is serve's job (or the next import's)
    # The backlog import files in-process, and files the piped mail that waited too.
    result = run_cli(config, "ingest", str(eml), str(tmp_path / "archive.mbox"), str(tmp_path / "Maildir"))
    assert result.returncode == 0, result.stderr.decode()
    assert b"6 new, 0 already stored" in result.stderr
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
                        "message_count", "created_at", "updated_at", "last_staff_reply_at", "last_staff_reply_by",
                        "held_reason"}
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


def test_piped_mail_is_filed_by_serve_and_dedupes_whatever_its_line_endings(make_serve, tmp_path: Path) -> None:
    """The pipe commits with the plain driver while serve is down; serve files it once it runs.
    A mail without a Message-ID, sent over SMTP (CRLF) and piped (LF), is stored once."""
    from conftest import wait_until

    first = make_serve()
    config = first.config
    first.stop()
    waiting = mail(subject="Piped while serve was down", message_id="<pipe-1@example.com>")
    result = run_cli(config, "ingest", "-", input=waiting)
    assert result.returncode == 0 and b"1 new" in result.stderr, result.stderr.decode()
    again = run_cli(config, "ingest", "-", input=waiting.replace(b"\n", b"\r\n"))
    assert b"0 new, 1 already stored" in again.stderr
    serve = make_serve(folder=config.parent)  # the same config, store and ports
    [case] = serve.wait_tickets(1)
    assert case["subject"] == "Piped while serve was down"
    no_id = mail(subject="No Message-ID", message_id=False)
    assert b"\r\n" not in no_id
    assert serve.send(no_id.replace(b"\n", b"\r\n")) == {}
    piped = serve.cli("ingest", "-", input=no_id)
    assert b"0 new, 1 already stored" in piped.stderr, piped.stderr.decode()
    wait_until(lambda: len(serve.tickets_now()) == 2)
    assert len(serve.wait_all_filed()) == 2


def test_pipe_into_a_new_database_files_in_process(config: Path) -> None:
    """No schema yet: the quick path cannot take it, the full path creates the schema and files."""
    result = run_cli(config, "ingest", "-", input=mail(subject="First ever"))
    assert result.returncode == 0, result.stderr.decode()
    assert [t["subject"] for t in tickets(config)] == ["First ever"]


def test_pipe_refuses_a_mail_over_the_size_limit(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url, smtp={"max_message_size": "2KB"})
    result = run_cli(config, "ingest", "-", input=mail(body="x" * 5000))
    assert result.returncode == 65 and b"max_message_size" in result.stderr


@pytest.mark.parametrize(("args", "says"), [
    (("bogus",), b"invalid choice"),
    (("tickets", "--status", "nope"), b"awaiting_customer"),
    (("tickets", "--type", "nope"), b"coding"),
    (("raw", "CASE-1001", "first"), b"invalid int"),
    (("show",), b"required"),
    (("fetch",), b"--once"),
])
def test_usage_errors_exit_64_and_name_the_allowed_values(tmp_path: Path, sqlite_url: str, args: tuple[str, ...],
                                                          says: bytes) -> None:
    result = run_cli(write_config(tmp_path, sqlite_url), *args)
    assert result.returncode == 64, (result.returncode, result.stderr.decode())
    assert says in result.stderr and b"Traceback" not in result.stderr


def test_the_status_choices_are_the_models_statuses() -> None:
    from casedesk.cli import STATUSES
    from store.models import AWAITING_CUSTOMER, CLOSED, HELD, READY

    assert set(STATUSES) == {AWAITING_CUSTOMER, READY, HELD, CLOSED}


def test_missing_input_exits_66_and_stores_nothing(config: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.eml"
    good.write_bytes(mail(subject="Good"))
    result = run_cli(config, "ingest", str(good), str(tmp_path / "no-such.eml"))
    assert result.returncode == 66, result.stderr.decode()
    assert b"no-such.eml: no such file" in result.stderr
    (tmp_path / "folder").mkdir()
    result = run_cli(config, "ingest", str(tmp_path / "folder"))
    assert result.returncode == 66 and b"not a mail file, mbox or Maildir" in result.stderr
    assert tickets(config) == []


def test_raw_of_an_unknown_case_exits_66(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail(subject="One"))
    assert run_cli(config, "ingest", str(eml)).returncode == 0
    unknown = run_cli(config, "raw", "CASE-9999", "1")
    assert unknown.returncode == 66 and b"no case CASE-9999" in unknown.stderr
    [row] = tickets(config)
    beyond = run_cli(config, "raw", row["ref"], "2")
    assert beyond.returncode == 66 and b"has no message 2 (it has 1)" in beyond.stderr


def test_a_closed_pipe_is_silent(config: Path, tmp_path: Path) -> None:
    """`| head` closes the pipe while casedesk still writes (1 MB here, past any pipe buffer)."""
    eml = tmp_path / "big.eml"
    eml.write_bytes(mail(subject="Big", body="line of text\n" * 80_000))
    assert run_cli(config, "ingest", str(eml)).returncode == 0
    [row] = tickets(config)
    import subprocess
    import sys

    from conftest import ROOT

    for args in (["raw", row["ref"], "1"], ["show", row["ref"], "--json"], ["show", row["ref"]]):
        command = [sys.executable, "-m", "casedesk.cli", "--config", str(config), *args]
        shell = subprocess.run(["bash", "-c", '"$@" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}" >&2', "_", *command],
                               capture_output=True, cwd=ROOT, timeout=60)
        *messages, status = shell.stderr.decode().strip().splitlines()
        assert status in ("0", "141") and messages == [], (args, shell.stderr.decode())


def test_tickets_columns_stay_aligned_with_long_addresses_and_wide_subjects(config: Path, tmp_path: Path) -> None:
    senders = ["a@b.se", "averylongname.with.dots@subdomain.example-foods-international.com",
               "kim@example.com"]
    subjects = ["Short", "請求書の確認について（至急）お願いします", "Tab\there and \x1b[31mred"]
    long_subject = "Fakturan " + "mycket " * 400
    for n, (sender, subject) in enumerate(zip(senders, subjects)):
        (tmp_path / f"{n}.eml").write_bytes(mail(subject=subject, sender=sender))
    (tmp_path / "long.eml").write_bytes(mail(subject=long_subject.strip(), sender="x@example.com"))
    assert run_cli(config, "ingest", *(str(p) for p in sorted(tmp_path.glob("*.eml")))).returncode == 0
    result = run_cli(config, "tickets")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 4 and "\x1b" not in result.stdout.decode()
    from casedesk.cli import width

    def column_of(line: str, text: str) -> int:
        return width(line[:line.index(text)])

    for marker in ("awaiting_customer", "missing:"):
        assert len({column_of(line, marker) for line in lines}) == 1, (marker, lines)
    customers = {column_of(line, sender) for line in lines for sender in (*senders, "x@example.com") if sender in line}
    assert len(customers) == 1
    # The table cuts a long subject; the store and the JSON keep it whole.
    assert all(len(line) < 400 for line in lines)
    assert long_subject.strip() in {t["subject"] for t in tickets(config)}


def test_pipe_exits_75_when_postgresql_is_unreachable(tmp_path: Path) -> None:
    """Nothing listens on that port: the quick path cannot commit, and the MTA must retry."""
    from conftest import free_port

    config = write_config(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    result = run_cli(config, "ingest", "-", input=mail(subject="Nobody home"))
    assert result.returncode == 75, result.stderr.decode()
    assert b"store is unavailable" in result.stderr and b"Traceback" not in result.stderr
