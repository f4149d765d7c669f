"""How long one notify tick takes with many stored cases: a quiet tick and a busy one, 1k vs 100k.

    .venv/bin/python -m bench.tick_bench [--tickets 100000] [--small 1000] [--ticks 5] [--busy 200]
                                         [--mail-bytes 1500] [--db sqlite postgresql]
    CASEDESK_TEST_PG_URL=postgresql+psycopg://... .venv/bin/python -m bench.tick_bench   # adds PostgreSQL

Fills a fresh database straight through the tables with a realistic mix: 40% ready and 20% closed
cases whose mail has all been sent, 30% waiting for the customer at some point of the reminder
timeline (first mail sent; or also the reminder; or also the warning) with the outbox rows that
point implies, and 10% held (automatic mail, never answered). Every case has its inbound message;
every outbox row carries a mail of `--mail-bytes`. Then it times `run_tick()` — plan and send, the
maildir transport writing into a temporary folder — for:

- the first tick on the filled database (nothing due: every case's next step is hours or days away),
- quiet ticks: nothing due, the state a serve process spends nearly all its ticks in,
- busy ticks: `--busy` waiting cases whose next reminder has just fallen due (each tick also sees
  the cases the previous busy tick mailed, as their sent mail is a new fact).

Prints p50 and max per kind. No thresholds: this is for reading, not for failing.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, make_url, text

from core.settings import Settings, from_dict
from notify.policy import FIRST, first_key, follow_ups
from notify.scheduler import run_tick
from store.db import Database
from store.migrate import upgrade
from store.models import AWAITING_CUSTOMER, CLOSED, HELD, INBOUND, READY, Message, Outbox, Ticket
from store.outbox import SENT
from store.tickets import ref_for

CHUNK = 5_000
# Quiet ticks are this far apart, as serve's default tick.
TICK = timedelta(seconds=30)
# The busy ticks come after every quiet tick, this far apart.
BUSY_FROM, BUSY_EVERY = timedelta(hours=1), timedelta(minutes=10)


@dataclass(frozen=True)
class Timings:
    first: float
    quiet: list[float]
    busy: list[float]
    planned: list[int]


def settings_for(folder: Path, url: str) -> Settings:
    return from_dict({
        "database": {"url": url},
        "outbound": {"transport": "maildir", "maildir": str(folder / "outbox")},
        "web": {"base_url": "http://desk.example.com", "secret": "bench-secret-0123456789abcdef-0123456789"},
    }, folder / "config.toml")


def fill(db: Database, settings: Settings, count: int, now: datetime, busy: int, ticks: int,
         mail_bytes: int, seed: int = 6) -> dict[str, int]:
    """Insert `count` cases in the mix above; returns how many cases of each kind."""
    rng = random.Random(seed)
    follow = settings.followup
    ticket0 = Ticket(ref="", fields={}, missing=[]).model_dump()
    # Messages and outbox rows take their ids from the database, so the tick's own inserts follow on.
    message0 = Message(ticket_id=0, message_id="", to_addrs=["support@support.example.com"]).model_dump(exclude={"id"})
    outbox0 = Outbox(key="", kind="", recipient="", message_id="", data=b"").model_dump(exclude={"id"})
    data = (b"Subject: [CASE] x\r\n\r\n" + b"x" * 76 + b"\r\n") * max(1, mail_bytes // 100)
    waiting = [n for n in range(1, count + 1) if n % 10 in (1, 4, 7)]
    # The busy cases: `busy` per busy tick, the waiting cases spread evenly over the ticks.
    due_at = {n: now + BUSY_FROM + BUSY_EVERY * (i // busy)
              for i, n in enumerate(waiting[:busy * ticks])}
    counts = {AWAITING_CUSTOMER: 0, READY: 0, CLOSED: 0, HELD: 0, "busy": len(due_at), "outbox": 0}
    tickets: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        customer = f"customer{rng.randrange(max(1, count // 5))}@example{n % 97}.com"
        status = {0: HELD, 1: AWAITING_CUSTOMER, 4: AWAITING_CUSTOMER, 7: AWAITING_CUSTOMER,
                  2: CLOSED, 5: CLOSED}.get(n % 10, READY)
        counts[status] += 1
        if status == AWAITING_CUSTOMER:
            stage = rng.randrange(3)
            # The last mail left so that the next step falls due at `due_at`, or 6 hours to
            # `reminder_every` from now.
            next_due = due_at.get(n) or now + timedelta(seconds=rng.uniform(
                6 * 3600, follow.reminder_every.total_seconds()))
            spoken = next_due - follow.reminder_every * (stage + 1) - follow.first_request_after
            steps = stage + 1
        else:
            spoken = now - timedelta(days=rng.uniform(1, 400))
            steps = {HELD: 0, READY: 1, CLOSED: 4}[status]
        ticket = Ticket(**{**ticket0, "id": n, "ref": ref_for(n), "customer": customer,
                           "subject": f"Invoice {n} stuck", "status": status, "automatic": status == HELD,
                           "missing": ["coding_rows"] if status == AWAITING_CUSTOMER else [],
                           "has_missing": status == AWAITING_CUSTOMER, "message_count": 1,
                           "created_at": spoken, "updated_at": spoken, "last_customer_at": spoken})
        tickets.append(ticket.model_dump())
        messages.append({**message0, "ticket_id": n, "direction": INBOUND,
                         "message_id": f"in-{n}@example.net", "from_addr": customer,
                         "subject": ticket.subject, "date": spoken, "body": "Invoice ID: 1\n" * 10,
                         "created_at": spoken, "automatic": "auto-submitted" if status == HELD else None})
        steps_of = [(first_key(ticket), FIRST)] + [(k, kind) for k, kind, _ in follow_ups(ticket, follow.max_reminders)]
        at = spoken + follow.first_request_after
        for key, kind in steps_of[:steps]:
            rows.append({**outbox0, "key": key, "ticket_id": n, "kind": kind, "recipient": customer,
                         "message_id": f"{key}@support.example.com", "data": data, "status": SENT,
                         "attempts": 1, "next_attempt_at": at, "sent_at": at, "created_at": at})
            at += follow.reminder_every
        if len(tickets) >= CHUNK or n == count:
            with db.write() as session:
                session.execute(insert(Ticket), tickets)
                session.execute(insert(Message), messages)
                if rows:
                    session.execute(insert(Outbox), rows)
            counts["outbox"] += len(rows)
            tickets, messages, rows = [], [], []
    if not db.is_sqlite:
        # Tickets were inserted with their ids; the next case the tick opens must not collide.
        with db.write() as session:
            session.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), :n)"), {"n": count})
    return counts


def timed(tick: Callable[[], Any]) -> tuple[float, Any]:
    begin = time.perf_counter()
    result = tick()
    return time.perf_counter() - begin, result


def measure(db: Database, settings: Settings, now: datetime, ticks: int) -> Timings:
    """The first tick, `ticks` quiet ticks, then `ticks` busy ticks."""
    owner = f"bench-{uuid.uuid4().hex[:8]}"
    first, _ = timed(lambda: run_tick(settings, db, owner, now))
    quiet = [timed(lambda: run_tick(settings, db, owner, now + TICK * (i + 1)))[0] for i in range(ticks)]
    busy, planned = [], []
    for i in range(ticks):
        # One second after this group fell due, as a 30-second tick would find it.
        seconds, tick = timed(lambda: run_tick(settings, db, owner, now + BUSY_FROM + BUSY_EVERY * i
                                               + timedelta(seconds=1)))
        busy.append(seconds)
        planned.append(tick.planned)
    return Timings(first, quiet, busy, planned)


def plans(db: Database, now: datetime) -> list[str]:
    """How the database runs the tick's case selection: one line per SELECT it issued."""
    try:
        from store.outbox import cases_to_follow_up
    except ImportError:
        return []
    issued: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            issued.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.read() as session:
            cases_to_follow_up(session, now)  # type: ignore[call-arg]
    except TypeError:
        return []
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    explain = "EXPLAIN QUERY PLAN" if db.is_sqlite else "EXPLAIN"
    lines = []
    with db.engine.connect() as conn:
        for statement, parameters in issued:
            found = conn.exec_driver_sql(f"{explain} {statement}", parameters).all()
            lines.append(" / ".join(str(row[-1]).strip() for row in found))
    return lines


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh database on the PostgreSQL server of CASEDESK_TEST_PG_URL."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'tick-{uuid.uuid4().hex[:6]}.db'}"
        return
    base = os.environ["CASEDESK_TEST_PG_URL"]
    name = f"casedesk_tickbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(kind: str, count: int, busy: int, ticks: int, mail_bytes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="casedesk-tick-") as tmp, database(kind, Path(tmp)) as url:
        settings = settings_for(Path(tmp), url)
        db = Database(url)
        upgrade(db)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        busy = min(busy, count * 3 // 10 // ticks)
        began = time.perf_counter()
        counts = fill(db, settings, count, now, busy, ticks, mail_bytes)
        if kind == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"\n{kind}, {count:,} cases: filled in {time.perf_counter() - began:.1f}s "
              f"({counts[AWAITING_CUSTOMER]:,} waiting, {counts[READY]:,} ready, {counts[CLOSED]:,} closed, "
              f"{counts[HELD]:,} held; {counts['outbox']:,} outbox rows)")
        result = measure(db, settings, now, ticks)
        selection = plans(db, now)
        db.dispose()
    print(f"  {'tick':<34} {'p50 ms':>9} {'max ms':>9}")
    print(f"  {'first tick on the filled store':<34} {1000 * result.first:>9.0f} {1000 * result.first:>9.0f}")
    for label, values in ((f"quiet (nothing due) x{ticks}", result.quiet),
                          (f"busy ({busy} due) x{ticks}", result.busy)):
        print(f"  {label:<34} {1000 * statistics.median(values):>9.0f} {1000 * max(values):>9.0f}")
    print(f"  mails planned per busy tick: {result.planned}")
    for line in selection:
        print(f"  plan: {line}")


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    options.add_argument("--tickets", type=int, default=100_000)
    options.add_argument("--small", type=int, default=1000, help="the comparison size (0: skip)")
    options.add_argument("--ticks", type=int, default=5, help="quiet and busy ticks timed (each)")
    options.add_argument("--busy", type=int, default=200, help="cases falling due per busy tick")
    options.add_argument("--mail-bytes", type=int, default=1500, help="size of each stored outbox mail")
    options.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=("sqlite", "postgresql"),
                         help="PostgreSQL runs only when CASEDESK_TEST_PG_URL is set")
    args = options.parse_args(argv)
    logging.getLogger("casedesk").setLevel(logging.WARNING)
    kinds = [k for k in args.db if k == "sqlite" or os.environ.get("CASEDESK_TEST_PG_URL")]
    for kind in kinds:
        for count in [c for c in (args.small, args.tickets) if c]:
            run(kind, count, args.busy, args.ticks, args.mail_bytes)


if __name__ == "__main__":
    main()
