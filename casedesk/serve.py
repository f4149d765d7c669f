"""`casedesk serve`: SMTP listener, scheduler, IMAP fetchers and web view, plus a filing process."""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid

import uvicorn

from casedesk.filing import FilingProcess
from casedesk.settings import Settings
from ingest.imap import Fetchers
from ingest.server import Committer, start_listener
from notify import scheduler as notify
from store.db import Database
from store.migrate import ensure_current
from web.app import create_app
from web.timeouts import HeaderTimeoutProtocol

log = logging.getLogger("casedesk")


class WebServer(uvicorn.Server):
    """uvicorn without its own signal handling: SIGTERM belongs to serve's orderly shutdown."""

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        pass

    def capture_signals(self):  # type: ignore[no-untyped-def]
        import contextlib

        return contextlib.nullcontext()


def web_config(settings: Settings, db: Database) -> uvicorn.Config:
    """uvicorn for the web view. X-Forwarded-For is believed only from `[web] trusted_proxies`:
    uvicorn's default trusts any loopback client's claim, and the sign-in rate limit counts
    the client address (issue 12)."""
    proxies = list(settings.web.trusted_proxies)
    return uvicorn.Config(create_app(settings, db), host=settings.web.listen.host, port=settings.web.listen.port,
                          log_level="warning", lifespan="off", http=HeaderTimeoutProtocol,
                          proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


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

    filing = FilingProcess(settings, owner)
    committer = Committer(db, owner, filing.wake.set)
    committer.start()
    smtp = await start_listener(settings, committer)
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
        smtp.close()
        await committer.close()
        await asyncio.to_thread(fetchers.stop)
        web.should_exit = True
        await asyncio.gather(web_task, return_exceptions=True)
        await asyncio.to_thread(filing.stop)
        await asyncio.to_thread(ticker.shutdown)
        db.dispose()
        log.info("stopped")
