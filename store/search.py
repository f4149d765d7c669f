"""Search for staff: ref, checklist values, customer and the full text of subjects and bodies.

SQLite: two FTS5 tables (`ticket_fts` for the case's facts, `message_fts` for every message),
`tokenize="unicode61 remove_diacritics 2"` (so "faktura" finds "fåktura" and the reverse; no
stemming: SQLite offers none for Swedish), kept current by triggers, so every writer (filing,
the outbox, bulk loads) indexes without knowing about it.

PostgreSQL: a generated `search` tsvector column on `ticket` and `message` with a GIN index; the
text is indexed with both the `english` and the `swedish` configuration, and a query is tried in
both (and in `simple`, for codes and addresses).

Neither object is in the models: they are created by `install` (from the migration, and after
`create_all` on a fresh database), and `SEARCH_OBJECTS` tells the schema comparison to skip them.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from store.models import Ticket

# Text indexed per message at most: a 25 MB body must not make filing fail (PostgreSQL refuses a
# tsvector over 1 MB) or cost seconds; what matters in support mail is near the top.
MAX_INDEXED = 100_000
# Matching messages and cases read per search (on each side: case facts, messages), newest first:
# a word in every case costs the same as a rare one. Results are the newest cases among these. A
# search asks for twice the cases it shows (offset + limit), never fewer than MIN_CANDIDATES nor
# more than MAX_CANDIDATES.
MIN_CANDIDATES = 200
MAX_CANDIDATES = 2000
# PostgreSQL: the newest RECENT_ROWS rows of `ticket` and of `message` are tested one by one,
# walking the primary key backwards (a few microseconds a row); only when they hold too few matches
# is the GIN index asked for the older ones. A common word is found in the first, a rare one by the
# second, and neither reads every match of a word that is in most mail.
RECENT_ROWS = 5000
# Words of a query that are used, and their length: a query is input from a person (or a script).
MAX_WORDS = 12
MAX_WORD = 100
SEARCH_OBJECTS = frozenset({"search", "ix_ticket_search", "ix_message_search"})
SEARCH_TABLES = ("ticket_fts", "message_fts")  # and FTS5's shadow tables, ticket_fts_data ...


def is_search_object(name: str | None) -> bool:
    """Part of the search index, which the models do not describe (for schema comparisons)."""
    return bool(name) and (name in SEARCH_OBJECTS or name.startswith(SEARCH_TABLES))  # type: ignore[union-attr]

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5(ref, customer, subject, facts,"
    " tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5(subject, body, ticket_id UNINDEXED,"
    " tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_insert AFTER INSERT ON ticket BEGIN"
    " INSERT INTO ticket_fts(rowid, ref, customer, subject, facts)"
    " VALUES (new.id, new.ref, new.customer, new.subject, new.fields); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_update AFTER UPDATE OF ref, customer, subject, fields ON ticket"
    " BEGIN DELETE FROM ticket_fts WHERE rowid = old.id;"
    " INSERT INTO ticket_fts(rowid, ref, customer, subject, facts)"
    " VALUES (new.id, new.ref, new.customer, new.subject, new.fields); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_delete AFTER DELETE ON ticket BEGIN"
    " DELETE FROM ticket_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS message_fts_insert AFTER INSERT ON message BEGIN"
    " INSERT INTO message_fts(rowid, subject, body, ticket_id)"
    f" VALUES (new.id, new.subject, substr(new.body, 1, {MAX_INDEXED}), new.ticket_id); END",
    "CREATE TRIGGER IF NOT EXISTS message_fts_delete AFTER DELETE ON message BEGIN"
    " DELETE FROM message_fts WHERE rowid = old.id; END",
)
SQLITE_BACKFILL = (
    "INSERT INTO ticket_fts(rowid, ref, customer, subject, facts) SELECT id, ref, customer, subject, fields"
    " FROM ticket WHERE id NOT IN (SELECT rowid FROM ticket_fts)",
    "INSERT INTO message_fts(rowid, subject, body, ticket_id)"
    f" SELECT id, subject, substr(body, 1, {MAX_INDEXED}), ticket_id FROM message"
    " WHERE id NOT IN (SELECT rowid FROM message_fts)",
)


def _vector(columns: str) -> str:
    both = " || ".join(f"to_tsvector('{config}'::regconfig, {columns})" for config in ("english", "swedish"))
    return f"({both})"


POSTGRES_DDL = (
    "ALTER TABLE ticket ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    + _vector("coalesce(ref, '') || ' ' || coalesce(customer, '') || ' ' || coalesce(subject, '') || ' '"
              " || coalesce(fields::text, '')") + ") STORED",
    "ALTER TABLE message ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    + _vector(f"coalesce(subject, '') || ' ' || left(coalesce(body, ''), {MAX_INDEXED})") + ") STORED",
    "CREATE INDEX IF NOT EXISTS ix_ticket_search ON ticket USING gin (search)",
    "CREATE INDEX IF NOT EXISTS ix_message_search ON message USING gin (search)",
)


def install(connection: Connection) -> None:
    """Create the search index (idempotent); on SQLite also index what is already stored."""
    if connection.dialect.name == "sqlite":
        for statement in (*SQLITE_DDL, *SQLITE_BACKFILL):
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        for statement in POSTGRES_DDL:
            connection.exec_driver_sql(statement)


@event.listens_for(SQLModel.metadata, "after_create")
def _after_create(_target: Any, connection: Connection, **_: Any) -> None:
    """A fresh database (create_all, then stamped at head) gets the index the migration adds."""
    install(connection)


def words(query: str) -> list[str]:
    """The words of a query, bounded; control characters are dropped."""
    cleaned = re.sub(r"[\x00-\x1f\x7f]", " ", query or "")
    return [w[:MAX_WORD] for w in cleaned.split()][:MAX_WORDS]


def fts5_query(query: str) -> str:
    """Every word as an FTS5 phrase (quoted, so no word is read as an operator), all required.

    "dana@example-foods.com" becomes the phrase dana example foods com; "CASE-1001" case 1001.
    """
    return " ".join('"' + w.replace('"', '""') + '"' for w in words(query))


def candidates(offset: int, limit: int) -> int:
    """Matching rows read on each side for a page of `limit` cases after `offset`."""
    return min(MAX_CANDIDATES, max(MIN_CANDIDATES, 2 * (offset + limit)))


def search_tickets(session: Session, query: str, limit: int = 50, offset: int = 0, *,
                   status: str | None = None, case_type: str | None = None, customer: str | None = None,
                   missing: bool | None = None) -> list[Ticket]:
    """Cases matching every word of `query` in their facts or in one message, newest activity first.

    The newest matching cases and messages (`candidates()` of each), their cases filtered by
    `status`, `case_type`, `customer` and `missing` (something still missing) and ordered by
    activity; only the page's cases (`limit` after `offset`) are loaded.
    """
    if not words(query):
        return []
    n = candidates(offset, limit)
    if session.get_bind().dialect.name == "postgresql":
        value = " ".join(words(query))
        ids = {*_postgres_newest(session, "ticket", "id", value, n),
               *_postgres_newest(session, "message", "ticket_id", value, n)}
    else:
        ids = set(session.execute(text(_SQLITE_CANDIDATES), {"q": fts5_query(query), "n": n}).scalars())
    if not ids:
        return []
    statement = select(Ticket).where(Ticket.id.in_(ids))  # type: ignore[union-attr]
    if status is not None:
        statement = statement.where(Ticket.status == status)
    if case_type is not None:
        statement = statement.where(Ticket.case_type == case_type)
    if customer is not None:
        statement = statement.where(Ticket.customer == customer)
    if missing is not None:
        statement = statement.where(Ticket.has_missing == missing)
    statement = statement.order_by(Ticket.updated_at.desc(), Ticket.id.desc())  # type: ignore[attr-defined,union-attr]
    return list(session.scalars(statement.limit(limit).offset(offset)))


def _postgres_newest(session: Session, table: str, column: str, value: str, n: int) -> list[int]:
    """`column` of the newest `n` rows of `table` whose `search` matches: the newest RECENT_ROWS
    rows one by one, then, if they hold fewer than `n`, the older ones through the GIN index."""
    top = session.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0
    floor = top - RECENT_ROWS
    # ts_match_vq is the function behind @@, which no index serves: the planner walks the primary key.
    found = list(session.execute(text(
        f"SELECT {column} FROM {table} WHERE id > :floor AND ts_match_vq(search, {_PG_QUERY})"
        " ORDER BY id DESC LIMIT :n"), {"q": value, "floor": floor, "n": n}).scalars())
    if len(found) < n and floor > 0:
        # `id + 0`: ordered by an expression, the planner cannot walk the primary key backwards
        # testing every row (all of them for a rare word); it takes the GIN index's matches and
        # sorts just those.
        found += session.execute(text(
            f"SELECT {column} FROM {table} WHERE id <= :floor AND search @@ {_PG_QUERY}"
            " ORDER BY id + 0 DESC LIMIT :n"), {"q": value, "floor": floor, "n": n - len(found)}).scalars()
    return found


# FTS5 walks its rowids in descending order and stops at the LIMIT: the newest matches first.
# Only rowids are read from the index (a stored column costs a lookup per row); a message's case
# comes from the message table's primary key.
_SQLITE_CANDIDATES = (
    "SELECT rowid FROM (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q ORDER BY rowid DESC LIMIT :n)"
    " UNION SELECT ticket_id FROM message WHERE id IN"
    " (SELECT rowid FROM message_fts WHERE message_fts MATCH :q ORDER BY rowid DESC LIMIT :n)")
_PG_QUERY = ("(plainto_tsquery('english', :q) || plainto_tsquery('swedish', :q)"
             " || plainto_tsquery('simple', :q))")
