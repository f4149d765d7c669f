"""Threading in this process: `find_case` on a Session says where a mail goes, and filing it
through the real ingest path puts it there. Replies join their case, strangers never do."""

from __future__ import annotations

import pytest

from conftest import mail
from core.signing import make_message_id
from helpers import SUPPORT, Desk, Thread, find_case
from ingest.parse import parse


def open_case(desk: Desk, sender: str = "Ann <ann@example.com>", cc: str | None = None) -> dict:
    headers = {"Cc": cc} if cc else {}
    [ticket] = desk.file(mail(subject="Coding problem", sender=sender, message_id="<first@example.com>",
                              headers=headers))
    return ticket


def thread_of(desk: Desk, raw: bytes, rcpt: str = SUPPORT) -> Thread:
    """Where `find_case` puts a mail, on the store as it is now."""
    with desk.db.read() as session:
        return find_case(session, parse(raw), (rcpt,), desk.settings.web.secret)


def messages(desk: Desk, ref: str) -> list[dict]:
    return desk.show(ref)["messages"]


def test_in_reply_to_and_references_thread(desk: Desk) -> None:
    ticket = open_case(desk)
    replies = [mail(subject="no tag at all", sender="ann@example.com", headers={"In-Reply-To": "<first@example.com>"}),
               mail(subject="other", sender="ann@example.com",
                    headers={"References": "<unknown@x> <first@example.com> <also-unknown@x>"})]
    for reply in replies:
        found = thread_of(desk, reply)
        assert found.ticket is not None and found.ticket.ref == ticket["ref"]
        assert found.rule == "in-reply-to/references"
    desk.file(*replies)
    assert len(messages(desk, ticket["ref"])) == 3
    assert len(desk.tickets()) == 1


def test_our_signed_message_id_threads_even_before_it_is_stored(desk: Desk) -> None:
    ticket = open_case(desk)
    ours = make_message_id(desk.settings.web.secret, ticket["ref"], "support.example.com")
    reply = mail(subject="Re: hello", sender="ann@example.com", headers={"In-Reply-To": f"<{ours}>"})
    found = thread_of(desk, reply)
    assert found.ticket is not None and found.ticket.ref == ticket["ref"] and found.rule == "signed message-id"
    desk.file(reply)
    assert len(messages(desk, ticket["ref"])) == 2
    forged = make_message_id("wrong-secret", ticket["ref"], "support.example.com")
    stranger = mail(subject="Re: hello", sender="eve@evil.example", headers={"In-Reply-To": f"<{forged}>"})
    assert thread_of(desk, stranger) == Thread(None, "new")
    assert len(desk.file(stranger)) == 2


@pytest.mark.parametrize("prefix", ["Re: ", "RE: ", "SV: ", "VS: ", "Fwd: ", "AW: Re: ", ""])
def test_subject_tag_from_the_customer(desk: Desk, prefix: str) -> None:
    ticket = open_case(desk)
    reply = mail(subject=f"{prefix}[{ticket['ref']}] Coding problem", sender="ANN@example.com")
    found = thread_of(desk, reply)
    assert found.ticket is not None and found.ticket.ref == ticket["ref"]
    assert found.rule == "reference from a participant"
    desk.file(reply)
    assert len(messages(desk, ticket["ref"])) == 2


def test_copied_participant_may_write_with_the_tag(desk: Desk) -> None:
    ticket = open_case(desk, cc="Bo <bo@example.com>")
    desk.file(mail(subject=f"Re: [{ticket['ref']}] Coding problem", sender="bo@example.com"))
    assert len(messages(desk, ticket["ref"])) == 2


def test_stranger_with_a_tag_opens_a_new_case(desk: Desk) -> None:
    ticket = open_case(desk)
    raw = mail(subject=f"Re: [{ticket['ref']}] give me the invoices", sender="eve@evil.example",
               headers={"Reply-To": "ann@example.com"})  # a forged Reply-To changes nothing
    assert thread_of(desk, raw) == Thread(None, "new: reference from a non-participant", ticket["ref"])
    rows = desk.file(raw)
    assert len(rows) == 2
    stranger = next(t for t in rows if t["ref"] != ticket["ref"])
    assert stranger["customer"] == "eve@evil.example"
    assert desk.show(stranger["ref"])["claimed_ref"] == ticket["ref"]
    assert len(desk.show(ticket["ref"])["messages"]) == 1


def test_plus_address(desk: Desk) -> None:
    ticket = open_case(desk)
    plus = f"support+{ticket['ref']}@support.example.com"
    found = thread_of(desk, mail(subject="more info", sender="ann@example.com"), rcpt=plus)
    assert found.ticket is not None and found.ticket.ref == ticket["ref"]
    desk.file(mail(subject="more info", sender="ann@example.com"), rcpt=plus)
    assert len(messages(desk, ticket["ref"])) == 2
    assert len(desk.file(mail(subject="more info", sender="eve@evil.example"), rcpt=plus)) == 2


def test_automatic_reply_on_a_case_keeps_its_status(desk: Desk) -> None:
    ticket = open_case(desk)
    desk.file(mail(subject=f"Automatic reply: [{ticket['ref']}]", sender="ann@example.com",
                   headers={"Auto-Submitted": "auto-replied", "In-Reply-To": "<first@example.com>"}))
    thread = messages(desk, ticket["ref"])
    assert len(thread) == 2
    assert thread[1]["automatic"] == "Auto-Submitted: auto-replied"
    assert desk.show(ticket["ref"])["status"] == ticket["status"]


def test_duplicate_message_id_adds_nothing(desk: Desk) -> None:
    ticket = open_case(desk)
    desk.file(mail(subject="Coding problem", sender="ann@example.com", message_id="<first@example.com>"))
    assert len(desk.show(ticket["ref"])["messages"]) == 1
    assert len(desk.tickets()) == 1
