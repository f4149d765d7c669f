"""The thread page's pure parts: HTML cleaning, the checklist's sources, the mailto: link."""

from __future__ import annotations

from urllib.parse import unquote

from store.models import Message, Ticket
from web.thread import checklist, mailto, missing, sanitise


def test_sanitise_keeps_text_and_harmless_markup_only() -> None:
    cleaned = str(sanitise(
        '<p onclick="x()">Hi <b>you</b></p><script>steal()</script><style>p{}</style>'
        '<img src="https://t.example/p.gif"><a href="javascript:alert(1)">a</a>'
        '<a href="https://example.com/">b</a><iframe src="https://evil.example/"></iframe>'
        '<div style="background:url(https://t.example/x)">c</div>'))
    assert "<b>you</b>" in cleaned and ">c</div>" in cleaned
    for gone in ("onclick", "<script", "steal", "<style", "<img", "javascript:", "<iframe", "style=", "t.example"):
        assert gone not in cleaned, gone
    assert 'href="https://example.com/" rel="noopener noreferrer nofollow"' in cleaned


def test_each_checklist_value_names_the_message_that_gave_it() -> None:
    ticket = Ticket(ref="CASE-1001", fields={"order_id": "42", "description": "broken"},
                    missing=["case_type", "invoice"])
    messages = [Message(message_id="a", fields={"order_id": "41", "description": "broken"}),
                Message(message_id="b", fields={}),
                Message(message_id="c", fields={"order_id": "42"})]
    lines = {line.key: line for line in checklist(ticket, messages, None)}
    assert lines["order_id"].source == 3 and lines["order_id"].value == "42"
    assert lines["description"].source == 1
    assert lines["order_id"].label == "Order id"
    assert missing(ticket, None) == ["Case type", "Invoice"]


def test_a_value_kept_from_the_type_before_a_correction_has_its_label() -> None:
    """Read as approval, corrected to coding by reply: the approver read first stays on the case,
    labelled as the approval type labels it ("Användare"), not by its key ("Users")."""
    from core.casetypes import parse_case_types
    types = {t.key: t for t in parse_case_types(None, "")}
    ticket = Ticket(ref="CASE-1002", fields={"invoice_id": "552210", "users": "Eva Lund"})
    lines = {line.key: line for line in checklist(ticket, [], types["coding"], "sv", tuple(types.values()))}
    assert lines["users"].label == types["review_approval"].field("users").label_sv
    assert lines["invoice_id"].label == types["coding"].field("invoice_id").label_sv


def test_the_mailto_subject_carries_the_reference_once() -> None:
    link = mailto("support@support.example.com", "CASE-1001", "Printer\r\non fire & more")
    assert link.startswith("mailto:support@support.example.com?subject=")
    assert unquote(link.split("subject=")[1]) == "[CASE-1001] Printer on fire & more"
    again = mailto("support@support.example.com", "CASE-1001", "Re: [CASE-1001] Printer")
    assert unquote(again.split("subject=")[1]) == "Re: [CASE-1001] Printer"


def test_sanitise_keeps_no_relative_or_protocol_relative_url() -> None:
    """Issue 12: "/auth/..." would resolve against our own origin, "//evil.example" against any scheme."""
    cleaned = str(sanitise('<a href="/auth/abc">a</a><a href="//evil.example/x">b</a><a href="x.html">c</a>'
                           '<a href="https://example.com/ok">d</a><a href="\\\\evil.example/y">e</a>'))
    assert 'href="https://example.com/ok"' in cleaned
    for gone in ("/auth/abc", "evil.example", "x.html"):
        assert gone not in cleaned, cleaned


def test_a_value_read_to_confirm_shows_with_what_is_missing_not_as_a_fact() -> None:
    ticket = Ticket(ref="CASE-1002", fields={"coding_rows": "2", "_unsure": {"invoice_id": "4471-22"}},
                    missing=["invoice_id", "desired_action"])
    assert [line.key for line in checklist(ticket, [], None)] == ["coding_rows"]
    assert missing(ticket, None) == ["Invoice id (4471-22?)", "Desired action"]


def test_a_flag_reads_yes_or_no_in_the_page_language() -> None:
    """ "Was an error message shown? yes" read "yes" on a Swedish page: a flag is Yes/No, Ja/Nej there."""
    from core.casetypes import parse_case_types
    review = {t.key: t for t in parse_case_types(None, "")}["review_approval"]
    ticket = Ticket(ref="CASE-1001", fields={"invoice_id": "33-9012", "error_shown": "yes"}, missing=[])
    messages = [Message(message_id="a", fields={"invoice_id": "33-9012", "error_shown": "yes"})]
    swedish = {line.key: line.value for line in checklist(ticket, messages, review, "sv")}
    english = {line.key: line.value for line in checklist(ticket, messages, review, "en")}
    assert (swedish["error_shown"], english["error_shown"]) == ("Ja", "Yes")
    assert swedish["invoice_id"] == english["invoice_id"] == "33-9012"  # other values as read
