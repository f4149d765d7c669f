"""Alembic environment: our metadata, batch mode for SQLite, the URL from casedesk's config."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers every table)
from store.search import is_search_object

config = context.config
target = SQLModel.metadata


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        migrate(connectable)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        migrate(connection)


def include_object(_object, name, _type, _reflected, _compare_to) -> bool:  # type: ignore[no-untyped-def]
    """The search index is DDL of its own (store/search.py), not in the models."""
    return not is_search_object(name)


def migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target, include_object=include_object,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
