"""store/search.py: staff search on SQLite (FTS5) and PostgreSQL (tsvector + GIN), through real databases."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alembic import command
from sqlalchemy import text

from conftest import run_cli, wait_until, write_config
from core.settings import load
from ingest.filing import Worker
from store.db import Database
from store.migrate import alembic_config, upgrade
from store.models import Message, Ticket
from store import search
from store.search import fts5_query, search_tickets, words
from store.tickets import add_message, open_ticket

T0 = datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc)


def case(session, customer: str, subject: str, body: str, fields: dict, minutes: int) -> Ticket:  # type: ignore[no-untyped-def]
    at = T0 + timedelta(minutes=minutes)
    ticket = Ticket(customer=customer, subject=subject, fields=fields, created_at=at, updated_at=at, last_customer_at=at)
    open_ticket(session, ticket, [customer], dict(message_id=f"m{minutes}@example.com", from_addr=customer,
                                                 subject=subject, body=body, created_at=at))
    return ticket


def fill(db: Database, index: bool = True) -> dict[str, str]:
    """Three cases and a reply; their messages indexed as serve's filing worker would (unless not
    `index`: the CLI's search must then index them itself)."""
    with db.write() as session:
        a = case(session, "dana@example-foods.com", "Coding: cannot change project",
                 "The project on both rows is wrong.", {"invoice_id": "41220"}, 1)
        b = case(session, "erik@example-bygg.se", "Fakturan fastnar i kön",
                 "Fakturorna överförs inte till ekonomisystemet.", {"invoice_id": "INV-2026-77"}, 2)
        c = case(session, "ann@example.com", "Approval", "Approvals go to the wrong person, invoice 41220 too.",
                 {}, 3)
        add_message(session, a, dict(message_id="late@example.com", from_addr="dana@example-foods.com",
                                     subject="Re: Coding", body="Row 3 needs the new cost centre as well.",
                                     created_at=T0 + timedelta(minutes=9)), T0 + timedelta(minutes=9))
    if index:
        search.catch_up(db)
    return {"a": a.ref, "b": b.ref, "c": c.ref}


def refs(db: Database, query: str) -> list[str]:
    with db.read() as session:
        return [t.ref for t in search_tickets(session, query)]


def test_search_matches_ref_facts_customer_and_text_newest_first(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    found = fill(db)
    a, b, c = found["a"], found["b"], found["c"]
    assert refs(db, a) == [a] and refs(db, a.lower()) == [a]
    assert refs(db, "41220") == [a, c]  # a checklist value and a body; a had the newest activity
    assert refs(db, "INV-2026-77") == [b]
    assert refs(db, "dana@example-foods.com") == [a]
    assert refs(db, "cost centre") == [a]  # a later message of the case
    assert refs(db, "ekonomisystemet") == [b]
    assert refs(db, "wrong") == [a, c]
    assert refs(db, "wrong person") == [c]  # every word must match
    assert refs(db, "nothing-like-this") == [] and refs(db, "   ") == []
    db.dispose()


def test_hostile_queries_are_words_not_syntax(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    fill(db)
    for query in ('"', 'NEAR(a b)', "* OR 1=1 --", "col:val", "a\x00b", "'; DROP TABLE ticket; --",
                  "-", "!!", "x" * 5000, " ".join(["word"] * 500), "ä ö å ü"):
        refs(db, query)  # no syntax error, whatever a person types
    assert refs(db, "wrong OR nothing") == []  # "OR" is a word here, not an operator
    assert len(words(" ".join(["w"] * 500))) == 12
    assert fts5_query('say "hi"') == '"say" """hi"""'
    db.dispose()


def test_stemming_where_the_database_offers_it(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    found = fill(db)
    if db.is_sqlite:
        # FTS5 with unicode61 has no stemmer for Swedish: whole words, diacritics folded.
        assert refs(db, "ekonomisystemet") == [found["b"]] and refs(db, "overfors") == [found["b"]]
    else:
        assert refs(db, "approval") == [found["c"]]  # English: "Approvals"
        assert refs(db, "faktura") == [found["b"]]  # Swedish: "Fakturorna", "Fakturan"
    db.dispose()


def test_a_huge_body_is_indexed_up_to_a_bound_and_filed(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    with db.write() as session:
        ticket = case(session, "big@example.com", "Big", "needle " + "lorem ipsum " * 300_000 + " tailword", {}, 1)
    search.catch_up(db)
    assert refs(db, "needle") == [ticket.ref] and refs(db, "tailword") == []
    with db.read() as session:
        assert session.get(Message, 1).body.endswith("tailword")  # stored whole, indexed bounded
    db.dispose()


def test_cli_tickets_search(tmp_path: Path, db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    found = fill(db, index=False)  # filed without serve: the CLI indexes before it searches
    db.dispose()
    config = write_config(tmp_path, db_url)
    result = run_cli(config, "tickets", "--search", "41220", "--json")
    assert result.returncode == 0, result.stderr.decode()
    rows = json.loads(result.stdout)
    assert [r["ref"] for r in rows] == [found["a"], found["c"]]
    assert "last_staff_reply_at" in rows[0] and rows[0]["last_staff_reply_at"] is None
    assert run_cli(config, "tickets", "--search", "41220", "--status", "closed", "--json").stdout.strip() == b"[]"


def test_filters_and_pages_are_applied_in_the_query(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    with db.write() as session:
        made = [case(session, f"c{i % 3}@example.com", f"Row question {i}", "the coding row is wrong",
                     {"invoice_id": f"I-{i}"}, i) for i in range(1, 13)]
        made[0].status, made[4].status = "closed", "closed"
        made[1].case_type = made[2].case_type = "coding"
        made[5].has_missing = True
    search.catch_up(db)
    newest_first = [t.ref for t in reversed(made)]
    with db.read() as session:
        def found(**kwargs):  # type: ignore[no-untyped-def]
            return [t.ref for t in search_tickets(session, "coding row", **kwargs)]
        assert found() == newest_first
        assert found(limit=4, offset=4) == newest_first[4:8] and found(limit=5, offset=10) == newest_first[10:]
        assert found(status="closed") == [made[4].ref, made[0].ref]
        assert found(case_type="coding") == [made[2].ref, made[1].ref]
        assert found(customer="c1@example.com") == [t.ref for t in reversed(made) if t.customer == "c1@example.com"]
        assert found(missing=True) == [made[5].ref]
        assert found(status="closed", customer="c0@example.com") == []
    db.dispose()


def test_newest_rows_first_then_older_matches_from_the_index(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL tests the newest RECENT_ROWS rows one by one and asks the GIN index for older
    matches only when those hold too few; either way the same cases are found, newest first."""
    monkeypatch.setattr(search, "RECENT_ROWS", 3)
    monkeypatch.setattr(search, "MIN_CANDIDATES", 4)
    db = Database(db_url)
    upgrade(db)
    with db.write() as session:
        made = [case(session, f"c{i}@example.com", "Question", "common words" + (" rareword" if i in (2, 5) else "")
                     + (" fading" if i in (1, 9, 10) else ""), {}, i) for i in range(1, 11)]
    search.catch_up(db)
    with db.read() as session:
        assert [t.ref for t in search_tickets(session, "rareword")] == [made[4].ref, made[1].ref]
        # a common word: the newest cases, enough of them found among the newest rows
        assert [t.ref for t in search_tickets(session, "common", limit=2)] == [made[9].ref, made[8].ref]
        assert [t.ref for t in search_tickets(session, "common words", limit=20)] == [t.ref for t in reversed(made)]
        # common among the newest rows, then not: the bounded walk falls short, the index finds the rest
        if not db.is_sqlite:  # 2 of the newest 3 rows: walk 3 rows more (none), then the index
            assert search._postgres_candidates(session, "fading", 4) == {made[9].id, made[8].id, made[0].id}
        assert [t.ref for t in search_tickets(session, "fading", limit=5)] == [made[9].ref, made[8].ref, made[0].ref]
    db.dispose()


def test_bodies_are_indexed_after_filing_a_batch_at_a_time(db_url: str) -> None:
    """SQLite: filing leaves bodies to index_pending (its transaction stays short), which indexes
    the oldest first, at most `limit` a transaction, and then nothing more; a case's own facts are
    indexed at once. PostgreSQL indexes in the row: found at once, nothing pending."""
    db = Database(db_url)
    upgrade(db)
    with db.write() as session:
        made = [case(session, f"c{i}@example.com", f"Subject {i}", f"bodyword number{i}", {}, i) for i in range(1, 6)]
    assert refs(db, "Subject") == [t.ref for t in reversed(made)]  # the case's facts: at once
    if not db.is_sqlite:
        assert refs(db, "bodyword") == [t.ref for t in reversed(made)]
        with db.write() as session:
            assert search.index_pending(session) == 0
        db.dispose()
        return
    assert refs(db, "bodyword") == []
    with db.write() as session:
        assert search.index_pending(session, 2) == 2
    assert refs(db, "bodyword") == [made[1].ref, made[0].ref]
    with db.write() as session:
        assert search.index_pending(session, 10) == 3
    with db.write() as session:
        assert search.index_pending(session, 10) == 0
    assert refs(db, "bodyword") == [t.ref for t in reversed(made)] and refs(db, "number3") == [made[2].ref]
    with db.write() as session:  # a message removed leaves the index (its trigger); the rest stay
        session.execute(text("DELETE FROM message WHERE ticket_id = :id"), {"id": made[4].id})
    assert refs(db, "number5") == [] and refs(db, "number4") == [made[3].ref]
    db.dispose()


def test_the_filing_worker_indexes_when_its_queue_is_empty(tmp_path: Path, db_url: str) -> None:
    """serve's filing loop: with no mail to file it indexes what was filed, so a message is found
    a moment after it is filed (here it was stored by someone else, as `casedesk ingest` does)."""
    db = Database(db_url)
    upgrade(db)
    with db.write() as session:
        ticket = case(session, "late@example.com", "Later", "somewhere a needleword", {}, 1)
    stop = threading.Event()
    worker = Worker(db, load(write_config(tmp_path, db_url)), "test")
    running = threading.Thread(target=worker.run, args=(stop, 0.05))
    running.start()
    try:
        wait_until(lambda: refs(db, "needleword") == [ticket.ref])
    finally:
        stop.set()
        running.join()
    db.dispose()


def test_an_upgrade_drops_the_insert_trigger_and_keeps_what_was_indexed(db_url: str) -> None:
    """0009: a database indexed by 0008's trigger keeps its index; from then on index_pending
    indexes what is new."""
    db = Database(db_url)
    command.upgrade(alembic_config(db), "0008_search_triggers")
    with db.write() as session:
        old = case(session, "old@example.com", "Old", "oldword in the body", {}, 1)
    upgrade(db)
    with db.write() as session:
        new = case(session, "new@example.com", "New", "newword in the body", {}, 2)
    search.catch_up(db)
    assert refs(db, "oldword") == [old.ref] and refs(db, "newword") == [new.ref]
    assert refs(db, "body") == [new.ref, old.ref]
    if db.is_sqlite:
        with db.read() as session:
            assert session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                        " AND name = 'message_fts_insert'")).first() is None
    db.dispose()


def test_nothing_pending_is_known_without_writing(db_url: str) -> None:
    """The idle filing worker asks with a read before it takes the write lock."""
    db = Database(db_url)
    upgrade(db)
    with db.read() as session:
        assert not search.has_pending(session)
    with db.write() as session:
        case(session, "a@example.com", "Q", "words", {}, 1)
    with db.read() as session:
        assert search.has_pending(session) == db.is_sqlite
    search.catch_up(db)
    with db.read() as session:
        assert not search.has_pending(session)
    db.dispose()
