"""Optional STARTTLS and SMTP AUTH, and no relaying, over real SMTP."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from pathlib import Path

import pytest

from conftest import mail


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    result = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                             "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                            capture_output=True)
    if result.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    return cert, key


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a throwaway self-signed test certificate
    return context


def test_starttls_required(make_serve, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    serve = make_serve(smtp={"tls_cert": str(cert), "tls_key": str(key), "require_tls": True})
    with serve.smtp() as client:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _ = client.mail("a@example.com")
        assert code == 530  # must issue STARTTLS first
    with serve.smtp() as client:
        client.starttls(context=client_context())
        client.ehlo()
        assert client.sendmail("a@example.com", ["support@support.example.com"], mail(subject="over TLS")) == {}
    assert serve.wait_tickets(1)[0]["subject"] == "over TLS"


def test_auth_required(make_serve, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = certificate
    monkeypatch.setenv("CASEDESK_TEST_RELAY_PASSWORD", "s3cret")
    serve = make_serve(smtp={"tls_cert": str(cert), "tls_key": str(key), "auth_required": True,
                             "auth_users": {"relay": "CASEDESK_TEST_RELAY_PASSWORD"}})
    with serve.smtp() as client:
        client.starttls(context=client_context())
        client.ehlo()
        code, _ = client.mail("a@example.com")
        assert code == 530  # authentication required
        client.rset()
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("relay", "wrong")
        client.login("relay", "s3cret")
        assert client.sendmail("a@example.com", ["support@support.example.com"], mail(subject="authed")) == {}
    assert serve.wait_tickets(1)[0]["subject"] == "authed"


def test_auth_password_variable_must_be_set(tmp_path: Path, sqlite_url: str) -> None:
    from conftest import run_cli, write_config

    config = write_config(tmp_path, sqlite_url, smtp={"auth_users": {"relay": "CASEDESK_NO_SUCH_VARIABLE"}})
    result = run_cli(config, "tickets")
    assert result.returncode == 78
    assert b"[smtp] auth_users: relay's password variable $CASEDESK_NO_SUCH_VARIABLE is not set" in result.stderr


def test_no_open_relay_even_when_authenticated_clients_are_allowed(serve) -> None:
    with serve.smtp() as client:
        client.ehlo()
        client.mail("a@example.com")
        for target in ("victim@gmail.example", "support@support.example.com.evil.example",
                       "support%elsewhere.example@support.example.org", "@support.example.com:x@evil.example"):
            code, _ = client.rcpt(target)
            assert code >= 500, target


# -- issue 12: the SMTP edge against hostile clients ----------------------------------------------

def test_auth_is_never_offered_before_starttls(make_serve, certificate: tuple[Path, Path], tmp_path: Path,
                                               sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import run_cli, write_config

    monkeypatch.setenv("CASEDESK_TEST_RELAY_PASSWORD", "s3cret")
    users = {"relay": "CASEDESK_TEST_RELAY_PASSWORD"}
    plain = write_config(tmp_path, sqlite_url, smtp={"auth_users": users})
    result = run_cli(plain, "tickets")
    assert result.returncode == 78 and b"[smtp] auth_users: needs tls_cert and tls_key" in result.stderr
    cert, key = certificate
    serve = make_serve(smtp={"tls_cert": str(cert), "tls_key": str(key), "auth_users": users})
    with serve.smtp() as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN AHJlbGF5AHMzY3JldA==")[0] >= 500
        client.starttls(context=client_context())
        client.ehlo()
        assert client.has_extn("auth")


def test_malformed_paths_and_nul_bytes_are_syntax_errors(serve) -> None:
    with serve.smtp() as client:
        client.ehlo()
        for argument in ("FROM:<", "FROM:<a\x00b@example.com>", "FROM:<a@example.com\x00>"):
            assert client.docmd("MAIL", argument)[0] == 501, argument
        assert client.docmd("MAIL", "FROM:<ann@example.com>")[0] == 250
        assert client.docmd("RCPT", "TO:<support@support.example.com\x00x>")[0] == 501
        assert client.docmd("RCPT", "TO:<support@support.example.com")[0] == 501
        assert client.docmd("RCPT", "TO:<support@support.example.com>")[0] == 250
    raw = mail(sender="Ann <an\x00n@example.com>")
    with serve.smtp() as client:
        assert client.sendmail("ann@example.com", ["support@support.example.com"], raw) == {}
    assert serve.wait_tickets(1)[0]["customer"] == "ann@example.com"
    assert "Traceback" not in serve.log.read_text()


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def test_a_command_line_is_read_at_most_2kb_at_a_time(serve) -> None:
    """A 20 MB command line is refused without being held in memory (the 25 MB DATA limit
    used to size the command reader too)."""
    import socket

    assert serve.proc is not None
    before = rss_kb(serve.proc.pid)
    with socket.create_connection(("127.0.0.1", serve.smtp_port), timeout=30) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"220")
        sock.sendall(b"NOOP ")
        for _ in range(20):
            sock.sendall(b"A" * 1_000_000)
        sock.sendall(b"\r\n")
        assert reader.readline().startswith(b"500")
        sock.sendall(b"HELO " + b"a" * 3000 + b"\r\n")
        assert reader.readline().startswith(b"500")
        sock.sendall(b"NOOP\r\n")
        assert reader.readline().startswith(b"250")
    assert rss_kb(serve.proc.pid) - before < 8_000


def test_a_global_cap_on_sessions(make_serve) -> None:
    serve = make_serve(smtp={"max_connections": 3, "max_connections_per_client": 0})
    clients = [serve.smtp() for _ in range(3)]
    for client in clients:
        assert client.noop()[0] == 250
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        serve.smtp()
    assert refused.value.smtp_code == 421
    clients.pop().quit()

    def fourth_fits() -> bool:
        try:
            serve.smtp().quit()
            return True
        except smtplib.SMTPConnectError:
            return False

    from conftest import wait_until
    wait_until(fourth_fits, timeout=10)
    for client in clients:
        client.quit()


def test_an_idle_session_is_closed_also_within_data(make_serve) -> None:
    import socket
    import time

    serve = make_serve(smtp={"idle_timeout": "1s"})
    for script in (b"EHLO x\r\n", b"EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<support@support.example.com>\r\n"
                                  b"DATA\r\nSubject: half a mail\r\n"):
        with socket.create_connection(("127.0.0.1", serve.smtp_port), timeout=30) as sock:
            sock.sendall(script)
            started, received = time.monotonic(), b""
            while chunk := sock.recv(4096):
                received += chunk
            assert time.monotonic() - started < 15 and received.startswith(b"220")
    assert serve.tickets() == []
