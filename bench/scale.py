"""Per-mail filing cost against a small and a large store, and a profile of the ingest worker.

Both run casedesk's own Worker in this process on a prepared SQLite file: the raw mail is
committed first (untimed), then `Worker.drain()` is timed, so the number is the filing cost alone.
"""

from __future__ import annotations

import cProfile
import logging
import pstats
import random
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from bench import corpus
from bench.targets import write_config

PREFILL_CHUNK = 10_000
# Statements whose plan we read; inserts have no plan worth reading.
PLANNED = ("SELECT", "UPDATE", "DELETE")


def settings_for(folder: Path, url: str) -> Any:
    from core.settings import load

    config, _ = write_config(folder, url)
    return load(config)


def prefill(url: str, count: int, seed: int = 61) -> list[corpus.Parent]:
    """~`count` tickets, each with a participant, a raw mail and one message, via bulk inserts.

    Returns the first thousand as reply targets, so the timed mails thread onto stored cases.
    """
    from store.db import Database
    from store.migrate import upgrade
    from store.models import Message, Participant, RawMail, Ticket, utcnow
    from store.tickets import ref_for

    rng = random.Random(seed)
    db = Database(url)
    upgrade(db)
    now = utcnow()
    customers = [f"customer{n}@{rng.choice(corpus.COMPANIES)}.example" for n in range(max(1, count // 5))]
    parents: list[corpus.Parent] = []
    # One model each gives every column its default; rows are copies of it with their own values.
    ticket0 = Ticket(ref="", fields={}, missing=[], has_missing=True, message_count=1).model_dump()
    person0 = Participant(ticket_id=0, address="").model_dump()
    raw0 = RawMail(message_id="", rcpt_to=[corpus.SUPPORT], data=b"", accepted_by="prefill").model_dump()
    message0 = Message(ticket_id=0, message_id="", to_addrs=[corpus.SUPPORT]).model_dump()
    for start in range(1, count + 1, PREFILL_CHUNK):
        ids = range(start, min(count, start + PREFILL_CHUNK - 1) + 1)
        tickets, people, raws, messages = [], [], [], []
        for n in ids:
            customer = customers[rng.randrange(len(customers))]
            when = now - timedelta(minutes=(count - n) * 5)
            subject = f"Stored case {n}: invoice {rng.randrange(10000, 99999)} stuck"
            message_id = f"stored-{n}.{rng.getrandbits(48):012x}@example.net"
            tickets.append({**ticket0, "id": n, "ref": ref_for(n), "customer": customer, "subject": subject,
                            "case_type": rng.choice(list(corpus.CASES)), "fields": {"invoice_id": str(n)},
                            "missing": ["coding_rows"], "created_at": when, "updated_at": when,
                            "last_customer_at": when})
            people.append({**person0, "id": n, "ticket_id": n, "address": customer})
            raw = f"Message-ID: <{message_id}>\r\nSubject: {subject}\r\n\r\nInvoice ID: {n}\r\n".encode()
            raws.append({**raw0, "id": n, "message_id": message_id, "mail_from": customer, "data": raw,
                         "size": len(raw), "received_at": when, "processed_at": when})
            messages.append({**message0, "id": n, "ticket_id": n, "raw_id": n, "message_id": message_id,
                             "from_addr": customer, "subject": subject, "date": when,
                             "body": f"Invoice ID: {n}\n" * 20, "created_at": when})
            if n <= 1000:
                parents.append(corpus.Parent(f"<{message_id}>", customer, "Stored Customer", subject, "en"))
        with db.write() as session:
            for model, rows in ((Ticket, tickets), (Participant, people), (RawMail, raws), (Message, messages)):
                session.execute(insert(model), rows)
    db.dispose()
    return parents


def file_mails(url: str, folder: Path, mails: list[corpus.Mail], profile: Path | None = None,
               watch_plans: bool = False) -> dict[str, Any]:
    """Commit `mails` as raw mail (untimed), then time casedesk's Worker filing all of them."""
    from ingest.parse import message_id_of
    from ingest.filing import Worker
    from store.db import Database
    from store.migrate import upgrade
    from store.inbound import Incoming, accept

    settings = settings_for(folder, url)
    db = Database(url)
    upgrade(db)
    owner = f"bench-{uuid.uuid4().hex[:8]}"
    for start in range(0, len(mails), 200):
        accept(db, [Incoming(message_id_of(m.data), m.data, m.sender, (corpus.SUPPORT,))
                    for m in mails[start:start + 200]], owner)
    statements: dict[str, Any] = {}
    if watch_plans:
        @event.listens_for(db.engine, "before_cursor_execute")
        def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if not many and statement.lstrip().upper().startswith(PLANNED):
                statements[statement] = parameters

    worker = Worker(db, settings, owner)
    logging.getLogger("casedesk").setLevel(logging.WARNING)
    profiler = cProfile.Profile() if profile else None
    begin = time.perf_counter()
    if profiler:
        profiler.enable()
    filed = worker.drain()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - begin
    scans = full_scans(db, statements) if watch_plans else []
    db.dispose()
    return {"filed": filed, "seconds": seconds, "ms_per_mail": 1000 * seconds / max(1, filed), "scans": scans}


def full_scans(db: Any, statements: dict[str, Any]) -> list[str]:
    """Plan lines that read a whole table (SQLite `SCAN t`), for every statement the worker ran."""
    found = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements.items():
            for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall():
                detail = str(row[-1])
                if detail.startswith("SCAN") and "CONSTANT ROW" not in detail:
                    found.append(f"{detail}  <- {' '.join(statement.split())[:160]}")
    finally:
        raw.close()
    return sorted(set(found))


def per_mail_cost(sizes: tuple[int, ...] = (1000, 100_000), new: int = 1000, rounds: int = 2,
                  seed: int = 6, log: Any = print) -> dict[str, Any]:
    """Best-of-`rounds` ms per filed mail for each store size, on copies of one prefilled file each."""
    results: dict[str, Any] = {"new_mails": new, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="casedesk-scale-") as tmp:
        folder = Path(tmp)
        bases: dict[int, Path] = {}
        parents: list[corpus.Parent] = []
        for size in sizes:
            base = folder / f"base-{size}.db"
            begin = time.perf_counter()
            parents = prefill(f"sqlite:///{base}", size)[: min(sizes)]
            log(f"  prefilled {size} tickets in {time.perf_counter() - begin:.1f}s")
            bases[size] = base
        mails = corpus.generate(new, seed=seed + 1, prefix="scale", parents=tuple(parents))
        runs: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for round_ in range(rounds):
            for size in sizes:
                copy = folder / f"run-{size}-{round_}.db"
                shutil.copy(bases[size], copy)
                run = file_mails(f"sqlite:///{copy}", folder, mails, watch_plans=round_ == 0)
                runs[size].append(run)
                copy.unlink()
                log(f"  round {round_ + 1}: {size} stored -> {run['ms_per_mail']:.2f} ms/mail")
        for size in sizes:
            best = min(runs[size], key=lambda r: r["ms_per_mail"])
            results["sizes"][str(size)] = {"ms_per_mail": best["ms_per_mail"],
                                           "all_ms": [r["ms_per_mail"] for r in runs[size]],
                                           "full_scans": runs[size][0]["scans"]}
    small, large = str(min(sizes)), str(max(sizes))
    results["ratio"] = results["sizes"][large]["ms_per_mail"] / results["sizes"][small]["ms_per_mail"]
    return results


# Stages of filing, by the function that does them (file:function as pstats names them).
STAGES = (
    ("parse (mail-parser + decode)", "ingest/parse.py", "parse"),
    ("file_mail (all of it)", "ingest/pipeline.py", "file_mail"),
    ("  find_case (threading lookups)", "ingest/case_finder.py", "find_case"),
    ("  read_mail (classify + checklist)", "ingest/classify.py", "read_mail"),
    ("  automatic_reason (loop guard)", "ingest/automatic.py", "automatic_reason"),
    ("known_messages (dedupe, one query a batch)", "store/tickets.py", "known_messages"),
    ("pending (queue query)", "store/inbound.py", "pending"),
    ("claim (UPDATE raw_mail)", "store/inbound.py", "claim"),
    ("session flush (INSERTs)", "sqlalchemy/orm/session.py", "flush"),
    ("commit (incl. fsync)", "sqlalchemy/orm/session.py", "commit"),
    ("sqlite3 execute", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("sqlite3 commit (fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
)


def profile_worker(new: int = 1000, seed: int = 6, out: Path | None = None) -> dict[str, Any]:
    """cProfile of the Worker filing `new` mixed-corpus mails on a fresh SQLite; time per stage."""
    with tempfile.TemporaryDirectory(prefix="casedesk-profile-") as tmp:
        folder = Path(tmp)
        path = out or folder / "worker.prof"
        mails = corpus.generate(new, seed=seed + 2, prefix="profile")
        run = file_mails(f"sqlite:///{folder / 'profile.db'}", folder, mails, profile=path)
        stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    stages = []
    for label, filename, function in STAGES:
        cumulative = sum(value[3] for (file, _, name), value in stats.stats.items()  # type: ignore[attr-defined]
                         if name == function and file.endswith(filename) or (filename == "~" and name == function))
        stages.append({"stage": label, "seconds": cumulative, "share": cumulative / total if total else 0.0})
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:15]  # type: ignore[attr-defined]
    return {"mails": run["filed"], "wall_seconds": run["seconds"], "profiled_seconds": total,
            "stages": stages,
            "top_self": [{"function": f"{Path(file).name}:{line}:{name}", "self_seconds": value[2]}
                         for (file, line, name), value in top]}
