"""Replies merge into a case's checklist: later values win, list fields add up."""

from __future__ import annotations

from pathlib import Path

from core.settings import load
from conftest import ROOT, mail, run_cli, write_config


def capture_type():
    return {t.key: t for t in load(ROOT / "config.toml").case_types}["capture_verification"]


def test_later_value_wins_and_examples_add_up() -> None:
    merged = capture_type().merge(
        {"invoice_number": "3001", "invoice_examples": "3001, 3002, Scan.pdf"},
        {"invoice_number": "3009", "invoice_examples": "3002, 3003, scan.PDF, 3004"},
    )
    assert merged["invoice_number"] == "3009"
    assert merged["invoice_examples"] == "3001, 3002, Scan.pdf, 3003, 3004"


def test_examples_over_two_mails_complete_the_checklist(tmp_path: Path, sqlite_url: str) -> None:
    import json

    config = write_config(tmp_path, sqlite_url)
    first = mail(subject="Capture Verification: wrong supplier", message_id="<cv1@example.com>",
                 body="Invoice No 3001122 is read with the wrong supplier name on every invoice from them.\n"
                      "Examples: 3001122, 3001130, 3001131\n")
    second = mail(subject="Re: Capture Verification: wrong supplier", headers={"In-Reply-To": "<cv1@example.com>"},
                  body="Two more examples: 3001140, 3001152\n")
    for n, raw in enumerate((first, second)):
        path = tmp_path / f"{n}.eml"
        path.write_bytes(raw)
        assert run_cli(config, "ingest", str(path)).returncode == 0
    [row] = json.loads(run_cli(config, "tickets", "--json").stdout)
    assert row["case_type"] == "capture_verification"
    assert "invoice_examples" not in row["missing"], row
