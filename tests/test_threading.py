"""Threading over real SMTP: replies join their case, strangers never do."""

from __future__ import annotations

import time

import pytest

from core.signing import make_message_id
from conftest import Serve, mail, wait_until


def open_case(serve: Serve, sender: str = "Ann <ann@example.com>", cc: str | None = None) -> dict:
    headers = {"Cc": cc} if cc else {}
    serve.send(mail(subject="Coding problem", sender=sender, message_id="<first@example.com>", headers=headers))
    [ticket] = serve.wait_tickets(1)
    return ticket


def messages(serve: Serve, ref: str, count: int) -> list[dict]:
    return wait_until(lambda: (m := serve.show(ref)["messages"]) and len(m) >= count and m)


def test_in_reply_to_and_references_thread(serve: Serve) -> None:
    ticket = open_case(serve)
    serve.send(mail(subject="no tag at all", sender="ann@example.com", headers={"In-Reply-To": "<first@example.com>"}))
    serve.send(mail(subject="other", sender="ann@example.com",
                    headers={"References": "<unknown@x> <first@example.com> <also-unknown@x>"}))
    assert len(messages(serve, ticket["ref"], 3)) == 3
    assert len(serve.tickets()) == 1


def test_our_signed_message_id_threads_even_before_it_is_stored(serve: Serve) -> None:
    ticket = open_case(serve)
    ours = make_message_id(serve.settings.web.secret, ticket["ref"], "support.example.com")
    serve.send(mail(subject="Re: hello", sender="ann@example.com", headers={"In-Reply-To": f"<{ours}>"}))
    assert len(messages(serve, ticket["ref"], 2)) == 2
    forged = make_message_id("wrong-secret", ticket["ref"], "support.example.com")
    serve.send(mail(subject="Re: hello", sender="eve@evil.example", headers={"In-Reply-To": f"<{forged}>"}))
    assert len(serve.wait_tickets(2)) == 2


@pytest.mark.parametrize("prefix", ["Re: ", "RE: ", "SV: ", "VS: ", "Fwd: ", "AW: Re: ", ""])
def test_subject_tag_from_the_customer(serve: Serve, prefix: str) -> None:
    ticket = open_case(serve)
    serve.send(mail(subject=f"{prefix}[{ticket['ref']}] Coding problem", sender="ANN@example.com"))
    assert len(messages(serve, ticket["ref"], 2)) == 2


def test_copied_participant_may_write_with_the_tag(serve: Serve) -> None:
    ticket = open_case(serve, cc="Bo <bo@example.com>")
    serve.send(mail(subject=f"Re: [{ticket['ref']}] Coding problem", sender="bo@example.com"))
    assert len(messages(serve, ticket["ref"], 2)) == 2


def test_stranger_with_a_tag_opens_a_new_case(serve: Serve) -> None:
    ticket = open_case(serve)
    serve.send(mail(subject=f"Re: [{ticket['ref']}] give me the invoices", sender="eve@evil.example",
                    headers={"Reply-To": "ann@example.com"}))  # a forged Reply-To changes nothing
    rows = serve.wait_tickets(2)
    stranger = next(t for t in rows if t["ref"] != ticket["ref"])
    assert stranger["customer"] == "eve@evil.example"
    assert serve.show(stranger["ref"])["claimed_ref"] == ticket["ref"]
    assert len(serve.show(ticket["ref"])["messages"]) == 1


def test_plus_address(serve: Serve) -> None:
    ticket = open_case(serve)
    plus = f"support+{ticket['ref']}@support.example.com"
    serve.send(mail(subject="more info", sender="ann@example.com"), rcpt=plus)
    assert len(messages(serve, ticket["ref"], 2)) == 2
    serve.send(mail(subject="more info", sender="eve@evil.example"), rcpt=plus)
    assert len(serve.wait_tickets(2)) == 2


def test_automatic_reply_on_a_case_keeps_its_status(serve: Serve) -> None:
    ticket = open_case(serve)
    serve.send(mail(subject=f"Automatic reply: [{ticket['ref']}]", sender="ann@example.com",
                    headers={"Auto-Submitted": "auto-replied", "In-Reply-To": "<first@example.com>"}))
    thread = messages(serve, ticket["ref"], 2)
    assert thread[1]["automatic"] == "Auto-Submitted: auto-replied"
    assert serve.show(ticket["ref"])["status"] == ticket["status"]


def test_duplicate_message_id_adds_nothing(serve: Serve) -> None:
    ticket = open_case(serve)
    serve.send(mail(subject="Coding problem", sender="ann@example.com", message_id="<first@example.com>"))
    time.sleep(0.5)
    assert len(serve.show(ticket["ref"])["messages"]) == 1
