"""Test harness: real casedesk processes, real SMTP over loopback, real databases."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import config_text
from store.db import scratch_database

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
CORPUS = SHARED / "corpus"
PG_URL = os.environ.get("CASEDESK_TEST_PG_URL")


def _port_block() -> range:
    """This test process's own ports: below the kernel's ephemeral range, one block per xdist worker.

    Ports from bind(0) come out of the ephemeral range, where any outgoing connection (to
    PostgreSQL, an SMTP client, another worker's test) may take the port before serve binds it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    # CASEDESK_TEST_PORT_BASE lets two suites run side by side on one machine (1,000 ports a worker).
    base = int(os.environ.get("CASEDESK_TEST_PORT_BASE", "20000"))
    start = base + (index % 6) * 1000
    return range(start, start + 1000)


_next_port = iter(_port_block())


def free_port() -> int:
    """A loopback port nobody else in the test run will be handed."""
    global _next_port
    for _ in range(4000):
        try:
            port = next(_next_port)
        except StopIteration:  # a long run wraps around; earlier servers are long gone
            _next_port = iter(_port_block())
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free loopback port in this worker's block")


def wait_until(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail the test on timeout.

    Limits are generous on purpose: on a busy machine (the suite beside other work, a CI box)
    filing at nice 10 and a spawned CLI can take many times longer than on an idle one, and a
    passing wait returns as soon as its condition holds anyway.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check}")
        time.sleep(every)


# -- databases -------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and, when CASEDESK_TEST_PG_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'casedesk.db'}"
        return
    if not PG_URL:
        pytest.skip("CASEDESK_TEST_PG_URL not set")
    url, drop = scratch_database(PG_URL, "casedesk_test")
    yield url
    drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'casedesk.db'}"


# -- config ------------------------------------------------------------------------------------

def write_config(folder: Path, db_url: str, **tables: Any) -> Path:
    """A config.toml on free ports with `tables` merged over test defaults."""
    smtp_port, web_port = free_port(), free_port()
    base: dict[str, dict[str, Any]] = {
        "smtp": {"listen": f"127.0.0.1:{smtp_port}", "domains": ["support.example.com"]},
        "outbound": {"transport": "maildir", "maildir": str(folder / "outbox")},
        "database": {"url": db_url},
        "web": {"listen": f"127.0.0.1:{web_port}", "base_url": f"http://127.0.0.1:{web_port}",
                "secret": "test-secret-0123456789abcdef-0123456789", "staff": ["staff@support.example.com"]},
        "followup": {"tick": "200ms"},
    }
    for table, values in tables.items():
        if isinstance(values, list):  # [[table]] arrays, e.g. imap
            base[table] = values  # type: ignore[assignment]
        else:
            base.setdefault(table, {}).update(values)
    path = folder / "config.toml"
    path.write_text(config_text(base), encoding="utf-8")
    return path


# -- a running casedesk ------------------------------------------------------------------------

def run_cli(config: Path, *args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """Run the real `casedesk` command line."""
    return subprocess.run([sys.executable, "-m", "casedesk.cli", "--config", str(config), *args],
                          input=input, capture_output=True, timeout=timeout, cwd=ROOT)


class Serve:
    """A `casedesk serve` subprocess on free ports, with helpers to talk to it."""

    def __init__(self, config: Path) -> None:
        from core.settings import load

        self.config = config
        self.settings = load(config)
        self.smtp_port = self.settings.smtp.listen.port
        self.web_port = self.settings.web.listen.port
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.log = config.parent / f"serve-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._store: Any = None

    def start(self, timeout: float = 60) -> "Serve":
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "casedesk.cli", "--config", str(self.config), "serve"],
                stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        wait_until(self.ready, timeout)
        return self

    def ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"casedesk serve exited {self.proc.returncode}:\n{self.log.read_text()}")
        for port in (self.smtp_port, self.web_port):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                return False
        return True

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self._store is not None:
            self._store.dispose()
            self._store = None
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"casedesk serve ignored signal {sig}:\n{self.log.read_text()}")

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30)

    def send(self, raw: bytes, rcpt: str = "support@support.example.com", sender: str = "customer@example.com") -> Any:
        with self.smtp() as client:
            return client.sendmail(sender, [rcpt], raw)

    def accepts(self, raw: bytes) -> bool:
        """True when the listener answers 250 now; False on a 4xx/5xx to DATA (try again later)."""
        try:
            return self.send(raw) == {}
        except smtplib.SMTPDataError:
            return False

    def wait_all_filed(self, timeout: float = 120) -> list[Any]:
        """Every raw mail stored so far, once each one has been filed (or set aside).

        Polled with one count; the rows (with their bytes) are read once, at the end: reading
        them all on every poll took the CPU that filing needed (2,000 mails of backlog)."""
        from sqlmodel import func, select

        from store.models import RawMail

        def filed() -> bool:
            with self.store().read() as session:
                stored = session.scalar(select(func.count()).select_from(RawMail)) or 0
                waiting = session.scalar(select(func.count()).select_from(RawMail)
                                         .where(RawMail.processed_at.is_(None)))  # type: ignore[union-attr]
            return stored > 0 and waiting == 0

        wait_until(filed, timeout, every=0.2)
        with self.store().read() as session:
            return list(session.scalars(select(RawMail)))

    def store(self) -> Any:
        """This test's own connection to serve's database, for polling (disposed at stop)."""
        from store.db import Database

        if self._store is None:
            self._store = Database(self.settings.database.url)
        return self._store

    def tickets_now(self, status: str | None = None) -> list[dict[str, Any]]:
        """What `tickets --json` prints, read in this process: for waits. A CLI process per poll
        takes the CPU that filing needs; the CLI itself is asked once the wait is over."""
        import json

        from store.tickets import list_tickets
        from store.views import ticket_summary

        with self.store().read() as session:
            return json.loads(json.dumps([ticket_summary(t) for t in list_tickets(session, status=status)]))

    def show_now(self, ref: str) -> dict[str, Any]:
        """What `show REF --json` prints, read in this process: for waits (see tickets_now)."""
        import json

        from store.tickets import ticket_by_ref
        from store.views import ticket_detail

        with self.store().read() as session:
            ticket = ticket_by_ref(session, ref)
            assert ticket is not None, f"no case {ref}"
            return json.loads(json.dumps(ticket_detail(session, ticket)))

    def cli(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return run_cli(self.config, *args, input=input)

    def tickets(self, *args: str) -> list[dict[str, Any]]:
        import json

        result = self.cli("tickets", "--json", *args)
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    def show(self, ref: str) -> dict[str, Any]:
        import json

        result = self.cli("show", ref, "--json")
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    def wait_tickets(self, count: int, timeout: float = 60, *args: str) -> list[dict[str, Any]]:
        """Wait until at least `count` tickets are filed (filing follows the 250 within ms).

        The store is polled with one cheap query: polling through the CLI would start a Python
        process every few milliseconds and take the CPU that filing needs (on a busy machine
        that alone made 53 mails miss a 15 s wait). The CLI answers once the count is there.
        """
        wait_until(lambda: self.ticket_count() >= count, timeout, every=0.1)
        return wait_until(lambda: (rows := self.tickets(*args)) and len(rows) >= count and rows, timeout,
                          every=0.5)

    def ticket_count(self) -> int:
        from sqlmodel import func, select

        from store.models import Ticket

        with self.store().read() as session:
            return session.scalar(select(func.count()).select_from(Ticket)) or 0


@pytest.fixture
def make_serve(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Serve]]:
    """Start casedesk serve processes (config tables as keyword arguments); stopped after the test."""
    started: list[Serve] = []

    def start(folder: Path | None = None, **tables: dict[str, Any]) -> Serve:
        target = folder or tmp_path / f"serve{len(started)}"
        target.mkdir(parents=True, exist_ok=True)
        serve = Serve(write_config(target, db_url, **tables))
        # Listed before it starts: a serve too slow to become ready is still stopped afterwards
        # (on a loaded machine such leftovers kept ticking and slowed every later test).
        started.append(serve)
        return serve.start()

    yield start
    for serve in started:
        serve.stop()


@pytest.fixture
def serve(make_serve: Callable[..., Serve]) -> Serve:
    """One running casedesk on SQLite (and again on PostgreSQL when configured)."""
    return make_serve()


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path.read_bytes()


def mail(subject: str = "Hello", body: str = "Hi there", sender: str = "Ann <ann@example.com>",
         message_id: str | bool | None = None, headers: dict[str, str] | None = None) -> bytes:
    """A small plain-text mail as bytes; message_id=False leaves the Message-ID out."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@support.example.com"
    message["Subject"] = subject
    message["Date"] = "Mon, 05 Oct 2026 07:00:00 +0000"
    if message_id is not False:
        message["Message-ID"] = str(message_id or f"<{uuid.uuid4().hex}@example.com>")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


# -- casedesk in this process (tests/helpers.py) ------------------------------------------------

@pytest.fixture
def make_desk(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Any]]:
    """casedesk in this process (helpers.Desk: store, ingest worker, notify tick, web app over
    ASGI) on SQLite and, when configured, PostgreSQL; config tables as keyword arguments."""
    from helpers import Desk

    made: list[Desk] = []

    def make(**tables: Any) -> Desk:
        folder = tmp_path / f"desk{len(made)}"
        folder.mkdir(parents=True, exist_ok=True)
        made.append(Desk(write_config(folder, db_url, **tables)))
        return made[-1]

    yield make
    for desk in made:
        desk.close()


@pytest.fixture
def desk(make_desk: Callable[..., Any]) -> Any:
    """One in-process casedesk on the default test config."""
    return make_desk()


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close the HTTP clients a test opened to a serve process (unclosed ones warn, and warnings are errors)."""
    yield
    helpers = sys.modules.get("helpers")  # only a test that used it can have opened one
    if helpers is not None:
        helpers.close_clients()


@pytest.fixture
def capture() -> Iterator[Any]:
    """The outside mail relay (helpers.Capture), not yet started: the test starts it when it wants."""
    from helpers import Capture

    server = Capture()
    yield server
    server.stop()


@pytest.fixture
def relay(capture: Any) -> Any:
    """The outside mail relay, already taking mail."""
    return capture.start()
