"""GET /healthz over real HTTP: the database, the filing backlog and the IMAP mailboxes.

Everyone gets the bare status; the details (IMAP user, host, last errors) are for staff (issue 12).
"""

from __future__ import annotations

import urllib.request

from conftest import free_port, wait_until
from test_web_auth import close_clients  # noqa: F401  (closes the clients a test opened)
from test_web_auth import sign_in

STAFF = "staff@support.example.com"


def healthz(base_url: str) -> tuple[int, str]:
    with urllib.request.urlopen(f"{base_url}/healthz", timeout=10) as response:
        return response.status, response.read().decode()


def test_healthy(serve) -> None:
    status, body = healthz(serve.base_url)
    assert status == 200 and body == "ok\n"
    assert sign_in(serve, STAFF).get("/healthz").text.splitlines()[:2] == ["ok", "filing: idle"]


def test_an_unreachable_mailbox_is_reported_degraded(make_serve) -> None:
    closed = free_port()  # nothing listens there
    serve = make_serve(imap=[{"host": "127.0.0.1", "port": closed, "tls": False, "username": "support",
                              "password": "x", "poll": "1s"}])
    staff = sign_in(serve, STAFF)
    body = wait_until(lambda: (b := staff.get("/healthz").text) and "failing" in b and b, timeout=60)
    assert body.startswith("degraded\n")
    assert "imap support@127.0.0.1/INBOX: failing" in body
    # Strangers learn that something is degraded, not the mailbox's user, host or error.
    assert healthz(serve.base_url) == (200, "degraded\n")
    customer = sign_in(serve, "ann@example.com")
    assert customer.get("/healthz").text == "degraded\n"
