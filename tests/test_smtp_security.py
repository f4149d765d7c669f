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
