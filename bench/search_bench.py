"""Staff search speed at scale: p50/p95 of `search_tickets` over a mix of queries (docs/staff.md).

    .venv/bin/python -m bench.search_bench [--tickets 100000] [--rounds 20]
    CASEDESK_TEST_PG_URL=postgresql+psycopg://... .venv/bin/python -m bench.search_bench   # adds PostgreSQL
    .venv/bin/python -m bench.search_bench --sqlite var/search.db --pg-url postgresql+psycopg://.../search_bench
        # keeps the filled databases there and reuses them on the next run (filling takes minutes)

Fills a fresh database with bulk inserts straight through the tables (filing 100,000 cases one
by one would take most of an hour): cases with a customer, a subject, an invoice ID in the
checklist, and two messages each whose bodies are drawn from an English and Swedish support
vocabulary. The search index fills as the rows go in (SQLite's triggers, PostgreSQL's generated
columns), as in service. Then each query of QUERIES runs `rounds` times, after one warm-up, the
way `casedesk tickets --search` and the web view run it. The issue's target: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from store.db import Database, scratch_database
from store.migrate import upgrade
from store.models import Message, Ticket
from store.search import install, search_tickets

BATCH = 5_000
TARGET_P95_MS = 100.0
WORDS = ("invoice", "faktura", "project", "projekt", "approval", "attest", "coding", "kontering", "row",
         "rad", "supplier", "leverantör", "queue", "kön", "transferred", "överförd", "error", "felmeddelande",
         "cost", "centre", "kostnadsställe", "amount", "belopp", "user", "användare", "wrong", "fel",
         "change", "ändra", "please", "snälla", "thanks", "tack", "stuck", "fastnat", "erp", "verification")


def queries(tickets: int) -> dict[str, str]:
    """What staff type: a ref, an invoice ID, an address, a rare word, a common one, two words."""
    middle = tickets // 2
    return {
        "ref": f"CASE-{1000 + middle}",
        "invoice id": f"INV-{middle:07d}",
        "customer": f"customer{middle % (tickets // 5 or 1)}@example.com",
        "rare word": "zebracrossing",
        "2% word": "reconciliation",
        "10% word": "duplicate",
        "common word": "invoice",
        "two words": "project wrong",
        "swedish": "leverantör fastnat",
        "rare + common": "zebracrossing invoice",
        "no match": "nothingatall",
    }


def body(rng: random.Random, ticket_id: int) -> str:
    words = [rng.choice(WORDS) for _ in range(60)]
    if ticket_id % 997 == 0:
        words.append("zebracrossing")  # a rare word: 100 of 100,000 cases
    if ticket_id % 50 == 0:
        words.append("reconciliation")  # 2% of the cases
    if ticket_id % 10 == 3:
        words.append("duplicate")  # 10% of the cases
    return "Hello,\n\n" + " ".join(words) + "\n\nBest regards\n"


def fill(db: Database, tickets: int, seed: int = 7, log: Any = None) -> None:
    """Insert cases and two messages each, BATCH cases per transaction."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    customers = max(1, tickets // 5)
    message_id = 0
    for first in range(1, tickets + 1, BATCH):
        cases, messages = [], []
        for ticket_id in range(first, min(first + BATCH, tickets + 1)):
            address = f"customer{ticket_id % customers}@example.com"
            at = start + timedelta(minutes=ticket_id)
            cases.append({
                "id": ticket_id, "ref": f"CASE-{1000 + ticket_id}", "customer": address,
                "subject": f"{rng.choice(WORDS)} {rng.choice(WORDS)} question", "status": "ready",
                "automatic": False, "language": "en", "case_type": "coding", "case_type_reason": "bench",
                "fields": {"invoice_id": f"INV-{ticket_id:07d}", "coding_rows": "1, 2"}, "missing": [],
                "has_missing": False, "message_count": 2, "created_at": at, "updated_at": at,
                "last_customer_at": at,
            })
            for direction in ("in", "out"):
                message_id += 1
                messages.append({
                    "id": message_id, "ticket_id": ticket_id, "raw_id": None, "direction": direction,
                    "message_id": f"bench-{message_id}@example.com", "from_addr": address, "from_name": "",
                    "to_addrs": [], "cc_addrs": [], "subject": cases[-1]["subject"], "date": at,
                    "body": body(rng, ticket_id), "html": None, "automatic": None, "fields": {},
                    "attachments": [], "defects": [], "created_at": at,
                })
        with db.write() as session:
            session.execute(insert(Ticket), cases)
            session.execute(insert(Message), messages)
        if log and first % 20_000 == 1:
            log(f"  {min(first + BATCH - 1, tickets)} cases")


def settle(db: Database) -> None:
    """What autovacuum does after a bulk load: statistics, and on PostgreSQL the GIN indexes'
    pending lists merged (until then every search scans them)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if not db.is_sqlite else "ANALYZE")


def timed(db: Database, query: str, rounds: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, results) over `rounds` searches after one warm-up."""
    with db.read() as session:
        found = len(search_tickets(session, query))
    samples = []
    for _ in range(rounds):
        with db.read() as session:
            began = time.perf_counter()
            search_tickets(session, query)
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))], found


def filled_cases(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(Ticket)).scalar_one()


def measure(db_url: str, tickets: int, rounds: int, log: Any = None) -> dict[str, Any]:
    """Fill the database at `db_url` (unless it already holds `tickets` cases) and time every
    query; p95 over all queries' samples."""
    db = Database(db_url)
    upgrade(db)
    began = time.perf_counter()
    reused = filled_cases(db) == tickets
    if not reused:
        fill(db, tickets, log=log)
    with db.write() as session:  # the search index as this version defines it (idempotent)
        install(session.connection())
    settle(db)
    filled = time.perf_counter() - began
    rows = {name: timed(db, query, rounds) for name, query in queries(tickets).items()}
    db.dispose()
    load = load_average()
    worst = max(p95 for _, p95, _ in rows.values())
    return {"tickets": tickets, "fill_s": filled, "reused": reused, "load": load, "queries": rows, "worst_p95_ms": worst,
            "met": worst < TARGET_P95_MS}


def run_all(tickets: int, rounds: int, log: Any = None, sqlite: str | None = None,
            pg_url: str | None = None) -> dict[str, dict[str, Any]]:
    """SQLite always, PostgreSQL when CASEDESK_TEST_PG_URL (or `pg_url`) is set. With `sqlite` (a
    file) or `pg_url` (a database) the filled database is kept there and reused next time."""
    results = {}
    if log:
        log(f"search: SQLite with {tickets} cases")
    if sqlite:
        results["sqlite"] = measure(f"sqlite:///{Path(sqlite).resolve()}", tickets, rounds, log)
    else:
        with tempfile.TemporaryDirectory(prefix="casedesk-search-") as folder:
            results["sqlite"] = measure(f"sqlite:///{Path(folder) / 'search.db'}", tickets, rounds, log)
    if pg_url:
        if log:
            log(f"search: PostgreSQL with {tickets} cases")
        results["postgresql"] = measure(pg_url, tickets, rounds, log)
    elif os.environ.get("CASEDESK_TEST_PG_URL"):
        url, drop = scratch_database(os.environ["CASEDESK_TEST_PG_URL"], "casedesk_search")
        try:
            if log:
                log(f"search: filling PostgreSQL with {tickets} cases")
            results["postgresql"] = measure(url, tickets, rounds, log)
        finally:
            drop()
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = []
    for engine, result in results.items():
        how = "reused" if result.get("reused") else f"filled in {result['fill_s']:.0f} s"
        lines.append(f"search at {result['tickets']} cases, {engine} ({how}, load average {result.get('load', '?')}): "
                     f"worst p95 {result['worst_p95_ms']:.1f} ms, target < {TARGET_P95_MS:.0f} ms: "
                     f"{'met' if result['met'] else 'NOT met'}")
        for name, (p50, p95, found) in result["queries"].items():
            lines.append(f"  {name:<12} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({found} cases)")
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sqlite", metavar="FILE", help="keep the SQLite database in FILE; reuse it if filled")
    parser.add_argument("--pg-url", metavar="URL", help="use (and keep) this PostgreSQL database; reuse it if filled")
    args = parser.parse_args(argv)
    print(table(run_all(args.tickets, args.rounds, log=lambda text: print(text, file=sys.stderr, flush=True),
                        sqlite=args.sqlite, pg_url=args.pg_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
