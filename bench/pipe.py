"""How long `casedesk ingest -` (an MTA's pipe transport) takes for one small mail, start to exit.

Both ways side by side, in the same run so the machine's load is the same: the quick path (the
raw bytes committed with the plain driver, filed later by serve) and the in-process path it
replaced (`--json` still takes it: parse and file before exiting, importing SQLAlchemy).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from core.settings import config_text

MAIL = ("From: Dana <dana@example-foods.com>\nTo: support@support.example.com\nSubject: Pipe {n}\n"
        "Message-ID: <pipe-{tag}-{n}@bench.example>\n\nInvoice ID: 41220\nCoding rows: 1, 2\n")


def measure(folder: Path, db_url: str, runs: int) -> dict[str, Any]:
    """Median and max wall seconds of `ingest -` and of `ingest --json -`, `runs` mails each."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(config_text({"database": {"url": db_url}}), encoding="utf-8")
    run(config, [], "warm", 0)  # creates the schema (the quick path needs the table to exist)
    quick = [run(config, [], "quick", n) for n in range(runs)]
    here = [run(config, ["--json"], "here", n) for n in range(runs)]
    return {"runs": runs, "quick_median_s": statistics.median(quick), "quick_max_s": max(quick),
            "in_process_median_s": statistics.median(here), "in_process_max_s": max(here)}


def run(config: Path, extra: list[str], tag: str, n: int) -> float:
    """One `casedesk ingest -` as an MTA runs it: a fresh interpreter, the mail on stdin."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casedesk.cli", "--config", str(config), "ingest", *extra, "-"],
                          input=MAIL.format(n=n, tag=tag).encode(), capture_output=True, timeout=120)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"ingest - exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def lines(rows: dict[str, dict[str, Any]]) -> list[str]:
    out = ["\n`casedesk ingest -` of one small mail, wall seconds from start to exit (median / max):"]
    for name, row in rows.items():
        out.append(f"  {name:<24} quick path {row['quick_median_s']:.2f} / {row['quick_max_s']:.2f}   "
                   f"in-process (before) {row['in_process_median_s']:.2f} / {row['in_process_max_s']:.2f}"
                   f"   ({row['runs']} runs each)")
    return out
