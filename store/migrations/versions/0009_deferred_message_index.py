"""search: message bodies are indexed after filing (store.search.index_pending), not by a trigger
inside the filing transaction (SQLite; PostgreSQL is unchanged)

Revision ID: 0009_deferred_message_index
Revises: 0008_search_triggers
Create Date: 2026-11-30 22:30:00
"""
from alembic import op

from store.search import MAX_INDEXED, SQLITE_BACKFILL, install


revision = '0009_deferred_message_index'
down_revision = '0008_search_triggers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Drops message_fts_insert; what is stored is already indexed, what comes is by index_pending.
    install(op.get_bind())


def downgrade() -> None:
    """0008's insert trigger again, and whatever index_pending had not reached yet indexed now."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TRIGGER IF NOT EXISTS message_fts_insert AFTER INSERT ON message BEGIN"
               " INSERT INTO message_fts(rowid, subject, body, ticket_id)"
               f" VALUES (new.id, new.subject, substr(new.body, 1, {MAX_INDEXED}), new.ticket_id); END")
    for statement in SQLITE_BACKFILL:
        op.execute(statement)
