"""Loop protection: every marker of automatic mail is recognised; a person's mail is not."""

from __future__ import annotations

import pytest

from conftest import mail
from ingest.automatic import automatic_reason
from ingest.parse import parse

OURS = ("support.example.com",)


@pytest.mark.parametrize(("headers", "sender", "envelope", "reason"), [
    ({"Auto-Submitted": "auto-replied"}, None, "", "Auto-Submitted"),
    ({"Auto-Submitted": "auto-generated"}, None, "", "Auto-Submitted"),
    ({"Precedence": "bulk"}, None, "", "Precedence"),
    ({"Precedence": "junk"}, None, "", "Precedence"),
    ({"Precedence": "list"}, None, "", "Precedence"),
    ({"Precedence": "auto_reply"}, None, "", "Precedence"),
    ({"X-Auto-Response-Suppress": "All"}, None, "", "x-auto-response-suppress"),
    ({"X-Autoreply": "yes"}, None, "", "x-autoreply"),
    ({"X-Autorespond": "yes"}, None, "", "x-autorespond"),
    ({"X-Loop": "helpdesk@example.com"}, None, "", "x-loop"),
    ({"List-Id": "<news.example.com>"}, None, "", "list-id"),
    ({"List-Unsubscribe": "<mailto:off@example.com>"}, None, "", "list-unsubscribe"),
    ({}, None, "<>", "null envelope sender"),
    ({"Return-Path": "<>"}, None, "", "Return-Path"),
    ({}, "MAILER-DAEMON@mx.example.com", "", "system sender"),
    ({}, "postmaster@example.com", "", "system sender"),
    ({}, "noreply@example.com", "", "system sender"),
    ({}, "no-reply@example.com", "", "system sender"),
    ({}, "do-not-reply@example.com", "", "system sender"),
])
def test_automatic_markers(headers: dict[str, str], sender: str | None, envelope: str, reason: str) -> None:
    raw = mail(headers=headers, **({"sender": sender} if sender else {}))
    found = automatic_reason(parse(raw), envelope, OURS)
    assert found is not None and reason in found


def test_delivery_report_is_automatic() -> None:
    raw = (b"From: mailer@example.com\r\nMessage-ID: <r@x>\r\nContent-Type: multipart/report; "
           b"report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
           b"--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--b--\r\n")
    assert automatic_reason(parse(raw), "", OURS) == "delivery or read report"


def test_our_own_message_id_coming_back_is_automatic() -> None:
    raw = mail(message_id="<cd.CASE-1001.abc@support.example.com>")
    assert automatic_reason(parse(raw), "", OURS) == "our own Message-ID"


@pytest.mark.parametrize("headers", [{}, {"Auto-Submitted": "no"}, {"Precedence": "normal"}])
def test_a_person_is_not_automatic(headers: dict[str, str]) -> None:
    assert automatic_reason(parse(mail(headers=headers)), "ann@example.com", OURS) is None


# Issue 12: auto-replies marked only by their subject or first line ([automatic] subjects).
SUBJECTS = __import__("casedesk.settings", fromlist=["AutomaticSettings"]).AutomaticSettings().subjects


@pytest.mark.parametrize(("subject", "body"), [
    ("Out of Office: Coding problem", "I am away until Monday."),
    ("Automatic reply: [CASE-1001] Coding problem", "Thanks for your mail."),
    ("Autosvar: [CASE-1001] Kontering", "Jag är ledig."),
    ("SV: Frånvaromeddelande", "Jag är på semester."),
    ("Automatiskt svar: Fakturan", "Hej"),
    ("Re: [CASE-1001] Coding problem", "Out of office\n\nI am away until Monday."),
    ("Fakturan", "Frånvaromeddelande: jag är tillbaka den 3 augusti."),
])
def test_auto_replies_marked_by_subject_or_first_line_are_automatic(subject: str, body: str) -> None:
    reason = automatic_reason(parse(mail(subject=subject, body=body)), "ann@example.com", OURS, SUBJECTS)
    assert reason is not None and reason.startswith("auto-reply")


@pytest.mark.parametrize(("subject", "body"), [
    ("Coding problem", "Our out of office rules route invoices to the wrong approver."),
    ("Re: [CASE-1001] Coding problem", "Invoice ID: 41220\nAutomatic replies are off."),
])
def test_a_person_mentioning_an_auto_reply_is_not_one(subject: str, body: str) -> None:
    assert automatic_reason(parse(mail(subject=subject, body=body)), "ann@example.com", OURS, SUBJECTS) is None
