"""`casedesk reprocess`: detection and extraction re-run from the stored raw mail after a config change."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, sample, write_config

ONLY_PAYMENTS = """
[[case_types]]
key = "payments"
label = "Payments"
names = ["payment*"]
keywords = { "remittance" = 3 }

[[case_types.fields]]
key = "bank_reference"
label = "Bank reference"
kind = "code"
labels = ["bank reference"]
"""


def test_reprocess_after_the_checklist_changed(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    defaults = config.read_text()
    config.write_text(defaults + ONLY_PAYMENTS)  # a config that knows no Coding type
    mail = tmp_path / "coding.eml"
    mail.write_bytes(sample("coding-en.eml"))
    assert run_cli(config, "ingest", str(mail)).returncode == 0
    [before] = json.loads(run_cli(config, "tickets", "--json").stdout)
    assert before["case_type"] is None and before["missing"] == ["case_type"]

    config.write_text(defaults)  # back to the packaged default checklist
    result = run_cli(config, "reprocess", before["ref"])
    assert result.returncode == 0, result.stderr.decode()
    after = json.loads(run_cli(config, "show", before["ref"], "--json").stdout)
    assert after["case_type"] == "coding"
    assert after["fields"]["invoice_id"] == "41220"
    assert after["missing"] == [] and after["status"] == "ready"
    assert after["messages"][0]["fields"]["invoice_id"] == "41220"  # the message's history too
    assert run_cli(config, "reprocess", "CASE-99999").returncode == 66


def test_reprocess_keeps_a_type_staff_set_and_reads_a_held_no_case_mail_again(tmp_path: Path, db_url: str) -> None:
    """A price question is held (staff are told of such mail); staff type it with #type. Reading
    it again must not hold it again nor drop the type staff set (the session's review)."""
    from sqlmodel import select

    from store.db import Database
    from store.models import Ticket
    config = write_config(tmp_path, db_url, staff={"notify": ["team@example.net"]})
    mail = tmp_path / "price.eml"
    mail.write_bytes(b"From: Dana <dana@example-foods.com>\r\nSubject: Licences\r\nMessage-ID: <price@example-foods.com>"
                     b"\r\n\r\nHi, what would it cost to add five more user licences to our subscription?\r\n")
    assert run_cli(config, "ingest", str(mail)).returncode == 0
    [held] = json.loads(run_cli(config, "tickets", "--json").stdout)
    assert held["status"] == "held" and held["held_reason"].startswith("not a support case")
    assert run_cli(config, "reprocess", held["ref"]).returncode == 0  # still no case: still held
    assert json.loads(run_cli(config, "show", held["ref"], "--json").stdout)["status"] == "held"
    db = Database(db_url)
    with db.write() as session:  # what #type does (ingest/staffmail.py run_command)
        ticket = session.scalars(select(Ticket).where(Ticket.ref == held["ref"])).one()
        ticket.case_type, ticket.case_type_reason, ticket.held_reason = "administration", "set by anna@x (#type)", None
        ticket.status = "awaiting_customer"
    db.dispose()
    assert run_cli(config, "reprocess", held["ref"]).returncode == 0
    after = json.loads(run_cli(config, "show", held["ref"], "--json").stdout)
    assert after["case_type"] == "administration" and after["status"] == "awaiting_customer"
    assert after["held_reason"] is None
