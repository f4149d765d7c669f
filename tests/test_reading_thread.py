"""A case read over its thread: corrections by reply, who said what, values to confirm."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.casetypes import parse_case_types
from ingest.classify import read_mail
from ingest.parse import parse
from ingest.pipeline import UNSURE, apply_reading, for_case, with_confirmed
from notify.render import render
from store.models import Ticket

TYPES = parse_case_types(None, "")
OURS = ("support.example.com",)
NOW = datetime(2026, 10, 5, tzinfo=timezone.utc)


def mail(subject: str, body: str) -> bytes:
    return (f"From: Per <per@kund.se>\nTo: support@support.example.com\nSubject: {subject}\n"
            f"Message-ID: <m{abs(hash(body))}@kund.se>\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


def file(ticket: Ticket, subject: str, body: str) -> dict[str, str]:
    reading = read_mail(parse(mail(subject, body)), TYPES, ticket.case_type, OURS)
    apply_reading(ticket, reading, TYPES, NOW)
    return dict(reading.fields)


def test_a_stated_type_in_a_reply_overrides_the_read_type() -> None:
    ticket = Ticket(customer="per@kund.se", subject="Attest")
    file(ticket, "Attest", "Fakturan hamnar hos fel attestant, faktura 88213.")
    assert ticket.case_type == "review_approval"
    file(ticket, "SV: [CASE-1] Attest", "Ärendetyp: Kontering\n\nDet gäller konteringsrad 2.")
    assert ticket.case_type == "coding" and ticket.case_type_reason.startswith("answer:")
    assert ticket.fields["invoice_id"] == "88213" and ticket.fields["coding_rows"] == "2"


def test_a_field_given_again_overrides_and_each_mail_keeps_its_own() -> None:
    ticket = Ticket(customer="per@kund.se", subject="Coding")
    first = file(ticket, "Coding", "Invoice ID: 11111\nCoding rows: 1\nWe want to change the project.")
    second = file(ticket, "Re: [CASE-2] Coding", "Sorry, wrong one. Invoice ID: 22222")
    assert first["invoice_id"] == "11111" and second["invoice_id"] == "22222"
    assert ticket.fields["invoice_id"] == "22222" and ticket.fields["coding_rows"] == "1"


def earlier(body: str, subject: str = "Kontering") -> str:
    """The customer's own earlier mail to us, quoted below a reply as Outlook quotes it."""
    return (f"\n\nFrån: Per <per@kund.se>\nSkickat: den 6 mars 2026 08:55\nTill: Support <support@support.example.com>\n"
            f"Ämne: {subject}\n\n{body}\n\nMvh\nPer\n")


def test_a_type_corrected_by_reply_takes_the_new_types_facts_from_the_first_mail_quoted_below() -> None:
    """Read as approval, the first mail gave no wish (approval has none); "Ärendetyp: Kontering"
    above it quoted makes the case coding, and the wish is read from the first mail."""
    first = ("Faktura-ID 412290. Rad 1 ska delas 50/50 mellan kostnadsställe 410 och 420, men attesten "
             "fastnar hos Eva Lund.")
    ticket = Ticket(customer="per@kund.se", subject="Attest")
    file(ticket, "Attest", first)
    assert ticket.case_type == "review_approval" and "desired_action" not in ticket.fields
    reading = for_case(ticket, read_mail(parse(mail("SV: [CASE-4] Attest", "Ärendetyp: Kontering, inte Attest."
                                                    + earlier(first, "Attest"))), TYPES, ticket.case_type, OURS))
    apply_reading(ticket, reading, TYPES, NOW)
    assert ticket.case_type == "coding" and "desired_action" in reading.recalled
    assert ticket.fields["desired_action"].startswith("Rad 1 ska delas 50/50")


def test_a_value_recalled_from_the_first_mail_never_undoes_a_correction() -> None:
    first = "Invoice ID 61533, row 3: we want the VAT code changed from S to Z."
    ticket = Ticket(customer="per@kund.se", subject="Coding")
    file(ticket, "Coding", first)
    file(ticket, "Re: [CASE-5] Coding", "Sorry, it is row 4, not row 3.")
    assert ticket.fields["coding_rows"] == "4"
    third = read_mail(parse(mail("Re: [CASE-5] Coding", "And the error says 'VAT code locked'." + earlier(first))),
                      TYPES, ticket.case_type, OURS)
    assert third.fields["coding_rows"] == "3" and "coding_rows" in third.recalled  # what the old mail said
    apply_reading(ticket, for_case(ticket, third), TYPES, NOW)
    assert ticket.fields["coding_rows"] == "4" and ticket.fields["error_message"] == "VAT code locked"


def test_the_error_of_the_earlier_mail_is_recalled_and_no_error_now_keeps_it_out() -> None:
    first = ("Hi, invoice ID 220871: the user is Helen Park. She gets the error \"No approver found for cost centre 530\" "
             "when she opens it.")
    reading = read_mail(parse(mail("RE: [CASE-7] Stuck", "Sorry, it's row 4, not row 3. Invoice ID 220871."
                                   + earlier(first, "Stuck"))), TYPES, "review_approval", OURS)
    assert reading.fields["error_message"] == "No approver found for cost centre 530"
    assert reading.fields["users"] == "Helen Park" and {"error_message", "users"} <= reading.recalled
    reading = read_mail(parse(mail("RE: [CASE-7] Stuck", "Row 4, invoice ID 220871. No error now, it just sits there."
                                   + earlier(first, "Stuck"))), TYPES, "review_approval", OURS)
    assert "error_message" not in reading.fields


def test_nothing_is_recalled_from_a_mail_about_another_invoice() -> None:
    """The review's case: an old thread reused for a new invoice; the old mail's approver, row and
    error are the old invoice's."""
    reading = read_mail(parse(mail("SV: Attest", "Hej igen, nu är det faktura 5590 som fastnar i attesten hos Lars "
                                   "Wik. Se mitt förra mejl nedan." + earlier("Faktura 4471 fastnar hos Eva Berg för "
                                   "attest, rad 2. Felet är 'Attestgräns överskriden'.", "Attest"))),
                        TYPES, None, OURS)
    assert reading.fields["invoice_id"] == "5590" and reading.recalled == frozenset()
    assert "coding_rows" not in reading.fields and "error_message" not in reading.fields


def test_a_correction_to_confirm_is_not_replaced_by_the_old_value() -> None:
    ticket = Ticket(customer="per@kund.se", subject="Kontering")
    first = "Faktura 4471-21 har fel konto på konteringsrad 2, vi vill byta till 5410."
    file(ticket, "Kontering", first)
    reading = for_case(ticket, read_mail(parse(mail("SV: [CASE-8] Kontering", "Förlåt, fel nummer. Det gäller 4471-22."
                                                    + earlier(first))), TYPES, ticket.case_type, OURS))
    assert reading.unsure["invoice_id"].value == "4471-22" and "invoice_id" not in reading.recalled


def test_a_colleagues_earlier_mail_to_us_speaks_for_the_colleague() -> None:
    quoted = ("\n\nFrån: Eva Berg <eva@kund.se>\nSkickat: den 6 mars\nTill: Support <support@support.example.com>\n"
              "Ämne: Attest\n\nI can't approve invoice 4471, it should be me approving row 2.\n\nEva\n")
    reading = read_mail(parse(mail("SV: Attest", "Any news on this? Eva is waiting." + quoted)),
                        TYPES, "review_approval", OURS)
    assert reading.fields["users"] == "Eva Berg (I)"  # not the sender Per: the "I" of Eva's mail is Eva


def test_a_field_this_mail_speaks_of_is_not_recalled_from_the_earlier_one() -> None:
    """"I said the Transferred column was empty but I was looking at the wrong invoice" takes back
    what the quoted mail said, even where this mail's own value is not read."""
    reading = read_mail(parse(mail("RE: [CASE-6] Queue", "Correction: I said the Transferred column was empty but I "
                                   "was looking at the wrong invoice. For 209480 it actually shows Error."
                                   + earlier("Hi, Invoice ID 209480, the Transferred column is empty.", "Queue"))),
                        TYPES, "automatic_steps", OURS)
    assert "transferred" not in reading.fields and reading.fields["invoice_id"] == "209480"


def test_a_bare_number_is_asked_to_be_confirmed_not_taken() -> None:
    ticket = Ticket(customer="per@kund.se", subject="Kontering")
    file(ticket, "Kontering", "Hej, 4471-22 har fel kostnadsställe på konteringsrad 2, vi vill byta till 210.")
    assert "invoice_id" in ticket.missing
    assert ticket.fields[UNSURE] == {"invoice_id": "4471-22"}
    file(ticket, "SV: [CASE-3] Kontering", "Faktura-ID: 4471-22")
    assert UNSURE not in ticket.fields and ticket.missing == []


def answer_our_request(ticket: Ticket, fill: str, outlook: bool = False) -> dict[str, str]:
    """The customer's reply to our real request mail for the case, with `fill` typed on the first
    blank line, quoted with '>' or, as Outlook does, under a header without '>'."""
    text = render("first", ticket, case_types=TYPES, link="http://desk/x", reminder_every=timedelta(days=2)).text
    filled = text.replace("____", fill, 1)
    quoted = ("\n".join(filled.split("\n")) if outlook else "".join(f"> {line}\n" for line in filled.split("\n")))
    head = ("From: Support <support@support.example.com>\nSent: Monday\nSubject: [CASE-3] Kontering\n\n" if outlook
            else "Den 5 okt. 2026 skrev Support <support@support.example.com>:\n")
    reading = with_confirmed(ticket, read_mail(parse(mail("SV: [CASE-3] Kontering", "Se nedan.\n\n" + head + quoted)),
                                                TYPES, ticket.case_type, OURS))
    apply_reading(ticket, reading, TYPES, NOW)
    return dict(reading.fields)


def test_a_value_shown_to_confirm_is_taken_when_the_customer_answers_yes() -> None:
    """Our request shows the bare "4471-22" it did not take ("we read ... write yes on the line");
    "ja" on the Invoice ID line makes it the value, on the message that said it too."""
    for outlook in (False, True):
        ticket = Ticket(customer="per@kund.se", subject="Kontering", language="sv")
        file(ticket, "Kontering", "Hej, 4471-22 har fel kostnadsställe på konteringsrad 2, vi vill byta till 210.")
        assert ticket.fields[UNSURE] == {"invoice_id": "4471-22"}
        assert answer_our_request(ticket, "ja", outlook) == {"invoice_id": "4471-22"}
        assert ticket.fields["invoice_id"] == "4471-22" and ticket.missing == [] and UNSURE not in ticket.fields


def test_our_shown_value_is_no_answer_and_a_yes_is_a_value_for_a_status() -> None:
    """The quoted request with nothing typed confirms nothing (its "we read 4471-22" line is ours);
    "Yes" on the Transferred line is what the column says, not a yes to something shown."""
    for outlook in (False, True):
        ticket = Ticket(customer="per@kund.se", subject="Kontering", language="sv")
        file(ticket, "Kontering", "Hej, 4471-22 har fel kostnadsställe på konteringsrad 2, vi vill byta till 210.")
        assert answer_our_request(ticket, "____", outlook) == {}
        assert "invoice_id" in ticket.missing and ticket.fields[UNSURE] == {"invoice_id": "4471-22"}
    reading = read_mail(parse(mail("Kö", "Faktura-ID 5512 har fastnat i kön.\nTransferred: Yes")), TYPES, None, OURS)
    assert reading.fields["transferred"] == "Yes" and reading.confirmed == frozenset()


def test_a_yes_confirms_only_the_value_the_quoted_mail_showed() -> None:
    """The review's attacks: a later mail replaced the guess (the quoted request still shows the
    first); a "Yes" answers a staff member's own question; a "ja" on a line nothing was shown for."""
    ticket = Ticket(customer="per@kund.se", subject="Kontering", language="sv")
    file(ticket, "Kontering", "Hej, 4471-22 har fel kostnadsställe på konteringsrad 2, vi vill byta till 210.")
    text = render("first", ticket, case_types=TYPES, link="http://desk/x", reminder_every=timedelta(days=2)).text
    file(ticket, "SV: [CASE-3] Kontering", "Min kollega säger att 9988-10 ser likadan ut.")
    assert ticket.fields[UNSURE] == {"invoice_id": "9988-10"}
    quoted = "".join(f"> {line}\n" for line in text.replace("____", "ja", 1).split("\n"))
    reading = with_confirmed(ticket, read_mail(parse(mail("SV: [CASE-3] Kontering", "Se nedan.\n\n"
                                                          "Den 5 okt. 2026 skrev Support <support@support.example.com>:\n"
                                                          + quoted)), TYPES, ticket.case_type, OURS))
    assert reading.shown == frozenset({"4471-22"}) and "invoice_id" not in reading.fields
    staff = ("Yes\n\nDen 5 okt. 2026 skrev Support <support@support.example.com>:\n"
             "> Is the invoice ID 9988-10, the one from Bauhaus?\n")
    reading = with_confirmed(ticket, read_mail(parse(mail("SV: [CASE-3] Kontering", staff)), TYPES, ticket.case_type, OURS))
    assert "invoice_id" not in reading.fields
    admin = read_mail(parse(mail("Ny användare", "Hej\n\nDen 5 okt. 2026 skrev Support <support@support.example.com>:\n"
                                 "> Företag: ja\n")), TYPES, "administration", OURS)
    assert "company" not in admin.fields


def html_reply(ticket: Ticket, fill: str) -> dict[str, str]:
    """The customer's Outlook reply to our real HTML request: `fill` typed into the first answer
    cell, our mail quoted below a header block; what the case then holds."""
    html = render("first", ticket, case_types=TYPES, link="http://desk/x", reminder_every=timedelta(days=2)).html
    body = ("<html><body><p>Hej, se nedan.</p><hr><p><b>Från:</b> Support &lt;support@support.example.com&gt;<br>"
            "<b>Skickat:</b> den 1 december 2026<br><b>Ämne:</b> [CASE-3] Kontering</p>" + html.replace("____", fill, 1)
            + "</body></html>")
    raw = ("From: Per <per@kund.se>\nTo: support@support.example.com\nSubject: SV: [CASE-3] Kontering\nMIME-Version: 1.0\n"
           f"Content-Type: text/html; charset=utf-8\n\n{body}").encode()
    reading = with_confirmed(ticket, read_mail(parse(raw), TYPES, ticket.case_type, OURS))
    apply_reading(ticket, reading, TYPES, NOW)
    return dict(reading.fields)


@pytest.mark.parametrize(("fill", "taken"), [("____", None), ("ja", "4471-22"), ("5512-01", "5512-01")])
def test_an_html_reply_to_our_request_confirms_only_what_the_customer_typed(fill: str, taken: str | None) -> None:
    """In our HTML request the value to confirm stands in the label's cell; quoted back, that row
    is one line, "Faktura-ID: <hint> Vi läste ”4471-22” ...<tab><answer>". Our note is never the
    answer: nothing typed takes nothing (it took 4471-22), and a typed id wins over the note."""
    ticket = Ticket(customer="per@kund.se", subject="Kontering", language="sv")
    file(ticket, "Kontering", "Hej, 4471-22 har fel kostnadsställe på konteringsrad 2, vi vill byta till 210.")
    html_reply(ticket, fill)
    assert ticket.fields.get("invoice_id") == taken


def test_our_quoted_question_answered_above_it() -> None:
    ticket = Ticket(customer="per@kund.se", subject="Invoice not in Dynamics")
    body = ("It's 9081172 and the column is empty.\n\nSarah\n\nFrom: Support <support@support.example.com>\n"
            "Sent: Thursday\nTo: Sarah\nSubject: [CASE-3087] Invoice not in Dynamics\n\n"
            "Invoice ID: ____\nWhat the Transferred column shows: ____\n")
    got = file(ticket, "RE: [CASE-3087] Invoice not in Dynamics", body)
    assert ticket.case_type == "automatic_steps"
    assert got == {"invoice_id": "9081172", "transferred": "empty", "in_financial_system": "no"}  # the subject says it


def test_signatures_and_our_own_words_give_no_value() -> None:
    body = ("Hej, fakturan har fastnat i kön.\n\nMvh\nAnna Berg\nTel 070-123 45 67\nOrg.nr 556677-8899\n\n"
            "Den 5 okt. 2026 skrev Support <support@support.example.com>:\n> Gäller det faktura 99999?\n> Vi behöver ert Faktura-ID.\n")
    reading = read_mail(parse(mail("SV: [CASE-9] Kö", body)), TYPES, None, OURS)
    assert "invoice_id" not in reading.fields
    assert all("070" not in v and "556677" not in v for v in reading.fields.values())


def test_a_status_is_never_kept_to_be_confirmed() -> None:
    """A Transferred "Yes" is a value, so a status read below the threshold is not kept for our
    mail to show: a "yes" to it would confirm nothing the customer meant."""
    from ingest.checklist import Candidate
    from ingest.classify import Reading
    ticket = Ticket(customer="per@kund.se", subject="Kö")
    reading = Reading("automatic_steps", "r", "sv", {}, {"transferred": Candidate("Ja", "shape", 0.3),
                                                      "invoice_id": Candidate("4471-22", "shape", 0.3)})
    apply_reading(ticket, reading, TYPES, NOW)
    assert ticket.fields[UNSURE] == {"invoice_id": "4471-22"}


def test_a_vague_wish_shown_to_confirm_is_taken_on_a_yes() -> None:
    """The wish ranker (session 14) only shows a vague wish; the customer's "yes" on the line
    makes it the case's, and a typed answer replaces it."""
    for outlook in (False, True):
        ticket = Ticket(customer="per@kund.se", subject="Admin", language="en")
        file(ticket, "Admin", "Hi, please see the details below for a change we need. Company: Acme AB.\n"
                              "It concerns the user anna.berg@acme.se.")
        assert ticket.case_type == "administration"
        assert ticket.fields[UNSURE] == {"desired_action": "please see the details below for a change we need"}
        assert answer_our_request(ticket, "yes", outlook) == \
            {"desired_action": "please see the details below for a change we need"}
        assert ticket.missing == [] and UNSURE not in ticket.fields
    ticket = Ticket(customer="per@kund.se", subject="Admin", language="en")
    file(ticket, "Admin", "Hi, please see the details below for a change we need. Company: Acme AB.\n"
                          "It concerns the user anna.berg@acme.se.")
    assert answer_our_request(ticket, "Give Anna the approver role", False)["desired_action"] == "Give Anna the approver role"


@pytest.mark.parametrize("gap", ["\t", "    ", "   "])
@pytest.mark.parametrize("type_key", [t.key for t in TYPES])
def test_our_html_request_quoted_back_as_text_gives_nothing(type_key: str, gap: str) -> None:
    """The session's review: our HTML request's form rows, quoted back by a mail program that
    turns the table into text with runs of spaces, read "<hint> ____" as the answer (since before
    this session). Quoted back blank, in any spacing, our request gives no value; a value typed
    after the blank is the customer's."""
    from ingest.htmltext import html_text
    ticket = Ticket(customer="per@kund.se", subject="X", language="sv", case_type=type_key, fields={},
                    missing=[f.key for f in next(t for t in TYPES if t.key == type_key).fields if f.kind != "flag"])
    ticket.ref = "CASE-12"
    html = render("first", ticket, case_types=TYPES, link="http://desk/x", reminder_every=timedelta(days=2)).html
    quoted = html_text(html).replace("\t", gap)
    body = "Se nedan.\n\nFrån: Support <support@support.example.com>\nSkickat: den 5 oktober 2026\nÄmne: [CASE-12] X\n\n"
    assert read_mail(parse(mail("SV: [CASE-12] X", body + quoted)), TYPES, type_key, OURS).fields == {}


def test_a_value_typed_after_our_blank_in_a_spaced_out_form_is_the_answer() -> None:
    from ingest.htmltext import html_text
    ticket = Ticket(customer="per@kund.se", subject="X", language="sv", case_type="coding", fields={},
                    missing=["invoice_id", "coding_rows", "desired_action"])
    ticket.ref = "CASE-12"
    html = render("first", ticket, case_types=TYPES, link="http://desk/x", reminder_every=timedelta(days=2)).html
    quoted = html_text(html).replace("\t", "    ").replace("____", "____ 5512-01", 1)
    body = "Se nedan.\n\nFrån: Support <support@support.example.com>\nSkickat: den 5 oktober 2026\nÄmne: [CASE-12] X\n\n"
    assert read_mail(parse(mail("SV: [CASE-12] X", body + quoted)), TYPES, "coding", OURS).fields == {"invoice_id": "5512-01"}
