"""The shared sample mails: each must be read as expect.json says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.casetypes import parse_case_types
from ingest.classify import read_mail
from ingest.parse import parse

SAMPLES = Path(__file__).parents[2] / "shared" / "samples"
TYPES = parse_case_types(None, "")
BY_KEY = {t.key: t for t in TYPES}


def expectations() -> list[dict]:
    if not (SAMPLES / "expect.json").exists():
        return []
    return json.loads((SAMPLES / "expect.json").read_text(encoding="utf-8"))


pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples not present")


@pytest.mark.parametrize("expect", expectations(), ids=lambda e: e["file"])
def test_sample(expect: dict) -> None:
    mail = parse((SAMPLES / expect["file"]).read_bytes())
    reading = read_mail(mail, TYPES)
    if expect.get("automatic"):
        # Loop detection is the pipeline's job; here the mail only has to read without error.
        assert reading.language in ("en", "sv")
        return
    assert reading.case_type == expect["case_type"], reading.reason
    for key, value in expect.get("fields", {}).items():
        assert reading.fields.get(key) == value, (key, reading.fields)
    case_type = BY_KEY.get(reading.case_type or "")
    missing = case_type.missing(reading.fields) if case_type else ["case_type"]
    assert set(expect.get("missing", [])) <= set(missing), (missing, reading.fields)
    if expect.get("missing") == []:
        assert missing == [], (missing, reading.fields)
    assert reading.reason


def test_every_sample_is_listed() -> None:
    listed = {e["file"] for e in expectations()}
    assert listed == {p.name for p in SAMPLES.glob("*.eml")}
