"""search: a case's index entry written once when it is opened, and again only when an indexed
value changes (SQLite triggers; PostgreSQL is unchanged)

Revision ID: 0008_search_triggers
Revises: 0005
Create Date: 2026-11-30 07:00:00
"""
from alembic import op

from store.search import install


revision = '0008_search_triggers'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    install(op.get_bind(), replace=True)


def downgrade() -> None:
    # The old triggers indexed the same text, only more often: the new ones serve 0005 as well.
    pass
