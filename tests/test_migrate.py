"""Schema migrations: the revisions build exactly the models' schema, and an upgrade keeps data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from conftest import run_cli, write_config
from store.db import Database
from store.migrate import alembic_config, current, head, upgrade
from store.search import is_search_object


def test_revisions_build_the_models_schema(db_url: str) -> None:
    db = Database(db_url)
    command.upgrade(alembic_config(db), "head")  # migrations only, no create_all
    with db.engine.connect() as connection:
        # The search index is DDL of its own (store/search.py), outside the models.
        diff = compare_metadata(MigrationContext.configure(connection, opts={
            "compare_type": False,
            "include_object": lambda _o, name, *_: not is_search_object(name)}), SQLModel.metadata)
    db.dispose()
    assert diff == [], "a model changed without a migration: add one in store/migrations/versions"


def test_an_old_database_is_refused_then_migrated_with_its_data(tmp_path: Path, db_url: str) -> None:
    if head() == "0001":
        pytest.skip("only one schema version exists so far")
    db = Database(db_url)
    command.upgrade(alembic_config(db), "0001")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO ticket (ref, customer, subject, status, automatic, language, case_type_reason, fields,"
            " missing, has_missing, message_count, created_at, updated_at, last_customer_at) VALUES"
            " ('CASE-1001', 'ann@example.com', 'Kept', 'ready', false, 'en', '', '{}', '[]', false, 0,"
            " '2026-10-05 07:00:00', '2026-10-05 07:00:00', '2026-10-05 07:00:00')"))
    db.dispose()
    config = write_config(tmp_path, db_url)
    refused = run_cli(config, "tickets")
    assert refused.returncode == 78 and b"run `casedesk migrate`" in refused.stderr
    migrated = run_cli(config, "migrate")
    assert migrated.returncode == 0, migrated.stderr.decode()
    assert f"0001 -> {head()}".encode() in migrated.stdout
    listed = run_cli(config, "tickets", "--json")
    assert listed.returncode == 0 and b'"Kept"' in listed.stdout
    assert run_cli(config, "migrate").stdout.strip().endswith(b"is current (" + head().encode() + b")")


def test_a_fresh_database_starts_at_head(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    assert current(db) == head()
    db.dispose()
