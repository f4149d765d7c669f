"""The IMAP edge: fetch mail from existing mailboxes, commit it, and only then move it away.

One blocking fetcher per [[imap]] table, each in its own thread (imapclient is synchronous; a
thread per mailbox keeps IDLE, timeouts and backoff simple and off the serve event loop).
The order is the guarantee: bytes are committed to raw_mail (deduped by Message-ID) before the
mail leaves the folder, so a crash in between only means the next pass fetches it again and
dedupe absorbs it. No UID is remembered across passes, so a UIDVALIDITY change needs nothing but
a re-scan. Unlike Zammad's fetcher, mail that could not be stored is never deleted.
"""

from __future__ import annotations

import imaplib
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from sqlalchemy.exc import SQLAlchemyError

from core.batching import whole_or_each
from core.settings import ImapSettings
from ingest.parse import message_id_of
from store.db import Database
from store.inbound import Incoming, accept
from store.mailboxes import record_status
from store.models import utcnow

log = logging.getLogger("casedesk.imap")
# IMAPClient logs every logout at INFO; our own log has one line per decision.
logging.getLogger("imapclient").setLevel(logging.WARNING)

# Mails fetched, committed and moved per round trip: bounded memory, few round trips.
BATCH = 50
# RFC 2177: a server may drop a client idle for 30 minutes, so IDLE is re-issued well before.
IDLE_RENEW = 25 * 60.0
# Reconnect delays: 1s, 2s, 4s ... capped at 5 minutes.
BACKOFF_FIRST, BACKOFF_CAP = 1.0, 300.0
# A silent server must not hang a fetcher (or shutdown) forever.
SOCKET_TIMEOUT = 60.0
# How often a waiting fetcher looks at its stop flag.
STOP_CHECK = 1.0
# Test hook, documented in docs/imap.md: when set to "1", a fetcher stops dead after committing a
# batch and before moving it, so a test can kill -9 serve in exactly that window.
PAUSE_AFTER_COMMIT = "CASEDESK_TEST_IMAP_PAUSE_AFTER_COMMIT"
DELETED = b"\\Deleted"


class AuthFailed(Exception):
    """The server refused our login (or there is no password): retrying will not fix it."""


@dataclass
class Health:
    """What /healthz and the log say about one mailbox."""

    name: str
    last_ok_at: datetime | None = None
    last_error: str | None = None
    failures: int = 0


@dataclass(frozen=True)
class Fetched:
    """The outcome of one pass: mails newly stored and mails that were already stored."""

    new: int = 0
    duplicates: int = 0


_health: dict[str, Health] = {}
_health_lock = threading.Lock()


def status() -> list[dict[str, object]]:
    """Every mailbox this process fetches: name, last_ok_at, last_error, failures."""
    with _health_lock:
        return [asdict(h) for h in sorted(_health.values(), key=lambda h: h.name)]


# -- talking to the server ------------------------------------------------------------------------

def password_of(box: ImapSettings) -> str:
    if not box.password_env:
        return box.password
    value = os.environ.get(box.password_env)
    if not value:
        raise AuthFailed(f"password_env: environment variable {box.password_env} is not set")
    return value


def connect(box: ImapSettings) -> IMAPClient:
    """A logged-in client; AuthFailed when the credentials are refused."""
    client = IMAPClient(box.host, box.port, ssl=box.tls, timeout=SOCKET_TIMEOUT)
    try:
        client.login(box.username, password_of(box))
    except (LoginError, AuthFailed) as exc:
        close(client)
        if isinstance(exc, AuthFailed):
            raise
        raise AuthFailed(f"login as {box.username} refused: {server_text(exc)}") from None
    except BaseException:
        close(client)
        raise
    return client


def close(client: IMAPClient) -> None:
    """Log out if the connection still works; never raises (we are already leaving)."""
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def folder_path(client: IMAPClient, name: str) -> str:
    """Config folder names use "/" between levels; servers use their own delimiter and prefix.

    Gmail and Microsoft 365 use "/", Dovecot's Maildir++ ".", Courier-style servers an "INBOX."
    prefix; NAMESPACE (RFC 2342) tells us which.
    """
    if name.upper() == "INBOX":
        return name
    prefix, delimiter = "", "/"
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal:
            prefix, delimiter = personal[0][0], personal[0][1] or "/"
    path = name.replace("/", delimiter)
    return path if path.startswith(prefix) else prefix + path


def move_away(client: IMAPClient, uids: list[int], target: str) -> None:
    """Move committed mail to `target` (or delete it when there is no target).

    MOVE (RFC 6851) is atomic; without it, COPY + \\Deleted + UID EXPUNGE (RFC 4315) removes only
    our mails. A server with neither MOVE nor UIDPLUS gets a plain EXPUNGE, which also removes
    mails someone else flagged \\Deleted in this folder: such servers are rare and documented.
    """
    if target and client.has_capability("MOVE"):
        client.move(uids, target)
        return
    if target:
        client.copy(uids, target)
    client.add_flags(uids, [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.expunge(uids)
    else:
        client.expunge()


def announces_mail(responses: list[tuple[object, ...]]) -> bool:
    """An IDLE update like `* 12 EXISTS`: the folder grew (EXPUNGE, FETCH do not count)."""
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] == b"EXISTS" for r in responses)


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def server_text(exc: BaseException) -> str:
    """imaplib's errors carry the server's reply as a bytes repr; make it a plain line."""
    text = str(exc)
    match = re.fullmatch(r"b(['\"])(.*)\1", text)
    return (match[2] if match else text).strip()[:300]


def describe(exc: BaseException, box: ImapSettings) -> str:
    """One line for the log, /healthz and `casedesk fetch --once`; no tracebacks, no password."""
    where = f"{box.host}:{box.port}"
    if isinstance(exc, AuthFailed):
        return str(exc)
    if isinstance(exc, ssl.SSLError):
        tls = str(box.tls).lower()
        return f"TLS with {where} failed ({exc.reason or exc}); is tls = {tls} right?"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"{where} did not answer within {SOCKET_TIMEOUT:.0f}s"
    if isinstance(exc, OSError):
        return f"cannot reach {where}: {exc.strerror or exc}"
    if isinstance(exc, SQLAlchemyError):
        return f"the store is unavailable ({type(exc).__name__}); mail stays in the mailbox"
    if isinstance(exc, imaplib.IMAP4.error):
        return f"IMAP error from {where}: {server_text(exc)}"
    return f"{type(exc).__name__}: {server_text(exc)}"


# -- one pass -----------------------------------------------------------------------------------

class Mailbox:
    """One mailbox's fetch logic over a logged-in client: commit first, move after."""

    def __init__(self, box: ImapSettings, db: Database, owner: str,
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self.box, self.db, self.owner, self.on_commit = box, db, owner, on_commit
        self.uidvalidity: int | None = None

    def open(self, client: IMAPClient) -> tuple[str, str]:
        """Select the folder (creating the processed folder if missing); returns both names."""
        folder = folder_path(client, self.box.folder)
        target = folder_path(client, self.box.processed_folder) if self.box.processed_folder else ""
        if target and not client.folder_exists(target):
            client.create_folder(target)
            log.info("imap %s: created folder %s", self.box.name, target)
        selected = client.select_folder(folder)
        uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
        if self.uidvalidity is not None and uidvalidity != self.uidvalidity:
            # We keep no UIDs between passes, so a new numbering needs nothing but this re-scan;
            # mail we had stored but not yet moved comes back and is absorbed by dedupe.
            log.warning("imap %s: UIDVALIDITY changed (%s -> %s), re-scanning the folder",
                        self.box.name, self.uidvalidity, uidvalidity)
        self.uidvalidity = uidvalidity
        return folder, target

    def fetch_pass(self, client: IMAPClient) -> Fetched:
        """Fetch everything not deleted in the folder, commit it, then move it away.

        ALL rather than UNSEEN: a colleague reading the shared mailbox must not hide mail from us.
        """
        _, target = self.open(client)
        new = duplicates = 0
        for batch in chunks(sorted(client.search(["NOT", "DELETED"])), BATCH):
            stored_uids, fresh, known = self.store(client, batch)
            new, duplicates = new + fresh, duplicates + known
            if os.environ.get(PAUSE_AFTER_COMMIT) == "1":
                log.warning("imap %s: test hook %s: pausing after commit, before move",
                            self.box.name, PAUSE_AFTER_COMMIT)
                threading.Event().wait()
            if stored_uids:
                move_away(client, stored_uids, target)
        return Fetched(new, duplicates)

    def store(self, client: IMAPClient, uids: list[int]) -> tuple[list[int], int, int]:
        """Commit a batch; returns the UIDs now safely stored and the new/duplicate counts."""
        fetched = client.fetch(uids, [b"BODY.PEEK[]"])
        mails = {uid: self.incoming(fetched[uid][b"BODY[]"]) for uid in uids
                 if uid in fetched and b"BODY[]" in fetched[uid]}
        committed = self.commit(mails)
        if committed:
            self.on_commit()
        for uid, raw_id in committed.items():
            log.info("imap %s: fetched %s (%s)", self.box.name, mails[uid].message_id,
                     "new" if raw_id else "duplicate")
        fresh = sum(1 for raw_id in committed.values() if raw_id)
        return sorted(committed), fresh, len(committed) - fresh

    def incoming(self, data: bytes) -> Incoming:
        # No SMTP envelope here: mail_from stays unknown (""), as for `casedesk ingest`; bounces
        # are still recognised by their Return-Path: <> and report content type.
        return Incoming(message_id=message_id_of(data), data=data, source="imap")

    def commit(self, mails: dict[int, Incoming]) -> dict[int, int | None]:
        """One transaction for the batch; if it fails, one by one, so one bad mail blocks no other.

        A mail that cannot be stored stays in the mailbox and is tried again next pass; if none
        can be stored the store is down and the error goes up to the backoff loop.
        """
        if not mails:
            return {}
        results = whole_or_each(list(mails.values()), lambda batch: accept(self.db, list(batch), self.owner))
        committed: dict[int, int | None] = {}
        error: Exception | None = None
        for (uid, mail), result in zip(mails.items(), results):
            if isinstance(result, Exception):
                error = result
                log.error("imap %s: could not store %s; it stays in the mailbox",
                          self.box.name, mail.message_id, exc_info=result)
            else:
                committed[uid] = result
        if not committed and error is not None:
            raise error
        return committed


def fetch_once(box: ImapSettings, db: Database, owner: str,
               on_commit: Callable[[], None] = lambda: None) -> Fetched:
    """One connect-fetch-move pass (`casedesk fetch --once`); records health; raises on failure."""
    health = Health(box.name)
    try:
        client = connect(box)
        try:
            result = Mailbox(box, db, owner, on_commit).fetch_pass(client)
        finally:
            close(client)
    except Exception as exc:
        report(db, health, exc, box)
        raise
    report(db, health, None, box)
    return result


def report(db: Database, health: Health, error: BaseException | None,
           box: ImapSettings) -> str | None:
    """Update the in-memory and stored health; returns the error line (None on success)."""
    now = utcnow()
    line = describe(error, box) if error is not None else None
    with _health_lock:
        if line is None:
            health.last_ok_at, health.failures = now, 0
        else:
            health.last_error, health.failures = line, health.failures + 1
        _health[health.name] = health
    try:
        record_status(db, health.name, error=line, now=now)
    except Exception as exc:
        log.debug("imap %s: could not record status: %s", health.name, exc)
    return line


# -- the long-running fetcher -------------------------------------------------------------------

class Fetcher:
    """Keeps one mailbox drained: pass, then IDLE (or sleep `poll`), reconnecting with backoff.

    `idle=False` forces polling even when the server offers IDLE (tests use it to cover the
    polling path on Dovecot, which always offers IDLE).
    """

    def __init__(self, box: ImapSettings, db: Database, owner: str,
                 on_commit: Callable[[], None] = lambda: None, *, idle: bool = True) -> None:
        self.box, self.db, self.use_idle = box, db, idle
        self.mailbox = Mailbox(box, db, owner, on_commit)
        self.health = Health(box.name)
        self.delay = BACKOFF_FIRST
        with _health_lock:
            _health[box.name] = self.health

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: connect, drain, wait; any failure is logged once per change and retried.

        With IDLE one connection stays open; when polling, none is held between passes, since
        servers drop idle clients and a dropped connection is not worth an error line.
        """
        while not stop.is_set():
            try:
                client = connect(self.box)
            except Exception as exc:
                self.failed(exc, stop)
                continue
            try:
                use_idle = self.use_idle and client.has_capability("IDLE")
                self.drain(client, use_idle)
                while use_idle and not stop.is_set():
                    self.idle(client, stop)
                    self.drain(client, use_idle)
            except Exception as exc:
                close(client)
                self.failed(exc, stop)
                continue
            close(client)
            self.sleep(stop)

    def drain(self, client: IMAPClient, use_idle: bool) -> None:
        self.succeeded(self.mailbox.fetch_pass(client), use_idle)

    def idle(self, client: IMAPClient, stop: threading.Event) -> None:
        """Until the server announces mail or `poll` passes (a safety-net pass), whichever first."""
        deadline = time.monotonic() + min(self.box.poll.total_seconds(), IDLE_RENEW)
        client.idle()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                left = max(deadline - time.monotonic(), 0.01)
                if announces_mail(client.idle_check(timeout=min(STOP_CHECK, left))):
                    return
        finally:
            client.idle_done()

    def sleep(self, stop: threading.Event) -> None:
        stop.wait(self.box.poll.total_seconds())

    def succeeded(self, result: Fetched, use_idle: bool) -> None:
        was_failing, first = self.health.failures, self.health.last_ok_at is None
        report(self.db, self.health, None, self.box)
        self.delay = BACKOFF_FIRST
        if first or was_failing:
            how = "IDLE" if use_idle else f"polling every {self.box.poll.total_seconds():g}s"
            log.info("imap %s: connected (%s)%s", self.box.name, how,
                     f" after {was_failing} failed attempts" if was_failing else "")
        if result.new or result.duplicates:
            log.info("imap %s: %d new, %d already stored", self.box.name, result.new,
                     result.duplicates)

    def failed(self, exc: BaseException, stop: threading.Event) -> None:
        """Log only when the error changes (no traceback per retry), then back off."""
        previous = self.health.last_error if self.health.failures else None
        line = report(self.db, self.health, exc, self.box)
        if line != previous:
            log.error("imap %s: %s; retrying with backoff up to %gs", self.box.name, line,
                      BACKOFF_CAP)
        stop.wait(self.delay)
        self.delay = min(self.delay * 2, BACKOFF_CAP)


class Fetchers:
    """The fetcher threads of `casedesk serve`, one per [[imap]] table."""

    def __init__(self, boxes: tuple[ImapSettings, ...], db: Database, owner: str,
                 on_commit: Callable[[], None]) -> None:
        self.stop_event = threading.Event()
        self.threads = [
            # Daemon threads: a server that hangs mid-fetch must not keep serve from exiting;
            # whatever it was doing is either committed (dedupe) or still in the mailbox.
            threading.Thread(target=Fetcher(box, db, owner, on_commit).run, args=(self.stop_event,),
                             name=f"casedesk-imap-{n}", daemon=True)
            for n, box in enumerate(boxes, 1)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0))
