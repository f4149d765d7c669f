"""The reading model: a body split into blocks, HTML read in one pass, words compared leniently."""

from __future__ import annotations

import time

import pytest

from ingest.blocks import split_blocks
from ingest.htmltext import html_text
from ingest.vocabulary import fold, near_label, one_typo

OURS = ("support.example.com",)

FORWARD_SV = """Hej, se nedan från min kollega.

Mvh
Anna Berg
070-1234567

---------- Vidarebefordrat meddelande ---------
Från: Bo Ek <bo@kund.se>
Datum: mån 3 nov. 2026 kl 10:12
Ämne: Faktura 4471-22
Till: Anna Berg <anna@kund.se>

Hej Anna, fakturan 4471-22 har fastnat i kön, kolumnen Overford ar tom.

Hälsningar
Bo
"""


def test_a_forwarded_mail_is_content_and_signatures_are_not() -> None:
    blocks = split_blocks(FORWARD_SV, OURS)
    assert blocks.new == "Hej, se nedan från min kollega."
    assert blocks.forwarded == ("Hej Anna, fakturan 4471-22 har fastnat i kön, kolumnen Overford ar tom.",)
    assert "070-1234567" in blocks.signature and "070-1234567" not in blocks.content
    assert "Hälsningar" not in blocks.content


def test_our_quoted_mail_is_history_but_inline_answers_count() -> None:
    text = ("Here you go.\n\nOn Mon, 5 Oct 2026, Support <support@support.example.com> wrote:\n"
            "> Please send the invoice ID and the coding rows.\nIt is 4471-22\n> Coding rows?\n"
            "rows 2 and 4\n>\n> Best regards, Support\n")
    blocks = split_blocks(text, OURS)
    assert blocks.answers == "It is 4471-22\nrows 2 and 4"
    assert blocks.forwarded == ()
    assert "Please send" in blocks.quoted and "Please send" not in blocks.content


def test_marked_answers_in_an_outlook_quote_are_content_our_lines_are_not() -> None:
    """">> Ab Skärgårdsfrakt Oy" under our question in an Outlook quote is the customer's mark
    (read as a form answer, and as content: the rest of the line is the customer's words too); our
    questions and sign-off between the marks are not content."""
    text = ("Hej, svar nedan!\n\nFrån: Support <support@support.example.com>\nSkickat: den 9 september 2025\n"
            "Ämne: Ärende 52210\n\nHej,\n\nVilket bolag gäller det?\n>> Ab Skärgårdsfrakt Oy\n\n"
            "Vilken användare gäller det och vad ska ändras?\n>> Mikaela Lindroos\n\nMed vänlig hälsning\nSupport\n")
    blocks = split_blocks(text, OURS)
    assert blocks.answers == "Ab Skärgårdsfrakt Oy\nMikaela Lindroos"
    assert "Vilken" not in blocks.content and "Support" not in blocks.content


def test_a_colleagues_mail_below_counts_our_older_mail_below_it_does_not() -> None:
    text = ("FYI\n\nFrom: Karl <karl@x.se>\nSent: Monday\nTo: Anna\nSubject: invoice\n\n"
            "Invoice 8812731 went to Eva but should go to Per.\n\n-----Original Message-----\n"
            "From: Support [mailto:support@vendor.com]\nSent: Friday\nSubject: [CASE-1002] Coding\n\n"
            "Please tell us the invoice ID 99999.\n")
    blocks = split_blocks(text, OURS)
    assert blocks.forwarded == ("Invoice 8812731 went to Eva but should go to Per.",)
    assert "99999" not in blocks.content and "99999" in blocks.quoted


def test_the_customers_own_earlier_mail_to_us_is_history_kept_apart_for_recall() -> None:
    """Below our reply, the customer's first mail to us (our address in its To, not its From):
    not content (the case has its facts), but kept as `earlier`, without its signature."""
    text = ("Ärendetyp: Kontering\n\n/Lena\n\nFrån: Support <support@support.example.com>\nSkickat: den 6 mars\n"
            "Till: Lena Sund <lena@kund.se>\nÄmne: [Case #4633] Attest\n\nTack, vi har registrerat ärendet.\n\n"
            "Från: Lena Sund\nSkickat: den 6 mars\nTill: Support <support@support.example.com>\nÄmne: Attest\n\n"
            "Faktura-ID 412290. Rad 1 ska delas 50/50.\n\nMvh\nLena Sund\n031-555 40 90\n")
    blocks = split_blocks(text, OURS)
    assert (blocks.earlier, blocks.earlier_authors) == (("Faktura-ID 412290. Rad 1 ska delas 50/50.",), ("Lena Sund",))
    assert "412290" not in blocks.content and blocks.forwarded == ()
    assert split_blocks(FORWARD_SV, OURS).earlier == ()  # a colleague's mail to a colleague is content


def test_our_form_quoted_in_outlook_style_is_ours_even_from_another_domain() -> None:
    text = ("See below\n\nFrom: Help <help@vendor.example>\nSent: Monday\nTo: Per\nSubject: x\n\n"
            "Invoice ID: ____\nCoding row(s): ____\n")
    assert split_blocks(text, OURS).forwarded == ()


def test_word_cell_paragraphs_become_rows() -> None:
    html = ("<div class=WordSection1><p class=MsoNormal>Hej,<o:p></o:p></p><table class=MsoTableGrid>"
            "<tr><td valign=top><p class=MsoNormal>Rad<o:p></o:p></p></td><td><p class=MsoNormal>Konto</p></td></tr>"
            "<tr><td><p class=MsoNormal>1</p></td><td><p class=MsoNormal><span>5410</span></p></td></tr>"
            "</table><p>Mvh<br>Anna</p><script>alert(1)</script><!-- c --></div>")
    assert html_text(html) == "Hej,\n\nRad\tKonto\n1\t5410\n\nMvh\nAnna"


def test_a_layout_table_stays_lines() -> None:
    long = " ".join(["word"] * 60)
    html = f"<table><tr><td><p>First paragraph {long}</p><p>Second</p></td></tr></table>"
    assert html_text(html).split("\n")[-1] == "Second"


def test_entities_and_nbsp() -> None:
    assert html_text("<p>A&nbsp;&amp;&nbsp;B &lt;x&gt;</p>") == "A & B <x>"


@pytest.mark.parametrize("blob", ["<a" * 50_000, "<!" * 50_000, '<a "' * 30_000, "<table>" * 30_000,
                                  "<td>x" * 30_000, "<div>" * 30_000, "<!--" + "x" * 100_000])
def test_hostile_html_is_read_in_linear_time(blob: str) -> None:
    start = time.perf_counter()
    html_text(blob)
    assert time.perf_counter() - start < 2.0  # ~0.1 s here; quadratic would take minutes


def test_fold_keeps_length_and_positions() -> None:
    assert fold("Överförd står som Nej, kön") == "Overford star som Nej, kon"
    assert len(fold("åäöÅÄÖé")) == 7


@pytest.mark.parametrize(("word", "known", "ok"), [
    ("fakturanumer", "fakturanummer", True), ("invocie", "invoice", True), ("invoicee", "invoice", True),
    ("invioce", "invoice", True), ("invoice", "invoice", True), ("rad", "rid", False),
    ("invxxce", "invoice", False), ("felmedelande", "felmeddelande", True),
])
def test_one_typo(word: str, known: str, ok: bool) -> None:
    assert one_typo(word, known) is ok


def test_near_label() -> None:
    assert near_label("Invocie ID", ("invoice id", "coding rows")) == "invoice id"
    assert near_label("Överford", ("överförd",)) == "överförd"
    assert near_label("Invoice", ("invoice id",)) is None


def test_an_outlook_forward_whose_header_lines_were_paragraphs_is_a_forwarded_mail() -> None:
    """From blind writer yr: an HTML mail's "From:" and "Sent:" paragraphs come out with blank lines
    between them; the colleague's mail below is still content, and the forwarder's signature is not."""
    text = ("Hi,\n\nSee below from Hannah.\n\nThanks\n\nOliver\n\nOliver Grant | Purchase Ledger Manager\n\n"
            "From: Hannah Price <hannah.price@northgate-fm.co.uk>\n\nSent: 12 November 2024 09:14\n\n"
            "To: Oliver Grant <oliver.grant@northgate-fm.co.uk>\n\nSubject: wrong bank details\n\n"
            "Hi Oliver,\n\nThe capture is picking up the old bank details. Invoice ID 4471-22.\n\nHannah\n")
    blocks = split_blocks(text, OURS)
    assert "4471-22" in blocks.content and "Purchase Ledger Manager" not in blocks.content


def test_a_pasted_header_of_the_customers_own_is_no_forwarded_mail() -> None:
    """The session's review: "From: Crestline Ltd" and "Date: ..." pasted with blank lines between
    them (an invoice's header, a period) go on with no "To:"/"Subject:": the customer's own text."""
    text = ("The invoice header reads:\n\nFrom: Crestline Ltd\n\nDate: 14/03/2024\n\nInvoice no: 55123\n\n"
            "The OCR reads the date as 03/14/2024.")
    assert "Invoice no: 55123" in split_blocks(text, OURS).new


def test_a_mail_forwarded_from_a_finnish_outlook_is_content() -> None:
    """Found by blind writer xl: a Finland-Swedish customer forwards with Finnish Outlook headers
    ("Lähettäjä:", "Lähetetty:", "Vastaanottaja:", "Aihe:"); the colleague's mail below is the case."""
    text = ("Hej,\n\nvidarebefordrar från Stefan. Kan ni kolla varför den gick fel?\n\nMvh Johanna\n\n"
            "Lähettäjä: Stefan Grönroos <stefan.gronroos@kvarnbacken.fi>\nLähetetty: tiistai 1. lokakuuta 2024 14.22\n"
            "Vastaanottaja: Johanna Nyberg <johanna.nyberg@kvarnbacken.fi>\nAihe: Faktura till fel godkännare\n\n"
            "Hej Johanna,\n\nfaktura 2024-5519 borde ha gått till Mikael Virtanen men den gick till Sari Heikkinen.\n\n"
            "Stefan\n")
    blocks = split_blocks(text)
    assert "2024-5519" in blocks.content and "Lähettäjä" not in blocks.content


def test_marked_answers_count_only_under_our_questions() -> None:
    """A '>' line under our question in an Outlook quote is the customer's answer, and so is the next
    '>' line; a writer who quotes our form lines with '>' and answers on the line below marks
    questions, not answers; "> Ursprungligt ärende:" and the lines it heads are ours."""
    header = "Från: Support <support@support.example.com>\nSkickat: den 3 juni 2024\nÄmne: [Case #5120] x\n\n"
    text = ("Hi, see my answers below marked >>.\n\n" + header + "Hi,\n\nIs the invoice in the financial system?\n"
            ">> Yes, it's in Business Central - voucher series C, number 8812\n>> posted on 3 Nov\n\n"
            "If so, what are the numbers?\n>> See above.\n\nKind regards,\nSupport\n")
    assert split_blocks(text, OURS).answers == ("Yes, it's in Business Central - voucher series C, number 8812\n"
                                               "posted on 3 Nov\nSee above.")
    text = ("Hej, svar nedan!\n\n" + header + "Hej,\n\nFör att kunna hjälpa dig behöver vi:\n\n"
            "> Fakturanummer (om fakturan ligger kvar i Verifiering)\nDet är 60233.\n\n> Beskriv problemet\n"
            "OCR-numret läses fel.\n\n> Ursprungligt ärende:\n> Vi behöver ge en ny medarbetare behörighet.\n")
    assert split_blocks(text, OURS).answers == ""


def test_a_closing_notice_is_signature_below_a_card_of_one_line_paragraphs() -> None:
    """Outlook writes a contact card one paragraph a line, so no card is found above the notice;
    the notice ("... please notify the sender and delete it") is signature all the same, never a
    request (session 24's writer wa). A mail that is only a notice keeps its text."""
    text = ("Hi,\n\nSomething's not right with the roles for Sophie Grant.\n\nCan you have a look?\n\nRachel\n\n"
            "Rachel Moss\n\nAccounts Payable Officer\n\nTel 01632 960 771\n\nThis e-mail and any attachments are "
            "confidential and intended solely for the addressee. If you have received it in error, please notify the "
            "sender immediately and delete it.\n")
    blocks = split_blocks(text, OURS, sender="Rachel Moss")
    assert "notify the sender" not in blocks.content and "notify the sender" in blocks.signature
    # (its opening read as written: "Det här meddelandet" is "Det har" only once folded)
    swedish = ("Hej,\n\nKan ni kolla?\n\nSofia Berg\n\nDet här meddelandet är konfidentiellt och endast avsett för "
               "adressaten. Om du har fått det av misstag, radera det.\n")
    assert "misstag" in split_blocks(swedish, OURS, sender="Sofia Berg").signature
    only = "This e-mail is confidential and intended for the addressee only."
    assert split_blocks(only, OURS).content.strip() == only


def test_a_marked_answer_under_our_forms_blank_line_is_content() -> None:
    """Our request asks with "Label: ____" and a hint in brackets below it (templates/mail); a '>>'
    answer there holds more than the field asked: "It says Yes ..., and it is in Business Central -
    voucher series C, number 8812" (the session's SMTP trial)."""
    text = ("Hi, see my answer below marked >>.\n\nFrom: Support <support@support.example.com>\nSent: 03 December 2026\n"
            "Subject: [CASE-1001] Invoice not paid\n\nHello,\n\nPlease reply to this mail and fill in the lines:\n\n"
            "What the Transferred column shows: ____\n  (what the Transferred column shows for the invoice)\n"
            ">> It says Yes, and it is in Business Central - voucher series C, number 8812\n\nKind regards,\nSupport\n")
    assert split_blocks(text, OURS).answers == "It says Yes, and it is in Business Central - voucher series C, number 8812"
