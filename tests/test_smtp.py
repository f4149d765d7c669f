"""The SMTP contract the sending MTA relies on, over real SMTP to a running casedesk serve."""

from __future__ import annotations

import signal
import smtplib
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlmodel import select

from conftest import Serve, mail, sample, wait_until
from store.db import Database
from store.models import RawMail

CRLF_MAIL = (b"From: Bo <bo@example.com>\r\nTo: support@support.example.com\r\nSubject: Exact bytes\r\n"
             b"Message-ID: <exact-1@example.com>\r\nX-Odd:   spacing kept\r\n\r\n"
             b"Line one\r\n.dot line\r\n\xe5\xe4\xf6 8-bit body\r\n")


def raw_rows(serve: Serve) -> list[RawMail]:
    db = Database(serve.settings.database.url)
    try:
        with db.read() as session:
            return list(session.scalars(select(RawMail).order_by(RawMail.id)))
    finally:
        db.dispose()


def test_250_comes_after_the_raw_bytes_are_committed(serve: Serve) -> None:
    with serve.smtp() as client:
        client.ehlo()
        client.mail("bo@example.com")
        client.rcpt("support@support.example.com")
        code, _ = client.data(CRLF_MAIL)
        assert code == 250
        # Read the database straight after the 250, before the session ends: the row is there.
        [row] = raw_rows(serve)
    assert row.data == CRLF_MAIL
    assert row.message_id == "exact-1@example.com"
    assert row.mail_from == "bo@example.com"
    assert row.rcpt_to == ["support@support.example.com"]


def test_recipient_outside_the_support_domains_is_refused(serve: Serve) -> None:
    with serve.smtp() as client:
        client.ehlo()
        client.mail("bo@example.com")
        code, message = client.rcpt("someone@elsewhere.example.org")
        assert code == 550
        assert b"Relay denied" in message
        code, _ = client.rcpt("support@SUPPORT.example.com")
        assert code == 250
    assert raw_rows(serve) == []


def test_message_larger_than_the_limit_is_refused_before_storing(make_serve) -> None:
    serve = make_serve(smtp={"max_message_size": "10KB"})
    big = mail(body="x" * 20_000)
    with pytest.raises(smtplib.SMTPSenderRefused) as announced:
        serve.send(big)  # smtplib announces SIZE= at MAIL FROM
    assert announced.value.smtp_code == 552
    with serve.smtp() as client:  # no SIZE announced: refused after the final dot
        client.ehlo()
        client.mail("bo@example.com")
        client.rcpt("support@support.example.com")
        code, _ = client.data(big)
    assert code == 552
    assert raw_rows(serve) == []


def transaction(content: bytes) -> bytes:
    """One mail transaction as a client puts it on the wire: lines starting with a dot doubled."""
    stuffed = (b"\r\n" + content).replace(b"\r\n.", b"\r\n..")[2:]
    return (b"MAIL FROM:<bo@example.com>\r\nRCPT TO:<support@support.example.com>\r\nDATA\r\n"
            + stuffed + b".\r\n")


def test_data_ends_at_the_lone_dot_whatever_the_segments(make_serve) -> None:
    """DATA is read in blocks: lines ending in a dot, dot-stuffed lines, a message over the limit
    and pipelined commands, all in 7-byte segments, and each mail stored byte for byte."""
    serve = make_serve(smtp={"max_message_size": "1KB"})
    first = (b"Message-ID: <seg-1@example.com>\r\nSubject: dots\r\n\r\n.Leading dot.\r\nEnds with a dot.\r\n"
             b".\r\n..\r\nlast line\r\n")
    big = b"Message-ID: <seg-big@example.com>\r\n\r\n" + b"x" * 1100 + b".\r\n"
    second = b"Message-ID: <seg-2@example.com>\r\nSubject: next\r\n\r\nx\r\n"
    wire = b"EHLO client\r\n" + transaction(first) + transaction(big) + transaction(second) + b"QUIT\r\n"
    with socket.create_connection(("127.0.0.1", serve.smtp_port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(wire), 7):
            sock.sendall(wire[start:start + 7])
        replies = b""
        while chunk := sock.recv(65536):
            replies += chunk
    codes = [line[:3] for line in replies.split(b"\r\n") if line[3:4] == b" "]
    assert codes.count(b"354") == 3
    assert b"552" in codes and codes.count(b"250") == 2 + 2 * 3 + 1  # EHLO last line, MAIL/RCPT, DATAs
    assert [row.data for row in raw_rows(serve)] == [first, second]


def test_same_message_id_twice_is_stored_once(serve: Serve) -> None:
    raw = mail(subject="Twice", message_id="<twice@example.com>")
    assert serve.send(raw) == {}
    assert serve.send(raw) == {}
    [ticket] = serve.wait_tickets(1)
    assert len(raw_rows(serve)) == 1
    time.sleep(0.3)
    assert serve.show(ticket["ref"])["messages"].__len__() == 1


def test_mail_without_message_id_gets_a_deterministic_one(serve: Serve) -> None:
    raw = mail(subject="No id", body="Where is my invoice?", message_id=False)
    assert b"Message-ID" not in raw
    serve.send(raw)
    # A relay retrying adds its own Received line: still the same mail.
    serve.send(b"Received: from relay.example.net by mx; Mon, 5 Oct 2026 07:01:00 +0000\r\n" + raw)
    [row] = raw_rows(serve)
    assert row.message_id.endswith("@casedesk.invalid")
    [ticket] = serve.wait_tickets(1)
    assert serve.show(ticket["ref"])["messages"][0]["message_id"] == row.message_id


def test_automatic_mail_is_held(serve: Serve) -> None:
    serve.send(sample("out-of-office.eml"))
    serve.send(mail(subject="Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@mx.example.com"),
               sender="")
    serve.send(mail(subject="Newsletter", headers={"List-Id": "<news.example.com>"}))
    rows = serve.wait_tickets(3)
    assert {t["status"] for t in rows} == {"held"}


@contextmanager
def store_unavailable(serve: Serve) -> Iterator[None]:
    """Make the database refuse writes for a while: SQLite locked, PostgreSQL closed to connections."""
    url = serve.settings.database.url
    if url.startswith("sqlite"):
        lock = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None, timeout=10)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    name = sqlalchemy.engine.make_url(url).database
    admin = sqlalchemy.create_engine(url.replace(f"/{name}", "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.dispose()


def test_database_gone_means_451_then_recovery(serve: Serve) -> None:
    serve.send(mail(subject="Before"))
    serve.wait_tickets(1)
    with store_unavailable(serve):
        with pytest.raises(smtplib.SMTPDataError) as refused:
            serve.send(mail(subject="During"))
        assert refused.value.smtp_code == 451
        assert refused.value.smtp_error.startswith(b"4.3.0")
        assert b"Error" not in refused.value.smtp_error  # no exception text leaks
    # Recovers by itself: the sender's retry is accepted and filed.
    wait_until(lambda: serve.accepts(mail(subject="After")), timeout=20, every=0.5)
    rows = serve.wait_tickets(2)
    assert {t["subject"] for t in rows} == {"Before", "After"}


def test_sigterm_stops_cleanly_and_nothing_accepted_is_lost(make_serve) -> None:
    serve = make_serve()
    sent: list[str] = []
    errors: list[Exception] = []

    def client(n: int) -> None:
        for i in range(15):
            subject = f"client {n} mail {i}"
            try:
                serve.send(mail(subject=subject))
                sent.append(subject)
            except (smtplib.SMTPException, OSError) as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    assert serve.stop(signal.SIGTERM) == 0
    for thread in threads:
        thread.join()
    assert "Traceback" not in serve.log.read_text()
    restarted = Serve(serve.config).start()
    try:
        filed = restarted.wait_tickets(len(sent))
        assert {t["subject"] for t in filed} == set(sent)
        assert len(filed) == len(sent)
    finally:
        restarted.stop()
