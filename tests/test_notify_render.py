"""notify/render.py: every mail template renders, in both languages, as text and HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest

import re
from pathlib import Path

from core.casetypes import CaseType, FieldSpec, parse_case_types
from core.mailtemplates import environment
from ingest.checklist import form_answers
from ingest.quoting import split_reply
from notify.render import KINDS, LANGUAGES, TEMPLATES, duration_words, render, single_invoice
from store.models import Ticket

TYPES = (
    CaseType(key="coding", label="Coding", label_sv="Kontering", fields=(
        FieldSpec(key="invoice_id", label="Invoice ID", label_sv="Faktura-ID",
                  hint="in the General section of the invoice", hint_sv="under Allmänt på fakturan"),
        FieldSpec(key="coding_rows", label="Coding row(s)", label_sv="Konteringsrad(er)"),
        FieldSpec(key="desired_action", label="What do you want to do?", label_sv="Vad vill du göra?"),
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


def rendered(kind: str, case: Ticket, name: str | None = None, types: tuple[CaseType, ...] = TYPES,
             **options: object) -> tuple[str, str]:
    out = render(kind, case, case_types=types, link=LINK, reminder_every=timedelta(days=2), number=1,
                 name=name, **options)  # type: ignore[arg-type]
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
    assert html.lstrip().startswith("<!doctype html>") and f'<html lang="{language}">' in html
    # No doubled punctuation anywhere ("What do you want to do?: ____" was one), no empty greeting.
    assert not re.search(r"[?:!.,;][?:!,;]", text.replace("...", "")), text
    assert not re.search(r"\n\n\n", text), text
    assert text.endswith("Invoice Automation Support\n")


def test_every_mail_template_file_is_covered() -> None:
    # Staff notices (notify/staff.py) are English plain text only; test_staff_notify.py renders them.
    names = {p.name for p in TEMPLATES.iterdir() if not p.name.startswith(("_", "login.", "staff_"))}
    assert names == {f"{k}.{lang}.{ext}" for k in KINDS for lang in LANGUAGES for ext in ("txt", "html")}


def test_first_mail_asks_for_exactly_the_missing_fields_as_a_form() -> None:
    text, html = rendered("first", ticket(missing=("invoice_id", "coding_rows")))
    assert "Invoice ID: ____\n  (in the General section of the invoice)\nCoding row(s): ____\n" in text
    assert "Error message" not in text
    # The HTML form is a table: the field (with where to find it) and a cell to answer in.
    assert re.search(r"<th scope=\"row\"[^>]*>Invoice ID:<br><span[^>]*>in the General section of the invoice"
                     r"</span></th><td[^>]*>____</td>", html)


def test_a_question_label_gets_no_second_punctuation_mark() -> None:
    text, html = rendered("first", ticket(missing=("desired_action",)))
    assert "What do you want to do? – ____\n" in text and "?:" not in text
    assert ">What do you want to do?<" in html and "?:" not in html


def test_no_still_in_a_first_mail_but_in_a_reminder() -> None:
    for language, word in (("en", "still"), ("sv", "fortfarande")):
        case = ticket(language, missing=("invoice_id",))
        assert word not in rendered("first", case)[0] and word not in rendered("first", case)[1]
        assert word in rendered("reminder", case)[0] and word in rendered("warning", case)[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filled_in_form_reads_back_through_the_extractor(language: str) -> None:
    """What a customer types into the quoted form is what ingest reads: hints and the
    "what we understood" lines never pass for answers."""
    case = ticket(language, missing=("invoice_id", "desired_action"), fields={"coding_rows": "1, 2"})
    text, _ = rendered("first", case, name="Dana Frost")
    filled = text.replace("____", "41220", 1).replace("____", "change the project to P-88")
    quoted = "Here you go.\n\nOn Mon, 5 Oct 2026 support wrote:\n" + "".join(f"> {line}\n" for line in filled.split("\n"))
    answers, _ = form_answers(split_reply(quoted), TYPES[0].fields)
    assert answers == {"invoice_id": "41220", "desired_action": "change the project to P-88"}
    blank = "".join(f"> {line}\n" for line in text.split("\n"))
    assert form_answers(split_reply("Thanks\n\nOn Mon, 5 Oct 2026 support wrote:\n" + blank), TYPES[0].fields)[0] == {}


def test_the_mail_says_what_casedesk_understood_so_a_reply_can_correct_it() -> None:
    case = ticket(missing=("coding_rows",), fields={"invoice_id": "41220", "error_message": "Konto <saknas>"})
    text, html = rendered("first", case)
    assert "✓ Case type: Coding\n✓ Invoice ID: 41220\n✓ Error message: Konto <saknas>\n" in text
    assert ">✓ Invoice ID</th><td" in html and "Konto &lt;saknas&gt;" in html and "<saknas>" not in html
    sv, _ = rendered("reminder", ticket("sv", missing=("coding_rows",), fields={"invoice_id": "41220"}))
    assert "✓ Ärendetyp: Kontering\n✓ Faktura-ID: 41220\n" in sv
    # A long value is cut to one line; a value from another type's field is not listed.
    long = ticket(missing=(), fields={"invoice_id": "x " * 400, "company": "Acme AB"})
    text, _ = rendered("complete", long)
    line = next(x for x in text.split("\n") if x.startswith("✓ Invoice ID"))
    assert len(line) < 200 and line.endswith("…") and "Acme" not in text


@pytest.mark.parametrize("name, en, sv", [
    ("Dana Frost", "Hi Dana,\n\n", "Hej Dana,\n\n"),
    ("Lind, Åsa", "Hi Åsa,\n\n", "Hej Åsa,\n\n"),
    ("Support Team", "Hello,\n\n", "Hej,\n\n"),
    ("Ekonomi", "Hello,\n\n", "Hej,\n\n"),
    (None, "Hello,\n\n", "Hej,\n\n"),
])
def test_greeting_by_first_name_or_neutral(name: str | None, en: str, sv: str) -> None:
    for kind in KINDS:
        text, html = rendered(kind, ticket(), name=name)
        assert text.startswith(en), text
        assert f"<p>{en.strip()}</p>" in html
        assert rendered(kind, ticket("sv"), name=name)[0].startswith(sv)


def test_counts_what_remains_of_a_list() -> None:
    types = parse_case_types(None, "")
    capture = ticket(case_type="capture_verification", missing=("invoice_examples",),
                     fields={"invoice_number": "3001122", "invoice_examples": "3001123"})
    text, html = rendered("reminder", capture, types=types)
    assert "5 invoice examples: ____\n  (3 more invoice examples: invoices with the same problem" in text
    assert "3 more invoice examples" in html
    sv, _ = rendered("reminder", Ticket(**{**capture.model_dump(), "language": "sv"}), types=types)
    assert "(3 fakturaexempel till: fakturor med samma problem" in sv
    capture.fields = {"invoice_number": "1", "invoice_examples": "2, 3, 4"}
    assert "(1 more invoice example:" in rendered("reminder", capture, types=types)[0]
    # Nothing given yet: the label says how many; no "5 more".
    capture.fields = {}
    assert "more invoice" not in rendered("first", capture, types=types)[0]


def test_every_shipped_required_field_says_where_to_find_it_in_both_languages() -> None:
    for case_type in parse_case_types(None, ""):
        for field in case_type.fields:
            if field.required or field.required_when:
                assert field.hint and field.hint_sv, f"{case_type.key}.{field.key} has no hint"


def test_signature_from_config_and_its_default() -> None:
    text, html = rendered("first", ticket())
    assert text.endswith("Kind regards,\nInvoice Automation Support\n")
    text, html = rendered("closed", ticket("sv"), signature="Acme Faktura <support>\n08-123 45 67")
    assert text.endswith("Vänliga hälsningar,\nAcme Faktura <support>\n08-123 45 67\n")
    assert "Acme Faktura &lt;support&gt;<br>08-123 45 67</p>" in html


def test_override_folder_replaces_templates_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "_signoff.en.txt").write_text("Cheers,\n{{ signature }} at Acme\n", encoding="utf-8")
    (tmp_path / "closed.en.txt").write_text("Closed {{ ref }}.\n{% include '_signoff.en.txt' %}", encoding="utf-8")
    text, html = rendered("first", ticket(), templates=tmp_path)
    assert text.endswith("Cheers,\nInvoice Automation Support at Acme\n")  # an include, overridden
    assert "Thank you for your mail" in text and "Kind regards" in html  # the rest: shipped
    assert rendered("closed", ticket(), templates=tmp_path)[0].startswith("Closed CASE-1001.\nCheers,")
    assert rendered("closed", ticket("sv"), templates=tmp_path)[0].startswith("Hej,")
    assert rendered("first", ticket())[0].endswith("Kind regards,\nInvoice Automation Support\n")
    environment.cache_clear()


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


def test_complete_mail_is_one_short_confirmation() -> None:
    text, html = rendered("complete", ticket(missing=(), fields={"invoice_id": "41220"}))
    assert "we now have everything we need for your case CASE-1001. Support takes it from here" in text
    assert "____" not in text and "reference" not in text and "✓ Invoice ID: 41220" in text
    first, _ = rendered("complete", ticket(missing=()), first=True)
    assert "has the reference CASE-1001" in first and "We have everything we need: support takes it" in first
    sv, _ = rendered("complete", ticket("sv", missing=()))
    assert "Nu har vi allt vi behöver för ditt ärende CASE-1001. Supporten tar det härifrån" in sv


def test_html_escapes_what_customers_and_config_wrote() -> None:
    _, html = rendered("first", ticket(case_type="administration", missing=("company",)))
    assert "Company &lt;b&gt;:</th>" in html and "<b>:" not in html
    _, html = rendered("first", ticket(case_type=None, missing=("case_type",), language="sv"))
    assert "Administration &lt;&amp;&gt;" in html


def test_single_invoice_advice_in_the_first_mail_only() -> None:
    text, html = rendered("first", ticket())
    assert "support button in the invoice's window" in text and "invoice's window" in html
    assert "invoice's window" not in rendered("reminder", ticket())[0]
    assert "supportknappen" in rendered("first", ticket("sv"))[0]
    assert "invoice's window" not in rendered("first", ticket(case_type=None, missing=("case_type",)))[0]
    assert "invoice's window" not in rendered("first", ticket(fields={"invoice_id": "41220, 41221"}))[0]
    complete = ticket(missing=(), fields={"invoice_id": "41220"})
    assert "invoice's window" in rendered("complete", complete, first=True)[0]
    assert "invoice's window" not in rendered("complete", complete)[0]


SHIPPED_TYPES = {t.key: t for t in parse_case_types(None, "")}


@pytest.mark.parametrize("case_type, fields, expected", [
    ("coding", {}, True),
    ("coding", {"invoice_id": "41220"}, True),
    ("coding", {"invoice_id": "41220, 41221"}, False),
    ("coding", {"invoice_id": "41220 and 41221"}, False),
    ("review_approval", {}, True),
    ("automatic_steps", {"invoice_id": "INV-7"}, True),
    ("capture_verification", {"invoice_number": "3001122"}, False),
    ("capture_verification", {}, False),
    ("administration", {}, False),
    ("administration", {"invoice_id": "41220"}, True),
    (None, {"invoice_id": "41220"}, True),
    (None, {"invoice_id": "41220", "invoice_number": "41220"}, True),
    (None, {}, False),
])
def test_single_invoice(case_type: str | None, fields: dict[str, str], expected: bool) -> None:
    case = ticket(case_type=case_type, fields=fields)
    assert single_invoice(case, SHIPPED_TYPES.get(case_type or "")) is expected


def test_warning_says_when_the_case_will_be_closed() -> None:
    assert "within 2 days, we will close the case" in rendered("warning", ticket())[0]
    assert "inom 2 dagar stänger vi ärendet" in rendered("warning", ticket("sv"))[0]
    assert "closed your case" in rendered("closed", ticket())[0]


def test_duration_words() -> None:
    assert duration_words(timedelta(days=2), "en") == "2 days"
    assert duration_words(timedelta(hours=1), "sv") == "1 timme"
    assert duration_words(timedelta(seconds=90), "en") == "90 seconds"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_error_shown_but_not_given_is_asked_for_and_the_flag_not_echoed(language: str) -> None:
    """The error rule (docs/checklist.md): the mail asks for the error text with its hint; the
    inferred flag is no fact the customer gave, and is not echoed back to them."""
    types = tuple(parse_case_types(None, ""))
    case = ticket(language, "review_approval", ("error_message",))
    case.fields = {"invoice_id": "229104", "coding_rows": "1", "users": "Fiona McAllister", "error_shown": "yes"}
    text, html = rendered("first", case, types=types)
    label, hint = (("Error message: ____", "a screenshot helps") if language == "en"
                   else ("Felmeddelande: ____", "en skärmdump hjälper"))
    assert label in text and hint in text and hint in html
    assert "shown?" not in text and "Visades" not in text and "Fiona McAllister" in text


@pytest.mark.parametrize(("language", "text_line", "html_note"), [
    ("en", '  (we read "4471-22 <x>" in your mail: if that is it, just write yes on the line)',
     "We read “4471-22 &lt;x&gt;” in your mail: if that is it, just write <b>yes</b>."),
    ("sv", '  (vi läste "4471-22 <x>" i ditt mejl: stämmer det, skriv bara ja på raden)',
     "Vi läste ”4471-22 &lt;x&gt;” i ditt mejl: stämmer det, skriv bara <b>ja</b>."),
])
def test_a_value_read_below_the_threshold_is_shown_to_confirm(language: str, text_line: str, html_note: str) -> None:
    """A bare "4471-22" is not taken as the Invoice ID, but the request shows it, so the customer
    answers "yes" instead of looking it up again; the value is the customer's, so HTML escapes it."""
    case = ticket(language, missing=("invoice_id", "coding_rows"), fields={"_unsure": {"invoice_id": "4471-22 <x>"}})
    text, html = rendered("first", case)
    assert text_line in text.split("\n") and html_note in html
    assert text.count("4471-22") == 1  # only under its own line, not under the rows'
    _, plain = rendered("first", ticket(language, missing=("invoice_id",)))
    assert "4471-22" not in plain
