"""GET /healthz over real HTTP: the database, the filing backlog and the IMAP mailboxes."""

from __future__ import annotations

import urllib.request

from conftest import free_port, wait_until


def healthz(base_url: str) -> tuple[int, str]:
    with urllib.request.urlopen(f"{base_url}/healthz", timeout=10) as response:
        return response.status, response.read().decode()


def test_healthy(serve) -> None:
    status, body = healthz(serve.base_url)
    assert status == 200
    assert body.splitlines()[:2] == ["ok", "filing: idle"]


def test_an_unreachable_mailbox_is_reported_degraded(make_serve) -> None:
    closed = free_port()  # nothing listens there
    serve = make_serve(imap=[{"host": "127.0.0.1", "port": closed, "tls": False, "username": "support",
                              "password": "x", "poll": "1s"}])
    body = wait_until(lambda: (b := healthz(serve.base_url)[1]) and "failing" in b and b, timeout=60)
    assert body.startswith("degraded\n")
    assert "imap support@127.0.0.1/INBOX: failing" in body
    assert healthz(serve.base_url)[0] == 200  # SMTP and the web view still work
