"""`casedesk ingest -` for an MTA's pipe: commit the raw bytes with the plain driver; serve files them.

Request Tracker's rt-mailgate does the same job by handing the mail to the running server. Here
the hand-over point is the `raw_mail` table itself, which is already the inbound queue: the row
is written exactly as the SMTP listener writes it (same Message-ID, so the same dedupe), and
`casedesk serve` files it like any other. Importing SQLAlchemy and SQLModel alone takes about a
second on a small machine, so this path imports neither, nor the parser: only the stdlib, the
settings and the database's own driver (sqlite3, or psycopg for PostgreSQL).

A mail committed here is filed by a running `casedesk serve` within about half a second (or by
the next `casedesk ingest` of files); if serve is down, it waits in `raw_mail` until it starts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ingest.msgid import message_id_of

# The `accepted_by` of piped mail: every serve instance files it at once (store/inbound.py
# `pending`), since the pipe has no filing process of its own.
PIPE_OWNER = "ingest-pipe"
# Waiting for SQLite's write lock: as long as the SMTP listener waits before answering 451.
BUSY_TIMEOUT_S = 5.0
INSERT = ("INSERT INTO raw_mail (message_id, mail_from, rcpt_to, data, size, source, accepted_by, received_at)"
          " VALUES ({p}, '', '[]', {p}, {p}, 'ingest', {p}, {p}) ON CONFLICT (message_id) DO NOTHING")


class StoreUnavailable(Exception):
    """The database did not take the mail (locked, down, disk full): the MTA should retry (75)."""


class NeedsFullPath(Exception):
    """This store cannot take a piped mail the quick way (no database or table yet, a schema this
    version does not know): file it in-process, which creates or checks the schema."""


@dataclass(frozen=True)
class Committed:
    message_id: str
    new: bool


def commit(url: str, data: bytes) -> Committed:
    """Commit one raw mail to `raw_mail`, deduped by Message-ID; raises StoreUnavailable or NeedsFullPath."""
    message_id = message_id_of(data)
    row = (message_id, data, len(data), PIPE_OWNER)
    if url.startswith("sqlite"):
        return Committed(message_id, commit_sqlite(sqlite_path(url), row))
    return Committed(message_id, commit_postgres(url, row))


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///PATH` URL (settings made a relative PATH absolute already)."""
    _, sep, rest = url.partition(":///")
    if not sep or not rest or rest.startswith(":memory:"):
        raise NeedsFullPath(url)
    return Path(rest.split("?", 1)[0])


def commit_sqlite(path: Path, row: tuple[Any, ...]) -> bool:
    """One INSERT in a BEGIN IMMEDIATE transaction with fsync on commit, as the listener does.

    SQLAlchemy writes DATETIME as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, no offset): the same text
    here, so the filing worker's time comparisons see no difference.
    """
    if not path.exists():
        raise NeedsFullPath(str(path))
    received = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    try:
        # mode=rw: never create a database here (a missing file was sent the full path above).
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True,
                                     timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreUnavailable(str(exc)) from exc
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        connection.execute("BEGIN IMMEDIATE")
        inserted = connection.execute(INSERT.format(p="?"), (*row, received)).rowcount
        connection.execute("COMMIT")
        return inserted == 1
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "column" in str(exc):
            raise NeedsFullPath(str(exc)) from exc
        raise StoreUnavailable(str(exc)) from exc
    except sqlite3.Error as exc:
        raise StoreUnavailable(str(exc)) from exc
    finally:
        connection.close()


def commit_postgres(url: str, row: tuple[Any, ...]) -> bool:
    """The same INSERT through psycopg; the unique index on message_id is what dedupes."""
    import psycopg
    from psycopg import errors

    _, sep, rest = url.partition("://")
    try:
        with psycopg.connect(f"postgresql://{rest}" if sep else url, connect_timeout=10) as connection:
            cursor = connection.execute(INSERT.format(p="%s"), (*row, datetime.now(timezone.utc)))
            return cursor.rowcount == 1
    except (errors.UndefinedTable, errors.UndefinedColumn) as exc:
        raise NeedsFullPath(str(exc).splitlines()[0]) from exc
    except psycopg.Error as exc:
        raise StoreUnavailable(type(exc).__name__) from exc
