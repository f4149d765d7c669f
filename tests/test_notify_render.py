"""notify/render.py: every mail template renders, in both languages, as text and HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casedesk.casetypes import CaseType, FieldSpec
from notify.render import KINDS, LANGUAGES, TEMPLATES, duration_words, render, single_invoice
from store.models import Ticket

TYPES = (
    CaseType(key="coding", label="Coding", label_sv="Kontering", fields=(
        FieldSpec(key="invoice_id", label="Invoice ID", label_sv="Faktura-ID"),
        FieldSpec(key="coding_rows", label="Coding row(s)", label_sv="Konteringsrad(er)"),
        FieldSpec(key="error_message", label="Error message", label_sv="Felmeddelande", required=False),
    )),
    CaseType(key="administration", label="Administration", label_sv="Administration <&>", fields=(
        FieldSpec(key="company", label="Company <b>", label_sv="Företag"),
    )),
)
LINK = "http://desk.example.com/auth/abc.def"


def ticket(language: str = "en", case_type: str | None = "coding", missing: tuple[str, ...] = ("invoice_id",),
           fields: dict[str, str] | None = None) -> Ticket:
    return Ticket(id=1, ref="CASE-1001", customer="ann@example.com", subject="Help <now>",
                  language=language, case_type=case_type, missing=list(missing), fields=fields or {})


def rendered(kind: str, case: Ticket) -> tuple[str, str]:
    out = render(kind, case, case_types=TYPES, link=LINK, reminder_every=timedelta(days=2), number=1,
                 support="Support <support@support.example.com>")
    return out.text, out.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("missing", [("invoice_id", "coding_rows"), ("case_type",), ()])
def test_every_template_renders(kind: str, language: str, missing: tuple[str, ...]) -> None:
    case = ticket(language, None if missing == ("case_type",) else "coding", missing)
    text, html = rendered(kind, case)
    assert "CASE-1001" in text and "CASE-1001" in html
    assert LINK in text and LINK in html
    assert "{{" not in text + html and "{%" not in text + html
    assert html.lstrip().startswith("<html>")


def test_every_mail_template_file_is_covered() -> None:
    # Staff notices (notify/staff.py) are English plain text only; test_staff_notify.py renders them.
    names = {p.name for p in TEMPLATES.iterdir() if not p.name.startswith(("_", "login.", "staff_"))}
    assert names == {f"{k}.{lang}.{ext}" for k in KINDS for lang in LANGUAGES for ext in ("txt", "html")}


def test_first_mail_asks_for_exactly_the_missing_fields_as_a_form() -> None:
    text, html = rendered("first", ticket(missing=("invoice_id", "coding_rows")))
    assert "Invoice ID: ____\nCoding row(s): ____\n" in text
    assert "Error message" not in text
    assert "Invoice ID: ____<br>" in html


def test_swedish_ticket_gets_swedish_labels_and_text() -> None:
    text, html = rendered("reminder", ticket("sv", missing=("coding_rows",)))
    assert "Konteringsrad(er): ____" in text and "påminnelse" in text
    assert "Coding row" not in text and "Mina ärenden" in html


def test_unknown_type_lists_the_case_types_to_choose_from() -> None:
    text, html = rendered("first", ticket(case_type=None, missing=("case_type",)))
    assert "- Coding\n- Administration\n" in text
    assert "Case type: ____" in text
    sv_text, _ = rendered("first", ticket("sv", case_type=None, missing=("case_type",)))
    assert "- Kontering\n" in sv_text and "Ärendetyp: ____" in sv_text


def test_complete_case_gets_only_the_acknowledgement() -> None:
    text, _ = rendered("first", ticket(missing=()))
    assert "____" not in text and "everything we need" in text


def test_html_escapes_what_customers_and_config_wrote() -> None:
    _, html = rendered("first", ticket(case_type="administration", missing=("company",)))
    assert "Company &lt;b&gt;: ____" in html and "<b>:" not in html
    _, html = rendered("first", ticket(case_type=None, missing=("case_type",), language="sv"))
    assert "Administration &lt;&amp;&gt;" in html


def test_single_invoice_advice_in_the_first_mail_only() -> None:
    text, html = rendered("first", ticket())
    assert "support button in the invoice's window" in text and "invoice's window" in html
    assert "invoice's window" not in rendered("reminder", ticket())[0]
    assert "supportknappen" in rendered("first", ticket("sv"))[0]
    assert "invoice's window" not in rendered("first", ticket(case_type=None, missing=("case_type",)))[0]


@pytest.mark.parametrize("case_type, fields, expected", [
    ("coding", {}, True),
    ("review_approval", {}, True),
    ("automatic_steps", {}, True),
    ("capture_verification", {"invoice_number": "3001122"}, True),
    ("capture_verification", {"invoice_number": "3001122, 3001123"}, False),
    ("administration", {}, False),
    (None, {"invoice_id": "41220"}, True),
])
def test_single_invoice(case_type: str | None, fields: dict[str, str], expected: bool) -> None:
    assert single_invoice(ticket(case_type=case_type, fields=fields)) is expected


def test_warning_says_when_the_case_will_be_closed() -> None:
    assert "within 2 days, we will close the case" in rendered("warning", ticket())[0]
    assert "inom 2 dagar stänger vi ärendet" in rendered("warning", ticket("sv"))[0]
    assert "closed your case" in rendered("closed", ticket())[0]


def test_duration_words() -> None:
    assert duration_words(timedelta(days=2), "en") == "2 days"
    assert duration_words(timedelta(hours=1), "sv") == "1 timme"
    assert duration_words(timedelta(seconds=90), "en") == "90 seconds"
