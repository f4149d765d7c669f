"""Alembic environment: our metadata, batch mode for SQLite, the URL from casedesk's config."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers every table)

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


def migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
