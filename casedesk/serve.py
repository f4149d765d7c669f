"""`casedesk serve`: SMTP listener, scheduler, IMAP fetchers and web view, plus a filing process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
import uuid
from collections import Counter

import uvicorn

from core import metrics
from ingest.filing import FilingProcess
from core.settings import Settings
from ingest.imap import Fetchers
from ingest.server import Committer, start_listener
from notify import scheduler as notify
from store.db import Database
from store.migrate import ensure_current
from web.app import create_app
from web.timeouts import HeaderTimeoutProtocol

log = logging.getLogger("casedesk")

# On SIGTERM: SMTP transactions in flight get this long to finish, the web view's requests this
# long, and the whole process exits within SHUTDOWN_WITHIN whatever the backlog (README).
SMTP_DRAIN = 3.0
WEB_DRAIN = 2
SHUTDOWN_WITHIN = 9.0


class WebServer(uvicorn.Server):
    """uvicorn without its own signal handling: SIGTERM belongs to serve's orderly shutdown."""

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        pass

    def capture_signals(self):  # uvicorn's is a @contextmanager; this one does nothing
        import contextlib

        return contextlib.nullcontext()


def web_config(settings: Settings, db: Database) -> uvicorn.Config:
    """uvicorn for the web view. X-Forwarded-For is believed only from `[web] trusted_proxies`:
    uvicorn's default trusts any loopback client's claim, and the sign-in rate limit counts
    the client address (issue 12)."""
    proxies = list(settings.web.trusted_proxies)
    return uvicorn.Config(create_app(settings, db), host=settings.web.listen.host, port=settings.web.listen.port,
                          log_level="warning", lifespan="off", http=HeaderTimeoutProtocol,
                          proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                          timeout_graceful_shutdown=WEB_DRAIN)


def instance_name() -> str:
    """A name for this serve process: raw mail it accepts is filed by it first."""
    return f"serve-{uuid.uuid4().hex[:12]}"


async def serve(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT, then stop taking mail, finish what was taken, and exit."""
    db = Database(settings.database.url)
    ensure_current(db)
    owner = instance_name()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    filing = FilingProcess(settings, owner, metrics.filing_report)
    committer = Committer(db, owner, filing.wake.set)
    committer.start()
    sessions: Counter[str] = Counter()
    smtp = await start_listener(settings, committer, sessions)
    ticker = notify.start(settings, db, owner)
    fetchers = Fetchers(settings.imap, db, owner, filing.wake.set)
    fetchers.start()
    web = WebServer(web_config(settings, db))
    web_task = asyncio.create_task(web.serve())
    log.info("casedesk %s: SMTP on %s, web on %s, database %s", owner, settings.smtp.listen,
             settings.web.listen, db.engine.url.render_as_string(hide_password=True))
    print(f"casedesk serving: SMTP {settings.smtp.listen}, web {settings.web.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        exit_by(SHUTDOWN_WITHIN)
        smtp.close()
        filing.begin_stop()  # filing stops after its current mail, while the rest shuts down
        await until_idle(sessions, SMTP_DRAIN)
        await committer.close()
        web.should_exit = True
        await asyncio.gather(asyncio.to_thread(fetchers.stop), web_task, asyncio.to_thread(filing.stop),
                             return_exceptions=True)
        await asyncio.to_thread(ticker.shutdown)
        db.dispose()
        log.info("stopped")


async def until_idle(sessions: Counter[str], within: float) -> None:
    """Wait for the open SMTP sessions to end (a transaction in flight gets its 250 or 451),
    at most `within` seconds: an idle client keeping its connection open is not waited for."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while sum(sessions.values()) > 0 and loop.time() < deadline:
        await asyncio.sleep(0.05)


def exit_by(seconds: float) -> None:
    """The backstop of the shutdown promise: whatever still runs after `seconds` (an IMAP server
    that does not answer, a notify tick sending through a slow relay) is cut off. Every mail
    is in raw_mail or the outbox by then, and each is idempotent on the next start."""
    def watch() -> None:
        time.sleep(seconds)
        log.warning("shutdown took over %ss; exiting now", seconds)
        logging.shutdown()
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="casedesk-exit-by").start()
