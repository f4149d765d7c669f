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
