"""GET /healthz: 200 while the database answers; the body says what else is degraded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.settings import ImapSettings, Settings
from store.db import Database
from store.inbound import oldest_pending, set_aside_count
from store.mailboxes import mailbox_statuses
from store.models import MailboxStatus, utcnow
from store.views import iso

if TYPE_CHECKING:
    from web.auth import Viewer

# Unfiled mail older than this means the filing process is stuck or far behind.
FILING_LAG = timedelta(minutes=5)
# IDLE is renewed every 25 minutes, so a healthy fetcher reports at least that often.
IDLE_RENEWAL = timedelta(minutes=25)


def report(settings: Settings, db: Database, now: datetime | None = None) -> tuple[int, str]:
    """(status code, plain-text body). A mailbox or filing problem is 'degraded', not 503: the
    web view and SMTP still work, and a load balancer should not take them away for it."""
    if not db.ping():
        return 503, "database unavailable\n"
    now = now or utcnow()
    with db.read() as session:
        statuses = {s.name: s for s in mailbox_statuses(session)}
        waiting, oldest = oldest_pending(session)
        aside = set_aside_count(session)
    checks = [filing(waiting, oldest, now), *([set_aside(aside)] if aside else []),
              *(mailbox(b, statuses.get(b.name), now) for b in settings.imap)]
    healthy = all(ok for ok, _ in checks)
    return 200, "\n".join(["ok" if healthy else "degraded", *(line for _, line in checks)]) + "\n"


def shown_to(body: str, viewer: Viewer | None) -> str:
    """Everyone gets the bare status line; the details (IMAP user and host, last errors, the
    filing backlog) are for signed-in staff only. The count of set-aside mail tells nobody
    anything about a mailbox or a customer, so monitoring sees it too ("degraded: N set aside")."""
    if viewer is not None and viewer.staff:
        return body
    first, *rest = body.splitlines()
    return "\n".join([first, *(line for line in rest if line.startswith("degraded:"))]) + "\n"


def filing(waiting: int, oldest: datetime | None, now: datetime) -> tuple[bool, str]:
    """(healthy, line) for the filing process: mail waiting too long means it is stuck."""
    if not waiting or oldest is None:
        return True, "filing: idle"
    lag = now - oldest
    return lag <= FILING_LAG, f"filing: {waiting} waiting, oldest {int(lag.total_seconds())}s"


def set_aside(count: int) -> tuple[bool, str]:
    """(healthy, line) for mail that failed to file 3 times: staff must look at it."""
    return False, (f"degraded: {count} set aside (held cases: casedesk tickets --status held;"
                   " retry: casedesk reprocess --failed)")


def mailbox(box: ImapSettings, status: MailboxStatus | None, now: datetime) -> tuple[bool, str]:
    """(healthy, line) for one [[imap]] mailbox, from what its fetcher last recorded."""
    name = f"imap {box.name}"
    if status is None:
        return True, f"{name}: not fetched yet"
    if status.failures:
        return False, f"{name}: failing ({status.failures}x): {status.last_error}"
    if status.updated_at < now - (2 * min(box.poll, IDLE_RENEWAL) + timedelta(seconds=60)):
        return False, f"{name}: stale (last report {iso(status.updated_at)})"
    return True, f"{name}: ok (last fetch {iso(status.last_ok_at)})"
