"""CPU per filed mail, by stage, in one process: `python -m bench.cpu_per_mail [--mails N]`.

Commits N corpus mails (bench/corpus.py, same seed, same bytes on every tree) into a fresh
SQLite file untimed, then times casedesk's own `Worker.drain()` (no preparing processes) with
`time.process_time()`. Each stage is a function of the pipeline wrapped with a CPU timer and
counted exclusive of the stages it calls, so the stages add up to the total. Written to run on
older trees too (779058a): a function a tree does not have is simply not wrapped.

Wall time on a shared box says more about the other processes than about filing; CPU time of
this one process does not (compare runs on the same box, though: caches and frequency still move
it a few percent). `--profile FILE` also writes a cProfile of the timed drain.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import importlib.util
import logging
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import corpus

# (stage, module, attribute): the attribute is replaced by a timed wrapper. Where a function is
# imported by name into the pipeline, the pipeline's name is the one wrapped.
STAGES = (
    ("queue query (pending)", "ingest.worker", "Worker.take"),
    ("bytes read (prepare_rows)", "ingest.worker", "prepare_rows"),
    ("prepare: rest (guards, budget)", "ingest.worker", "prepare"),
    ("parse", "ingest.pipeline", "parse"),
    ("parse: headers only", "ingest.pipeline", "headers_only"),
    ("threading lookup (find_case)", "ingest.pipeline", "find_case"),
    ("read/classify (read_mail)", "ingest.pipeline", "read_mail"),
    ("write: claim, dedupe", "ingest.worker", "Worker.file_batch"),
    ("write: file_mail (case, rows)", "ingest.worker", "file_mail"),
    ("write: open_ticket / add_message", "ingest.pipeline", "open_ticket"),
    ("write: open_ticket / add_message", "ingest.pipeline", "add_message"),
    ("write: flush (INSERTs, triggers)", "sqlalchemy.orm.session", "Session.flush"),
    ("write: commit (fsync)", "sqlalchemy.orm.session", "SessionTransaction.commit"),
)


# Modules renamed since 779058a (issue 16): the old name, then where a newer tree has it.
RENAMED = {"ingest.worker": "ingest.filing"}


def _module(name: str) -> str:
    """`name`, or its newer name when this tree has that one."""
    newer = RENAMED.get(name)
    if newer and importlib.util.find_spec(newer) is not None:
        return newer
    return name


class Stages:
    """Exclusive CPU time per stage: a stage's time excludes the stages it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list[Any]] = []  # [stage, started, time of nested stages]
        self.undo: list[Callable[[], None]] = []

    def wrap(self, stage: str, module_name: str, attribute: str) -> bool:
        module = importlib.import_module(_module(module_name))
        owner_name, _, name = attribute.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        original = getattr(owner, name, None)
        if original is None:
            return False

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [stage, time.process_time(), 0.0]
            self.stack.append(frame)
            try:
                return original(*args, **kwargs)
            finally:
                self.stack.pop()
                spent = time.process_time() - frame[1]
                self.seconds[stage] += spent - frame[2]
                self.calls[stage] += 1
                if self.stack:
                    self.stack[-1][2] += spent

        setattr(owner, name, timed)
        self.undo.append(lambda: setattr(owner, name, original))
        return True

    def restore(self) -> None:
        while self.undo:
            self.undo.pop()()


def run(mails: int, warmup: int, seed: int, profile: Path | None, no_fts: bool,
        marked: bool = False) -> dict[str, Any]:
    try:
        from core.settings import load
    except ImportError:  # older trees (779058a) kept the settings in casedesk/
        from casedesk.settings import load  # type: ignore[no-redef]
    try:
        from ingest.msgid import message_id_of
    except ImportError:  # older trees
        from ingest.parse import message_id_of  # type: ignore[no-redef,attr-defined]
    Worker = importlib.import_module(_module("ingest.worker")).Worker  # noqa: N806
    from store.db import Database
    from store.inbound import Incoming, accept

    from bench.targets import write_config

    generated = corpus.generate(warmup + mails, seed=seed, prefix="cpu")
    with tempfile.TemporaryDirectory(prefix="casedesk-cpu-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'cpu.db'}"
        config, _ = write_config(folder, url)
        settings = load(config)
        db = Database(url)
        if hasattr(db, "create_schema"):
            db.create_schema()
        else:  # issue 16: the schema is built by the migrations
            importlib.import_module("store.migrate").upgrade(db)
        if no_fts:  # what filing costs without the search index (diagnostic only)
            with db.write() as session:
                for trigger in ("ticket_fts_insert", "ticket_fts_update", "message_fts_insert"):
                    session.exec(_text(f"DROP TRIGGER IF EXISTS {trigger}"))  # type: ignore[call-overload]
        owner = f"cpu-{uuid.uuid4().hex[:8]}"
        logging.getLogger("casedesk").setLevel(logging.WARNING)
        worker = Worker(db, settings, owner)

        def commit(batch: list[corpus.Mail]) -> None:
            for start in range(0, len(batch), 200):
                accept(db, [Incoming(message_id_of(m.data), m.data, m.sender, (corpus.SUPPORT,))
                            for m in batch[start:start + 200]], owner)

        commit(generated[:warmup])  # imports, compiled patterns, caches: as in a running serve
        worker.drain()
        commit(generated[warmup:])
        stages = Stages()
        wrapped = [] if marked else [label for label, module, attribute in STAGES
                                     if stages.wrap(label, module, attribute)]
        profiler = cProfile.Profile(time.process_time) if profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        # sys.call_tracing is the mark `--callgrind` counts inside (--toggle-collect=sys_call_tracing)
        filed = sys.call_tracing(file_and_index, (worker,)) if marked else file_and_index(worker)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stages.restore()
        if profiler and profile:
            profiler.dump_stats(profile)
        db.dispose()
    per = 1000 / max(1, filed)
    rows = [(label, stages.seconds.get(label, 0.0) * per, stages.calls.get(label, 0)) for label in dict.fromkeys(wrapped)]
    rows.append(("other (drain loop, outside the stages)", (cpu - sum(stages.seconds.values())) * per, 0))
    return {"filed": filed, "cpu_ms": cpu * per, "wall_ms": wall * per, "stages": rows}


def file_and_index(worker: Any) -> int:
    """Drain, then index for search what was filed (since 0009 after filing, not in it; older
    trees indexed inside the drain and have no `index`): both are filing's work."""
    filed = int(worker.drain())
    while getattr(worker, "index", lambda: 0)():
        pass
    return filed


def _text(statement: str) -> Any:
    from sqlalchemy import text

    return text(statement)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1, help="runs; each stage's best is printed")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the timed drain here")
    parser.add_argument("--no-fts", action="store_true", help="drop the search triggers first")
    parser.add_argument("--callgrind", action="store_true",
                        help="no stage timers; run the drain inside sys.call_tracing, so that\n"
                             "valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing\n"
                             "counts the instructions of filing alone (load-independent)")
    args = parser.parse_args(argv)
    if args.callgrind:
        result = run(args.mails, args.warmup, args.seed, None, args.no_fts, marked=True)
        print(f"{result['filed']} mails filed; divide callgrind's 'Collected' by this number")
        return 0
    results = [run(args.mails, args.warmup, args.seed, args.profile, args.no_fts) for _ in range(args.rounds)]
    best = min(results, key=lambda r: r["cpu_ms"])
    print(f"{best['filed']} mails filed in one process; CPU ms per mail (best of {args.rounds}: "
          f"{best['cpu_ms']:.2f}; all: {', '.join(format(r['cpu_ms'], '.2f') for r in results)}; wall {best['wall_ms']:.2f})")
    for label, ms, calls in best["stages"]:
        print(f"  {label:42s} {ms:6.2f}  ({calls} calls)" if calls else f"  {label:42s} {ms:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
