"""Web view speed with many cases: p50/p95 of the list (staff, with filters) and the thread page.

    .venv/bin/python -m bench.web_bench [--tickets 100000] [--rounds 40]

Fills a fresh SQLite database directly through the store models (100,000 cases, 20,000 customers,
two messages and a participant or two per case), serves the real web app over HTTP on a free port
and times GET requests as a signed-in staff member and as one customer. Prints a small table;
there are no thresholds: this is for reading, not for failing.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert

from casedesk.serve import WebServer
from core.settings import Settings, from_dict
from store.db import Database
from store.migrate import upgrade
from store.models import STATUSES, Message, Participant, Ticket
from web.app import create_app
from web.auth import SESSION_COOKIE, SESSION_SALT, serializer

BATCH = 10_000
STAFF = "staff@support.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(folder: Path, port: int) -> Settings:
    return from_dict({
        "database": {"url": f"sqlite:///{folder / 'bench.db'}"},
        "web": {"listen": f"127.0.0.1:{port}", "base_url": f"http://127.0.0.1:{port}",
                "secret": "bench-secret-0123456789abcdef-0123456789", "staff": [STAFF]},
    }, folder / "config.toml")


def customer(n: int) -> str:
    return f"customer{n}@example.com"


def fill(db: Database, settings: Settings, tickets: int, seed: int = 7) -> None:
    """Insert cases, participants and messages in batches, straight through the tables."""
    rng = random.Random(seed)
    types = [t.key for t in settings.case_types] or ["general"]
    customers = max(1, tickets // 5)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    message_id = 0
    for first in range(1, tickets + 1, BATCH):
        rows, people, messages = [], [], []
        for ticket_id in range(first, min(first + BATCH, tickets + 1)):
            address = customer(rng.randrange(customers))
            missing = rng.random() < 0.6
            updated = start + timedelta(minutes=rng.randrange(525_600))
            case_type = rng.choice(types)
            rows.append({
                "id": ticket_id, "ref": f"CASE-{1000 + ticket_id}", "customer": address,
                "subject": f"Case {ticket_id}: something about {case_type}", "status": rng.choice(STATUSES),
                "automatic": False, "language": rng.choice(("en", "sv")), "case_type": case_type,
                "case_type_reason": "bench", "fields": {"order_id": str(ticket_id)},
                "missing": ["description"] if missing else [], "has_missing": missing, "claimed_ref": None,
                "message_count": 2, "created_at": updated - timedelta(days=1), "updated_at": updated,
                "last_customer_at": updated,
            })
            people.append({"ticket_id": ticket_id, "address": address})
            if rng.random() < 0.2:
                people.append({"ticket_id": ticket_id, "address": customer(rng.randrange(customers))})
            for direction in ("in", "out"):
                message_id += 1
                messages.append({
                    "id": message_id, "ticket_id": ticket_id, "raw_id": None, "direction": direction,
                    "message_id": f"bench-{message_id}@example.com", "from_addr": address, "from_name": "",
                    "to_addrs": ["support@support.example.com"], "cc_addrs": [], "subject": f"Case {ticket_id}",
                    "date": updated, "body": "Hello,\n\nthe order does not arrive.\n" * 5, "html": None,
                    "automatic": None, "fields": {"order_id": str(ticket_id)} if direction == "in" else {},
                    "attachments": [], "defects": [], "created_at": updated,
                })
        with db.write() as session:
            session.execute(insert(Ticket), rows)
            session.execute(insert(Participant).prefix_with("OR IGNORE"), people)
            session.execute(insert(Message), messages)


def serve_in_thread(settings: Settings, db: Database) -> WebServer:
    server = WebServer(uvicorn.Config(create_app(settings, db), host="127.0.0.1",
                                      port=settings.web.listen.port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def timed(client: httpx.Client, path: str, rounds: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds over `rounds` requests (after one warm-up)."""
    assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, path
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def client_for(settings: Settings, address: str) -> httpx.Client:
    client = httpx.Client(base_url=settings.web.base_url, timeout=60)
    client.cookies.set(SESSION_COOKIE, serializer(settings, SESSION_SALT).dumps(address))
    return client


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--tickets", type=int, default=100_000)
    options.add_argument("--rounds", type=int, default=40)
    args = options.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder), free_port())
        db = Database(settings.database.url)
        upgrade(db)
        began = time.perf_counter()
        fill(db, settings, args.tickets)
        print(f"filled {args.tickets:,} cases in {time.perf_counter() - began:.1f}s")
        server = serve_in_thread(settings, db)
        some_type = settings.case_types[0].key if settings.case_types else "general"
        middle = f"CASE-{1000 + args.tickets // 2}"
        with db.read() as session:
            busy = session.get(Ticket, args.tickets // 2)
            assert busy is not None
            someone = busy.customer
        scenarios: list[tuple[str, str, str]] = [
            ("staff", "list, no filter", "/tickets"),
            ("staff", "list, status", "/tickets?status=ready"),
            ("staff", "list, type", f"/tickets?type={some_type}"),
            ("staff", "list, missing any", "/tickets?missing=1"),
            ("staff", "list, customer", f"/tickets?customer={someone}"),
            ("staff", "list, status+type+missing", f"/tickets?status=ready&type={some_type}&missing=1"),
            ("staff", "list, page 40", "/tickets?page=40"),
            ("staff", "thread", f"/tickets/{middle}"),
            ("staff", "api list", "/api/tickets"),
            ("staff", "api case", f"/api/tickets/{middle}"),
            ("customer", "My Tickets", "/tickets"),
            ("customer", "thread", f"/tickets/{middle}"),
        ]
        clients: dict[str, Any] = {"staff": client_for(settings, STAFF), "customer": client_for(settings, someone)}
        print(f"\n{'who':<9} {'request':<28} {'p50 ms':>8} {'p95 ms':>8}")
        for who, label, path in scenarios:
            p50, p95 = timed(clients[who], path, args.rounds)
            print(f"{who:<9} {label:<28} {p50:>8.1f} {p95:>8.1f}")
        for client in clients.values():
            client.close()
        server.should_exit = True
        db.dispose()


if __name__ == "__main__":
    main()
