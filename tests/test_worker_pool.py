"""Filing with preparing processes ([filing] preparers): one writer, in order, nothing filed twice.

The pool is a real ProcessPoolExecutor running casedesk's own preparing code, as serve starts it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from core.settings import Settings, load
from conftest import mail, write_config
from ingest.parse import message_id_of
from ingest.filing import BATCH, Worker, start_preparing, stop_pool
from store.db import Database
from store.migrate import upgrade
from store.inbound import Incoming, accept
from store.models import Message, RawMail, Ticket

CHAINS, LENGTH = 12, 6  # 72 mails: each chain a first mail and replies to the one before


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load(write_config(tmp_path, db_url))


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database.url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def pool(settings: Settings) -> Iterator[ProcessPoolExecutor]:
    executor = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), start_preparing, (settings,))
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


def chains(db: Database) -> list[str]:
    """Commit chains of replies, interleaved so that a reply and its parent share or straddle a
    batch; returns the first mail's Message-ID of each chain."""
    previous: dict[int, str] = {}
    firsts = []
    for step in range(LENGTH):
        for chain in range(CHAINS):
            message_id = f"<chain{chain}-{step}@example.com>"
            headers = {"In-Reply-To": previous[chain]} if chain in previous else {}
            raw = mail(subject=f"Invoice 4100{chain} stuck in coding", sender=f"c{chain}@example.com",
                       body="Invoice ID: 41001\nCoding row 2 is wrong.", message_id=message_id, headers=headers)
            accept(db, [Incoming(message_id_of(raw), raw)], "me")
            previous[chain] = message_id
            firsts += [message_id] if step == 0 else []
    return firsts


def assert_filed_once_and_threaded(db: Database) -> None:
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RawMail).where(RawMail.processed_at.is_(None))) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == CHAINS * LENGTH
        counts = sorted(session.scalars(select(Ticket.message_count)))
    assert counts == [LENGTH] * CHAINS  # every reply found its case, none opened a case of its own


def test_a_pool_prepares_ahead_and_the_writer_files_in_order(db: Database, settings: Settings,
                                                             pool: ProcessPoolExecutor) -> None:
    chains(db)
    assert CHAINS * LENGTH > 2 * BATCH  # full batches go to the pool, read ahead of the writer
    assert Worker(db, settings, "me", pool=pool).drain() == CHAINS * LENGTH
    assert_filed_once_and_threaded(db)


def test_a_dead_pool_leaves_filing_to_the_writer(db: Database, settings: Settings,
                                                 pool: ProcessPoolExecutor) -> None:
    pool.submit(os.getpid).result()  # start the preparing process, then kill it
    for process in list(pool._processes.values()):  # noqa: SLF001 - the pool's own children
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    chains(db)
    worker = Worker(db, settings, "me", pool=pool)
    assert worker.drain() == CHAINS * LENGTH
    assert worker.pool is None
    assert_filed_once_and_threaded(db)


def spawned_children(pid: int) -> list[int]:
    """Child processes of `pid` started by multiprocessing's spawn (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def test_serve_files_a_backlog_through_its_preparer(db: Database, make_serve: Any) -> None:
    """[filing] preparers = 1 in config.toml: serve's filing process starts a preparing process
    for the backlog it finds, and every mail is filed once, on its case."""
    chains(db)
    serve = make_serve(filing={"preparers": 1})
    serve.wait_all_filed(timeout=180)  # a condition; room for a busy machine (filing runs at nice 10)
    [filing] = spawned_children(serve.proc.pid)
    assert len(spawned_children(filing)) == 1  # the preparer
    assert_filed_once_and_threaded(db)
    assert "preparing processes unavailable" not in serve.log.read_text()


def test_stopping_the_pool_leaves_no_manager_thread_to_race_the_exit() -> None:
    """stop_pool kills the preparers and waits for the pool's manager thread: left running, it
    closes its wake-up pipe while the interpreter's exit hook writes to it, and the filing process
    printed "OSError: [Errno 9] Bad file descriptor" on a busy machine's SIGTERM."""
    pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"))
    pool.submit(os.getpid).result(timeout=60)  # the preparer and the manager thread are running
    manager = pool._executor_manager_thread
    assert manager is not None and manager.is_alive()
    stop_pool(pool)
    assert not manager.is_alive()
