"""Search for staff: ref, checklist values, customer and the full text of subjects and bodies.

SQLite: two FTS5 tables (`ticket_fts` for the case's facts, `message_fts` for every message),
`tokenize="unicode61 remove_diacritics 2"` (so "faktura" finds "fåktura" and the reverse; no
stemming: SQLite offers none for Swedish). A case's facts are kept current by triggers, so every
writer (filing, the outbox, bulk loads) indexes them without knowing about it. Message bodies are
indexed after filing, not in its transaction (`index_pending`, called by the filing worker when its
queue is empty and at least every INDEX_LAG seconds of a long burst; by `tickets --search` before
it searches): tokenizing up to 100 KB of a body on the one writer's path, under the write lock the
SMTP listener's commits also wait for, cost the bench's filed rate about 4% (docs/bench.md,
session 9), and a batch of messages indexed in one transaction costs less than each in its own. RT's
`rt-fulltext-indexer` and Zammad's background jobs do the same: a message is found a moment after
it is filed, or, during a burst, after the burst.

PostgreSQL: a generated `search` tsvector column on `ticket` and `message` with a GIN index; the
text is indexed with both the `english` and the `swedish` configuration, and a query is tried in
both (and in `simple`, for codes and addresses).

Neither object is in the models: they are created by `install` (from the migration, and after
`create_all` on a fresh database), and `SEARCH_OBJECTS` tells the schema comparison to skip them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from store.models import Ticket

if TYPE_CHECKING:  # store.db imports this module
    from store.db import Database

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
# walking the primary key backwards (2-5 microseconds a row). When they hold too few matches, what
# they held tells how common the query is. The walk goes on (at most twice the rows the rest should
# take) when that is fewer rows than WALK_ROWS and than the older matches the GIN index would give,
# each of which costs a heap row (about as much as a row walked); otherwise, or if the walk still
# falls short, the index gives the older matches, which are then few. So a word in most mail is
# found in the first rows, a rare one through the index, and no search reads every match of a
# common word (the heap rows of 160,000 matches take most of a second).
RECENT_ROWS = 1000
WALK_ROWS = 10_000
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
    # A case is inserted without its ref (it is derived from the row id) and given it by an
    # UPDATE in the same transaction (store/tickets.py open_ticket): indexing it at the INSERT
    # too tokenized its text three times (insert, delete, insert) instead of once.
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_insert AFTER INSERT ON ticket WHEN new.ref != '' BEGIN"
    " INSERT INTO ticket_fts(rowid, ref, customer, subject, facts)"
    " VALUES (new.id, new.ref, new.customer, new.subject, new.fields); END",
    # Only when an indexed value changed: filing writes `fields` back on every reply.
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_update AFTER UPDATE OF ref, customer, subject, fields ON ticket"
    " WHEN old.ref IS NOT new.ref OR old.customer IS NOT new.customer OR old.subject IS NOT new.subject"
    " OR old.fields IS NOT new.fields"
    " BEGIN DELETE FROM ticket_fts WHERE rowid = old.id;"
    " INSERT INTO ticket_fts(rowid, ref, customer, subject, facts)"
    " VALUES (new.id, new.ref, new.customer, new.subject, new.fields); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_delete AFTER DELETE ON ticket BEGIN"
    " DELETE FROM ticket_fts WHERE rowid = old.id; END",
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


# Triggers whose text changed since they were first installed (0008): dropped so install() makes
# them again.
SQLITE_REPLACED = ("ticket_fts_insert", "ticket_fts_update")
# Triggers of earlier versions that are gone (0009: message bodies are indexed by index_pending).
SQLITE_DROPPED = ("message_fts_insert",)
# Messages indexed in one transaction by index_pending (at most 100 KB of text each).
INDEX_BATCH = 100
# Messages above the newest one indexed: FTS5 walks its rowids backwards and stops at the first.
_SQLITE_UNINDEXED = "message WHERE id > coalesce((SELECT rowid FROM message_fts ORDER BY rowid DESC LIMIT 1), 0)"
_SQLITE_NEW_MESSAGES = (
    "INSERT INTO message_fts(rowid, subject, body, ticket_id)"
    f" SELECT id, subject, substr(body, 1, {MAX_INDEXED}), ticket_id FROM {_SQLITE_UNINDEXED}"
    " ORDER BY id LIMIT :n")


def install(connection: Connection, replace: bool = False) -> None:
    """Create the search index (idempotent); on SQLite also index what is already stored.
    `replace` makes the triggers of SQLITE_REPLACED again (an upgrade)."""
    if connection.dialect.name == "sqlite":
        for name in (*SQLITE_REPLACED, *SQLITE_DROPPED) if replace else SQLITE_DROPPED:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        for statement in (*SQLITE_DDL, *SQLITE_BACKFILL):
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        for statement in POSTGRES_DDL:
            connection.exec_driver_sql(statement)


def index_pending(session: Session, limit: int = INDEX_BATCH) -> int:
    """SQLite: index up to `limit` messages filed since the last call, oldest first, in the
    caller's transaction; returns how many (fewer than `limit`: the index has caught up).

    Messages get their ids in commit order (one writer), so what is new is what lies above the
    newest indexed id; a deleted message leaves the index by its trigger. PostgreSQL indexes in
    the row itself (a generated column), so there is nothing to do there.
    """
    if session.get_bind().dialect.name != "sqlite":
        return 0
    return int(session.execute(text(_SQLITE_NEW_MESSAGES), {"n": limit}).rowcount or 0)  # type: ignore[attr-defined]


def has_pending(session: Session) -> bool:
    """Whether index_pending has work (a read: the idle filing worker asks before it takes the
    write lock the SMTP listener's commits wait for)."""
    return session.get_bind().dialect.name == "sqlite" and bool(
        session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {_SQLITE_UNINDEXED})")).scalar())


def catch_up(db: Database, batches: int = 10_000) -> int:
    """Index every message not yet indexed, a batch per transaction (bounded: at most `batches`);
    for a search made without serve running (the CLI). Returns how many were indexed."""
    total = 0
    for _ in range(batches):
        with db.write() as session:
            done = index_pending(session)
        total += done
        if done < INDEX_BATCH:
            break
    return total


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
        ids = _postgres_candidates(session, " ".join(words(query)), n)
    else:
        ids = set(session.execute(text(_SQLITE_CANDIDATES), {"q": fts5_query(query), "n": n}).scalars())
    if not ids:
        return []
    # No ORDER BY here: ordered by activity, the planner may walk a (status, updated_at) index
    # through every case of that status looking for these few; they are sorted here instead.
    statement = select(Ticket.id, Ticket.updated_at).where(Ticket.id.in_(ids))  # type: ignore[union-attr,call-overload]
    if status is not None:
        statement = statement.where(Ticket.status == status)
    if case_type is not None:
        statement = statement.where(Ticket.case_type == case_type)
    if customer is not None:
        statement = statement.where(Ticket.customer == customer)
    if missing is not None:
        statement = statement.where(Ticket.has_missing == missing)
    newest = sorted(session.execute(statement), key=lambda row: (row[1], row[0]), reverse=True)
    page = [row[0] for row in newest[offset:offset + limit]]
    if not page:
        return []
    found = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(page)))}  # type: ignore[union-attr]
    return [found[i] for i in page if i in found]


# Where PostgreSQL looks: the table, and the case a matching row names.
_SIDES = (("ticket", "id"), ("message", "ticket_id"))


def _postgres_candidates(session: Session, value: str, n: int) -> set[int]:
    """The cases of the newest `n` matching rows of each side (see RECENT_ROWS): one statement for
    the newest rows of both, then one for each further step both sides still need."""
    first = " UNION ALL ".join(
        f"SELECT {side} AS side, top.id AS top, hit.c FROM (SELECT max(id) AS id FROM {table}) AS top"
        f" LEFT JOIN LATERAL (SELECT {column} AS c FROM {table} WHERE id > top.id - :recent"
        f" AND ts_match_vq(search, {_PG_QUERY}) ORDER BY id DESC LIMIT :n) AS hit ON true"
        for side, (table, column) in enumerate(_SIDES))
    found: dict[int, list[int]] = {side: [] for side in range(len(_SIDES))}
    floor: dict[int, int] = {}
    # The SQL hands back integers (or NULL for a side with no match); text() rows are untyped.
    newest = cast("list[tuple[int, int | None, int | None]]", session.execute(text(first), {
        "q": value, "recent": RECENT_ROWS, "n": n}).all())
    for side, top, case_id in newest:
        floor[side] = (top or 0) - RECENT_ROWS
        if case_id is not None:
            found[side].append(case_id)
    walked: set[int] = set()
    while True:
        parts: list[str] = []
        params: dict[str, str | int] = {"q": value}
        for side, (table, column) in enumerate(_SIDES):
            got = len(found[side])
            if got >= n or floor[side] <= 0:
                continue
            params |= {f"upto{side}": floor[side], f"n{side}": n - got}
            rows = (n - got) * RECENT_ROWS // max(got, 1)  # at the density of the newest rows
            if got and side not in walked and rows <= min(WALK_ROWS, got * floor[side] // RECENT_ROWS):
                walked.add(side)
                floor[side] = params[f"above{side}"] = max(0, floor[side] - 2 * rows)
                parts.append(f"SELECT {side} AS side, c FROM (SELECT {column} AS c FROM {table}"
                             f" WHERE id > :above{side} AND id <= :upto{side} AND ts_match_vq(search, {_PG_QUERY})"
                             f" ORDER BY id DESC LIMIT :n{side}) AS part{side}")
            else:
                # Few matches: the GIN index's, sorted. `id + 0`: ordered by an expression, the
                # planner cannot walk the primary key backwards testing every row (all, for a rare word).
                floor[side] = 0
                parts.append(f"SELECT {side} AS side, c FROM (SELECT {column} AS c FROM {table}"
                             f" WHERE id <= :upto{side} AND search @@ {_PG_QUERY}"
                             f" ORDER BY id + 0 DESC LIMIT :n{side}) AS part{side}")
        if not parts:
            return {case_id for side_found in found.values() for case_id in side_found}
        more = cast("list[tuple[int, int]]", session.execute(text(" UNION ALL ".join(parts)), params).all())
        for side, case_id in more:
            found[side].append(case_id)


# FTS5 walks its rowids in descending order and stops at the LIMIT: the newest matches first.
# Only rowids are read from the index (a stored column costs a lookup per row); a message's case
# comes from the message table's primary key.
_SQLITE_CANDIDATES = (
    "SELECT rowid FROM (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q ORDER BY rowid DESC LIMIT :n)"
    " UNION SELECT ticket_id FROM message WHERE id IN"
    " (SELECT rowid FROM message_fts WHERE message_fts MATCH :q ORDER BY rowid DESC LIMIT :n)")
_PG_QUERY = ("(plainto_tsquery('english', :q) || plainto_tsquery('swedish', :q)"
             " || plainto_tsquery('simple', :q))")
