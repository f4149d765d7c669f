"""Faults: kill -9 mid-load, a full disk, many and misbehaving clients. Nothing accepted is lost."""

from __future__ import annotations

import os
import random
import signal
import smtplib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from conftest import Serve, mail, wait_until, write_config
from store.db import Database
from store.models import Message, RawMail


def counts(url: str) -> tuple[int, int, int]:
    """(raw mails, raw mails filed, inbound messages) in the database."""
    db = Database(url)
    try:
        with db.read() as session:
            raw = session.scalar(select(func.count()).select_from(RawMail))
            filed = session.scalar(select(func.count()).select_from(RawMail).where(RawMail.processed_at.is_not(None)))
            messages = session.scalar(select(func.count()).select_from(Message))
            return raw or 0, filed or 0, messages or 0
    finally:
        db.dispose()


def stored_ids(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.read() as session:
            return list(session.scalars(select(RawMail.message_id)))
    finally:
        db.dispose()


class Sender:
    """Load clients that keep a queue of mails and retry what was not answered 250."""

    def __init__(self, total: int, clients: int) -> None:
        self.todo = [f"kill-{n}@example.com" for n in range(total)]
        self.acked: set[str] = set()
        self.clients = clients
        self.lock = threading.Lock()

    def take(self) -> str | None:
        with self.lock:
            return self.todo.pop() if self.todo else None

    def run_until_refused(self, port: int) -> None:
        """Each client sends back to back until the server goes away; unsent mail is requeued."""
        def client() -> None:
            try:
                connection = smtplib.SMTP("127.0.0.1", port, timeout=10)
            except OSError:
                return
            while (message_id := self.take()) is not None:
                try:
                    connection.sendmail("c@example.com", ["support@support.example.com"],
                                        mail(subject=message_id, message_id=f"<{message_id}>"))
                    with self.lock:
                        self.acked.add(message_id)
                except (smtplib.SMTPException, OSError):
                    with self.lock:
                        self.todo.append(message_id)  # no 250 seen: the client will retry it
                    return
            connection.close()

        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def kill_rounds(tmp_path: Path, db_url: str, rounds: int, total: int) -> None:
    """Each round: start serve, let 8 clients send, kill -9 it after a random number of 250s."""
    config = write_config(tmp_path, db_url)
    sender = Sender(total, clients=8)
    rng = random.Random(1729)
    kills = 0
    for _ in range(rounds):
        serve = Serve(config).start()
        target = len(sender.acked) + rng.randint(20, 45)  # mid-load, never at a quiet moment
        killer = threading.Thread(target=kill_at, args=(serve, sender, target))
        killer.start()
        sender.run_until_refused(serve.smtp_port)
        killer.join()
        serve.proc.wait(10)
        kills += serve.proc.returncode == -signal.SIGKILL
        # Every 250 so far is durable, whatever the kill interrupted.
        assert sender.acked <= set(stored_ids(db_url))
    assert kills == rounds, f"only {kills} of {rounds} rounds were killed mid-load"
    serve = Serve(config).start()  # a last round without a kill sends what is left
    try:
        while sender.todo:
            sender.run_until_refused(serve.smtp_port)
        wait_until(lambda: counts(db_url)[1] == total, timeout=180)
        raw, filed, messages = counts(db_url)
        assert (raw, filed, messages) == (total, total, total)  # each filed exactly once
        assert sorted(stored_ids(db_url)) == sorted(f"kill-{n}@example.com" for n in range(total))
    finally:
        serve.stop()


def kill_at(serve: Serve, sender: Sender, acked: int) -> None:
    """kill -9 serve once `acked` mails have been answered 250 (or the clients ran out)."""
    while len(sender.acked) < acked and sender.todo:
        time.sleep(0.002)
    assert serve.proc is not None
    serve.proc.send_signal(signal.SIGKILL)


def test_kill_9_under_load_loses_nothing(tmp_path: Path, db_url: str) -> None:
    kill_rounds(tmp_path, db_url, rounds=3, total=200)


@pytest.mark.slow
def test_kill_9_twenty_rounds(tmp_path: Path, db_url: str) -> None:
    kill_rounds(tmp_path, db_url, rounds=20, total=1000)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs to fill up; needs root (CI and dev machines here run as root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_answers_451_and_never_half_stores(tmp_path: Path, small_disk: Path) -> None:
    url = f"sqlite:///{small_disk / 'casedesk.db'}"
    serve = Serve(write_config(tmp_path, url)).start()
    try:
        accepted, refused = [], []
        for n in range(200):
            raw = mail(subject=f"fill {n}", body=f"{n} " + os.urandom(20_000).hex(), message_id=f"<fill-{n}@x>")
            try:
                serve.send(raw)
                accepted.append(raw)
            except smtplib.SMTPDataError as exc:
                assert exc.smtp_code == 451, exc  # never a 5xx for our own fault
                refused.append(raw)
                if len(refused) >= 3:
                    break
        assert accepted and refused, "the disk never filled up"
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        wait_until(lambda: serve.accepts(refused[0]), timeout=60, every=0.5)
        db = Database(url)
        with db.read() as session:
            rows = {r.message_id: r.data for r in session.scalars(select(RawMail))}
        db.dispose()
        for n, raw in enumerate(accepted):  # every 250 is there, byte for byte as sent in DATA
            assert rows[f"fill-{n}@x"] in (raw, raw + b"\r\n")  # smtplib adds the final CRLF
        assert len(rows) == len(accepted) + 1
    finally:
        serve.stop()


def test_fifty_sessions_slow_clients_and_drops_mid_data(make_serve) -> None:
    """50 sessions at once; some dawdle, some vanish mid-DATA; the listener keeps serving."""
    serve = make_serve(smtp={"max_connections_per_client": 60})  # all 50 come from loopback
    good: list[str] = []
    lock = threading.Lock()

    def well_behaved(n: int) -> None:
        serve.send(mail(subject=f"good {n}", message_id=f"<good-{n}@x>"))
        with lock:
            good.append(f"good-{n}@x")

    def slow(n: int) -> None:
        with socket.create_connection(("127.0.0.1", serve.smtp_port)) as sock:
            reader = sock.makefile("rb")
            reader.readline()
            for line in (b"EHLO slow\r\n", b"MAIL FROM:<s@x>\r\n", b"RCPT TO:<support@support.example.com>\r\n", b"DATA\r\n"):
                sock.sendall(line)
                while True:
                    reply = reader.readline()
                    if reply[3:4] != b"-":
                        break
            for chunk in mail(subject=f"slow {n}", message_id=f"<slow-{n}@x>").split(b"\n"):
                sock.sendall(chunk + b"\r\n")
                time.sleep(0.01)
            sock.sendall(b".\r\n")
            assert reader.readline().startswith(b"250")
            with lock:
                good.append(f"slow-{n}@x")

    def dropper(n: int) -> None:
        with socket.create_connection(("127.0.0.1", serve.smtp_port)) as sock:
            sock.recv(1000)
            sock.sendall(b"EHLO drop\r\nMAIL FROM:<d@x>\r\nRCPT TO:<support@support.example.com>\r\nDATA\r\n")
            time.sleep(0.2)
            sock.sendall(mail(subject=f"half {n}", message_id=f"<half-{n}@x>")[:150])
        # closed without the final dot: nothing may be stored

    jobs = [threading.Thread(target=f, args=(n,)) for n in range(20) for f in (well_behaved,)]
    jobs += [threading.Thread(target=slow, args=(n,)) for n in range(10)]
    jobs += [threading.Thread(target=dropper, args=(n,)) for n in range(20)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(60)
    assert len(good) == 30
    serve.wait_tickets(30)
    stored = set(stored_ids(serve.settings.database.url))
    assert stored == set(good)  # all good mail, no half mail
    serve.send(mail(subject="still serving"))  # the listener survived all of it


def test_per_client_connection_limit(make_serve) -> None:
    serve = make_serve(smtp={"max_connections_per_client": 3})
    held = [serve.smtp() for _ in range(3)]
    try:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", serve.smtp_port, timeout=5)
        assert refused.value.smtp_code == 421
    finally:
        for client in held:
            client.close()
    wait_until(lambda: serve.accepts(mail(subject="after the limit")), timeout=60)
