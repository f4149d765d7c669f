"""The database handle: one engine, SQLite tuned for a durable single writer, PostgreSQL as is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from store import search  # noqa: F401  (adds the search index to every fresh database)

BUSY_TIMEOUT_MS = 5000
# What a store outage says (SQLite, psycopg), as opposed to a statement this one mail broke
# ("too many SQL variables", a constraint): the first is retried without limit, the second is not.
OUTAGE_SIGNS = (
    "database is locked", "database table is locked", "disk i/o error", "database or disk is full",
    "unable to open database", "readonly database", "no space left", "disk full", "connection",
    "could not connect", "server closed", "terminating", "the database system is", "timeout",
    "timed out", "shutdown", "recovery mode", "too many clients",
)


class Database:
    """Sessions for reading and writing; a write session commits on success, rolls back on error."""

    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=10,
                                        pool_pre_ping=True, pool_recycle=1800)
        self._writer = self.engine.execution_options(immediate=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction; on SQLite it takes the write lock up front so it never fails half-way."""
        with Session(self._writer, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def ping(self) -> bool:
        """True when the database answers a query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def is_outage(self, exc: BaseException) -> bool:
        """True when `exc` means the store is unavailable (connection refused, disk full, locked
        past the busy timeout), so the work should wait and be retried, not blamed on its input."""
        if isinstance(exc, (DisconnectionError, ConnectionError, TimeoutError)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            message = str(exc.orig if isinstance(exc, DBAPIError) else exc).lower()
            if any(sign in message for sign in OUTAGE_SIGNS):
                return True
        return isinstance(exc, DBAPIError) and not self.ping()

    def dispose(self) -> None:
        self.engine.dispose()


def sqlite_engine(url: str) -> Engine:
    """SQLite in WAL mode, fsync on commit, waits for the lock rather than failing at once."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below) so writers can take the lock with BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before we answer 250, also across a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait this long for the write lock, then fail: the SMTP client gets 451 and retries.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def scratch_database(server_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh, empty PostgreSQL database on a server (for tests and benchmarks): its URL and a
    function that drops it again."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


def insert(session: Session, model: Any) -> Any:
    """INSERT with ON CONFLICT for this session's database: both dialects spell it alike in
    SQLAlchemy, but it lives in each dialect's own module."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
