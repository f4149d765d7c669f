"""GET /healthz in this process (create_app over ASGI): the database, the filing backlog and the
IMAP mailboxes.

Everyone gets the bare status; the details (IMAP user, host, last errors) are for staff (issue 12).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import free_port
from helpers import STAFF, Desk, sign_in
from ingest.imap import fetch_once


def healthz(desk: Desk) -> tuple[int, str]:
    answer = desk.browser().get("/healthz")
    return answer.status_code, answer.text


def test_healthy(desk: Desk) -> None:
    status, body = healthz(desk)
    assert status == 200 and body == "ok\n"
    assert sign_in(desk, STAFF).get("/healthz").text.splitlines()[:2] == ["ok", "filing: idle"]


def test_an_unreachable_mailbox_is_reported_degraded(make_desk: Callable[..., Desk]) -> None:
    closed = free_port()  # nothing listens there
    desk = make_desk(imap=[{"host": "127.0.0.1", "port": closed, "tls": False, "username": "support",
                            "password": "x", "poll": "1s"}])
    [box] = desk.settings.imap
    with pytest.raises(OSError):  # a fetcher's pass, as serve's fetcher makes it: it records the failure
        fetch_once(box, desk.db, desk.owner)
    staff = sign_in(desk, STAFF)
    body = staff.get("/healthz").text
    assert body.startswith("degraded\n")
    assert "imap support@127.0.0.1/INBOX: failing" in body
    # Strangers learn that something is degraded, not the mailbox's user, host or error.
    assert healthz(desk) == (200, "degraded\n")
    customer = sign_in(desk, "ann@example.com")
    assert customer.get("/healthz").text == "degraded\n"
