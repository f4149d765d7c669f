"""Several instances on one PostgreSQL: every mail filed once, whichever instances it reached."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import func, select

from conftest import mail, wait_until
from store.db import Database
from store.models import Message, RawMail


def test_two_instances_receiving_in_parallel_file_every_mail_once(make_serve, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several serve processes share one database only on PostgreSQL")
    serves = [make_serve(), make_serve()]
    mails = [mail(subject=f"parallel {n}", message_id=f"<parallel-{n}@example.com>") for n in range(120)]

    def deliver(serve, batch: list[bytes]) -> None:
        with serve.smtp() as client:
            for raw in batch:
                client.sendmail("c@example.com", ["support@support.example.com"], raw)

    # Every mail reaches both instances, as when a sending MTA retries via the other MX; the second
    # instance gets each batch in the reverse order, so each is first with some mail whichever
    # process starts faster (in the same order one instance could take all 120 on a busy machine).
    threads = [threading.Thread(target=deliver, args=(serve, mails[k::4][::step]))
               for serve, step in zip(serves, (1, -1)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db = Database(db_url)
    try:
        def counts() -> tuple[int, int, int]:
            with db.read() as session:
                raw = session.scalar(select(func.count()).select_from(RawMail))
                filed = session.scalar(select(func.count()).select_from(RawMail).where(RawMail.processed_at.is_not(None)))
                messages = session.scalar(select(func.count()).select_from(Message))
            return raw or 0, filed or 0, messages or 0

        wait_until(lambda: counts()[1] == 120, timeout=180)
        assert counts() == (120, 120, 120)
        with db.read() as session:
            takers = set(session.scalars(select(RawMail.accepted_by)))
        assert len(takers) == 2  # both instances took mail
    finally:
        db.dispose()
    assert len(serves[0].tickets()) == 120
