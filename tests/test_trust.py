"""Issue 12: nobody reads or joins a case they do not belong to.

The takeover as an attacker tried it, end to end over real HTTP and SMTP: copied on a victim's
mail, signed in with a link of their own, reading the thread for the victim's sign-in link. Two
real sign-ins, each by a mailed link. The rest runs in this process (helpers.Desk: the real ingest
path, notify tick and web app over ASGI), except what only a real server shows (the web edge).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

import httpx

from conftest import Serve, mail, wait_until
from core.signing import make_message_id
from helpers import (ANN, Capture, Desk, ask_for_link, browser_for, cli_link, csrf_of, filed, follow, link_in,
                     sign_in)
from store.models import utcnow

VICTIM = "vera@example.com"
ATTACKER = "mallory@example.net"
STAFF = "staff@support.example.com"


def sign_in_by_mail(serve: Serve, relay: Capture, address: str) -> tuple[httpx.Client, str]:
    """A real sign-in: the form, the mailed link, the confirm page and its POST."""
    client = browser_for(serve)
    assert ask_for_link(client, address).status_code == 200
    letters = wait_until(lambda: [m for m in relay.letters(address) if "sign-in" in str(m["Subject"]).lower()])
    link = link_in(letters[-1])
    answer = follow(client, link)
    assert answer.status_code == 303 and answer.headers["location"] == "/tickets", answer.text
    return client, link


def test_a_copied_attacker_cannot_take_over_the_customers_account(
        make_serve: Callable[..., Serve], relay: Capture) -> None:
    serve = make_serve(outbound=relay.outbound(), followup={"first_request_after": "1s"})
    serve.send(mail(subject="Coding: cannot change project", sender=f"Vera <{VICTIM}>",
                    headers={"Cc": ATTACKER}))
    [shared] = serve.wait_tickets(1)
    ref = shared["ref"]
    relay.wait_for(VICTIM)  # the follow-up mail to the victim, now a message on the case
    serve.send(mail(subject="Private: our bank details", sender=VICTIM))
    private = next(t for t in serve.wait_tickets(2) if t["ref"] != ref)["ref"]

    victim, victims_link = sign_in_by_mail(serve, relay, VICTIM)
    assert victim.get(f"/tickets/{private}").status_code == 200
    # The victim pastes an unused sign-in link into a reply, quoted and in an HTML link.
    pasted = cli_link(serve, VICTIM)
    reply = EmailMessage()
    reply["From"], reply["To"] = VICTIM, "support@support.example.com"
    reply["Subject"] = f"Re: [{ref}] Coding: cannot change project"
    reply.set_content(f"Thanks!\n\n> Follow this link to see your support cases:\n> {pasted}\n")
    encoded = pasted.replace("/auth/", "/%61uth/")
    reply.add_alternative(f'<p>Thanks! <a href="{encoded}">my cases</a></p>', subtype="html")
    serve.send(reply.as_bytes())
    wait_until(lambda: len(serve.show_now(ref)["messages"]) >= 3)

    attacker, _ = sign_in_by_mail(serve, relay, ATTACKER)
    page = attacker.get(f"/tickets/{ref}")
    api = attacker.get(f"/api/tickets/{ref}")
    listing = attacker.get("/api/tickets").json()
    assert page.status_code == 200 and api.status_code == 200
    for shown in (page.text, api.text):
        assert "/auth/" not in shown and "%61uth" not in shown and pasted.rpartition("/")[2] not in shown
    assert "[sign-in link removed]" in page.text
    # The raw mail is staff's only (a participant is told so: 403); staff's copy is redacted too.
    assert attacker.get(f"/tickets/{ref}/messages/3/raw").status_code == 403
    staff = sign_in(serve, STAFF)
    raw = staff.get(f"/tickets/{ref}/messages/3/raw")
    assert raw.status_code == 200 and pasted.rpartition("/")[2].encode() not in raw.content
    # The attacker's session reads the attacker's cases only.
    assert [row["ref"] for row in listing] == [ref]
    assert attacker.get(f"/tickets/{private}").status_code == 404
    assert attacker.get(f"/api/tickets/{private}").status_code == 404
    # A link that was used signs nobody in again, not even with a fresh browser.
    thief = browser_for(serve)
    assert follow(thief, victims_link).status_code == 403
    assert thief.get("/api/tickets").status_code == 401


def test_a_link_signs_in_once_even_when_two_browsers_confirm_it(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    link = desk.link(ANN)
    first, second = desk.browser(), desk.browser()
    forms = [first.get(link), second.get(link)]
    assert [f.status_code for f in forms] == [200, 200]
    answers = [client.post(link, data={"csrf": csrf_of(form.text)}) for client, form in zip((first, second), forms)]
    assert sorted(a.status_code for a in answers) == [303, 403]
    assert sorted(c.get("/api/tickets").status_code for c in (first, second)) == [200, 401]
    assert desk.browser().get(link).status_code == 403


def test_following_a_link_is_not_a_sign_in_and_a_cross_site_post_is_refused(desk: Desk) -> None:
    """Login CSRF: another site cannot sign a visitor in as someone else by GET or by POST."""
    desk.file(mail(sender=f"Ann <{ANN}>"))
    link = desk.link(ANN)
    client = desk.browser()
    assert client.get(link).status_code == 200 and client.get("/api/tickets").status_code == 401
    visitor = desk.browser()  # never loaded our page: no CSRF cookie
    assert visitor.post(link, data={"csrf": "x"}).status_code == 403
    form = client.get(link)
    foreign = client.post(link, data={"csrf": csrf_of(form.text)}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and client.get("/api/tickets").status_code == 401
    # Refused attempts do not spend the link.
    assert follow(desk.browser(), link).status_code == 303


def test_mail_from_staff_or_our_domain_is_held_and_lets_nobody_in(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(followup={"first_request_after": "1s"})
    rows = desk.file(*(mail(subject="Coding: please change project", sender=sender, headers={"Cc": ATTACKER})
                       for sender in (STAFF, "boss@support.example.com")))
    assert len(rows) == 2
    assert {r["status"] for r in rows} == {"held"}
    reasons = {desk.show(r["ref"])["messages"][0]["automatic"] for r in rows}
    assert reasons == {f"From is a staff address ({STAFF})", "From is at our own domain (boss@support.example.com)"}
    attacker = sign_in(desk, ATTACKER)
    assert attacker.get("/api/tickets").json() == []
    assert any(r["ref"] in sign_in(desk, STAFF).get("/tickets").text for r in rows)  # visible to staff
    for seconds in (0, 2, 10, 3600):  # ticks well past first_request_after
        desk.tick(utcnow() + timedelta(seconds=seconds))
    assert desk.sent() == []


def test_participants_come_from_the_first_mail_only(desk: Desk) -> None:
    [ticket] = desk.file(mail(subject="Coding problem", sender=f"Ann <{ANN}>", headers={"Cc": "bo@example.com"}))
    ref = ticket["ref"]
    desk.file(mail(subject=f"Re: [{ref}] Coding problem", sender=ANN, headers={"Cc": "zed@example.com"}))
    assert len(desk.show(ref)["messages"]) == 2
    desk.file(mail(subject=f"Re: [{ref}] Coding problem", sender="bo@example.com"))
    assert len(desk.show(ref)["messages"]) == 3
    rows = desk.file(mail(subject=f"Re: [{ref}] Coding problem", sender="zed@example.com"))
    assert len(rows) == 2
    stranger = next(t for t in rows if t["ref"] != ref)
    assert stranger["customer"] == "zed@example.com"
    assert sign_in(desk, "zed@example.com").get(f"/tickets/{ref}").status_code == 404


def test_a_stranger_cannot_join_a_case_by_header(desk: Desk) -> None:
    [ticket] = desk.file(mail(subject="Coding problem", sender=f"Ann <{ANN}>", message_id="<first@example.com>",
                              body="Invoice ID: 41220\nCoding rows: 1, 2"))
    ref, fields = ticket["ref"], desk.show(ticket["ref"])["fields"]
    ours = make_message_id(desk.settings.web.secret, ref, "support.example.com")
    for header in ({"In-Reply-To": "<first@example.com>"}, {"References": f"<x@y> <{ours}>"}):
        desk.file(mail(subject="Re: Coding problem", sender="eve@evil.example", headers=header,
                       body="Invoice ID: 66666\nCoding rows: 9"))
    rows = desk.tickets()
    assert len(rows) == 3
    strangers = [desk.show(r["ref"]) for r in rows if r["ref"] != ref]
    assert [s["claimed_ref"] for s in strangers] == [ref, ref]
    assert desk.show(ref)["fields"] == fields and len(desk.show(ref)["messages"]) == 1
    page = sign_in(desk, STAFF).get(f"/tickets/{strangers[0]['ref']}")
    assert f"refers to {ref}" in page.text
    # The customer's own reply by header still threads.
    desk.file(mail(subject="Re: Coding problem", sender=ANN, headers={"In-Reply-To": f"<{ours}>"}))
    assert len(desk.show(ref)["messages"]) == 2


# -- 3. header injection: double-encoded words --------------------------------------------------

def double(inner: str, encoding: str = "b") -> str:
    """An encoded-word whose decoded text is itself an encoded-word (what survives one decode)."""
    import base64
    import quopri

    if encoding == "b":
        return f"=?utf-8?b?{base64.b64encode(inner.encode()).decode()}?="
    return f"=?utf-8?q?{quopri.encodestring(inner.encode(), header=True).decode()}?="


INJECTIONS = [
    double("=?utf-8?q?Hi=0D=0ABcc:_victim@evil.example=0D=0AX-Injected:_yes?="),
    double("=?utf-8?b?" + "SGkNCkJjYzogdmljdGltQGV2aWwuZXhhbXBsZQ0KWC1JbmplY3RlZDogeWVz" + "?=", "q"),
    double("=?utf-8?q?x=0D=0AContent-Type:_text/html=0D=0A=0D=0A<h1>Pay_here</h1>?="),
    double("=?utf-8?q?x=0D=0A=0D=0A--evil=0D=0AContent-Type:_text/html=0D=0A=0D=0A<h1>Pay</h1>?="),
]


def test_double_encoded_subjects_write_no_header_and_no_part(make_desk: Callable[..., Desk]) -> None:
    """The bytes casedesk writes to the outbox: no injected header, no extra MIME part, and
    Auto-Submitted still a header (so loop protection holds)."""
    from email import message_from_bytes, policy

    desk = make_desk(followup={"first_request_after": "1s"})
    for n, subject in enumerate(INJECTIONS):
        # Written by hand: the email package itself would decode these while building the mail.
        desk.file((f"From: Customer {n} <c{n}@example.com>\r\nTo: support@support.example.com\r\n"
                   f"Subject: {subject}\r\nDate: Mon, 05 Oct 2026 07:00:00 +0000\r\n"
                   f"Message-ID: <=?utf-8?q?m{n}=0D=0ABcc:_x@evil.example?=@example.com>\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease help.\r\n").encode())
    desk.tick(utcnow() + timedelta(seconds=2))  # past first_request_after: each case is asked back
    files = sorted((desk.outbox / "new").glob("*"))
    assert len(files) >= len(INJECTIONS)
    for path in files:
        data = path.read_bytes()
        head = data.split(b"\r\n\r\n", 1)[0].lower()
        names = [line.split(b":", 1)[0] for line in head.split(b"\r\n") if line and line[:1] not in b" \t"]
        assert b"bcc" not in names and b"x-injected" not in names, head
        assert names.count(b"content-type") == 1 and b"auto-submitted" in names, head
        parsed = message_from_bytes(data, policy=policy.default)
        assert parsed["Auto-Submitted"] == "auto-replied" and parsed["Bcc"] is None
        leaves = [p.get_content_type() for p in parsed.walk() if not p.is_multipart()]
        assert leaves == ["text/plain", "text/html"], leaves
        html = parsed.get_body(("html",))
        assert html is not None and "<h1>Pay" not in html.get_content()


# -- 5. the web edge ---------------------------------------------------------------------------

def test_login_answers_before_it_looks_the_address_up(make_serve: Callable[..., Serve], db_url: str) -> None:
    """With the store's write lock held elsewhere, /login still answers at once, for a known and
    an unknown address alike: the lookup and the mail are planned after the response (a real
    server: in process, the ASGI transport waits for the background task too)."""
    import sqlite3

    import pytest

    if not db_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock")
    serve = make_serve()
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    lock = sqlite3.connect(serve.settings.database.url.removeprefix("sqlite:///"), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        client = browser_for(serve)
        for address in (ANN, "nobody@example.com"):
            started = time.monotonic()
            assert ask_for_link(client, address).status_code == 200
            assert time.monotonic() - started < 2.5, address
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def test_the_login_rate_limit_counts_the_peer_not_x_forwarded_for(serve: Serve) -> None:
    client = browser_for(serve)
    statuses = []
    for n in range(21):
        form = client.get("/login")
        statuses.append(client.post("/login", data={"email": f"x{n}@example.com", "csrf": csrf_of(form.text)},
                                    headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code)
    assert statuses == [200] * 20 + [429]


def test_a_connection_without_a_complete_request_header_is_closed(serve: Serve) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", serve.web_port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        assert sock.recv(4096) == b""
        assert 8 < time.monotonic() - started < 20
    assert httpx.get(f"{serve.base_url}/healthz").status_code == 200
