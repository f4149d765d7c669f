"""`python -m bench` (`make bench`): sink, naive pipeline and casedesk side by side, one corpus, one client."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timezone
from pathlib import Path
from typing import Any

from bench import corpus, load, pipe, scale, search_bench, targets

OUT = Path(__file__).resolve().parent / "out"
# How often the filed poller and the memory sampler look.
POLL = 0.2


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    if args.quick:
        args.mails, args.scale_sizes, args.scale_mails = min(args.mails, 300), (200, 5000), 200
        args.search_tickets = min(args.search_tickets, 2000)
    results: dict[str, Any] = {"machine": machine(), "version": version(), "options": vars(args) | {
        "scale_sizes": list(args.scale_sizes)}}
    say(f"generating {args.mails} mails (seed {args.seed})")
    mails = corpus.generate(args.mails, seed=args.seed)
    warmup = corpus.generate(args.warmup, seed=args.seed + 100, prefix="warmup")
    results["corpus"] = corpus.sizes(mails)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="casedesk-bench-") as tmp:
        folder = Path(tmp)
        plan: list[tuple[str, Any, str | None]] = [
            ("sink", targets.sink(folder), None),
            ("naive", targets.naive(folder), None),
            ("casedesk-sqlite", None, f"sqlite:///{folder / 'casedesk.db'}"),
        ]
        prep_row = f"casedesk-sqlite-{args.preparers}-prep"
        if args.preparers is not None:
            plan.append((prep_row, None, f"sqlite:///{folder / 'prep.db'}"))
        if not args.no_accept_only:
            sub = folder / "accept-only"
            sub.mkdir()
            plan.append(("casedesk-accept-only", targets.accept_only(sub, f"sqlite:///{sub / 'a.db'}"), None))
        dropper = None
        if os.environ.get("CASEDESK_TEST_PG_URL") and not args.no_pg:
            url, dropper = targets.pg_database(os.environ["CASEDESK_TEST_PG_URL"])
            plan.append(("casedesk-postgresql", None, url))
        try:
            for name, target, db_url in plan:
                if db_url is not None:
                    sub = folder / name
                    sub.mkdir()
                    target = targets.casedesk(sub, db_url, name, args.preparers if name == prep_row else None)
                say(f"{name}: {args.mails} mails over {args.clients} connections")
                rows.append(measure(name, target, db_url, mails, warmup, args))
                say("  " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                     for k, v in rows[-1].items() if k != "name" and v is not None))
        finally:
            if dropper:
                dropper()
    results["rows"] = rows
    if args.pipe_runs:
        say(f"casedesk ingest - of one small mail, {args.pipe_runs} runs per path")
        results["pipe"] = measure_pipe(args)
    if not args.skip_100k:
        say(f"per-mail filing cost at {args.scale_sizes[0]} vs {args.scale_sizes[-1]} stored tickets")
        results["scale"] = scale.per_mail_cost(tuple(args.scale_sizes), args.scale_mails, args.rounds,
                                               args.seed, log=say)
    if not args.skip_search:
        say(f"staff search at {args.search_tickets} cases (docs/staff.md)")
        results["search"] = search_bench.run_all(args.search_tickets, args.search_rounds, log=say)
    if args.profile:
        say(f"profiling the ingest worker on {args.profile} mails")
        results["profile"] = scale.profile_worker(args.profile, args.seed, OUT / "worker.prof")
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(table(results))
    print(f"\n(written to {OUT / 'results.json'})")
    return 0


def measure_pipe(args: argparse.Namespace) -> dict[str, Any]:
    """`ingest -` start-up on SQLite, and on PostgreSQL when configured."""
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="casedesk-pipe-") as tmp:
        rows["sqlite"] = pipe.measure(Path(tmp) / "sqlite", f"sqlite:///{Path(tmp) / 'pipe.db'}", args.pipe_runs)
        if os.environ.get("CASEDESK_TEST_PG_URL") and not args.no_pg:
            url, dropper = targets.pg_database(os.environ["CASEDESK_TEST_PG_URL"])
            try:
                rows["postgresql"] = pipe.measure(Path(tmp) / "pg", url, args.pipe_runs)
            finally:
                dropper()
    return rows


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--mails", type=int, default=3000, help="mails per row (default 3000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent SMTP connections (default 8)")
    parser.add_argument("--seed", type=int, default=6, help="corpus seed (default 6)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed mails sent first to every server")
    parser.add_argument("--quick", action="store_true", help="small numbers for a smoke run")
    parser.add_argument("--skip-100k", action="store_true", help="skip the 1k-vs-100k stored tickets round")
    parser.add_argument("--scale-sizes", type=int, nargs=2, default=(1000, 100_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--scale-mails", type=int, default=1000, help="mails filed per store size (default 1000)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the scale test; best is kept")
    parser.add_argument("--skip-search", action="store_true", help="skip the staff search round")
    parser.add_argument("--search-tickets", type=int, default=100_000, help="cases for the search round")
    parser.add_argument("--search-rounds", type=int, default=20, help="runs of each search query")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile the ingest worker filing N mails (bench/out/worker.prof)")
    parser.add_argument("--filed-timeout", type=float, default=1800, help="seconds to wait for filing")
    parser.add_argument("--no-accept-only", action="store_true",
                        help="skip the diagnostic row: casedesk's SMTP edge without the ingest worker")
    parser.add_argument("--no-pg", action="store_true", help="ignore CASEDESK_TEST_PG_URL")
    parser.add_argument("--pipe-runs", type=int, default=10, metavar="N",
                        help="runs of `casedesk ingest -` per path for the start-up row (0: skip)")
    parser.add_argument("--preparers", type=int, default=None, metavar="N",
                        help="also a SQLite row with [filing] preparers = N, e.g. 0 to see filing in one "
                             "process (default: only the \"auto\" row)")
    return parser


def measure(name: str, target: targets.Target, db_url: str | None, mails: list[corpus.Mail],
            warmup: list[corpus.Mail], args: argparse.Namespace) -> dict[str, Any]:
    """One row: start the server, warm it up, send the corpus, wait for filing, read memory."""
    target.start()
    watch = Watch(target.pid, wal_of(db_url))
    try:
        if warmup:
            load.run("127.0.0.1", target.port, warmup, min(args.clients, len(warmup)))
        if db_url:
            wait_filed(db_url, len(warmup), args.filed_timeout)
        watch.start()
        cpu_before = cpu_by_role(target.pid)
        result = load.run("127.0.0.1", target.port, mails, args.clients)
        row: dict[str, Any] = {
            "name": name, "accepted": result.accepted, "refused": sum(result.refused.values()),
            "accept_per_s": result.per_second, "accept_s": result.seconds,
            "p50_ms": 1000 * result.percentile(0.50), "p99_ms": 1000 * result.percentile(0.99),
            "client_cpu_s": result.client_cpu,
        }
        if db_url:
            row["backlog_at_accept_end"] = pending(db_url)
            row |= filed(db_url, len(warmup) + len(mails), result.started, args.filed_timeout)
            row["filed_per_s"] = len(mails) / row["filed_s"] if row.get("filed_s") else None
        watch.stop()
        row["rss_peak_mb"] = targets.rss_mb(target.pid, "VmHWM")
        row["rss_sampled_max_mb"] = watch.peak
        if watch.wal is not None:
            row["wal_peak_mb"] = watch.wal_peak
        cpu = {name: seconds - cpu_before.get(name, 0.0) for name, seconds in cpu_by_role(target.pid).items()}
        row["server_cpu_s"] = sum(cpu.values())
        row["cpu_ms_per_mail"] = {name: 1000 * seconds / len(mails) for name, seconds in cpu.items()
                                  if name != "helper"}
    finally:
        watch.stop()
        target.stop()
    return row


class Watch(threading.Thread):
    """Samples the server family's RSS, and the size of SQLite's WAL, while the load runs."""

    def __init__(self, pid: int, wal: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.pid, self.wal, self.done = pid, wal, threading.Event()
        self.peak = self.wal_peak = 0.0

    def run(self) -> None:
        while not self.done.wait(POLL):
            self.peak = max(self.peak, targets.rss_mb(self.pid))
            if self.wal is not None and self.wal.exists():
                self.wal_peak = max(self.wal_peak, self.wal.stat().st_size / 2**20)

    def stop(self) -> None:
        self.done.set()


def cpu_by_role(pid: int) -> dict[str, float]:
    """User + system CPU seconds the process family used so far, per role (serve, filing, ...)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total: dict[str, float] = {}
    for member, depth in targets.tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = targets.role(member, depth)
        total[name] = total.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return total


def wal_of(db_url: str | None) -> Path | None:
    """Where SQLite keeps the write-ahead log of this database (None for PostgreSQL)."""
    if not db_url or not db_url.startswith("sqlite:///"):
        return None
    return Path(db_url.removeprefix("sqlite:///") + "-wal")


def engine(db_url: str) -> Any:
    import sqlalchemy

    return sqlalchemy.create_engine(db_url)


def pending(db_url: str) -> int:
    with engine(db_url).connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM raw_mail WHERE processed_at IS NULL").scalar() or 0)


def wait_filed(db_url: str, expected: int, timeout: float) -> None:
    """Until `expected` raw mails are stored and none is left unprocessed."""
    db = engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with db.connect() as conn:
                total, left = conn.exec_driver_sql(
                    "SELECT count(*), count(*) - count(processed_at) FROM raw_mail").one()
            if total >= expected and left == 0:
                return
            time.sleep(POLL)
        raise TimeoutError(f"filing did not finish within {timeout}s ({left} of {total} left)")
    finally:
        db.dispose()


def filed(db_url: str, expected: int, started: float, timeout: float) -> dict[str, Any]:
    """When the last timed mail was filed (the worker's own processed_at), and accept-to-filed latency."""
    import sqlalchemy

    wait_filed(db_url, expected, timeout)
    db = engine(db_url)
    try:
        with db.connect() as conn:
            # text() binds the pattern: a literal % in exec_driver_sql is a placeholder to psycopg.
            rows = conn.execute(sqlalchemy.text("SELECT received_at, processed_at FROM raw_mail WHERE message_id NOT LIKE :warmup"),
                                {"warmup": "%warmup-%"}).all()
            errors = conn.exec_driver_sql("SELECT count(*) FROM raw_mail WHERE error IS NOT NULL").scalar()
            tickets = conn.exec_driver_sql("SELECT count(*) FROM ticket").scalar()
            typed = conn.exec_driver_sql("SELECT count(*) FROM ticket WHERE case_type IS NOT NULL").scalar()
    finally:
        db.dispose()
    processed = [stamp(done) for _, done in rows]
    waits = sorted(stamp(done) - stamp(got) for got, done in rows)
    return {"filed_s": max(processed) - started, "filed_errors": errors, "tickets": tickets,
            "tickets_typed": typed,
            "to_filed_p50_s": waits[len(waits) // 2], "to_filed_p99_s": waits[int(0.99 * (len(waits) - 1))]}


def stamp(value: Any) -> float:
    """A stored datetime as epoch seconds; SQLite hands back naive UTC (as text through raw SQL)."""
    from datetime import datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def machine() -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    return {"cpus": os.cpu_count(), "loadavg_at_start": [load1, load5], "python": sys.version.split()[0]}


def version() -> dict[str, str]:
    """What casedesk code was measured: HEAD, and whether ingest/ or store/ had local changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=targets.ROOT).stdout.strip()
        except OSError:
            return ""

    return {"head": git("log", "-1", "--format=%h %s"),
            "uncommitted": git("status", "--short", "ingest", "store", "casedesk").replace("\n", "; ")}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def table(results: dict[str, Any]) -> str:
    rows = results["rows"]
    sink = next((r["accept_per_s"] for r in rows if r["name"] == "sink"), 0.0) or 1.0
    head = (f"{'row':<24} {'accept/s':>9} {'x sink':>7} {'filed/s':>8} {'x sink':>7} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'RSS MB':>7} {'to-filed p50/p99 s':>19} {'refused':>7}")
    lines = [f"corpus: {results['corpus']}  clients: {results['options']['clients']}  "
             f"casedesk: {results['version']['head']}", head, "-" * len(head)]
    for r in rows:
        filed_rate = r.get("filed_per_s")
        lines.append(
            f"{r['name']:<24} {r['accept_per_s']:>9.1f} {r['accept_per_s'] / sink:>6.2f}x "
            f"{filed_rate or 0:>8.1f} {(filed_rate or 0) / sink:>6.2f}x "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['rss_peak_mb']:>7.0f} "
            + (f"{r['to_filed_p50_s']:>9.1f}/{r['to_filed_p99_s']:<9.1f}" if filed_rate else f"{'-':>19}")
            + f" {r['refused']:>7}")
    lines.append("\nServer CPU per timed mail (ms, by process), and the peak size of SQLite's WAL:")
    for r in rows:
        if "filed_per_s" in r:
            cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in r["cpu_ms_per_mail"].items())
            wal = f"; WAL peak {r['wal_peak_mb']:.0f} MB" if "wal_peak_mb" in r else ""
            lines.append(f"  {r['name']:<24} {cpu}{wal}")
    if "scale" in results:
        sizes = results["scale"]["sizes"]
        small, large = list(sizes)
        lines.append(f"\nper-mail filing cost: {sizes[small]['ms_per_mail']:.2f} ms at {small} stored tickets, "
                     f"{sizes[large]['ms_per_mail']:.2f} ms at {large}: ratio {results['scale']['ratio']:.2f}x "
                     f"(full table scans seen: {len(sizes[large]['full_scans'])})")
        for scan in sizes[large]["full_scans"]:
            lines.append(f"  {scan}")
    if "pipe" in results:
        lines.extend(pipe.lines(results["pipe"]))
    if "search" in results:
        lines.append("\n" + search_bench.table(results["search"]))
    if "profile" in results:
        lines.append(f"\ningest worker profile ({results['profile']['mails']} mails, "
                     f"{results['profile']['profiled_seconds']:.1f}s profiled):")
        for stage in results["profile"]["stages"]:
            lines.append(f"  {stage['stage']:<38} {stage['seconds']:>7.2f}s {stage['share']:>5.0%}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
