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
SUBJECTS = __import__("core.settings", fromlist=["AutomaticSettings"]).AutomaticSettings().subjects


@pytest.mark.parametrize(("subject", "body"), [
    ("Out of Office: Coding problem", "I am away until Monday."),
    ("Automatic reply: [CASE-1001] Coding problem", "Thanks for your mail."),
    ("Autosvar: [CASE-1001] Kontering", "Jag är ledig."),
    ("SV: Frånvaromeddelande", "Jag är på semester."),
    ("Automatiskt svar: Fakturan", "Hej"),
    ("Re: [CASE-1001] Coding problem", "Out of office\n\nI am away until Monday."),
    ("Fakturan", "Frånvaromeddelande: jag är tillbaka den 3 augusti."),
    ("Re: [Case 50112] Fakturan fastnar i kön", "Autosvar / Automaattinen vastaus\n\nJag är borta 15.7–2.8."),
    ("Re: [Case #4410] Invoice 1140-562 stuck", "Thank you for your email.\n\nPlease note that this mailbox is no "
     "longer monitored. Please resend your message to ap@example.com."),
    # (blind writer yl: "currently", "returning on")
    ("Re: [Case #4620] Invoice stuck in queue", "Thank you for your email.\n\nI am currently out of the office with "
     "limited access to email, returning on Monday 16 June."),
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
# --- auto-replies marked only in words (issue 14) -------------------------------------------------

@pytest.mark.parametrize(("subject", "body"), [
    ("Frånvaromeddelande: Fel i tolkningen", "Hej, jag är borta."),
    ("Franvaro: Kontering", "Hej"), ("Autosvar: [CASE-1] Kontering", "x"), ("Automatiskt svar: Faktura", "x"),
    ("Out of Office: Invoice 88213", "x"), ("Automatic reply: [CASE-7] Coding", "x"),
    ("SV: [CASE-1083] Tolkning", "Automatiskt svar: Jag är tjänstledig och åter den 6 april 2026.\n\nRing växeln."),
    ("SV: [CASE-1187] Visma", "Jag är på semester till och med 4 augusti och läser inte mejl.\n/Johan"),
    ("Re: [CASE-9] Approval", "Hi,\nI am out of the office until Monday 12 October with no access to e-mail."),
    ("Re: x", "This mailbox is not monitored. Please write to ap@example.com."),
    ("SV: x", "Jag ar pa semester till och med v. 32."),
    ("RE: Your case has been updated", "This is an automatic reply.\n\nI'm travelling until 23 May."),
    ("SV: Ärende", "Detta är ett automatiskt meddelande. Jag är tillbaka måndag."),
    ("Re: Your support case 30117", "This is an automatically generated response. Please do not reply."),
    ("SV: Ärende 4410", "Detta är ett automatiskt genererat svar. Vi återkommer inom tre dagar."),
    ("Re: x", "Hello,\nI'm on a business trip until Friday 3 June and will reply when I'm back."),
    # blind writer z3 (session 14): "läser inte" was matched as "lasar inte", which no one writes
    ("Re: [Case #8120] Konteringsfråga", "Hej,\n\nJag är på semester vecka 28–31 och läser inte min e-post. Ditt mejl "
     "kommer inte att vidarebefordras.\nVid brådskande frågor ring växeln 031-70 80 900.\n\nHälsningar\nUlf"),
    # a blind writer of automatic mails only (session 15): plain read receipts, a leaver's notice
    # and sick leave, each marked in words alone
    ("Läst: [Case #5510] Fakturor hamnar inte i Verifiering", "Ditt meddelande\n\n  Till: Eriksson Anders\n\nlästes den 3 sep."),
    ("Read: [Case #4690] Invoice stuck", "Your message\n\n  To: Okafor, Daniel\n\nwas read on Tuesday, 8 July 2025."),
    ("Re: [Case #5077] Transferred", "Thank you for your email.\n\nPlease note that I no longer work for Harbour "
     "Logistics Ltd and this mailbox is not monitored."),
    ("Re: [Case #5640] Invoice", "Thank you for your email. I am currently off sick and will not be checking my emails."),
    ("SV: [Case #5641] Faktura", "Tack för ditt mejl. Jag är sjukskriven och läser inte e-post."),
    ("SV: [Case #5642] Faktura", "Hej,\nJag har slutat på Hallbergs Bygg AB. Kontakta ekonomi@hallbergs.se."),
    # blind writer yv (session 21): "Jag har semester" rather than "Jag är på semester"
    ("SV: [Case #4677] Ny attestant", "Hej!\n\nJag har semester till och med 11 augusti och läser inte min e-post. "
     "Ditt meddelande vidarebefordras inte."),
    # session 25: annual, maternity or study leave, off sick, on a course
    ("Re: [Case #5643] Invoice", "Hi, I'm currently on annual leave returning 12 August. Your email will not be forwarded."),
    ("Re: [Case #5644] Invoice", "I'm off sick until Thursday with limited access to email."),
    ("SV: [Case #5645] Faktura", "Hej, jag är på kurs till och med onsdag och läser inte mejl."),
    # session 26 (writer wh): "Tack för ditt mejl. Jag har semester till och med ..."
    ("SV: [Case #4549] Ny attestant", "Hej!\n\nTack för ditt mejl. Jag har semester till och med måndag 22 september och "
     "har inte tillgång till e-post.\n\nÄrenden som gäller leverantörsfakturor skickas till ekonomi@hallandstra.se."),
])
def test_auto_replies_marked_only_in_words_are_automatic(subject: str, body: str) -> None:
    found = automatic_reason(parse(mail(subject=subject, body=body)), "ann@example.com", OURS)
    assert found is not None and found.startswith("auto-reply")


@pytest.mark.parametrize(("subject", "body"), [
    ("Fråga", "Jag ska vara på semester v. 28–31 och vill lägga in Ulrika Falk som ersättare."),
    ("Semesterersättning konteras fel", "Hej, raden med semesterersättning får fel konto."),
    ("Invoice stuck", "Hi, our approver is out of office until Monday, can someone else approve invoice 88213?"),
    ("Re: [CASE-3] Coding", "Thanks for the automatic reply, but the invoice ID is 88213."),
    ("Approvals while on leave", "Martin is on parental leave; can invoice 99-3021 go to Lucy Adams?"),
    ("Frånvarande attestant", "Vår attestant är sjukskriven, kan fakturan gå till Eva?"),
    ("Approval mails", "Hi,\nthe approval request for invoice 88213 arrives as an automatic message we ignore."),
    # the end of an absence line is a word of its own ("still", "later" are none), and a customer
    # describing an automatic message they got is writing one of their own
    ("App", "Hi,\nI'm travelling and still cannot approve invoice 4410 in the app."),
    ("Error", "Hello,\nI'm on a business trip and the approval page shows an error later in the flow."),
    ("Export", "Hi,\nThis is an automated e-mail from your system that we get every night: invoice 88213 could not be exported. Why?"),
    ("Export", "Hej!\nDet här är ett automatiskt meddelande som vi får varje natt från er: faktura 88213 fastnar."),
    ("Last invoice read wrong", "Hi, the last invoice from Acme was read wrong."),
    ("Leaver", "Hi,\nPer no longer works for us; I work for the finance team and need his approvals moved."),
    ("Attest", "Hej, jag har semester nästa vecka, kan Lena attestera faktura 4410 till dess?"),
    # the session's review: "Jag har ..." with a request or a case after it is a person's mail
    ("Attest", "Hej, jag har semester till och med fredag men Anna Berg kan inte attestera faktura 4410, kan ni "
               "hjälpa henne?"),
    ("Ersättare", "Hej!\nJag har föräldraledigt från måndag till och med 30 september. Kan ni lägga in Per Ek som "
                  "ersättare för mig under tiden?"),
    ("Faktura 4410", "Jag har semester från och med måndag till och med 16 augusti, och faktura 4410 måste attesteras "
                     "innan dess men jag får felet \"Attestgräns överskriden\"."),
    ("Approvals", "Hi, I'm on annual leave from Monday until the 20th, can Lucy approve invoice 4410 till then?"),
    ("Approvals", "Hi, I'm on maternity leave until March so please set up Tom Reid as approver for cost centre 200."),
    ("Invoice", "I'm off sick until Thursday but invoice 4410 must be approved, Anna gets 'No approver found'."),
    ("Attest", "Hej, jag är på kurs till och med onsdag, kan Lena attestera faktura 4410 under tiden?"),
])
def test_a_person_mentioning_absence_is_not_automatic(subject: str, body: str) -> None:
    assert automatic_reason(parse(mail(subject=subject, body=body)), "ann@example.com", OURS) is None


@pytest.mark.parametrize("body", [
    "Jag har slutat få mejl när fakturor väntar på min attest.",
    "I don't work with approvals usually but our AP clerk is off.",
    "Jag arbetar inte längre med attest men fick den här fakturan ändå.",
])
def test_a_person_who_no_longer_does_something_is_no_auto_reply(body: str) -> None:
    """The session's review: the leavers' notice words ("I no longer work for", "Jag har slutat på")
    held customers who only stopped doing something."""
    assert automatic_reason(parse(mail(subject="Re: [Case #12] Attest", body=body)), "ann@example.com", OURS) is None


@pytest.mark.parametrize("body", [
    "Hi,\nI'm currently on parental leave until August, so please remove me as approver for Kestrel Ltd.",
    "Hej!\nJag är just nu föräldraledig till och med augusti, så kan ni ta bort mig som attestant i Solvik Nät AB?",
    "Hi,\nI am currently travelling with limited access to my laptop, but I can't approve invoice 7781203.",
])
def test_a_person_who_says_they_are_away_and_asks_is_no_auto_reply(body: str) -> None:
    """The session's review: a request opening with the writer's leave is a person's mail."""
    assert automatic_reason(parse(mail(subject="hello", body=body)), "ann@example.com", OURS, SUBJECTS) is None
