"""Signing in over real HTTP: mailed links, CSRF, rate limits, tampered, expired and revoked links.

The helpers at the top (`Capture`, `sign_in`, `csrf_of`) are shared by the other web test modules.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from conftest import Serve, free_port, mail, wait_until

ANN = "ann@example.com"
LINK = re.compile(r"(https?://\S+/auth/\S+)")


class Capture:
    """An SMTP server that keeps what it is sent: the outside mail relay, which we do not own.

    aiosmtpd's own tests run a live Controller on a free port; so do we, as the fake at that seam.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        return wait_until(lambda: (found := self.to(address)) and len(found) >= count and found, timeout)


@pytest.fixture
def capture() -> Iterator[Capture]:
    server = Capture()
    server.controller.start()
    yield server
    server.controller.stop()


OPEN: list[httpx.Client] = []


def browser_for(serve: Serve) -> httpx.Client:
    """A cookie-keeping HTTP client (closed after the test: warnings are errors here)."""
    client = httpx.Client(base_url=serve.base_url, timeout=30)
    OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def outbound_to(capture: Capture) -> dict[str, Any]:
    """Config for a serve that sends its mail to the capture server."""
    return {"transport": "smtp", "host": "127.0.0.1", "port": capture.port}


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found[1]


def cli_link(serve: Serve, address: str) -> str:
    """`casedesk link ADDRESS`: the URL is the last word on stdout."""
    result = serve.cli("link", address)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().split()[-1]


def follow(client: httpx.Client, link: str) -> httpx.Response:
    """What a person does with a sign-in link: open it (a confirm page), then press Sign in."""
    page = client.get(link)
    if page.status_code != 200:
        return page
    return client.post(link, data={"csrf": csrf_of(page.text)})


def sign_in(serve: Serve, address: str) -> httpx.Client:
    """A client holding a session for `address`, signed in the way support staff hand out links."""
    client = browser_for(serve)
    response = follow(client, cli_link(serve, address))
    assert response.status_code == 303 and response.headers["location"] == "/tickets", response.text
    return client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


def ask_for_link(client: httpx.Client, address: str) -> httpx.Response:
    """What a browser does: load the form (gets the CSRF cookie), then post it."""
    form = client.get("/login")
    assert form.status_code == 200
    return client.post("/login", data={"email": address, "csrf": csrf_of(form.text)})


def filed(serve: Serve, *mails: bytes) -> list[dict[str, Any]]:
    for raw in mails:
        serve.send(raw)
    return serve.wait_tickets(len(mails))


def signed_in(client: httpx.Client) -> bool:
    return client.get("/api/tickets").status_code == 200


# -- the flow end to end -----------------------------------------------------------------------

def test_a_customer_signs_in_with_a_mailed_link(make_serve: Callable[..., Serve], capture: Capture) -> None:
    serve = make_serve(outbound=outbound_to(capture))
    [ticket] = filed(serve, mail(subject="Printer on fire", sender=f"Ann <{ANN}>"))
    browser = browser_for(serve)

    answer = ask_for_link(browser, ANN)
    assert answer.status_code == 200 and "Check your mail" in answer.text
    link = link_in(capture.wait_for(ANN)[0])
    assert link.startswith(serve.base_url + "/auth/")

    confirm = browser.get(link)
    assert confirm.status_code == 200 and ANN in confirm.text and 'method="post"' in confirm.text
    assert "casedesk_session=" not in confirm.headers.get("set-cookie", "")  # a GET starts nothing
    arrived = browser.post(link, data={"csrf": csrf_of(confirm.text)})
    assert arrived.status_code == 303 and arrived.headers["location"] == "/tickets"
    cookie = arrived.headers["set-cookie"]
    assert "casedesk_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = browser.get("/tickets")
    assert page.status_code == 200 and ticket["ref"] in page.text and "Printer on fire" in page.text


def test_the_answer_is_the_same_for_unknown_addresses_and_they_get_no_mail(
        make_serve: Callable[..., Serve], capture: Capture) -> None:
    serve = make_serve(outbound=outbound_to(capture))
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    browser = browser_for(serve)

    known = ask_for_link(browser, ANN)
    unknown = ask_for_link(browser, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200

    def shape(response: httpx.Response, address: str) -> str:
        return re.sub(r'value="[^"]+"', "", response.text).replace(address, "ADDRESS")

    assert shape(known, ANN) == shape(unknown, "nobody@example.com")
    capture.wait_for(ANN)
    time.sleep(1)  # five scheduler ticks
    assert capture.to("nobody@example.com") == []


def test_staff_sign_in_by_link_too(make_serve: Callable[..., Serve], capture: Capture) -> None:
    serve = make_serve(outbound=outbound_to(capture))
    browser = browser_for(serve)
    ask_for_link(browser, "Staff@Support.example.com")
    link = link_in(capture.wait_for("staff@support.example.com")[0])
    assert follow(browser, link).status_code == 303
    assert "(staff)" in browser.get("/tickets").text


# -- CSRF and rate limits ----------------------------------------------------------------------

def test_post_login_needs_the_csrf_pair_and_our_origin(make_serve: Callable[..., Serve], capture: Capture) -> None:
    serve = make_serve(outbound=outbound_to(capture))
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    stranger = browser_for(serve)
    assert stranger.post("/login", data={"email": ANN}).status_code == 403

    # A token from one browser does not work with another browser's cookie.
    token = csrf_of(httpx.get(f"{serve.base_url}/login").text)
    stranger.get("/login")
    assert stranger.post("/login", data={"email": ANN, "csrf": token}).status_code == 403

    form = stranger.get("/login")
    foreign = stranger.post("/login", data={"email": ANN, "csrf": csrf_of(form.text)},
                            headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    time.sleep(1)
    assert capture.to(ANN) == []


def test_sign_in_mails_are_rate_limited(make_serve: Callable[..., Serve], capture: Capture) -> None:
    serve = make_serve(outbound=outbound_to(capture))
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    browser = browser_for(serve)
    answers = [ask_for_link(browser, ANN).status_code for _ in range(6)]
    assert answers == [200] * 6
    capture.wait_for(ANN)
    time.sleep(1)
    # Repeats within a minute share one outbox row: one mail, not six.
    assert len(capture.to(ANN)) == 1

    # 20 POSTs per client per 10 minutes; the form GETs do not count.
    statuses = [ask_for_link(browser, f"someone{i}@example.com").status_code for i in range(14)]
    assert statuses == [200] * 14
    assert ask_for_link(browser, "one-too-many@example.com").status_code == 429


# -- links that must not sign anyone in ----------------------------------------------------------

def test_tampered_links_and_links_signed_with_another_secret_sign_nobody_in(serve: Serve) -> None:
    from itsdangerous import URLSafeTimedSerializer

    filed(serve, mail(sender=f"Ann <{ANN}>"))
    link = cli_link(serve, ANN)
    head, _, token = link.rpartition("/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    swapped = URLSafeTimedSerializer(serve.settings.web.secret, salt="casedesk-login").dumps(["bob@example.com", "n"])
    forged = URLSafeTimedSerializer("guessed-secret", salt="casedesk-login").dumps(ANN)
    session = URLSafeTimedSerializer(serve.settings.web.secret, salt="casedesk-session").dumps(ANN)
    # A link of the old, reusable kind (the address alone, no nonce) is refused too.
    old_kind = URLSafeTimedSerializer(serve.settings.web.secret, salt="casedesk-login").dumps(ANN)
    for bad in (tampered, forged, session, "", "x.y.z", swapped[:10] + token[10:], old_kind):
        client = browser_for(serve)
        answer = follow(client, f"{head}/{bad}")
        assert answer.status_code in (403, 404), bad
        assert not any(re.match(r'casedesk_session=[^";]', c) for c in answer.headers.get_list("set-cookie"))
        assert not signed_in(client)
        assert client.get("/tickets").headers.get("location") == "/login"


def test_expired_links_sign_nobody_in(make_serve: Callable[..., Serve]) -> None:
    serve = make_serve(web={"link_ttl": "1s"})
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    link = cli_link(serve, ANN)
    time.sleep(2.2)
    client = browser_for(serve)
    answer = follow(client, link)
    assert answer.status_code == 403 and "expired" in answer.text
    assert not signed_in(client)
    # A fresh one still works: the TTL bounds links, not sessions.
    assert signed_in(sign_in(serve, ANN))


def test_revoke_ends_every_link_and_session_of_an_address(serve: Serve) -> None:
    filed(serve, mail(sender=f"Ann <{ANN}>"), mail(sender="Bob <bob@example.com>"))
    old_link = cli_link(serve, ANN)
    ann, bob = sign_in(serve, ANN), sign_in(serve, "bob@example.com")
    assert signed_in(ann)

    result = serve.cli("revoke", "ANN@example.com")
    assert result.returncode == 0, result.stderr.decode()
    assert not signed_in(ann)
    assert ann.get("/tickets").headers["location"] == "/login"
    assert follow(browser_for(serve), old_link).status_code == 403
    assert signed_in(bob)
    assert signed_in(sign_in(serve, ANN))


def test_link_prints_an_absolute_url(serve: Serve) -> None:
    result = serve.cli("link", "Ann@Example.com")
    assert result.returncode == 0
    url = result.stdout.decode().split()[-1]
    assert url.startswith(f"{serve.settings.web.base_url}/auth/")
    assert serve.cli("link", "not-an-address").returncode != 0


def test_without_a_session_pages_redirect_and_the_api_answers_401(serve: Serve) -> None:
    filed(serve, mail(sender=f"Ann <{ANN}>"))
    client = browser_for(serve)
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
