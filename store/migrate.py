"""Schema versions: create a fresh database at head, upgrade an old one, refuse a stale one."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from store.db import Database

SCRIPTS = Path(__file__).with_name("migrations")


class SchemaOutOfDate(Exception):
    """The database predates this casedesk; `casedesk migrate` brings it up to date."""


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head() -> str | None:
    return ScriptDirectory(str(SCRIPTS)).get_current_head()


def current(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to head (a fresh database is created and stamped); returns (before, after)."""
    before = current(db)
    if before is None and not inspect(db.engine).get_table_names():
        SQLModel.metadata.create_all(db.engine)
        command.stamp(alembic_config(db), "head")
    else:
        command.upgrade(alembic_config(db), "head")
    return before, current(db)


def ensure_current(db: Database) -> None:
    """Create a fresh database; refuse to run on an old schema (several instances never race to migrate)."""
    if current(db) is None and not inspect(db.engine).get_table_names():
        upgrade(db)
        return
    found, wanted = current(db), head()
    if found != wanted:
        raise SchemaOutOfDate(f"the database schema is at {found or 'an unversioned state'}, this casedesk "
                              f"needs {wanted}: run `casedesk migrate`")
