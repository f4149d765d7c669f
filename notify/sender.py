"""Send due outbox rows: claim, deliver, then record the outcome — never one row twice.

The one duplicate we cannot rule out: the server has answered 250 and we crash (or lose the
database) before `mark_sent` commits. The claim then expires after LEASE and the row is sent
again. SMTP gives no way to ask "did you take this?", so that window is at-least-once.
"""

from __future__ import annotations

import email
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

from core import metrics
from core.settings import Settings
from notify import transport
from store.db import Database
from store.models import OUTBOUND, STAFF_NOTICES, utcnow
from store.outbox import claim, mark_failed, mark_sent

log = logging.getLogger("casedesk.notify")

# Rows claimed per transaction; BATCH x transport.SMTP_TIMEOUT stays well inside LEASE, so a
# slow server cannot make our own claim expire while we are still working through the batch.
BATCH = 5
# A claim older than this belongs to a process that died mid-send; another process takes it over.
LEASE = timedelta(minutes=10)
# Loop protection that holds whatever else goes wrong: at most CAP mails per address per WINDOW.
CAP = 10
WINDOW = timedelta(hours=3)
# Kinds not recorded on the case when sent (see outbound_message).
NOT_ON_THE_CASE = frozenset({"staff_answer", "staff_refused", *STAFF_NOTICES})
# Retries wait tick x 2^(attempts-1), at most this long.
BACKOFF_CAP = timedelta(minutes=15)


@dataclass(frozen=True)
class Outgoing:
    """What we need of a claimed row once its transaction has ended."""

    id: int
    key: str
    kind: str
    recipient: str
    message_id: str
    ticket_id: int | None
    attempts: int
    data: bytes
    claimed_at: datetime


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0


def backoff(attempts: int, base: timedelta) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling from `base`, capped."""
    return min(base * (2 ** min(max(attempts - 1, 0), 30)), BACKOFF_CAP)


def send_due(db: Database, settings: Settings, owner: str, now: datetime | None = None) -> Report:
    """Send every row due now, batch by batch, until none is left.

    `now` fixes the clock for tests; in service every timestamp is taken when it happens.
    """
    report = Report()
    while True:
        with db.write() as session:
            rows, dropped = claim(session, now or utcnow(), limit=BATCH, lease=LEASE, cap=CAP, window=WINDOW)
            batch = [Outgoing(r.id or 0, r.key, r.kind, r.recipient, r.message_id, r.ticket_id, r.attempts, r.data,
                              r.claimed_at)  # type: ignore[arg-type]
                     for r in rows]
            for row in dropped:
                log.warning("%s <%s>: suppressed, %s", row.key, row.message_id, row.last_error)
        report.suppressed += len(dropped)
        for item in batch:
            if send_one(db, settings, owner, item, now):
                report.sent += 1
                metrics.OUTBOUND.labels("sent").inc()
            else:
                report.failed += 1
                metrics.OUTBOUND.labels("failed").inc()
        if len(batch) + len(dropped) < BATCH:
            return report


def send_one(db: Database, settings: Settings, owner: str, item: Outgoing, now: datetime | None = None) -> bool:
    """Deliver one claimed row and settle it; True when it went out."""
    try:
        transport.deliver(settings, item.recipient, item.data)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".strip()
        final = transport.permanent(exc)
        at = now or utcnow()
        retry_at = None if final else at + backoff(item.attempts + 1, settings.followup.tick)
        with db.write() as session:
            mark_failed(session, item.id, item.claimed_at, at, error, retry_at)
        log.warning("%s <%s> to %s: %s (%s)", item.key, item.message_id, item.recipient,
                    "failed for good" if final else f"retry at {retry_at:%H:%M:%S}", error.splitlines()[0][:200])
        return False
    with db.write() as session:
        at = now or utcnow()
        recorded = mark_sent(session, item.id, item.claimed_at, at, outbound_message(settings, item, at))
    log.info("%s <%s> to %s: sent by %s%s", item.key, item.message_id, item.recipient, owner,
             "" if recorded else " (claim had expired; another process settles it)")
    return True


def outbound_message(settings: Settings, item: Outgoing, at: datetime) -> dict[str, Any] | None:
    """The sent mail as a message on its case, so `casedesk show` lists it and replies thread to it."""
    # Staff notices and refusals are not part of the customer's thread; a relayed staff answer
    # was put on the case, by its staff member, when it was filed (ingest/staffmail.py).
    if item.ticket_id is None or item.kind in NOT_ON_THE_CASE:
        return None
    mail = email.message_from_bytes(item.data, _class=EmailMessage, policy=default)
    assert isinstance(mail, EmailMessage)
    body = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    return dict(
        ticket_id=item.ticket_id, direction=OUTBOUND, message_id=item.message_id,
        from_addr=settings.support_address, to_addrs=[item.recipient], subject=str(mail["subject"] or ""),
        date=at, created_at=at, body=lines(body.get_content()) if body is not None else "",
        html=lines(html.get_content()) if html is not None else None,
    )


def lines(text: str) -> str:
    """Stored text uses \\n line ends, as inbound messages do (the wire form is CRLF)."""
    return text.replace("\r\n", "\n")
