"""Shared helpers and fakes of the test suite: no test module imports another, they import this.

- `Desk`: casedesk in this process, on a real database. Mail is filed through the real ingest
  path (accepted as the SMTP listener accepts it, then filed by the ingest worker, as
  `casedesk ingest` does), and the web view is `web.app.create_app` over httpx's ASGI transport.
  Tests of logic that is a page or a plain function use it; `conftest.Serve` (a whole
  `casedesk serve`) is for the README's guarantees and end-to-end flows.
- Signing in (`sign_in`, `follow`, `ask_for_link`, `csrf_of`), for a Desk and for a Serve alike.
- `Capture`: the outside mail relay (a real SMTP server on loopback), shared by the e2e tests.
"""

from __future__ import annotations

import email
import json
import re
import shutil
import threading
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from anyio.from_thread import BlockingPortal, start_blocking_portal

from conftest import Serve, free_port, run_cli, wait_until
from core.links import login_link
from core.settings import Settings, load
# The modules issue 16 moves or renames are imported here only: a rename is a one-line change.
from ingest.case_finder import Thread, find_case  # noqa: F401  (re-exported for the threading tests)
from ingest.filing import Worker
from ingest.parse import message_id_of
from notify.scheduler import Tick, run_tick
from store.db import Database
from store.inbound import Incoming, accept
from store.migrate import ensure_current
from store.tickets import list_tickets, ticket_by_ref
from store.views import ticket_detail, ticket_summary
from web.app import create_app

ANN = "ann@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"
STAFF = "staff@support.example.com"
SUPPORT = "support@support.example.com"
LINK = re.compile(r"(https?://\S+/auth/\S+)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
# The peer address the in-process web view sees: loopback, as a browser on this machine.
PEER = ("127.0.0.1", 50123)


# -- mail staff write -----------------------------------------------------------------------------

def staff_reply(to: str, body: str, subject: str = "Re: your case", sender: str = f"Anna <{STAFF}>",
                attachment: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@support.example.com>"  # staff clients use our domain
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="credit-note.pdf")
    return message.as_bytes()


# -- casedesk in this process ------------------------------------------------------------------

class Desk:
    """casedesk's store, ingest worker, notify tick and web app in this process, on `config`.

    The web app runs on an event loop of its own thread (an anyio portal), so tests stay
    synchronous and Starlette runs the database endpoints in its thread pool as under uvicorn.
    """

    def __init__(self, config: Path) -> None:
        self.config = config
        self.settings: Settings = load(config)
        self.db = Database(self.settings.database.url)
        ensure_current(self.db)  # as serve does: creates a fresh database at the newest schema
        self.app = create_app(self.settings, self.db)
        self.base_url = self.settings.web.base_url
        self.owner = f"test-{uuid.uuid4().hex[:12]}"
        self.outbox = config.parent / "outbox"
        self._portal_cm: AbstractContextManager[BlockingPortal] = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        self.browsers: list[Browser] = []

    def close(self) -> None:
        for browser in self.browsers:
            browser.close()
        self._portal_cm.__exit__(None, None, None)
        self.db.dispose()

    # ingest

    def file(self, *raws: bytes, rcpt: str = SUPPORT, sender: str = "customer@example.com",
             together: bool = False) -> list[dict[str, Any]]:
        """Accept each mail as the SMTP listener does and file it with the ingest worker, one
        after the other as `casedesk ingest` does (`together`: all accepted, then filed in
        batches, as serve files a burst); returns every ticket (`casedesk tickets --json`)."""
        for raw in raws:
            accept(self.db, [Incoming(message_id_of(raw), raw, mail_from=sender, rcpt_to=(rcpt,))], self.owner)
            if not together:
                self.drain()
        self.drain()
        return self.tickets()

    def drain(self) -> int:
        """File every mail accepted so far (the ingest worker's drain)."""
        return Worker(self.db, self.settings, self.owner).drain()

    # what the CLI prints, from the same store functions (json round trip: the same values)

    def tickets(self) -> list[dict[str, Any]]:
        with self.db.read() as session:
            rows = [ticket_summary(t) for t in list_tickets(session)]
        return json.loads(json.dumps(rows))

    def show(self, ref: str) -> dict[str, Any]:
        with self.db.read() as session:
            ticket = ticket_by_ref(session, ref)
            assert ticket is not None, ref
            detail = ticket_detail(session, ticket)
        return json.loads(json.dumps(detail))

    def cli(self, *args: str) -> Any:
        """The real command line on this desk's config (a process of its own)."""
        return run_cli(self.config, *args)

    def link(self, address: str) -> str:
        """A sign-in link as `casedesk link ADDRESS` prints it."""
        return login_link(self.settings, address.strip().lower())

    # notify

    def tick(self, now: datetime | None = None) -> Tick:
        """One notify tick (as serve's scheduler runs it): plan what is due at `now`, send it."""
        return run_tick(self.settings, self.db, self.owner, now)

    def sent(self, address: str | None = None) -> list[EmailMessage]:
        """The mails sent so far (the outbox Maildir), those to `address` when given."""
        found = []
        for path in sorted((self.outbox / "new").glob("*")) if (self.outbox / "new").is_dir() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if address is None or address in str(message["To"]).lower():
                found.append(message)
        return found  # type: ignore[return-value]

    # web

    def browser(self) -> "Browser":
        browser = Browser(self)
        self.browsers.append(browser)
        return browser


class Browser:
    """A cookie-keeping client of a Desk's web app (httpx over ASGI), with a synchronous face."""

    def __init__(self, desk: Desk) -> None:
        self.portal = desk.portal
        transport = httpx.ASGITransport(app=desk.app, client=PEER)  # type: ignore[arg-type]
        self.client = httpx.AsyncClient(transport=transport, base_url=desk.base_url, timeout=30)
        self.cookies = self.client.cookies

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(lambda: self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.portal.call(self.client.aclose)


# -- a running casedesk serve: HTTP clients closed after each test (warnings are errors) ---------

OPEN: list[httpx.Client] = []


def browser_for(serve: Serve) -> httpx.Client:
    """A cookie-keeping HTTP client of a serve process (closed after the test by conftest)."""
    client = httpx.Client(base_url=serve.base_url, timeout=30)
    OPEN.append(client)
    return client


def close_clients() -> None:
    while OPEN:
        OPEN.pop().close()


# -- signing in --------------------------------------------------------------------------------

Client = Browser | httpx.Client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


def follow(client: Client, link: str) -> httpx.Response:
    """What a person does with a sign-in link: open it (a confirm page), then press Sign in."""
    page = client.get(link)
    if page.status_code != 200:
        return page
    return client.post(link, data={"csrf": csrf_of(page.text)})


def ask_for_link(client: Client, address: str) -> httpx.Response:
    """What a browser does: load the form (gets the CSRF cookie), then post it."""
    form = client.get("/login")
    assert form.status_code == 200
    return client.post("/login", data={"email": address, "csrf": csrf_of(form.text)})


def sign_in(target: Desk | Serve, address: str) -> Client:
    """A client holding a session for `address`, signed in with a link as `casedesk link` makes
    it (core.links.login_link, what the command prints) for a Desk or a running serve."""
    client: Client = target.browser() if isinstance(target, Desk) else browser_for(target)
    response = follow(client, login_link(target.settings, address.strip().lower()))
    assert response.status_code == 303 and response.headers["location"] == "/tickets", response.text
    return client


def cli_link(serve: Serve | Desk, address: str) -> str:
    """`casedesk link ADDRESS` run for real: the URL is the last word on stdout."""
    result = serve.cli("link", address)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().split()[-1]


def signed_in(client: Client) -> bool:
    return client.get("/api/tickets").status_code == 200


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found[1]


def filed(serve: Serve, *mails: bytes) -> list[dict[str, Any]]:
    """Send mails to a running serve over SMTP and wait until they are filed."""
    for raw in mails:
        serve.send(raw)
    return serve.wait_tickets(len(mails))


# -- mails -------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% not really a pdf, but bytes we can compare\n" + bytes(range(256))


def rich_mail(subject: str, sender: str = f"Ann <{ANN}>", cc: str | None = None, html: str | None = None,
              attachment: bytes | None = None) -> bytes:
    """A mail with a text part, optionally an HTML alternative and a PDF attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = "Mon, 05 Oct 2026 07:00:00 +0000"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    message.set_content("Hello, the printer is on fire.\nInvoice number: 4711\n")
    if html:
        message.add_alternative(html, subtype="html")
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="invoice.pdf")
    return message.as_bytes()


def ref_of(rows: list[dict[str, object]], customer: str) -> str:
    return str(next(r["ref"] for r in rows if r["customer"] == customer))


# -- the outside mail relay --------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail: EmailMessage

    @property
    def text(self) -> str:
        return self.mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


class Capture:
    """The customer's mail server: a fake at a boundary we do not own, but a real SMTP server on
    loopback (aiosmtpd), so aiosmtplib, the envelope and the bytes are the real thing."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def start(self) -> "Capture":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def outbound(self) -> dict[str, Any]:
        """Config for a serve that sends its mail here."""
        return {"transport": "smtp", "host": "127.0.0.1", "port": self.port}

    # by envelope recipient

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.rcpt_tos == [address]]

    def wait(self, address: str, count: int, timeout: float = 30) -> list[Received]:
        return wait_until(lambda: len(self.to(address)) >= count and self.to(address), timeout)

    # by To header

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.mail for r in self.received]

    def letters(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        return wait_until(lambda: (found := self.letters(address)) and len(found) >= count and found, timeout)


def quiet(seconds: float) -> None:
    """Let serve's ticks pass to show that nothing more is sent (a negative can only be shown by
    waiting; in-process tests run a tick instead)."""
    time.sleep(seconds)
