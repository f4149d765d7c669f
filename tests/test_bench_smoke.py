"""The benchmark harness works: a deterministic corpus, and a load client that gets every mail accepted.

Correctness only: no timing is asserted here (numbers belong to `make bench`).
"""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

from bench import corpus, load, targets


def test_corpus_is_deterministic_for_a_seed() -> None:
    first, again, other = corpus.generate(60, seed=3), corpus.generate(60, seed=3), corpus.generate(60, seed=4)
    assert [m.data for m in first] == [m.data for m in again]
    assert [m.data for m in first] != [m.data for m in other]


def test_corpus_has_the_mix_unique_ids_and_replies() -> None:
    mails = corpus.generate(400, seed=6)
    assert len({m.message_id for m in mails}) == len(mails)
    kinds = corpus.sizes(mails)
    assert kinds["plain"] > kinds["alternative"] > kinds["attachment"] > 0
    parsed = {m.kind: message_from_bytes(m.data) for m in mails}
    assert parsed["plain"].get_content_type() == "text/plain"
    assert parsed["alternative"].get_content_type() == "multipart/alternative"
    attachment = [p for p in parsed["attachment"].walk() if p.get_content_type() == "application/pdf"]
    assert len(attachment[0].get_payload(decode=True)) == corpus.ATTACHMENT_SIZE
    ids = {m.message_id for m in mails}
    replies = [message_from_bytes(m.data)["In-Reply-To"] for m in mails if b"\r\nIn-Reply-To: " in m.data]
    assert replies and all(parent in ids for parent in replies)
    assert all(m.data.endswith(b"\r\n") and b"\n" not in m.data.replace(b"\r\n", b"") for m in mails)


def test_load_client_gets_every_mail_accepted_by_the_sink(tmp_path: Path) -> None:
    sink = targets.sink(tmp_path).start()
    try:
        mails = corpus.generate(40, seed=1)
        result = load.run("127.0.0.1", sink.port, mails, clients=4)
    finally:
        sink.stop()
    assert (result.sent, result.accepted, result.refused) == (40, 40, {})
    assert len(result.latencies) == 40


def test_search_bench_fills_and_finds_what_it_asks_for(tmp_path: Path) -> None:
    from bench import search_bench

    result = search_bench.measure(f"sqlite:///{tmp_path / 's.db'}", 1000, rounds=2)
    found = {name: count for name, (_, _, count) in result["queries"].items()}
    assert found["ref"] == 1 and found["invoice id"] == 1 and found["customer"] == 5
    assert found["rare word"] == 1 and found["common word"] == 50  # one page, newest first
    assert "search at 1000 cases, sqlite" in search_bench.table({"sqlite": result})
