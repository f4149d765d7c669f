"""Case type detection, language, and read_mail end to end on our own test mails."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from core.casetypes import parse_case_types
from ingest.classify import Reading, detect, read_mail
from ingest.language import detect_language
from ingest.parse import parse

TYPES = parse_case_types(None, "")
BY_KEY = {t.key: t for t in TYPES}
MAILS = Path(__file__).parent / "mails"


def mail(subject: str, body: str, content_type: str = "text/plain") -> bytes:
    return (f"From: A <a@example.se>\nTo: support@support.example.com\nSubject: {subject}\n"
            f"Message-ID: <t@example.se>\nMIME-Version: 1.0\n"
            f"Content-Type: {content_type}; charset=utf-8\n\n{body}").encode()


def read(subject: str, body: str, known: str | None = None, **kw: str) -> Reading:
    return read_mail(parse(mail(subject, body, **kw)), TYPES, known)


@pytest.mark.parametrize(("subject", "key"), [
    ("Capture Verification - wrong supplier", "capture_verification"),
    ("Tolkningsverifiering", "capture_verification"), ("Fel i tolkningen", "capture_verification"),
    ("Coding: cannot change project", "coding"), ("Kontering", "coding"), ("Konteringsfråga", "coding"),
    ("Review/Approval question", "review_approval"), ("Attest hamnar hos fel person", "review_approval"),
    ("Granskning", "review_approval"),
    ("Queue for automatic steps - not transferred", "automatic_steps"),
    ("Kö för automatiska steg", "automatic_steps"),
    ("The administration tool: new role", "administration"), ("Administrationsverktyget", "administration"),
    ("Re: [CASE-9] SV: Coding", "coding"),
])
def test_subject_names_decide(subject: str, key: str) -> None:
    got = read(subject, "Hi, something about approval and ERP and roles.")
    assert got.case_type == key and got.reason.startswith("subject:")


@pytest.mark.parametrize(("body", "key"), [
    ("The coding row for the cost center is wrong, can't split it.", "coding"),
    ("Konteringsraden har fel kostnadsställe och momskod.", "coding"),
    ("The invoice goes to the wrong approver every time.", "review_approval"),
    ("Fel attestant får fakturan, attesteringen fastnar.", "review_approval"),
    ("The invoice is in the queue and was never transferred to the ERP.", "automatic_steps"),
    ("Fakturan är inte överförd till ekonomisystemet.", "automatic_steps"),
    ("Ver.nr och verifikationsserie saknas.", "automatic_steps"),
    ("The supplier is read as Freight Co Ltd; the OCR interprets the invoice wrong.", "capture_verification"),
    ("Leverantören tolkas fel vid inläsningen.", "capture_verification"),
    ("We need a new role and permissions for our users in the administration tool.", "administration"),
    ("Vi behöver ändra behörighet och roller för en användare.", "administration"),
])
def test_body_keywords_decide(body: str, key: str) -> None:
    got = read("Help", body)
    assert got.case_type == key and got.reason.startswith("keywords:"), got.reason


def test_verification_number_is_not_the_verification_step() -> None:
    got = read("Invoice missing", "Verification no: 8812\nVerification series: B")
    assert got.case_type == "automatic_steps"


@pytest.mark.parametrize("body", [
    "Hi, who is our account manager?", "Hej, vem är vår kontaktperson?", "Hi", "",
    "Please call me on 070-123 45 67 on 2026-10-12.",
])
def test_no_type_when_nothing_tells(body: str) -> None:
    got = read("Question", body)
    assert got.case_type is None and got.reason


def test_untyped_mail_still_keeps_the_invoice_id() -> None:
    got = read("Question", "Hi, about invoice ID 88213: what now?")
    assert got.case_type is None and got.fields["invoice_id"] == "88213"


def test_known_type_wins_and_quoted_text_does_not_classify() -> None:
    body = ("Invoice ID 41220.\n\nOn Mon, 5 Oct 2026, Support <s@x> wrote:\n"
            "> The administration tool, roles, approver, ERP, transferred\n")
    assert read("Re: [CASE-1] Coding", body, known="coding").case_type == "coding"
    got = read("Re: [CASE-1]", body)
    assert got.case_type is None and got.fields["invoice_id"] == "41220"


def test_a_reply_can_set_the_type_through_the_form() -> None:
    body = "See below\n\nOn Mon, 5 Oct 2026, Support <s@x> wrote:\n> Case type: ____\nKontering\n"
    got = read("Re: [CASE-3] Question", body)
    assert got.case_type == "coding" and got.reason.startswith("answer:")


def test_reason_names_the_keywords() -> None:
    got = read("Hjälp", "Konteringsraden är fel, konteringsraden går inte att spara. Attestant Eva.")
    assert got.case_type == "coding"
    assert "konteringsraden x2" in got.reason


def test_detect_is_pure_on_strings() -> None:
    assert detect("Coding", "", TYPES) == ("coding", "subject: 'coding'; coding (score 12)")


@pytest.mark.parametrize(("text", "language"), [
    ("Hej! Fakturan hamnar hos fel attestant.", "sv"), ("Hi, the invoice goes to the wrong approver.", "en"),
    ("Faktura-ID: 50310\nKonteringsrad: 2\nFelmeddelande: inget", "sv"),
    ("Invoice ID: 41220\nCoding rows: 1, 2", "en"), ("", "en"), ("88213", "en"),
    ("Vi vill byta projekt på båda raderna", "sv"),
])
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_reply_language_is_the_customers_not_the_quote() -> None:
    body = "Hej, här är numret: 88213\n\nOn Mon, Support <s@x> wrote:\n> Hi, please send the invoice ID.\n"
    assert read("Re: x", body).language == "sv"


def own_mails() -> list[dict]:
    return json.loads((MAILS / "expect.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("expect", own_mails(), ids=lambda e: e["file"])
def test_own_mails(expect: dict) -> None:
    reading = read_mail(parse((MAILS / expect["file"]).read_bytes()), TYPES, expect.get("known_type"))
    assert reading.case_type == expect["case_type"], reading.reason
    assert reading.language == expect["language"]
    for key, value in expect.get("fields", {}).items():
        assert reading.fields.get(key) == value, (key, reading.fields)
    for key in expect.get("absent", []):
        assert key not in reading.fields, reading.fields
    if reading.case_type:
        missing = BY_KEY[reading.case_type].missing(reading.fields)
        assert set(expect["missing"]) <= set(missing), missing
        if expect.get("exact_missing") or expect["missing"] == []:
            assert missing == expect["missing"], (missing, reading.fields)


def test_html_only_mail_with_a_quote_and_no_table() -> None:
    html = ("<html><body><p>Invoice ID 41220, coding row 3.</p><div class=gmail_quote>"
            "<div>On Mon, Support &lt;s@x&gt; wrote:</div><blockquote>Attest approver roles ERP</blockquote>"
            "</div></body></html>")
    got = read("Re: [CASE-2] Coding", html, known="coding", content_type="text/html")
    assert got.fields == {"invoice_id": "41220", "coding_rows": "3"}


# --- weighed evidence (issue 14) ----------------------------------------------------------------

@pytest.mark.parametrize(("subject", "body", "key"), [
    ("Coding wrong on invoice", "It's not the coding that is wrong but the interpretation: the amount is read wrong.",
     "capture_verification"),
    ("Tolkningen fel", "Det är inte tolkningen som är fel utan konteringen – beloppen är rätt inlästa.", "coding"),
    ("Approval issue", "It's not really an approval problem. I need to change the account on the coding row.",
     "coding"),
    ("Coding problem", "I logged this as a coding problem but it's not actually the coding, it's the "
     "interpretation. The invoice date is read as 2023.", "capture_verification"),
])
def test_the_body_can_overrule_the_subject(subject: str, body: str, key: str) -> None:
    got = read(subject, body)
    assert got.case_type == key, got.reason
    assert "not " in got.reason and "\n" not in got.reason


def test_a_mail_without_subject_needs_more_than_one_weak_word() -> None:
    assert read("", "The project is wrong.").case_type is None
    assert read("Question", "The project is wrong, the cost center too.").case_type == "coding"


def test_a_doubled_letter_written_once_is_put_right() -> None:
    got = read("eror on invoice", "Invoice 30551, line 1 and 3 give an eror: VAT code not alowed for this account")
    assert got.case_type == "coding"
    assert got.fields["error_message"] == "VAT code not alowed for this account"


@pytest.mark.parametrize(("subject", "body", "key"), [
    ("behorighet", "hej, anvandaren kommer inte at nagot, kan ni kolla hennes behorighet?", "administration"),
    ("Invoice not transfered", "Invocie ID 1190233 - the Transfered colum says No.", "automatic_steps"),
    ("", "Kolumnen Overford ar tom for fakturan, den har fastnat i kon.", "automatic_steps"),
])
def test_types_without_accents_and_with_typos(subject: str, body: str, key: str) -> None:
    """The rules read the type's words without accents and with a typo. (The word model may still
    overrule them when nearly certain: since session 21's retraining it takes "användaren kommer
    inte åt något" for an approval case at 0.996, which the reason says.)"""
    reading = read(subject, body)
    assert reading.case_type == key or f"over the rules' {key} " in reading.reason


@pytest.mark.parametrize(("subject", "body", "key"), [
    ("Stuck after approval", "Invoice 55123 is stuck after approval and never reached our ledger.", "automatic_steps"),
    ("Supplier wrong", "The supplier name is read wrong on all invoices from Acme, e.g. 55123.", "capture_verification"),
    ("Invoice on hold", "Invoice 55123 is on hold with Tom Hale who is on holiday. Can it be moved to Sara Lind?",
     "review_approval"),
])
def test_a_step_passed_a_misreading_and_an_absent_approver(subject: str, body: str, key: str) -> None:
    assert read(subject, body).case_type == key


def test_setup_words_need_evidence_of_their_own() -> None:
    assert read("Meeting", "Can we set up a meeting next week to discuss the roadmap?").case_type is None
    assert read("Re: [CASE-12] Coding", "Thank you!").case_type is None


def test_one_weak_word_however_often_is_no_type() -> None:
    got = read("Additional user licences", "We will need about 15 more user licences later this year. "
               "Could someone from sales send me pricing?")
    assert got.case_type is None, got.reason


def test_the_step_an_invoice_sits_in_weighs_double() -> None:
    got = read("Approved invoice not moving", "Invoice ID 2240917 was fully approved by Mark last week but it "
               "never left your system. It's just sitting in the queue for automatic steps.")
    assert got.case_type == "automatic_steps", got.reason


@pytest.mark.parametrize(("body", "key"), [
    ("Invoice 55123 went to Tom Hale although I set Sara Lind as approver for cost centre 300 in the "
     "administration tool.", "review_approval"),
    ("Faktura 55123 gick till Tom Hale fast vi har satt Sara Lind som attestant i administrationsverktyget.",
     "review_approval"),
])
def test_what_the_customer_already_did_is_background(body: str, key: str) -> None:
    assert read("Wrong approver", body).case_type == key


def test_a_type_named_as_right_is_not_the_problem() -> None:
    got = read("Question", "The administration tool is right, but row 2 of invoice 55123 got account 4010 "
               "instead of 5410; the cost centre is wrong too.")
    assert got.case_type == "coding", got.reason


def test_one_named_invoice_is_no_setup_mail() -> None:
    got = read("Attestant har slutat", "Vi har en faktura från Ramirent där båda raderna ligger hos Lars Berg "
               "för attest, men Lars har slutat hos oss. Båda raderna ska attesteras av Mikael Sund i stället.")
    assert got.case_type == "review_approval", got.reason


@pytest.mark.parametrize(("subject", "body", "key"), [
    ("FW: New dimension value needed", "We need a new dimension value added in Northgate Retail Ltd so we can "
     "start coding to it from April.", "administration"),
    ("VB: Faktura som inte är min", "Jag har fått faktura-ID 4410-77 för attest men den gäller inte min avdelning. "
     "Rad 2 är konterad på kostnadsställe 300 som tillhör Karin Olsson. Kan du be supporten flytta raden till henne?",
     "review_approval"),
])
def test_master_data_and_wrong_department_words(subject: str, body: str, key: str) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize("body", [
    "Tack för snabb hjälp, nu fungerar det som det ska. Ni kan stänga ärendet.\nKarin",
    "Brilliant, that's sorted it - thanks so much for the quick turnaround!\nSarah",
])
def test_a_thank_you_reply_to_our_mail_has_no_type(body: str) -> None:
    quoted = ("\n\nFrom: Support <support@support.example.com>\nSent: 20 February 2024 16:40\n"
              "Subject: [Case 10431] Can't change cost centre\n\nHi, we changed row 2 on invoice 60228-3.\n")
    got = read_mail(parse(mail("RE: [Case 10431] Can't change cost centre", body + quoted)), TYPES, None,
                    ("support.example.com",))
    assert got.case_type is None, got.reason
    # thanks for a problem that goes on are no closing either
    got = read_mail(parse(mail("RE: [Case 10431] Can't change cost centre", "Thanks, but it still doesn't work.\n"
                                + quoted)), TYPES, None, ("support.example.com",))
    assert got.case_type == "coding", got.reason
    # the same words with a fact in them are no closing: the subject still tells the type
    got = read_mail(parse(mail("RE: [Case 10431] Can't change cost centre", "Thanks! It is row 2.\n" + quoted)),
                    TYPES, None, ("support.example.com",))
    assert got.case_type == "coding", got.reason


def test_two_types_scoring_alike_are_asked_for() -> None:
    got = read("Question", "About approval and coding.")
    assert got.case_type is None and got.reason.startswith("unsure:")


@pytest.mark.parametrize("line", ["Type: Coding", "Ärendetyp: Kontering", "Case type - Coding", "arendetyp: kontering"])
def test_a_stated_type_corrects_the_case(line: str) -> None:
    got = read("Re: [CASE-4] Approval", f"{line}\n\nIt is about the rows.", known="review_approval")
    if "-" in line:  # "Case type - Coding" is no "Label: value" line
        assert got.case_type == "review_approval" and not got.corrected
        return
    assert got.case_type == "coding" and got.corrected and got.reason.startswith("answer:")


# --- speed: no mail takes more than 50 ms to read (issue 14) ------------------------------------

def outlook_table_mail(rows: int) -> bytes:
    """An Outlook/Word HTML-only mail: Word paragraphs, a coding table with each cell in its own
    paragraph, a signature table; about 75 bytes of markup per row."""
    cells = "".join(f"<tr><td><p class=MsoNormal>{i}</p></td><td><p class=MsoNormal>54{i % 100:02d}</p></td>"
                    f"<td><p class=MsoNormal>{200 + i % 7}</p></td></tr>" for i in range(1, rows + 1))
    html = ("<html><head><style>p.MsoNormal{margin:0cm;font-size:11pt}</style></head><body lang=SV>"
            "<div class=WordSection1><p class=MsoNormal>Hej,<o:p></o:p></p><p class=MsoNormal>Fakturan 4471-22 "
            "har fel kontering på rad 2 och 4, kostnadsstället ska vara 210. Vi får felet ”Kostnadsställe stängt”."
            "<o:p></o:p></p><table class=MsoNormalTable border=1><tr><td><p class=MsoNormal>Rad</p></td>"
            "<td><p class=MsoNormal>Konto</p></td><td><p class=MsoNormal>Kostnadsställe</p></td></tr>"
            f"{cells}</table><p class=MsoNormal>Mvh<br>Anna Berg<br>070-123 45 67</p></div></body></html>")
    return mail("Kontering", html, content_type="text/html")


def long_chain_mail(size: int, to: str = "Anna", top: str = "Hej, se nedan. Kan ni hjälpa oss?") -> bytes:
    """A reply on a forwarded chain of colleagues' mails: all of it is content, none is ours (or,
    sent `to` us, all of it is the customer's earlier mail, read again for what the top lacks)."""
    parts = [f"{top}\n\nMvh Anna"]
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(f"\n\n-----Ursprungligt meddelande-----\nFrån: Kollega {n} <k{n}@kund.se>\n"
                      f"Skickat: den {n} mars 2026\nTill: {to}\nÄmne: SV: Faktura 4471-22\n\n"
                      f"Hej! Fakturan från Ahlsell ligger kvar, attestanten Eva Holm kommer inte åt den och "
                      f"kostnadsställe {n} är stängt. Vi har provat att byta konto på raden utan att det hjälpte, "
                      f"det står fortfarande Väntar i listan. Kan du kolla med leverantören?\n\nHälsningar\nKollega {n}")
    return mail("VB: Faktura 4471-22", "".join(parts))


@pytest.mark.parametrize(("name", "raw"), [
    ("30 KB Outlook HTML, 400-row table", outlook_table_mail(400)),
    ("15 KB Outlook HTML, 200-row table", outlook_table_mail(200)),
    ("30 KB forwarded chain", long_chain_mail(30_000)),
    # the type corrected above 30 KB of the customer's own mails to us: read twice (classify.recall)
    ("30 KB of earlier mails to us, recalled", long_chain_mail(30_000, "Support <support@support.example.com>",
                                                               "Ärendetyp: Kontering.")),
])
def test_no_mail_takes_more_than_50_ms_to_read(name: str, raw: bytes) -> None:
    """Parse and read, best of five, in CPU time. Before issue 14 the 400-row mail took about
    200 ms (BeautifulSoup's tree, then every field over every row)."""
    assert len(raw) > 12_000
    read_mail(parse(raw), TYPES, None, ("support.example.com",))
    best = 1.0
    for _ in range(5):
        # CPU time of this process: the box is shared by several test runs at once.
        start = time.process_time()
        reading = read_mail(parse(raw), TYPES, None, ("support.example.com",))
        best = min(best, time.process_time() - start)
    assert reading.case_type is not None
    assert best < 0.050, f"{name}: {best * 1000:.1f} ms"


def test_the_outlook_table_mail_is_read_right() -> None:
    reading = read_mail(parse(outlook_table_mail(400)), TYPES)
    assert reading.case_type == "coding"
    assert reading.fields["invoice_id"] == "4471-22"
    assert reading.fields["error_message"] == "Kostnadsställe stängt"
    # "fel kontering på rad 2 och 4": the rows named in words win over the pasted table.
    assert reading.fields["coding_rows"] == "2, 4"
    assert "070" not in " ".join(reading.fields.values())


@pytest.mark.parametrize(("subject", "body", "key"), [
    ("Access for new starter", "We have a new starter, Ellen Park, who needs to approve invoices for the Leeds "
     "office. Can you give her the approver role for Parkside Care Ltd?", "administration"),
    ("Change approver", "From next month all invoices for cost centre 310 should be approved by Rob King "
     "instead of Amy Lee. Please update the approval workflow for Greenway Ltd.", "administration"),
    ("Invoice 55120 approval", "Invoice 55120 went to Amy Lee for approval but she left. Row 1. Can it be sent "
     "to Rob King?", "review_approval"),
    ("Remove access", "Please deactivate the account of john.doe@acme.co.uk, he no longer works for Acme Ltd.",
     "administration"),
    ("Not in ERP", "Invoice 88120 is approved but I cannot find it in Dynamics. The Transferred column says No.",
     "automatic_steps"),
    ("Wrong account", "On invoice 44120 row 2 the account should be 6540 not 6550, can you help me change it?",
     "coding"),
    ("Scanning problem", "Invoice 99812 was scanned with the wrong due date. Still in Verification.",
     "capture_verification"),
    ("Approver can't approve", "Lisa Berg gets 'You are not allowed to approve' on invoice 33001, row 3.",
     "review_approval"),
])
def test_natural_english_mails_are_typed(subject: str, body: str, key: str) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize(("subject", "body", "key"), [
    # [not_a_case] sales: a price question is no support case, whatever approval words it holds.
    ("Fråga", "Hej! Vad kostar det per användare om vi vill lägga till fler attestanter?", None),
    ("Licences", "How much would it cost to add five more approvers to our licence?", None),
    # ... but the words are lowercase and case-sensitive: a surname is no price question.
    ("Approval", "Invoice 4471223 went to Helen Price for approval but should go to Per Ek.",
     "review_approval"),
])
def test_a_price_question_is_no_case_but_a_surname_is_no_price(subject: str, body: str, key: str | None) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize(("subject", "body", "key"), [
    # [not_a_case] service: a question about planned maintenance is no case, whatever it will run.
    ("Planned maintenance this weekend?", "Is there any planned maintenance or downtime on your side? "
     "We'll be running a lot of approvals and transfers to Dynamics on Saturday.", None),
    ("Fråga", "Har ni något planerat driftstopp i helgen? Vi ska attestera och överföra mycket.", None),
    ("Driftstopp i helgen?", "Vi har hört att det ska vara underhåll på tjänsten i helgen. Kommer verifieringen "
     "och överföringen till ekonomisystemet att fungera då?", None),
    # ... but a case that names an invoice is a case, downtime or not
    ("Stuck", "Since your planned maintenance invoice 4471223 is stuck in the queue for automatic steps, "
     "the Transferred column is empty.", "automatic_steps"),
])
def test_a_maintenance_question_is_no_case(subject: str, body: str, key: str | None) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize(("subject", "body", "key"), [
    # [not_a_case] meeting: a meeting, a call, an event or release notes, whatever it will discuss
    ("Förfrågan om möte", "Vi skulle vilja boka ett Teams-möte med er vecka 36 för att gå igenom attestflödet "
     "när vi lägger till två nya bolag.", None),
    ("Annual review", "Could we set up a call with your account manager? We'd like to go through our approval "
     "workflows.", None),
    ("Release notes for the May update", "Could you send over the release notes? Our board reviews approval "
     "changes before they go live.", None),
    # ... a past event in passing is no invitation
    ("Nytt konteringsförslag", "Tack för senast på användarträffen! Vi vill skapa ett nytt konteringsförslag "
     "i Bergslagens Kraft AB i administrationsverktyget.", "administration"),
])
def test_a_meeting_or_an_event_is_no_case(subject: str, body: str, key: str | None) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize(("subject", "body", "key"), [
    # an invitation with its meeting id (no invoice id), a training question, another vendor's
    # product, a notice that asks for nothing (blind writer zz)
    ("Inbjudan: Avstämning", "Jag bjuder in till ett Teams-möte där vi går igenom vilka som ska vara attestanter i "
     "Visma framöver.\nTid: tisdag 20 maj kl. 10.00\nMötes-ID: 384 221 907 55", None),
    ("Training for new AP clerk", "Do you run any training sessions on coding invoices and the approval workflow?", None),
    ("Complaint", "I know this isn't really your product, but Sage 200 crashes every time the invoices are posted.", None),
    ("Update for our partners", "Our approvers and our Sage 200 ERP stay as they are. No action is needed from you "
     "at this stage.", None),
    # ... a request that mentions training is still a case, and so is one with a meeting id
    ("approval rules", "We'd like to change our approval rules - things keep going to the wrong people. Can you "
     "do it for us or do we need training on the admin tool first?", "administration"),
    ("Faktura 4410", "Faktura-ID 4410 har fastnat i attesten hos Per Lind. Vi tar det på mötet, Mötes-ID: 99.",
     "review_approval"),
])
def test_training_another_product_or_a_notice_is_no_case(subject: str, body: str, key: str | None) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize("body", [
    "Sorry, please ignore my last email - our scanning bureau was still using the old set-up. Nothing wrong at your end.",
    "Tack för hjälpen med konteringen på faktura 55871. Nu fungerar allt. Ni kan stänga ärendet.",
    "All sorted now, thanks - the account saved fine. You can close this one.",
])
def test_a_reply_that_takes_back_or_closes_the_case_names_no_type(body: str) -> None:
    assert read("RE: [Case 42140] Line items not being read on scanned invoices", body).case_type is None


def test_a_reply_taking_back_the_last_mail_but_naming_a_new_problem_is_read() -> None:
    """Found by review: "Please ignore my last email. Invoice 5512 is actually stuck ..." is a case."""
    body = "Please ignore my last email. Invoice 5512 is actually stuck in approval with Anna Lund instead."
    assert read("Re: [CASE-12] Attest", body).case_type == "review_approval"


def test_taking_back_a_mail_while_something_is_still_wrong_is_read() -> None:
    """Found by review: "inget fel hos er, men ... fortfarande inte" was read as a closing reply."""
    body = "Det var inget fel hos er, men vi ser fortfarande inte fakturan i Visma efter överföringen."
    assert read("SV: [Case 4411] Fastnar i kön", body).case_type == "automatic_steps"


def test_a_thank_you_that_asks_us_to_close_names_no_type() -> None:
    # [closing] requests: the reply says what was fixed, in type words, and asks us to close.
    body = "Thanks, the coding rows come through with the right account now. You can close the case."
    assert read("Re: [CASE-1042] Coding: wrong account", body).case_type is None


def test_a_negated_attribute_is_no_negated_type() -> None:
    """ "The cost isn't project related, it's office supplies" says nothing against coding; "not
    the coding but the interpretation" still takes coding out."""
    text = "I want to remove the project code from the second row because the cost isn't project related, it's office supplies."
    assert detect("Coding question", text, TYPES)[0] == "coding"
    assert detect("Coding", "It is not the coding that is wrong but the interpretation of the invoice.", TYPES)[0] \
        == "capture_verification"


def test_the_first_word_of_a_name_is_not_put_right() -> None:
    """ "Steven" is one letter from "stegen" (a Swedish type word): before a surname it is a name."""
    got = read("Wrong approver", "Invoice 402219 should go to Amelia Crane but it keeps going to Steven Rourke.")
    assert got.fields["users"] == "Amelia Crane, Steven Rourke"


def test_the_writer_who_cannot_approve_is_the_user_even_in_a_forward() -> None:
    """The forwarded mail's writer ("Dragan Petrović", a name beyond Swedish letters) says he
    cannot approve: he is the user; the colleague who forwards it is not."""
    body = ("Hej support,\n\nSe nedan.\n\nKarin\n\n-----Ursprungligt meddelande-----\n"
            "Från: Dragan Petrović <dragan.petrovic@lindasa.se>\nSkickat: den 9 september 2024 08:55\n"
            "Till: Karin Dahlbom <karin.dahlbom@lindasa.se>\nÄmne: Kan inte attestera\n\n"
            "Hej Karin,\njag får felet \"Beloppsgränsen överskriden\" när jag försöker godkänna faktura 7781-03, rad 1.\n")
    got = read("VB: Kan inte attestera", body)
    assert got.case_type == "review_approval" and got.fields["users"] == "Dragan Petrović (jag)"
    # a person named in the mail is the user, not the writer
    got = read("Attest", "Jag kan inte attestera faktura 7781-03, den ligger hos Eva Strand.")
    assert got.fields["users"] == "Eva Strand"


def test_not_knowing_or_a_clause_without_a_type_denies_nothing() -> None:
    """ "Jag vet inte om de har kommit in i ekonomisystemet, det är vår förvaltare som sköter den
    biten": no "not X but Y"; "det handlar inte om någon faktura utan om inställningarna" still is."""
    body = ("Vi har tre fakturor som har fastnat, Överförd står som Nej på alla tre: 771-0042, 771-0045. Jag vet inte "
            "om de har kommit in i ekonomisystemet, det är vår förvaltare som sköter den biten.")
    assert read("Fakturor som inte går iväg", body).case_type == "automatic_steps"
    text = "The invoice is not in the ERP, it's our manager who handles that. It has been stuck in the queue since Monday."
    assert detect("Stuck", text, TYPES)[0] == "automatic_steps"


def test_a_typo_after_a_capitalised_the_is_put_right() -> None:
    """ "The Transfered column says No": "The" starting a sentence makes no name of the next word."""
    got = read("Coding issue?", "A few invoices aren't leaving the queue: 1180234, 1180251, 1180266. "
                                "The Transfered column says No for all of them.")
    assert got.case_type == "automatic_steps" and got.fields["transferred"] == "No"
    assert got.fields["invoice_id"] == "1180234"



def test_a_quoted_error_text_keeps_its_typos_and_a_quoted_word_is_put_right() -> None:
    """Blind writer v (session 13): 'throws "Invalid dimention combination"' was read as
    "Invalid dimension combination": the customer's copy of the message is verbatim, typos and
    all. One quoted word is a thing's name: 'the "Transfered" column' is the Transferred column."""
    got = read("coding error", 'Every time I put project 22-0415 on invoice ID 66120 the system throws '
                               '"Invalid dimention combination" and I lose my changes.')
    assert got.fields["error_message"] == "Invalid dimention combination"
    got = read("Queue", 'Invoice ID 1180234 is stuck in the queue. The "Transfered" column says No.')
    assert got.fields["transferred"] == "No"


def test_a_misspelt_error_message_is_an_error_shown() -> None:
    """Blind writer z2 (session 14): "ett fel medelande" made a case complete without its error text."""
    for body in ("Kan ni ta bort rad 3 på faktura 90233? Jag får ett fel medelande när jag försöker.",
                 "Kan ni ta bort rad 3 på faktura 90233? Jag får ett felmedelande när jag försöker."):
        got = read("Kontering", body)
        assert got.case_type == "coding" and got.fields["error_shown"] == "yes" and "error_message" not in got.fields


@pytest.mark.parametrize(("subject", "body"), [
    ("Fakturor från Bauhaus", "Beloppet lästes in fel på faktura 5512."),
    ("Bauhaus", "Ni har läst in datumet fel igen på fakturan 5512."),
])
def test_read_in_said_with_the_particle_is_capture(subject: str, body: str) -> None:
    """Blind writer v (session 13): "ni har läst in momsen som 0": "läsa in" is how Swedish
    customers say the invoice was captured."""
    assert detect(subject, body, TYPES)[0] == "capture_verification"


def test_a_reply_of_answers_to_our_questions_has_the_type_they_answer() -> None:
    """The customer's answers under our questions (company, user, what to do) make an
    administration case, though they speak of an approval limit and the subject of "attest"."""
    body = ("Hej, svar nedan.\n\n-----Ursprungligt meddelande-----\nFrån: Support <support@support.example.com>\n"
            "Skickat: den 5 mars 2025 16:02\nÄmne: [Case 41877] Beloppsgräns attest\n\nHej,\n\n"
            "1. Vilket bolag gäller det?\n>> Skogsgruppen Norr AB (bolag 120)\n\n"
            "2. Vilken användare eller roll gäller det?\n>> Henrik Forsberg\n\n"
            "3. Beskriv vad du vill göra.\n>> Höja hans attestgräns från 50 000 till 150 000 kr.\n\nHälsningar\nSupport\n")
    got = read("SV: [Case 41877] Beloppsgräns attest", body)
    assert got.case_type == "administration" and got.reason.startswith("answers to our questions:")
    assert got.fields["company"] == "Skogsgruppen Norr AB (bolag 120)"


def test_a_quote_inside_our_quote_is_no_marked_answer() -> None:
    """">> Hello, invoice ID 3310476 ..." under "> On Wed ..., Grace wrote:" is the customer's
    own first mail quoted in ours, not an answer marked ">>" to a question."""
    body = ("It says Error in the Transferred column.\n\nOn Thu, 21 Nov 2024, Support <support@support.example.com> wrote:\n"
            "> Could you tell us what the Transferred\n> column shows for the invoice?\n>\n"
            "> On Wed, 20 Nov 2024 at 16:45, Grace <grace@kilbride.ie> wrote:\n>> Hello, invoice ID 3310476 was approved on "
            "Monday and still hasn't\n>> gone through to NetSuite. Other invoices are fine.\n>> Thanks, Grace\n")
    got = read("Re: [Case 3] Not in NetSuite", body)
    assert got.case_type == "automatic_steps" and got.fields.get("transferred") == "Error"


# --- session 12, blind writers r and s ----------------------------------------------------------

@pytest.mark.parametrize(("subject", "body", "key"), [
    # no subject: "rad" with "byta konto" is enough evidence for coding
    ("", "hej. faktura id 20455871, rad 1 och 4. vill byta konto till 4010 på båda men det kommer upp ett "
         "felmeddelande när jag trycker på spara.", "coding"),
    # a person's user (account) is the administration tool's
    ("Problem with user", "we have a problem with the user of Jürgen Hoffmann in company Rheinfeld Precision Ltd. "
                          "Since the update he sees other things than before. Please check.", "administration"),
    # a review call is a meeting, no case
    ("Quarterly review call", "Are we still on for the quarterly review call on Thursday? Could you send the Teams "
                              "link again?", None),
])
def test_blind_writers_r_and_s_types(subject: str, body: str, key: str | None) -> None:
    assert read(subject, body).case_type == key


@pytest.mark.parametrize(("subject", "body", "key"), [
    # "codign": the last two letters swapped is a typo, not another form of the word
    ("Approval stuck", "Sorry, the subject is misleading, approval is fine. It's the codign that I need to change. "
                       "Row 3 should go to project P-2231.", "coding"),
    ("Wrong period on invoice", "Invoice ID 7712 was coded to March, we need to change the accounting period to April.",
     "coding"),
])
def test_blind_writer_s_types(subject: str, body: str, key: str) -> None:
    assert read(subject, body).case_type == key


BILL = ("Hej,\n\nBifogat finner ni faktura 24118 avseende lagerhyra för pall, mars 2024.\n\n"
        "Belopp att betala: 6 875,00 kr\nFörfallodatum: 2024-04-30\nBankgiro: 5432-1098\nOCR: 2411800417\n\n"
        "Med vänlig hälsning\nEkonomiavdelningen\nNordhamn Logistik AB\n")


def test_an_invoice_sent_to_us_to_pay_is_no_case() -> None:
    """Three blind writers (r, s, t) sent the vendor a customer's own bill; it named an invoice and
    its "OCR" and "förfallodatum" read as capture verification."""
    got = read("Faktura 24118 från Nordhamn Logistik AB", BILL)
    assert got.case_type is None and got.reason.startswith("an invoice sent to us")
    # a customer quoting an invoice's payment lines to show what is misread is a case
    misread = ("Förfallodatum läses fel på faktura 24118 från Nordhamn Logistik.\n"
               "Förfallodatum: 2024-04-30\nBankgiro: 5432-1098\nDet tolkas som 2024-03-30.")
    assert read("Tolkning", misread).case_type == "capture_verification"


def test_thanks_that_it_works_again_and_asks_us_to_close_is_closing() -> None:
    """ "nu fungerar det igen! Ni kan stänga ärendet": "igen" (again) is no sign the problem goes on."""
    quoted = ("\n\nFrån: Support <support@support.example.com>\nSkickat: den 2 april 2024 13:40\n"
              "Ämne: [Ärende #7011] Inläsning av fakturor\n\nVi har nu justerat inläsningen.\n")
    body = "Tack för hjälpen, nu fungerar det igen! Ni kan stänga ärendet.\nEn fråga: har ni någon användarträff i höst?"
    got = read_mail(parse(mail("SV: [Ärende #7011] Inläsning av fakturor", body + quoted)), TYPES, None,
                    ("support.example.com",))
    assert got.case_type is None, got.reason


def test_a_stated_type_with_the_type_it_is_not() -> None:
    """Blind writers z6 and zb (session 15): "Ärendetyp: Kontering (inte Granskning/attest, jag
    valde fel)" is coding; the longer name it denies was taken."""
    types = parse_case_types(None, "")
    assert detect("Granskning", "Faktura-ID 5526008.", types, "Kontering (inte Granskning/attest, jag valde fel).")[0] \
        == "coding"
    assert detect("", "", types, "Administration, not Review/Approval")[0] == "administration"


def test_a_stated_type_is_read_in_its_first_words_only() -> None:
    """The session's review: a "type" answer of 3 MB of "inte Granskning/attest, " took minutes,
    each type word searched back to the start for a negation."""
    types = parse_case_types(None, "")
    answer = "Kontering " + "inte Granskning/attest, " * 100_000
    started = time.process_time()
    assert detect("", "", types, answer)[0] == "coding"
    assert time.process_time() - started < 5  # minutes before the bound; well under a second after


def test_blind_writer_zj_no_case_and_little_evidence() -> None:
    """Blind writer zj (session 16): a reply saying our help solved it is no case, whatever type
    words tell what was fixed, unless it asks more; a question about licences or the subscription,
    or for a training's slides, is none either; "OCR not working" alone is capture verification."""
    quoted = ("\n\n-----Original Message-----\nFrom: Support <support@support.example.com>\n"
              "Subject: [Case #4512] Approval problem - invoice 5521034\n\n> Please change the VAT code.\n")
    fixed = "Thanks, that fixed it! The VAT code is changed and I've approved it now.\nHave a good weekend.\nKaren"
    got = read_mail(parse(mail("RE: [Case #4512] Approval problem - invoice 5521034", fixed + quoted)), TYPES, None,
                    ("support.example.com",))
    assert got.case_type is None, got.reason
    more = "Thanks, that fixed it! Could you also set up Anna Berg as an approver?"
    assert read_mail(parse(mail("RE: [Case #4512] Approval problem", more + quoted)), TYPES, None,
                     ("support.example.com",)).case_type is not None
    licence = ("Do we need a separate licence to use the mobile app for approving invoices, or is it included in our "
               "current subscription?")
    assert read("Mobile approval app - licence?", licence).case_type is None
    slides = ("Thank you for the training session on coding and approval yesterday. Would it be possible to get the "
              "slides? And could we book a follow-up in October?")
    assert read("Thank you - approval training yesterday", slides).case_type is None
    assert read("help", "OCR not working. Please help!!").case_type == "capture_verification"


def test_the_session_16_reviews_no_case_mistakes() -> None:
    """Session 16's review: a company added "to our subscription" with users to set up, "jag kan
    skicka bilderna" (the pictures) and a thank-you that asks for more ("Please do the same for Per
    Holm") are cases."""
    added = ("We have added a new company, Solvik Nät AB, to our subscription.\nPlease set up the users Anna Berg "
             "(approver) and Per Holm (reviewer) for it.")
    assert read("New company", added).case_type == "administration"
    pictures = ("Vi har lagt upp Per Holm som attestant men han ser inga fakturor i sin inkorg. Jag kan skicka bilderna "
                "från hans skärm om ni vill.")
    assert read("Attest", pictures).case_type == "review_approval"
    quoted = ("\n\n-----Original Message-----\nFrom: Support <support@support.example.com>\n"
              "Subject: [Case #4512] New user\n\n> Which user, role or coding suggestion it concerns:\n")
    more = "Thanks, that sorted it for Anna. Please do the same for Per Holm, he needs the Approver role as well."
    assert read_mail(parse(mail("RE: [Case #4512] New user", more + quoted)), TYPES, None,
                     ("support.example.com",)).case_type == "administration"


def test_a_reply_without_type_words_has_the_type_our_quoted_mail_gave() -> None:
    """An answer to our mail that names no type ("7730041 / Rows 1-4 / Helen Marsh") has the type
    our quoted mail says the case has: our "✓ Case type: X" line, or "registered as X"."""
    for ours in ("What we understood from your mail:\n\n✓ Case type: Review/Approval\n",
                 "Thank you for your case, which we have registered as Review/Approval.\n"):
        body = (f"Hi, answers below.\n\n7730041\nRows 1-4\nHelen Marsh\n\nFrom: Support <support@support.example.com>\n"
                f"Sent: 17 March 2025 14:55\nSubject: [Case #7155] We need more information\n\nHello,\n\n{ours}\nKind "
                f"regards\nSupport\n")
        got = read_mail(parse(mail("RE: [Case #7155] We need more information", body)), TYPES, None,
                        ("support.example.com",))
        assert (got.case_type, got.reason.split(":")[0]) == ("review_approval", "our quoted mail")
    untyped = read_mail(parse(mail("RE: [Case #7155]", "Hi, answers below.\n\n7730041\n\nFrom: Support "
                                   "<support@support.example.com>\nSent: 17 March 2025\n\nHello,\n\nWe need more.\n")),
                        TYPES, None, ("support.example.com",))
    assert untyped.case_type is None


def test_an_answer_of_no_and_blanks_under_our_error_question_is_read_at_once() -> None:
    """Session 17's review: "no" and 16,000 spaces typed under our quoted "Error message: ____"
    took 12.7 s (the no-error rule's blanks backtracked); a few ms now."""
    body = ("See below.\n\nOn Mon, 3 Mar 2025 at 10:00, Support <support@support.example.com> wrote:\n> Hello,\n"
            "> Please fill in:\n> Invoice ID: ____\n12345\n> Error message: ____\nno" + " " * 16_000 + "x\n> Thanks\n")
    started = time.process_time()
    read_mail(parse(mail("Re: [CASE-1] x", body)), TYPES, None, ("support.example.com",))
    assert time.process_time() - started < 2  # 12.7 s before


def test_the_speller_leaves_real_words_one_letter_from_a_known_word() -> None:
    """A new label or type word makes its one-letter neighbours typos: "change" made "charge" one
    ("reverse charge" became "reverse change", and every such mail took the speller's slow path),
    "leaver" made "leader" one. Real words stay as written, and so do the words one letter from a
    common word listed to protect another ("ligger" beside "lägger", "never" beside "lever")."""
    from ingest.classify import speller_of
    speller = speller_of(tuple(parse_case_types(None, "")))
    for word in ("charge", "charges", "changes", "leader", "header", "reader", "ligger", "never", "level", "ändrats",
                 "ganska", "lägger", "händer", "handel"):
        assert speller.text(f"Vi {word} det här", names=True) == f"Vi {word} det här", word
    assert speller.text("Invocie ID: 4410") == "Invoice ID: 4410"


def test_the_speller_puts_nothing_right_to_a_common_word() -> None:
    """Found by counting the speller's changes over the development half (session 22): real words
    and names one letter from a label word were changed ("Persson" -> "person", "fleet" -> "felet",
    "leaves" -> "leavers", "rules" -> "roles"), and a word listed only to stay as written became a
    target itself ("loser" turned "lower" into it). Listed words stay; nothing becomes one."""
    from ingest.classify import speller_of
    speller = speller_of(tuple(parse_case_types(None, "")))
    for word in ("Persson", "fleet", "leaves", "rules", "lower", "larger", "sick", "Charles", "passed"):
        assert speller.text(f"Vi {word} det här", names=True) == f"Vi {word} det här", word
    # ... while forms of label words stay targets (the review: "errros", "dokumnet" were left as written)
    for typo, word in (("felmedelande", "felmeddelande"), ("medelande", "meddelande"), ("errros", "errors"),
                       ("erors", "errors"), ("dokumnet", "dokument"), ("atesterad", "attesterad")):
        assert speller.text(f"ett {typo} här") == f"ett {word} här", typo


@pytest.mark.parametrize(("subject", "body", "key"), [
    ("Riverside", "Hi, we've closed Riverside Catering Ltd, can it be taken out of the system?", "administration"),
    ("Fråga", "Hej, vi startar ett nytt bolag och vill ha det upplagt som det gamla.", "administration"),
    ("", "Hi, it's about Jenny Ross in Oakfield Vets Ltd, something's not right with her setup.", "administration"),
    ("change please", "Hi, can you make it so invoices over 10k go to Steve after Julie?", "administration"),
    ("Amazon", "Hi there, the suggestion for Amazon Business is wrong, it keeps putting everything on 6110.",
     "administration"),
    ("", "Hej! Jag ser inte 44120 i min lista fast den väntar på mig.", "review_approval"),
    # blind writer yu: words of people who never use the product's own
    ("FW: Bristol", "I still can't see any of the invoices for the Bristol office, only the Cardiff ones.",
     "administration"),
    ("FW: wrong job number", "The Wickes invoice 90021 has the wrong job number on every line.", "coding"),
    ("dates wrong", "The system keeps reading the dates wrong on the invoices from Alpha Office Supplies.",
     "capture_verification"),
    # blind writer y9: the situation told, not the product's words
    ("", "Tariq Aziz should only be seeing invoices for the Glasgow branch.", "administration"),
    ("Maternity cover", "While she's away everything should go to Callum Reid. Can you set this up?", "administration"),
    ("Invoice stuck", "It's been with Bernadette Quinn in purchasing since 2 May and she's away.", "review_approval"),
])
def test_everyday_words_of_setup_and_approval_tell_the_type(subject: str, body: str, key: str) -> None:
    """From blind writer yo (short mails that never name the product's words): the rules' words."""
    reading = read(subject, body)
    assert reading.case_type == key and "keywords" in reading.reason


def test_a_retiring_contact_person_alone_types_no_case() -> None:
    """Found by the development half: "går i pension" is a contact change as often as a leaver."""
    reading = read("Ny kontaktperson", "Från 1 maj är det jag som är kontaktperson för vårt avtal, istället för "
                                       "Gunilla Ek som går i pension. Skicka gärna fakturor till mig.")
    assert reading.case_type is None


def test_a_short_type_word_in_a_name_is_the_name() -> None:
    """Found by blind writer xc: "Jane Ko's user" typed the case as the automatic steps' queue
    ("kö", folded "ko"). A short type word capitalised after a capitalised word is a surname."""
    assert read("quick one", "Hi, something's off with Jane Ko's user in Kestrel Retail Ltd, could you have a "
                             "look?").case_type != "automatic_steps"
    assert read("Fastnat", "Fakturan 88120 ligger i kö sedan i fredags och har inte gått över till Visma.").case_type \
        == "automatic_steps"


def test_without_is_no_but_and_a_type_fine_on_one_invoice() -> None:
    """Found by blind writers xh and xj: "inte X ... utan problem" is "without problems", no "not X
    but Y"; "the coding on invoice 77812 itself is fine" says the coding is not the problem."""
    reading = read("Attest - ersättare fungerar inte", "Johan Ek är inlagd som ersättare men fakturan går inte till "
                   "honom. Felmeddelande: Ersättaren är inaktiverad. Johan är INTE inaktiverad, han jobbar varje dag "
                   "och attesterar andra fakturor utan problem.")
    assert reading.case_type == "review_approval"
    reading = read("Coding error on invoice 77812", "The subject's a bit off - the coding on invoice 77812 itself is "
                   "fine now. The real problem is the coding suggestion \"Cleaning services\", which still puts "
                   "everything on account 6210. Can you update the coding suggestion to use account 6250?")
    assert reading.case_type == "administration"


def test_the_session_22_review_of_types() -> None:
    """The review: an all-capital short type word after a capitalised word is no name ("Our ERP",
    "Attached PDF"); "utan att ..." and "utan felet ..." are "but" ("utan problem" is not)."""
    from ingest.classify import hits, vocabulary_of, weigh_negation
    vocabulary = vocabulary_of(tuple(parse_case_types(None, "")))
    for text, phrase in (("Our ERP did not get the invoice.", "erp"), ("Attached PDF is blank.", "pdf")):
        assert phrase in [h.phrase for h in hits(vocabulary, text)]
    for text in ("Problemet är inte konteringen utan att attesten inte går igenom.",
                 "Det är inte konteringen som är problemet utan felet vid attesten."):
        assert "coding" in weigh_negation(text, hits(vocabulary, text))[0]


def test_a_stated_type_is_the_type_it_names_first() -> None:
    """"Ärendetyp: Attest, inte kontering – konteringen är rätt": the type named first is the
    answer, a later word about the other type says what is fine (session 24's writer wa)."""
    assert detect("", "x", TYPES, "Attest, inte kontering – konteringen är rätt.")[0] == "review_approval"
    assert detect("", "x", TYPES, "Kontering (inte Granskning/attest, jag valde fel)")[0] == "coding"
