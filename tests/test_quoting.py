"""Quoted-reply and sign-off stripping: Outlook, Gmail, Apple, Swedish headers, the talon corpus."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingest.parse import parse
from ingest.quoting import new_text, split_reply, strip_greeting, strip_signoff

CORPUS = Path(__file__).parents[2] / "shared" / "corpus"


def newest(text: str) -> str:
    return new_text(split_reply(text))


@pytest.mark.parametrize("history", [
    "On Mon, 5 Oct 2026 at 09:00, Support <support@support.example.com> wrote:\n> Invoice ID: ____",
    "On Mon, 5 Oct 2026 at 09:00, Support <support@support.example.com>\nwrote:\n\n> old text",
    "Den mån 5 okt. 2026 kl 09:00 skrev Support <support@support.example.com>:\n> gammal text",
    "mån 5 okt. 2026 kl. 09:00 skrev Support <support@support.example.com>:\n> gammal text",
    "5 okt. 2026 kl. 09:00 skrev Support <support@support.example.com>:\n> gammal text",
    "From: Support <support@support.example.com>\nSent: Monday, October 5, 2026 9:00 AM\n"
    "To: Dana\nSubject: [CASE-1] Coding\n\nold text",
    "Från: Support <support@support.example.com>\nSkickat: den 5 oktober 2026 09:00\nTill: Per\n"
    "Ämne: [CASE-1] Kontering\n\ngammal text",
    "-----Ursprungligt meddelande-----\nFrån: Support\nÄmne: x\n\ngammal text",
    "-----Original Message-----\nFrom: Support\n\nold text",
    "________________________________\nFrom: Support\nSent: Monday\n\nold text",
])
def test_history_is_cut(history: str) -> None:
    text = f"Invoice ID is 88213, rows 1 and 2.\n\n{history}\n"
    assert newest(text) == "Invoice ID is 88213, rows 1 and 2."


def test_quoted_lines_between_answers_are_dropped() -> None:
    assert newest("> Invoice ID: ____\n88213\n> rows?\n1 and 3") == "88213\n1 and 3"


def test_no_history_keeps_everything_and_lists() -> None:
    text = "Hi,\n- Invoice ID: 88213\n- see /var/log/app.log\nThe error is bad."
    assert newest(text) == text


@pytest.mark.parametrize(("text", "kept"), [
    ("Invoice 1 is wrong.\n\nBest regards,\nDana Frost\nACME AB", "Invoice 1 is wrong."),
    ("Fakturan är fel.\n\nMed vänliga hälsningar\nPer", "Fakturan är fel."),
    ("Fakturan är fel.\nMvh Per", "Fakturan är fel."),
    ("Invoice is wrong.\n\nThanks,\nDana", "Invoice is wrong."),
    ("Invoice is wrong.\n\nPetra", "Invoice is wrong."),
    ("Invoice is wrong.\n--\nDana Frost | ACME", "Invoice is wrong."),
    ("Invoice is wrong.\n\nSent from my iPhone", "Invoice is wrong."),
    ("Thanks for the quick answer, invoice 1 is fine now.", "Thanks for the quick answer, invoice 1 is fine now."),
    ("It won't let me edit it.\n\nMany thanks,\n\nSophie Turner\n14 Castle Street, Reading RG1 7RD",
     "It won't let me edit it."),
    ("Rad 2 är fel.\n\nTusen tack!\nPer", "Rad 2 är fel."),
    ("Row 2 is wrong.\n\nThank you very much\nAl", "Row 2 is wrong."),
    ("Row 2 is wrong.\nAll the best,\nAl", "Row 2 is wrong."),
    ("Hi,\nMany thanks for looking at invoice 1 so quickly.", "Hi,\nMany thanks for looking at invoice 1 so quickly."),
    ("Hi Anna,\n\nMany thanks!\nNow invoice 88213 is stuck.", "Hi Anna,\n\nMany thanks!\nNow invoice 88213 is stuck."),
    ("Hej!\nTusen tack!\nNu fastnar faktura 88213.\n\nMvh Per", "Hej!\nTusen tack!\nNu fastnar faktura 88213."),
])
def test_signoff(text: str, kept: str) -> None:
    assert strip_signoff(text) == kept


@pytest.mark.parametrize(("text", "signer", "kept"), [
    # The signer's contact card with no sign-off before it (blind writer z0, session 14): its
    # company is no value; a confidentiality notice below it is signature too.
    ("Hej,\n\nSvar direkt i texten nedan.\n\nAnnika\n\nAnnika Berglund\nRedovisningskonsult\n"
     "Ekonomihuset i Västerås AB\n021-10 20 30", "Annika Berglund", "Hej,\n\nSvar direkt i texten nedan."),
    ("Hi,\nRow 1 needs to be 4010.\n\nSam Okafor\nFinance Assistant\nGreenfield Ltd\n+44 161 555 0199", "Okafor, Sam",
     "Hi,\nRow 1 needs to be 4010."),
    ("Lines are not split any more. Pls fix.\n\nPaul Jensen\nHead of Finance\nNordic Steel A/S\nTel. +45 70 20 30 40\n\n"
     "CONFIDENTIALITY NOTICE: This e-mail is for the sole use of the intended recipient(s). Any unauthorised review "
     "is prohibited.\nPlease consider the environment before printing this e-mail.", "Paul Jensen",
     "Lines are not split any more. Pls fix."),
    # ... but never someone else's: the new user the mail is about (the session's review), an
    # invoice block, a card the text introduces, nor anything without a signer
    ("Hi,\n\nPlease set up the following new user with the Approver role\n\nAnna Berg\nAP Clerk\n"
     "anna.berg@acme.se\n+46 70 123 45 67", "Per Ek", None),
    ("Hi,\n\nPlease recode this invoice.\n\nInvoice INV-4471\nSupplier Telenor AB\nMobile subscriptions March\n"
     "Account 6212 should be 6211", "Per Ek", None),
    ("Hi,\n\nPlease add the new user below.\n\nMaria Lind\nController\nmaria.lind@acme.se\n\nShe also needs to see "
     "the confidential cost centres 540 and 550.", "Maria Lind", None),
    ("Hi,\nPlease add this user:\n\nAnna Berg\nAP Clerk\nanna.berg@acme.se", "Anna Berg", None),
    ("Hi,\nRow 1 is wrong.\n\nSam Okafor\nGreenfield Ltd\nsam@greenfield.example", "", None),
])
def test_a_contact_card_is_the_signers_own(text: str, signer: str, kept: str | None) -> None:
    assert strip_signoff(text, signer) == (text if kept is None else kept)


def test_greeting() -> None:
    assert strip_greeting("Hi Dana,\nthe invoice") == "the invoice"
    assert strip_greeting("Hej! Vi vill") == "Vi vill"
    assert strip_greeting("Hi, the invoice goes") == "the invoice goes"
    assert strip_greeting("Highway invoice") == "Highway invoice"


def talon_replies() -> list[tuple[str, str]]:
    path = CORPUS / "expectations.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["source"] == "talon" and "standard_replies" in item["file"]:
            out.append((item["file"], item["expect"]["reply_text"]))
    return out


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus not present")
@pytest.mark.parametrize(("file", "reply"), talon_replies())
def test_talon_standard_replies(file: str, reply: str) -> None:
    mail = parse((CORPUS / file).read_bytes())
    # talon keeps signatures; we cut them, so compare the first line (the reply itself).
    assert newest(mail.text).split("\n")[0].strip() == reply.split("\n")[0].strip()


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus not present")
@pytest.mark.parametrize(("file", "kept", "gone"), [
    ("email_swedish_1.txt", "Ursäkta mitt sena svar!", "Jag har försökt"),
    ("email_swedish_2.txt", "contract till end of the year", "Project X"),
    ("email_sv_anon_1.txt", "Berättar gärna.", "Kan inte se att det står"),
])
def test_mail_parser_reply_swedish_fixtures(file: str, kept: str, gone: str) -> None:
    text = (CORPUS / "mail-parser-reply" / "test" / "emails" / file).read_text(encoding="utf-8")
    got = newest(text)
    assert kept in got and gone not in got


def test_a_hostile_line_is_no_slow_sign_off() -> None:
    """A line of "--" and thousands of spaces made the sign-off regex backtrack for minutes, in one
    call into C that the CPU budget cannot interrupt."""
    text = "Invoice 1 is wrong.\n--" + " " * 20_000 + "#\nmore"
    start = time.process_time()
    assert strip_signoff(text) == text
    assert time.process_time() - start < 0.5



def test_a_bare_greeting_goes_and_the_request_after_it_stays() -> None:
    """"Hej kan ni ta bort rad 3 pa faktura 66120, ..." is a request after a bare "Hej", not a
    greeting to someone called "kan ni ta bort rad 3 pa faktura 66120"."""
    assert strip_greeting("Hej kan ni ta bort rad 3 pa faktura 66120, den ar dubbel.") == \
        "kan ni ta bort rad 3 pa faktura 66120, den ar dubbel."
    assert strip_greeting("Hi invoice 7730418 is still in verification, supplier is wrong.") == \
        "invoice 7730418 is still in verification, supplier is wrong."
    assert strip_greeting("Hi - need to reset a password") == "need to reset a password"
    assert strip_greeting("Hej Anna-Karin,\nFakturan fastnar.") == "Fakturan fastnar."
    assert strip_greeting("Dear Sir or Madam,\nThe invoice is stuck.") == "The invoice is stuck."


def test_a_name_signed_with_a_slash_ends_the_text_before_a_card_only() -> None:
    """ "/Linda" over her card is a sign-off; "/Eva" in a quoted mail with the reply written under
    it is not (the reply is the customer's text)."""
    assert strip_signoff("samma som sist.\n/Linda\nLinda Sjö\nMälardalens Livs AB") == "samma som sist."
    reply = ("Hej, vi kan inte attestera 118-4420.\n/Eva\n\nUrsäkt, glömde det. Det gäller Ahmed Yusuf och jag själv. "
             "Vi får båda 'Beloppsgräns överskriden' när vi trycker på Attestera.\n\nEva Nordin")
    assert "Ahmed Yusuf" in strip_signoff(reply)
