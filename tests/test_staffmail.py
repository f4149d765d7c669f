"""Staff in the loop by mail, end to end: real `casedesk serve`, real SMTP in, a real SMTP capture out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from core.signing import make_staff_address, verify_staff_address
from conftest import Serve, mail, wait_until
from helpers import Capture, quiet, sign_in, staff_reply

CUSTOMER = "dana@example-foods.com"
STAFF = "staff@support.example.com"
TEAM = "team@example.net"
READY_BODY = "Invoice ID: 41220\nCoding rows: 1, 2\nWhat I want: change project to P-88 on both rows\n"


@pytest.fixture
def desk(make_serve: Callable[..., Serve], capture: Capture) -> Callable[..., Serve]:
    def start(**followup: Any) -> Serve:
        serve = make_serve(outbound={"transport": "smtp", "host": "127.0.0.1", "port": capture.port},
                           followup={"first_request_after": "1s", "reminder_every": "2s", "max_reminders": 2,
                                     "tick": "200ms", **followup},
                           staff={"notify": [TEAM]})
        capture.start()
        return serve

    return start


def send_staff(serve: Serve, to: str, raw: bytes, sender: str = STAFF) -> None:
    serve.send(raw, rcpt=to, sender=sender)


def open_case(serve: Serve) -> str:
    """A customer's coding case with something missing; its ref."""
    serve.send(mail(subject="Coding question", body="The project on my invoice is wrong.", sender=CUSTOMER))
    [ticket] = serve.wait_tickets(1)
    return str(ticket["ref"])


def address_for(serve: Serve, ref: str) -> str:
    return make_staff_address(serve.settings.web.secret, serve.settings.support_address, ref, time.time())


def test_staff_are_told_when_a_case_is_ready(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk()
    serve.send(mail(subject="Coding: cannot change project", body=READY_BODY,
                    sender=f"Dana <{CUSTOMER}>", message_id="<dana-1@example-foods.com>"))
    [notice] = capture.wait(TEAM, 1)
    [ticket] = serve.tickets()
    ref = ticket["ref"]
    assert ticket["status"] == "ready" and ticket["last_staff_reply_at"] is None
    text = notice.text
    assert f"{ref} is ready" in text and "Coding" in text and CUSTOMER in text
    assert "Invoice ID: 41220" in text and "1, 2" in text and "P-88" in text
    assert f"{serve.base_url}/tickets/{ref}" in text
    assert "> Invoice ID: 41220" in text  # the customer's newest text, quoted
    assert notice.mail["Subject"] == f"[{ref}] Coding: cannot change project"
    reply_to = str(notice.mail["Reply-To"])
    assert verify_staff_address(serve.settings.web.secret, reply_to, time.time()) == (ref, "")
    root = f"<casedesk-staff.{ref}@support.example.com>"
    assert notice.mail["In-Reply-To"] == root and root in notice.mail["References"]
    # The customer writes again on the ready case: told again, in the same thread.
    serve.send(mail(subject=f"Re: [{ref}] Coding", body="Also row 3, please.", sender=f"Dana <{CUSTOMER}>",
                    headers={"In-Reply-To": "<dana-1@example-foods.com>"}))
    [_, again] = capture.wait(TEAM, 2)
    assert f"The customer wrote again on {ref}" in again.text and "> Also row 3, please." in again.text
    assert again.mail["In-Reply-To"] == root
    quiet(1)
    assert len(capture.to(TEAM)) == 2  # each event once


def test_a_staff_answer_reaches_the_customer_in_their_thread_and_stops_reminders(
        desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(reminder_every="3s")
    serve.send(mail(subject="Coding question", body="The project on my invoice is wrong.",
                    sender=f"Dana <{CUSTOMER}>", message_id="<dana-2@example-foods.com>"))
    capture.wait(CUSTOMER, 1)  # the automatic request for what is missing
    [ticket] = serve.tickets()
    ref = ticket["ref"]
    body = ("Hi Dana,\n\nwe moved both rows to P-88 for you.\n\nAnna, Support\n\n"
            "On Mon, 5 Oct 2026, casedesk wrote:\n> Reply to this mail to answer the customer\n")
    send_staff(serve, address_for(serve, ref), staff_reply(address_for(serve, ref), body, attachment=b"%PDF-1.4 x"))
    answer = wait_until(lambda: [m for m in capture.to(CUSTOMER) if "we moved both rows" in m.text], 30)[0]
    before = len(capture.to(CUSTOMER))
    assert answer.mail_from == "support@support.example.com"
    assert answer.mail["In-Reply-To"] == "<dana-2@example-foods.com>"
    assert f"[{ref}]" in answer.mail["Subject"] and answer.mail["Auto-Submitted"] is None
    assert "we moved both rows to P-88" in answer.text and "Anna, Support" in answer.text
    assert "Reply to this mail" not in answer.text and "wrote:" not in answer.text
    files = [p for p in answer.mail.iter_attachments()]
    assert [f.get_filename() for f in files] == ["credit-note.pdf"] and files[0].get_content() == b"%PDF-1.4 x"
    # No reminder follows (reminder_every is 3 s; two would be due by now without the answer).
    quiet(7)
    assert len(capture.to(CUSTOMER)) == before
    [listed] = serve.tickets()
    assert listed["last_staff_reply_at"] and listed["last_staff_reply_by"] == STAFF
    shown = serve.show(ref)
    [relayed] = [m for m in shown["messages"] if m["direction"] == "outbound"]
    assert relayed["staff"] == STAFF and relayed["to"] == [CUSTOMER]
    assert relayed["message_id"] == answer.mail["Message-ID"].strip("<>")
    assert relayed["attachments"][0]["filename"] == "credit-note.pdf"
    # The customer writes again: the answer's thread holds, staff are told, the reminders resume.
    serve.send(mail(subject=f"Re: {answer.mail['Subject']}", body="Thanks, but row 2 is still wrong.",
                    sender=f"Dana <{CUSTOMER}>", headers={"In-Reply-To": answer.mail["Message-ID"]}))
    [told] = capture.wait(TEAM, 1)
    assert f"The customer wrote again on {ref}" in told.text
    assert len(serve.tickets()) == 1
    capture.wait(CUSTOMER, before + 1)


def test_a_mail_that_is_no_case_is_held_for_staff_and_never_asked_about(
        desk: Callable[..., Serve], capture: Capture) -> None:
    """A price question is no support case: nobody asks its sender for a case type; staff are
    told, and may answer it (or give it a type). A later mail of the customer's that is a case
    makes it one, and the checklist is asked for as usual."""
    serve = desk()
    serve.send(mail(subject="Licences", body="Hi, what would it cost to add five more user licences to our "
                                             "subscription?\n\nDana", sender=f"Dana <{CUSTOMER}>",
                    message_id="<dana-price@example-foods.com>"))
    [notice] = capture.wait(TEAM, 1)
    [ticket] = serve.tickets()
    ref = ticket["ref"]
    assert ticket["status"] == "held" and ticket["held_reason"] == "not a support case: a question about price or licences"
    assert f"{ref} was read as no support case (a question about price or licences)" in notice.text
    assert "> Hi, what would it cost" in notice.text
    quiet(3)  # first_request_after is 1 s: a request for the case type would have gone by now
    assert capture.to(CUSTOMER) == []
    # The notice is the staff's: never on the case the customer reads.
    assert [m["direction"] for m in serve.show(ref)["messages"]] == ["in"]
    # Staff answer it: the answer is relayed, as on any case.
    send_staff(serve, address_for(serve, ref), staff_reply(address_for(serve, ref), "Hi Dana, our sales team will call you."))
    [answer] = capture.wait(CUSTOMER, 1)
    assert "our sales team will call you" in answer.text and answer.mail["In-Reply-To"] == "<dana-price@example-foods.com>"
    # The customer then writes about a real case in the same thread: it is a case now, and what it
    # misses is asked for as on any case.
    serve.send(mail(subject=f"Re: [{ref}] Licences", body="Thanks. Also: I cannot change the project on the coding of "
                                                          "invoice 41220.", sender=f"Dana <{CUSTOMER}>",
                    headers={"In-Reply-To": answer.mail["Message-ID"]}))
    [_, request] = capture.wait(CUSTOMER, 2)
    assert "coding row" in request.text.lower()
    [ticket] = serve.tickets()
    assert ticket["case_type"] == "coding" and ticket["status"] == "awaiting_customer" and ticket["held_reason"] is None


def test_a_note_is_not_relayed_and_close_closes(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(first_request_after="1h")
    ref = open_case(serve)
    to = address_for(serve, ref)
    send_staff(serve, to, staff_reply(to, "#note called Dana, she sends the invoice id\nsecret: internal only"))
    wait_until(lambda: [m for m in serve.show_now(ref)["messages"] if m["direction"] == "note"])
    [note] = [m for m in serve.show(ref)["messages"] if m["direction"] == "note"]
    assert note["staff"] == STAFF and "called Dana" in note["body"] and "internal only" in note["body"]
    # Staff see the note on the web; the customer never does (page and JSON), nor its number's files.
    staff = sign_in(serve, STAFF)
    assert "internal only" in staff.get(f"/tickets/{ref}").text
    # Bodies are indexed when filing is idle (store/search.py): found a moment after filing.
    wait_until(lambda: [t["ref"] for t in staff.get("/api/tickets", params={"q": "invoice wrong"}).json()] == [ref])
    assert ref in staff.get("/tickets", params={"q": "invoice"}).text
    customer = sign_in(serve, CUSTOMER)
    assert "internal only" not in customer.get(f"/tickets/{ref}").text
    assert [m["direction"] for m in customer.get(f"/api/tickets/{ref}").json()["messages"]] == ["in"]
    assert customer.get(f"/tickets/{ref}/messages/2/attachments/0").status_code == 404
    assert [t["ref"] for t in customer.get("/api/tickets", params={"q": "nothing-matches"}).json()] == [ref]
    send_staff(serve, to, staff_reply(to, "#close\n"))
    wait_until(lambda: serve.tickets_now()[0]["status"] == "closed")
    quiet(1.5)
    assert capture.to(CUSTOMER) == []
    assert capture.to(STAFF) == []  # nothing refused


def test_a_forged_signature_is_held_and_never_relayed(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(first_request_after="1h")
    ref = open_case(serve)
    real = address_for(serve, ref)
    forged = real.replace(".s.", ".s.").rsplit("@", 1)[0][:-4] + "beef@support.example.com"
    other = make_staff_address("another-secret", serve.settings.support_address, ref, time.time())
    for to in (forged, other):
        send_staff(serve, to, staff_reply(to, "Please pay the invoice to IBAN XX00 0000."))
    # A valid address, but not from staff.
    send_staff(serve, real, staff_reply(real, "Send me the money.", sender="Mallory <mallory@example.org>"),
               sender="mallory@example.org")
    wait_until(lambda: len(serve.tickets_now()) == 4 and serve.tickets_now("held"))
    held = [t for t in serve.tickets() if t["status"] == "held"]
    assert len(held) == 3 and {t["customer"] for t in held} == {STAFF, "mallory@example.org"}
    assert serve.show(ref)["messages"][-1]["direction"] == "in"  # the case itself is untouched
    log = wait_until(lambda: (text := serve.log.read_text()).count("never relayed") >= 3 and text)
    assert "signature does not verify" in log and "is not in [web] staff" in log
    quiet(1.5)
    assert capture.to(CUSTOMER) == []


def test_an_unknown_command_is_told_once_and_nothing_is_done(desk: Callable[..., Serve], capture: Capture) -> None:
    serve = desk(first_request_after="1h")
    ref = open_case(serve)
    to = address_for(serve, ref)
    raw = staff_reply(to, "#clsoe\nDear Dana, all done.")
    send_staff(serve, to, raw)
    send_staff(serve, to, raw)  # the same mail again (a retry): still told once
    [told] = capture.wait(STAFF, 1)
    assert "unknown command '#clsoe'" in told.text and ref in told.mail["Subject"]
    quiet(1.5)
    assert len(capture.to(STAFF)) == 1 and capture.to(CUSTOMER) == []
    assert serve.tickets()[0]["status"] == "awaiting_customer"
    # On a closed case a command other than #reopen is refused; #reopen first works.
    send_staff(serve, to, staff_reply(to, "#close"))
    wait_until(lambda: serve.tickets_now()[0]["status"] == "closed")
    send_staff(serve, to, staff_reply(to, "#type coding"))
    capture.wait(STAFF, 2)
    assert "is closed" in capture.to(STAFF)[1].text and serve.tickets()[0]["status"] == "closed"
    send_staff(serve, to, staff_reply(to, "#reopen\n#type administration"))
    wait_until(lambda: serve.tickets_now()[0]["status"] != "closed")
    assert serve.tickets()[0]["case_type"] == "administration"


# -- the pure parts, in-process ------------------------------------------------------------------

def test_commands_are_the_top_lines_and_a_note_keeps_the_whole_reply_internal() -> None:
    from ingest.staffmail import read_reply

    reply = read_reply(["", "#close", "#TYPE coding", "", "Dear Dana,", "#not a command here", "done."])
    assert [(c.name, c.argument) for c in reply.commands] == [("close", ""), ("type", "coding")]
    assert reply.text == "Dear Dana,\n#not a command here\ndone." and reply.note is None
    note = read_reply(["#note called her", "She will send the invoice id.", "", "Anna"])
    assert note.text == "" and note.note == "called her\n\nShe will send the invoice id.\n\nAnna"
    assert read_reply(["#close"]).text == "" and read_reply([]).commands == ()
    many = read_reply(["#close"] * 500 + ["text"])
    assert len(many.commands) == 20  # bounded: the rest is not read as commands


def test_problems_refuse_the_whole_reply() -> None:
    from core.settings import load
    from ingest.staffmail import problems, read_reply
    from store.models import CLOSED, Ticket

    types = load(None).case_types
    case = Ticket(ref="CASE-1001", status="ready")
    assert problems(read_reply(["#close", "thanks"]), case, types) == []
    assert "unknown command '#clsoe'" in problems(read_reply(["#clsoe", "text"]), case, types)[0]
    assert "unknown case type 'nonsense'" in problems(read_reply(["#type nonsense"]), case, types)[0]
    assert problems(read_reply([]), case, types) == ["the reply has no text and no command"]
    case.status = CLOSED
    assert "is closed" in problems(read_reply(["Hello again"]), case, types)[0]
    assert problems(read_reply(["#reopen", "Hello again"]), case, types) == []


def test_staff_addresses_are_signed_per_case_and_expire() -> None:
    from core.signing import STAFF_ADDRESS_TTL_DAYS, is_staff_address

    now = time.time()
    address = make_staff_address("s3cret", "support@support.example.com", "case-1001", now)
    assert address.startswith("support+CASE-1001.s.") and address.endswith("@support.example.com")
    assert len(address.partition("@")[0]) <= 64  # RFC 5321's local-part limit
    assert verify_staff_address("s3cret", address, now) == ("CASE-1001", "")
    assert verify_staff_address("s3cret", address.upper(), now) == ("CASE-1001", "")  # MTAs may change case
    assert verify_staff_address("other", address, now)[1] == "signature does not verify"
    moved = address.replace("CASE-1001", "CASE-1002")
    assert verify_staff_address("s3cret", moved, now) == ("CASE-1002", "signature does not verify")
    later = now + (STAFF_ADDRESS_TTL_DAYS + 2) * 86400
    assert "expired" in verify_staff_address("s3cret", address, later)[1]
    assert verify_staff_address("s3cret", "support+CASE-1001@support.example.com", now) == (None, "not a staff address")
    assert is_staff_address(address) and not is_staff_address("support@support.example.com")
