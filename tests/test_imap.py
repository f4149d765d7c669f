"""ingest/imap.py against a real Dovecot on loopback: IDLE, polling, crashes, UIDVALIDITY, auth, scale.

The session fixture starts a throwaway Dovecot (Debian's dovecot-imapd) with its own config, port
and Maildir root under a temporary folder; every test logs in as a fresh user, so each starts
with an empty mailbox. Without dovecot (or when it cannot start) the server tests are skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ROOT, Serve, free_port, mail, run_cli, wait_until, write_config
from imapclient import IMAPClient
from sqlalchemy import func, select

from core.schema import known_keys
from core import settings as config
from core.settings import ConfigError, ImapSettings
from ingest import imap
from store.db import Database
from store.migrate import upgrade
from store.mailboxes import mailbox_statuses
from store.models import RawMail

PASSWORD = "secret"
# Dovecot's Maildir++ hierarchy delimiter is ".": "casedesk/processed" in config lands here.
PROCESSED = "casedesk.processed"
EX_TEMPFAIL, EX_CONFIG = 75, 78

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Dovecot still adds its per-IP auth penalty (~4s) to repeated failures; tests allow for it.
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
# inotify wakes IDLE at once; this is only the fallback.
mailbox_idle_check_interval = 1 secs
default_login_user = {user}
default_internal_user = {user}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


@dataclass
class Dovecot:
    """The running test server; every test gets its own user (and so its own Maildir)."""

    root: Path
    port: int

    def client(self, user: str, password: str = PASSWORD) -> IMAPClient:
        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=30)
        client.login(user, password)
        return client

    def append(self, user: str, *mails: bytes, folder: str = "INBOX") -> None:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in mails:
                client.append(folder, raw)
        finally:
            client.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return 0
            return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])
        finally:
            client.logout()

    def box(self, user: str, **overrides: Any) -> dict[str, Any]:
        """An [[imap]] table for `user` on this server."""
        return {"host": "127.0.0.1", "port": self.port, "tls": False, "username": user,
                "password": PASSWORD, **overrides}


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does this)")
    # Not tmp_path: pytest's folders are 0700 and Dovecot's unprivileged processes must enter.
    root = Path(tempfile.mkdtemp(prefix="casedesk-dovecot-"))
    root.chmod(0o755)
    # As root, mail is owned by "nobody" (Dovecot refuses UID 0 for mail); otherwise by us.
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    entry = pwd.getpwnam(user)
    (root / "mail").mkdir()
    os.chown(root / "mail", entry.pw_uid, entry.pw_gid)
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=port, user=user, group=entry.pw_gid,
                                        password=PASSWORD), encoding="utf-8")
    # Dovecot daemonizes and its master keeps inherited pipes open: write to a file, not a pipe.
    with (root / "start.log").open("w+") as output:
        started = subprocess.run([binary, "-c", str(conf)], stdout=output, stderr=output,
                                 timeout=30, check=False)
        output.seek(0)
        reason = output.read().strip()
    server = Dovecot(root, port)
    try:
        if started.returncode != 0:
            pytest.skip(f"dovecot did not start: {reason}")
        try:
            wait_until(lambda: reachable(server), timeout=30)
        except AssertionError:
            log = root / "dovecot.log"
            pytest.skip(f"dovecot did not listen: {log.read_text()[-500:] if log.exists() else ''}")
        yield server
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
            wait_until(lambda: not pid_file.exists(), timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def reachable(server: Dovecot) -> bool:
    try:
        server.client(f"probe-{uuid.uuid4().hex[:6]}").logout()
        return True
    except Exception:
        return False


@pytest.fixture
def user() -> str:
    return f"support-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def imap_serve(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Serve]]:
    """Start `casedesk serve` with [[imap]] tables; stopped (or already killed) after the test."""
    started: list[Serve] = []

    def start(*boxes: dict[str, Any], config_path: Path | None = None) -> Serve:
        serve = Serve(config_path or imap_config(tmp_path / f"serve{len(started)}", db_url, *boxes))
        started.append(serve.start())
        return serve

    yield start
    for serve in started:
        serve.stop()


def imap_config(folder: Path, db_url: str, *boxes: dict[str, Any]) -> Path:
    """conftest's config plus [[imap]] tables (write_config writes plain tables only)."""
    from core.settings import toml_value

    folder.mkdir(parents=True, exist_ok=True)
    path = write_config(folder, db_url)
    lines = [path.read_text(encoding="utf-8")]
    for box in boxes:
        lines.append("[[imap]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in box.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def counts(db_url: str) -> tuple[int, int]:
    """(raw_mail rows, distinct Message-IDs filed as messages) straight from the store."""
    from store.models import Message

    db = Database(db_url)
    try:
        with db.read() as session:
            raw = session.scalar(select(func.count()).select_from(RawMail))
            filed = session.scalar(select(func.count()).select_from(Message).where(Message.raw_id.is_not(None)))  # type: ignore[union-attr]
        return int(raw or 0), int(filed or 0)
    finally:
        db.dispose()


def statuses(db_url: str) -> list[Any]:
    db = Database(db_url)
    try:
        with db.read() as session:
            return mailbox_statuses(session)
    finally:
        db.dispose()


def mails(n: int, tag: str = "") -> list[bytes]:
    return [mail(subject=f"Order {tag}{i} broken", body=f"Mail {i}", sender=f"c{i}@example.com")
            for i in range(n)]


# -- config: no server needed -------------------------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_imap_tables_parse_with_defaults(tmp_path: Path) -> None:
    loaded = config.load(write(tmp_path, '[[imap]]\nhost = "imap.example.com"\nusername = "s@x"\n'
                                         'password_env = "PW"\n[[imap]]\nhost = "h"\nusername = "u"\n'
                                         'password = "p"\ntls = false\npoll = "5m"\n'))
    first, second = loaded.imap
    assert (first.port, first.tls, first.folder, first.processed_folder, first.poll.total_seconds()) == (
        993, True, "INBOX", "casedesk/processed", 60)
    assert (second.port, second.tls, second.poll.total_seconds()) == (143, False, 300)
    assert "password='p'" not in repr(second)  # never in a log line or traceback
    assert config.load(write(tmp_path, "")).imap == ()


@pytest.mark.parametrize(("body", "message"), [
    ('host = "h"\nusername = "u"\npassword = "p"\npoll = "soon"', "[imap] poll: expected a duration"),
    ('host = "h"\nusername = "u"', "[imap] password: set exactly one of password, password_env"),
    ('host = "h"\nusername = "u"\npassword = "p"\npassword_env = "X"', "set exactly one"),
    ('username = "u"\npassword = "p"', "[imap] host: required"),
    ('host = "h"\nusername = "u"\npassword = "p"\ntls = "yes"', "[imap] tls: expected true or false"),
    ('host = "h"\nusername = "u"\npassword = "p"\nfolder = "INBOX"\nprocessed_folder = "INBOX"',
     "[imap] processed_folder: must differ from folder"),
    ('host = "h"\nusername = "u"\npassword = "p"\nmove = true', "[imap] move: unknown key"),
])
def test_imap_config_errors_are_one_line_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, f"[[imap]]\n{body}\n"))
    assert message in str(caught.value) and str(tmp_path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_second_table_is_named_in_errors(tmp_path: Path) -> None:
    good = 'host = "h"\nusername = "u"\npassword = "p"\n'
    with pytest.raises(ConfigError, match=r"\[imap #2\] port"):
        config.load(write(tmp_path, f"[[imap]]\n{good}[[imap]]\n{good}port = -1\n"))
    with pytest.raises(ConfigError, match=r"expected \[\[imap\]\] tables"):
        config.load(write(tmp_path, f"[imap]\n{good}"))


def test_shipped_example_block_is_valid_and_documented() -> None:
    """The commented [[imap]] block in config.toml parses once uncommented; docs name every key."""
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    start = shipped.index("# [[imap]]")
    block = []
    for line in shipped[start:].splitlines():
        if not line.startswith("# "):
            break
        block.append(line[2:])
    text = "\n".join(line for line in block if line.split("=")[0].strip() != "password_env")
    loaded = config.from_dict(__import__("tomllib").loads(text), Path("config.toml"))
    assert loaded.imap[0].host == "imap.example.com"
    docs = (ROOT / "docs" / "imap.md").read_text(encoding="utf-8")
    for key in known_keys(config.ImapSettings):
        assert f"# {key} = " in shipped, key
        assert f"`{key}`" in docs, key
    for word in (imap.PAUSE_AFTER_COMMIT, "fetch --once", "75", "78", "Microsoft 365", "Google",
                 "/healthz", "UIDVALIDITY"):
        assert word in docs, word


def test_password_env_is_read_at_connect_time(monkeypatch: pytest.MonkeyPatch) -> None:
    box = ImapSettings(host="h", username="u", password_env="CASEDESK_TEST_PW")
    monkeypatch.delenv("CASEDESK_TEST_PW", raising=False)
    with pytest.raises(imap.AuthFailed, match="CASEDESK_TEST_PW is not set"):
        imap.password_of(box)
    monkeypatch.setenv("CASEDESK_TEST_PW", "s3cret")
    assert imap.password_of(box) == "s3cret"


def test_unreachable_mailbox_is_a_temporary_failure(tmp_path: Path, sqlite_url: str) -> None:
    port = free_port()  # nothing listens here
    path = imap_config(tmp_path, sqlite_url, {"host": "127.0.0.1", "port": port, "tls": False,
                                              "username": "u", "password": "p"})
    result = run_cli(path, "fetch", "--once")
    assert result.returncode == EX_TEMPFAIL
    lines = result.stderr.decode().strip().splitlines()
    assert lines == [f"casedesk: imap u@127.0.0.1/INBOX: cannot reach 127.0.0.1:{port}: Connection refused"]
    [row] = statuses(sqlite_url)
    assert row.failures == 1 and "Connection refused" in (row.last_error or "") and row.last_ok_at is None
    assert run_cli(path, "fetch", "--once").returncode == EX_TEMPFAIL
    assert statuses(sqlite_url)[0].failures == 2  # consecutive failures add up across cron runs


# -- against Dovecot ------------------------------------------------------------------------------

def test_idle_delivers_while_serve_runs(dovecot: Dovecot, user: str, imap_serve: Callable[..., Serve],
                                        db_url: str) -> None:
    """poll is an hour, so only IDLE can bring the mail in within seconds."""
    serve = imap_serve(dovecot.box(user, poll="1h"))
    wait_until(lambda: "connected (IDLE)" in serve.log.read_text())
    dovecot.append(user, mail(subject="Printer on fire", sender="ann@example.com"))
    [ticket] = serve.wait_tickets(1, timeout=60)
    assert ticket["subject"] == "Printer on fire"
    wait_until(lambda: dovecot.count(user) == 0 and dovecot.count(user, PROCESSED) == 1)
    assert counts(db_url) == (1, 1)
    [row] = statuses(db_url)
    assert row.failures == 0 and row.last_ok_at is not None


def test_polling_path_without_idle(dovecot: Dovecot, user: str, db_url: str,
                                   caplog: pytest.LogCaptureFixture) -> None:
    """Dovecot always offers IDLE, so the polling loop runs in-process with idle=False."""
    caplog.set_level("INFO", logger="casedesk.imap")
    box = ImapSettings(host="127.0.0.1", port=dovecot.port, tls=False, username=user,
                       password=PASSWORD, poll=config.duration("300ms"))
    db = Database(db_url)
    upgrade(db)
    woken = threading.Event()
    fetcher = imap.Fetcher(box, db, "poll-test", woken.set, idle=False)
    stop = threading.Event()
    thread = threading.Thread(target=fetcher.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: "polling every 0.3s" in caplog.text)
        dovecot.append(user, *mails(3))
        wait_until(lambda: dovecot.count(user) == 0 and dovecot.count(user, PROCESSED) == 3, timeout=60)
        assert woken.is_set()
    finally:
        stop.set()
        thread.join(10)
        db.dispose()
    assert not thread.is_alive()
    assert counts(db_url)[0] == 3
    assert any(s["name"] == box.name and s["failures"] == 0 and s["last_ok_at"] for s in imap.status())


def test_kill_between_commit_and_move_refetches_once(dovecot: Dovecot, user: str, db_url: str,
                                                     imap_serve: Callable[..., Serve],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.append(user, *mails(5))
    monkeypatch.setenv(imap.PAUSE_AFTER_COMMIT, "1")
    first = imap_serve(dovecot.box(user))
    wait_until(lambda: imap.PAUSE_AFTER_COMMIT in first.log.read_text())
    wait_until(lambda: counts(db_url) == (5, 5))  # committed and filed ...
    assert dovecot.count(user) == 5                 # ... but not moved
    first.stop(signal.SIGKILL)
    monkeypatch.delenv(imap.PAUSE_AFTER_COMMIT)
    second = imap_serve(config_path=first.config)
    wait_until(lambda: dovecot.count(user) == 0 and dovecot.count(user, PROCESSED) == 5)
    wait_until(lambda: "0 new, 5 already stored" in second.log.read_text())
    assert counts(db_url) == (5, 5)
    assert len(second.tickets()) == 5


def test_uidvalidity_reset_is_absorbed_by_dedupe(dovecot: Dovecot, user: str, db_url: str,
                                                 imap_serve: Callable[..., Serve]) -> None:
    """The folder is deleted and recreated under serve (new UIDVALIDITY); old mail reappears."""
    old = mails(2, "old")
    dovecot.append(user, *old, folder="support")
    serve = imap_serve(dovecot.box(user, folder="support", poll="1s"))
    wait_until(lambda: dovecot.count(user, "support") == 0 and counts(db_url) == (2, 2))
    client = dovecot.client(user)
    before = client.folder_status("support", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    client.delete_folder("support")
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    client.create_folder("support")
    after = client.folder_status("support", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    client.logout()
    assert after != before
    dovecot.append(user, *old, *mails(1, "new"), folder="support")
    wait_until(lambda: dovecot.count(user, "support") == 0, timeout=60)
    wait_until(lambda: "UIDVALIDITY changed" in serve.log.read_text())
    wait_until(lambda: counts(db_url) == (3, 3))  # filing follows the commit asynchronously
    assert dovecot.count(user, PROCESSED) == 5


def test_wrong_password_is_clear_and_serve_keeps_running(dovecot: Dovecot, user: str, db_url: str,
                                                         imap_serve: Callable[..., Serve]) -> None:
    box = dovecot.box(user, password="wrong")
    dovecot.append(user, mail(subject="Waiting"))
    result = run_cli(imap_config(Path(tempfile.mkdtemp()), db_url, box), "fetch", "--once")
    assert result.returncode == EX_CONFIG
    assert result.stderr.decode().strip().splitlines() == [
        (f"casedesk: imap {user}@127.0.0.1/INBOX: login as {user} refused: "
         "[AUTHENTICATIONFAILED] Authentication failed.")]

    serve = imap_serve(box)
    wait_until(lambda: (rows := statuses(db_url)) and rows[0].failures >= 2, timeout=60)
    log = serve.log.read_text()
    assert log.count("refused: [AUTHENTICATIONFAILED]") == 1, log  # once per state change
    assert "Traceback" not in log
    assert httpx.get(f"{serve.base_url}/healthz").status_code == 200
    serve.send(mail(subject="SMTP still works"))
    serve.wait_tickets(1)
    assert dovecot.count(user) == 1  # nothing taken, nothing lost
    [row] = statuses(db_url)
    assert "AUTHENTICATIONFAILED" in (row.last_error or "") and row.last_ok_at is None


def test_500_mails_are_fetched_once_each(dovecot: Dovecot, user: str, tmp_path: Path, db_url: str) -> None:
    batch = mails(500)
    client = dovecot.client(user)
    try:
        for start in range(0, 500, 100):
            client.multiappend("INBOX", batch[start:start + 100])
    finally:
        client.logout()
    path = imap_config(tmp_path, db_url, dovecot.box(user))
    result = run_cli(path, "fetch", "--once", timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert "500 new, 0 already stored" in result.stderr.decode()
    assert counts(db_url) == (500, 500)
    assert dovecot.count(user) == 0 and dovecot.count(user, PROCESSED) == 500
    again = run_cli(path, "fetch", "--once")
    assert again.returncode == 0 and "0 new, 0 already stored" in again.stderr.decode()
    assert counts(db_url) == (500, 500)
