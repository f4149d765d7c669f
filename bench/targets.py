"""The servers under test as subprocesses: the sink, the naive pipeline and `casedesk serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.settings import config_text
from store.db import scratch_database

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "support.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(folder: Path, db_url: str, preparers: int | None = None) -> tuple[Path, int]:
    """A casedesk config.toml on free ports (as tests/conftest.py writes one); returns it and the SMTP port."""
    smtp_port, web_port = free_port(), free_port()
    tables: dict[str, dict[str, Any]] = {
        "smtp": {"listen": f"127.0.0.1:{smtp_port}", "domains": [DOMAIN]},
        "outbound": {"transport": "maildir", "maildir": str(folder / "outbox")},
        "database": {"url": db_url},
        "web": {"listen": f"127.0.0.1:{web_port}", "base_url": f"http://127.0.0.1:{web_port}",
                "secret": "bench-secret-0123456789abcdef-0123456789", "staff": [f"staff@{DOMAIN}"]},
    }
    if preparers is not None:
        tables["filing"] = {"preparers": preparers}
    path = folder / "config.toml"
    path.write_text(config_text(tables), encoding="utf-8")
    return path, smtp_port


class Target:
    """One server process listening for SMTP on `port`; its log goes to a file beside its data."""

    def __init__(self, name: str, command: list[str], port: int, folder: Path) -> None:
        self.name, self.command, self.port, self.folder = name, command, port, folder
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> "Target":
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(self.command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + timeout
        while not self.listening():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout}s")
            time.sleep(0.05)
        return self

    def listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self, timeout: float = 60) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def sink(folder: Path) -> Target:
    port = free_port()
    return Target("sink", [sys.executable, "-m", "bench.sink", "--port", str(port)], port, folder)


def naive(folder: Path) -> Target:
    port = free_port()
    return Target("naive", [sys.executable, "-m", "bench.naive", "--port", str(port),
                            "--db", str(folder / "naive.db")], port, folder)


def casedesk(folder: Path, db_url: str, name: str = "casedesk", preparers: int | None = None) -> Target:
    config, port = write_config(folder, db_url, preparers)
    return Target(name, [sys.executable, "-m", "casedesk.cli", "--config", str(config), "serve"], port, folder)


def accept_only(folder: Path, db_url: str) -> Target:
    """casedesk's SMTP edge and group commit without the ingest worker (a diagnostic row)."""
    config, port = write_config(folder, db_url)
    return Target("accept-only", [sys.executable, "-m", "bench.acceptonly", "--config", str(config)], port, folder)


# -- memory ------------------------------------------------------------------------------------

def family(pid: int) -> list[int]:
    """The process and all its descendants (serve, its filing process, the preparers)."""
    return [member for member, _ in tree(pid)]


def tree(pid: int) -> list[tuple[int, int]]:
    """The process and its descendants, each with its depth below `pid`."""
    found, todo = [], [(pid, 0)]
    while todo:
        current, depth = todo.pop()
        found.append((current, depth))
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [(int(child), depth + 1) for child in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def role(pid: int, depth: int) -> str:
    """What a member of a casedesk serve's family does: serve, filing, preparer (or helper)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "helper"
    return ("serve", "filing", "preparers")[min(depth, 2)]


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Summed over the process family: VmRSS now, or VmHWM (each process's peak)."""
    return sum(status_kb(p, key) for p in family(pid)) / 1024


# -- PostgreSQL (optional) -----------------------------------------------------------------------

def pg_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database; returns its URL and a dropper."""
    return scratch_database(base_url, "casedesk_bench")
