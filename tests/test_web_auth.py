"""Signing in: mailed links, CSRF, rate limits, tampered, expired and revoked links.

In this process (helpers.Desk): the web app over ASGI on a real database; POST /login plans the
sign-in mail and a notify tick sends it (into the outbox Maildir), as serve's scheduler does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from conftest import mail
from helpers import ANN, Desk, ask_for_link, csrf_of, follow, link_in, sign_in, signed_in

# -- the flow end to end -----------------------------------------------------------------------


def test_a_customer_signs_in_with_a_mailed_link(desk: Desk) -> None:
    [ticket] = desk.file(mail(subject="Printer on fire", sender=f"Ann <{ANN}>"))
    browser = desk.browser()

    answer = ask_for_link(browser, ANN)
    assert answer.status_code == 200 and "Check your mail" in answer.text
    desk.tick()
    link = link_in(desk.sent(ANN)[0])
    assert link.startswith(desk.base_url + "/auth/")

    confirm = browser.get(link)
    assert confirm.status_code == 200 and ANN in confirm.text and 'method="post"' in confirm.text
    assert "casedesk_session=" not in confirm.headers.get("set-cookie", "")  # a GET starts nothing
    arrived = browser.post(link, data={"csrf": csrf_of(confirm.text)})
    assert arrived.status_code == 303 and arrived.headers["location"] == "/tickets"
    cookie = arrived.headers["set-cookie"]
    assert "casedesk_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = browser.get("/tickets")
    assert page.status_code == 200 and ticket["ref"] in page.text and "Printer on fire" in page.text


def test_the_answer_is_the_same_for_unknown_addresses_and_they_get_no_mail(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    browser = desk.browser()

    known = ask_for_link(browser, ANN)
    unknown = ask_for_link(browser, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200

    def shape(response: httpx.Response, address: str) -> str:
        return re.sub(r'value="[^"]+"', "", response.text).replace(address, "ADDRESS")

    assert shape(known, ANN) == shape(unknown, "nobody@example.com")
    desk.tick()  # everything both requests planned is sent by now
    assert len(desk.sent(ANN)) == 1
    assert desk.sent("nobody@example.com") == []


def test_staff_sign_in_by_link_too(desk: Desk) -> None:
    browser = desk.browser()
    ask_for_link(browser, "Staff@Support.example.com")
    desk.tick()
    link = link_in(desk.sent("staff@support.example.com")[0])
    assert follow(browser, link).status_code == 303
    assert "(staff)" in browser.get("/tickets").text


# -- CSRF and rate limits ----------------------------------------------------------------------

def test_post_login_needs_the_csrf_pair_and_our_origin(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    stranger = desk.browser()
    assert stranger.post("/login", data={"email": ANN}).status_code == 403

    # A token from one browser does not work with another browser's cookie.
    token = csrf_of(desk.browser().get("/login").text)
    stranger.get("/login")
    assert stranger.post("/login", data={"email": ANN, "csrf": token}).status_code == 403

    form = stranger.get("/login")
    foreign = stranger.post("/login", data={"email": ANN, "csrf": csrf_of(form.text)},
                            headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    desk.tick()
    assert desk.sent(ANN) == []


def test_sign_in_mails_are_rate_limited(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    browser = desk.browser()
    answers = [ask_for_link(browser, ANN).status_code for _ in range(6)]
    assert answers == [200] * 6
    desk.tick()
    # Repeats within a minute share one outbox row: one mail, not six.
    assert len(desk.sent(ANN)) == 1

    # 20 POSTs per client per 10 minutes; the form GETs do not count.
    statuses = [ask_for_link(browser, f"someone{i}@example.com").status_code for i in range(14)]
    assert statuses == [200] * 14
    assert ask_for_link(browser, "one-too-many@example.com").status_code == 429


# -- links that must not sign anyone in ----------------------------------------------------------

def test_tampered_links_and_links_signed_with_another_secret_sign_nobody_in(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    link = desk.link(ANN)
    head, _, token = link.rpartition("/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    swapped = URLSafeTimedSerializer(desk.settings.web.secret, salt="casedesk-login").dumps(["bob@example.com", "n"])
    forged = URLSafeTimedSerializer("guessed-secret", salt="casedesk-login").dumps(ANN)
    session = URLSafeTimedSerializer(desk.settings.web.secret, salt="casedesk-session").dumps(ANN)
    # A link of the old, reusable kind (the address alone, no nonce) is refused too.
    old_kind = URLSafeTimedSerializer(desk.settings.web.secret, salt="casedesk-login").dumps(ANN)
    for bad in (tampered, forged, session, "", "x.y.z", swapped[:10] + token[10:], old_kind):
        client = desk.browser()
        answer = follow(client, f"{head}/{bad}")
        assert answer.status_code in (403, 404), bad
        assert not any(re.match(r'casedesk_session=[^";]', c) for c in answer.headers.get_list("set-cookie"))
        assert not signed_in(client)
        assert client.get("/tickets").headers.get("location") == "/login"


def test_expired_links_sign_nobody_in(make_desk: Callable[..., Desk], monkeypatch: pytest.MonkeyPatch) -> None:
    desk = make_desk(web={"link_ttl": "1s"})
    desk.file(mail(sender=f"Ann <{ANN}>"))
    with monkeypatch.context() as past:  # the link was made 3 s ago: its second of life is over
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3)
        link = desk.link(ANN)
    client = desk.browser()
    answer = follow(client, link)
    assert answer.status_code == 403 and "expired" in answer.text
    assert not signed_in(client)
    # A fresh one still works: the TTL bounds links, not sessions.
    assert signed_in(sign_in(desk, ANN))


def test_revoke_ends_every_link_and_session_of_an_address(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"), mail(sender="Bob <bob@example.com>"))
    old_link = desk.link(ANN)
    ann, bob = sign_in(desk, ANN), sign_in(desk, "bob@example.com")
    assert signed_in(ann)

    result = desk.cli("revoke", "ANN@example.com")  # the real command, on the same database
    assert result.returncode == 0, result.stderr.decode()
    assert not signed_in(ann)
    assert ann.get("/tickets").headers["location"] == "/login"
    assert follow(desk.browser(), old_link).status_code == 403
    assert signed_in(bob)
    assert signed_in(sign_in(desk, ANN))


def test_link_prints_an_absolute_url(desk: Desk) -> None:
    result = desk.cli("link", "Ann@Example.com")
    assert result.returncode == 0
    url = result.stdout.decode().split()[-1]
    assert url.startswith(f"{desk.settings.web.base_url}/auth/")
    assert desk.cli("link", "not-an-address").returncode != 0
    # The link the command prints signs in like any other.
    assert follow(desk.browser(), url).status_code == 303


def test_without_a_session_pages_redirect_and_the_api_answers_401(desk: Desk) -> None:
    desk.file(mail(sender=f"Ann <{ANN}>"))
    client = desk.browser()
    for path in ("/tickets", "/tickets/CASE-1001", "/tickets/CASE-1001/messages/1/raw",
                 "/tickets/CASE-1001/messages/1/attachments/0"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    for path in ("/api/tickets", "/api/tickets/CASE-1001"):
        answer = client.get(path)
        assert answer.status_code == 401 and answer.json()["error"], path
    # A forged session cookie is no session.
    client.cookies.set("casedesk_session", "ImFubkBleGFtcGxlLmNvbSI.AAAAAA.forged")
    assert client.get("/api/tickets").status_code == 401
