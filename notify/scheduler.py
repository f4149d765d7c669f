"""The notify tick inside `casedesk serve`: plan what is due, then send what is due.

APScheduler 3.x runs one interval job, jobs in memory: its job stores cannot be shared between
processes, and all the state lives in our own tables anyway, so several serve processes simply
each tick against the same database.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from core.settings import Settings
from notify.planner import plan_due
from notify.sender import Report, send_due
from store.db import Database
from store.models import utcnow

log = logging.getLogger("casedesk.notify")


@dataclass(frozen=True)
class Tick:
    planned: int
    report: Report


def run_tick(settings: Settings, db: Database, owner: str, now: datetime | None = None) -> Tick:
    """One tick, synchronously: plan the mail due at `now`, then send every due row."""
    now = now or utcnow()
    planned = plan_due(db, settings, now)
    return Tick(planned, send_due(db, settings, owner, now))


def guarded_tick(settings: Settings, db: Database, owner: str) -> None:
    """The scheduled job: a failing tick (database down) is logged and simply tried again next tick."""
    try:
        run_tick(settings, db, owner)
    except Exception as exc:
        log.warning("notify tick failed (%s: %s); trying again next tick", type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "")


def start(settings: Settings, db: Database, owner: str | None = None) -> BackgroundScheduler:
    """Start ticking every `followup.tick`; the returned handle's `.shutdown()` waits for a running tick."""
    owner = owner or f"notify-{uuid.uuid4().hex[:12]}"
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    # max_instances=1 and coalesce: a slow tick is never overlapped by the next, and missed runs
    # collapse into one. The next tick re-derives everything from the database anyway.
    scheduler.add_job(guarded_tick, "interval", seconds=settings.followup.tick.total_seconds(),
                      args=(settings, db, owner), id="notify-tick", max_instances=1, coalesce=True,
                      next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    log.info("notify: ticking every %s as %s", settings.followup.tick, owner)
    return scheduler
