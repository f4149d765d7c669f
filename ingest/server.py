"""The SMTP edge: accept mail for the support domains, answer 250 only once it is committed."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import ssl
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AnyStr

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, Session

from core import metrics
from core.batching import whole_or_each
from core.settings import Settings, SmtpSettings
from ingest.parse import message_id_of
from store.db import Database
from store.inbound import Incoming, accept

log = logging.getLogger("casedesk.smtp")

OK = "250 2.0.0 OK: stored"
DUPLICATE = "250 2.0.0 OK: already stored"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"
NOT_OURS = "550 5.7.1 Relay denied: we accept mail for our support domains only"
TOO_BIG = "552 5.3.4 Message too big"
TOO_MANY = "421 4.7.0 Too many connections from your address, try again later"
BUSY = "421 4.3.2 Too many connections, try again later"
BAD_SYNTAX = "501 5.5.4 Syntax error in parameters"
# Real mail from broken clients has lines far over RFC 5321's 1000 (or no CRLF at all); we
# would rather keep it. The effective limit is this or the message size limit, if larger.
LINE_LIMIT = 1 << 20
# Command lines (EHLO, MAIL, RCPT, ...) are read with this limit; anything longer is refused
# without being buffered (the DATA limit alone would let one command line take 25 MB).
COMMAND_LINE_LIMIT = 2048
# How many concurrent accepts one transaction may carry (group commit).
GROUP_COMMIT = 64


class Committer:
    """Commits raw mail for concurrent SMTP sessions in shared transactions (group commit).

    Every session awaits its own mail's commit; a batch that fails is retried one by one so
    one bad mail cannot make the others wait.
    """

    def __init__(self, db: Database, owner: str, on_commit: Callable[[], None]) -> None:
        self.db, self.owner, self.on_commit = db, owner, on_commit
        self.queue: asyncio.Queue[tuple[Incoming, asyncio.Future[int | None]]] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="casedesk-commit")
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def commit(self, mail: Incoming) -> int | None:
        """Return the raw row id once committed (None: the Message-ID was known); raises on failure."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((mail, future))
        return await future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < GROUP_COMMIT:
                batch.append(self.queue.get_nowait())
            await loop.run_in_executor(self.executor, self.commit_batch, batch)
            self.on_commit()

    def commit_batch(self, batch: list[tuple[Incoming, asyncio.Future[int | None]]]) -> None:
        """Runs in the commit thread; resolves each future on the event loop."""
        ids = whole_or_each([mail for mail, _ in batch], lambda mails: accept(self.db, list(mails), self.owner))
        for (mail, future), result in zip(batch, ids):
            if isinstance(result, Exception):
                log.error("could not store %s", mail.message_id, exc_info=result)
                result = StoreError()
            future.get_loop().call_soon_threadsafe(resolve, future, result)

    async def close(self) -> None:
        """Finish what is queued (no half-handled mail), then stop."""
        while not self.queue.empty():
            await asyncio.sleep(0.01)
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        self.executor.shutdown(wait=True)


class StoreError(Exception):
    """The store could not commit a mail; the client is told to try again."""


def resolve(future: asyncio.Future[int | None], result: int | None | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class Handler:
    """aiosmtpd handler: recipient policy, size, durable accept. Never 5xx for our own faults."""

    def __init__(self, settings: Settings, committer: Committer) -> None:
        self.domains = frozenset(settings.smtp.domains)
        self.max_size = settings.smtp.max_message_size
        self.committer = committer

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address.rpartition("@")[2].lower().rstrip(".") not in self.domains:
            return NOT_OURS
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        if len(data) > self.max_size:
            return TOO_BIG
        try:
            mail = Incoming(message_id=message_id_of(data), data=data,
                            mail_from=envelope.mail_from or "<>", rcpt_to=tuple(envelope.rcpt_tos))
            raw_id = await self.committer.commit(mail)
        except Exception:
            log.exception("accept failed, answered 451")
            return TRY_LATER
        log.info("accepted %s from %s (%s)", mail.message_id, envelope.mail_from,
                 "new" if raw_id else "duplicate")
        metrics.ACCEPTED.labels("stored" if raw_id else "duplicate").inc()
        return OK if raw_id else DUPLICATE

    async def handle_exception(self, error: Exception) -> str:
        # aiosmtpd's default answers "500 Error: (Exc) text": permanent, and it leaks internals.
        log.exception("SMTP session error", exc_info=error)
        return TRY_LATER


class LimitedSMTP(SMTP):
    """aiosmtpd's SMTP with caps on concurrent sessions (per client address and in all), short
    command lines, strict MAIL/RCPT syntax, and DATA read in blocks (see `smtp_DATA`)."""

    def __init__(self, *args: Any, per_client: int, sessions: Counter[str], max_sessions: int = 0,
                 **kwargs: Any) -> None:
        # aiosmtpd sizes its reader from this before we could change it: command lines are
        # short; DATA raises the reader's limit while it reads (see `smtp_DATA`).
        self.line_length_limit = COMMAND_LINE_LIMIT
        self.data_line_limit = max(LINE_LIMIT, kwargs.get("data_size_limit") or 0)
        super().__init__(*args, **kwargs)
        self.per_client, self.max_sessions, self.sessions, self.client_ip = per_client, max_sessions, sessions, ""
        self.refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self.client_ip = str(peer[0]) if peer else ""
        self.sessions[self.client_ip] += 1
        refusal = None
        if self.per_client and self.sessions[self.client_ip] > self.per_client:
            refusal = TOO_MANY
        elif self.max_sessions and sum(self.sessions.values()) > self.max_sessions:
            refusal = BUSY
        if refusal:
            self.refused = True
            metrics.refused(refusal)
            transport.write(f"{refusal}\r\n".encode())  # type: ignore[attr-defined]
            transport.close()
            return
        super().connection_made(transport)

    async def smtp_MAIL(self, arg: str | None) -> None:
        if arg is not None and not plausible_path(arg, "FROM:"):
            await self.push(BAD_SYNTAX)
            return
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: str | None) -> None:
        if arg is not None and not plausible_path(arg, "TO:"):
            await self.push(BAD_SYNTAX)
            return
        await super().smtp_RCPT(arg)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # aiosmtpd's parser raises more than HeaderParseError on some junk; junk is a syntax error.
        try:
            return super()._getaddr(arg)
        except Exception:
            return None, None

    def connection_lost(self, exc: Exception | None) -> None:
        self.sessions[self.client_ip] -= 1
        if self.sessions[self.client_ip] <= 0:
            del self.sessions[self.client_ip]
        if not self.refused:
            super().connection_lost(exc)

    async def push(self, status: AnyStr) -> None:
        """Every reply goes out here: refusals are counted by code for /metrics."""
        metrics.refused(status)
        await super().push(status)

    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA command with the message read in blocks rather than line by line.

        aiosmtpd awaits one `readuntil(CRLF)` per line: a 300 KB attachment is 5,000 awaits, and
        that loop was most of the SMTP edge's CPU (docs/bench.md). Same checks, same replies.
        """
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        # The reader's limit is private to asyncio; raising it for DATA keeps block reads large.
        self._reader._limit = self.data_line_limit  # type: ignore[attr-defined]
        try:
            content = await read_data(self._reader, self.data_size_limit, self._reset_timeout)
        except (asyncio.CancelledError, asyncio.IncompleteReadError):
            log.info("connection lost during DATA")
            self._writer.close()
            raise asyncio.CancelledError from None
        finally:
            self._reader._limit = COMMAND_LINE_LIMIT  # type: ignore[attr-defined]
        if content is None:
            await self.push("552 Error: Too much mail data")
            self._set_post_data_state()
            return
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)


def plausible_path(arg: str, keyword: str) -> bool:
    """MAIL FROM:/RCPT TO: arguments worth parsing: no NUL or other control character, and an
    opened angle bracket is closed ("MAIL FROM:<" is a syntax error, 501, not a fault of ours)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in arg):
        return False
    path = arg[len(keyword):].lstrip() if arg[:len(keyword)].upper() == keyword else arg
    return not path.startswith("<") or ">" in path


async def read_data(reader: asyncio.StreamReader, limit: int | None,
                    progress: Callable[[], None] | None = None) -> bytes | None:
    """An SMTP DATA section up to the lone dot (RFC 5321 4.1.1.4), dot-unstuffed; None when it
    is larger than `limit` (it is still read to the end, so the session can go on).

    Reads up to each ".CRLF", which ends base64 lines never and text lines now and then, and
    never reads past the end of the message: pipelined commands stay in the reader.
    """
    kept, size = bytearray(), 0
    while True:
        try:
            chunk = await reader.readuntil(b".\r\n")
        except asyncio.LimitOverrunError as error:  # a long stretch without ".CRLF"
            chunk = await reader.readexactly(error.consumed)
        if progress is not None:
            progress()  # data is arriving: the session is not idle
        size += len(chunk)
        kept += chunk
        if kept.endswith(b"\r\n.\r\n") or size == 3 and kept == b".\r\n":
            break
        if limit and size - 3 > limit:
            del kept[:-4]  # over the limit: keep only what may still complete the terminator
    if limit and size - 3 > limit:
        return None
    data = bytes(kept[:-3])
    unstuffed = data.replace(b"\r\n.", b"\r\n")
    return unstuffed[1:] if data.startswith(b".") else unstuffed


class Authenticator:
    """AUTH PLAIN/LOGIN against [smtp] auth_users; passwords come from the environment."""

    def __init__(self, users: tuple[tuple[str, str], ...]) -> None:
        self.passwords = {user: os.environ.get(variable, "") for user, variable in users}

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        login = getattr(auth_data, "login", b"").decode("utf-8", "replace")
        password = getattr(auth_data, "password", b"").decode("utf-8", "replace")
        expected = self.passwords.get(login)
        ok = expected is not None and hmac.compare_digest(expected.encode(), password.encode())
        return AuthResult(success=ok, handled=False)


def smtp_options(smtp: SmtpSettings) -> dict[str, Any]:
    """aiosmtpd options for the optional STARTTLS and AUTH of [smtp]."""
    options: dict[str, Any] = {}
    if smtp.tls_cert and smtp.tls_key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(smtp.tls_cert, smtp.tls_key)
        options.update(tls_context=context, require_starttls=smtp.require_tls)
    if smtp.auth_users:
        # Never before STARTTLS (settings refuse auth_users without TLS).
        options.update(authenticator=Authenticator(smtp.auth_users), auth_required=smtp.auth_required,
                       auth_require_tls=True)
    return options


async def start_listener(settings: Settings, committer: Committer,
                         sessions: Counter[str] | None = None) -> asyncio.AbstractServer:
    """Bind the SMTP listener on the running loop (aiosmtpd's Controller would start its own).
    `sessions` counts the open sessions per client address (serve waits for them on SIGTERM)."""
    handler = Handler(settings, committer)
    sessions = sessions if sessions is not None else Counter()
    options = smtp_options(settings.smtp)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: LimitedSMTP(handler, data_size_limit=settings.smtp.max_message_size,
                            enable_SMTPUTF8=True, decode_data=False,
                            ident="casedesk ESMTP", per_client=settings.smtp.max_connections_per_client,
                            max_sessions=settings.smtp.max_connections, sessions=sessions,
                            timeout=settings.smtp.idle_timeout.total_seconds(), **options),
        host=settings.smtp.listen.host, port=settings.smtp.listen.port,
    )
