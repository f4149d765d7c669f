"""The naive pipeline, as a reference row: parse with mail-parser, one SQLModel insert + commit, then 250.

Everything happens inline in `handle_DATA` on the event loop, SQLite in WAL mode with fsync on
commit (the same durability casedesk promises): `python -m bench.naive --port 2526 --db x.db`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

import mailparser
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Column, LargeBinary, Text, event
from sqlmodel import Field, Session as DbSession, SQLModel, create_engine

from bench.sink import arguments, serve

OK = "250 2.0.0 OK: stored"
logging.getLogger("mailparser").setLevel(logging.ERROR)


class NaiveMail(SQLModel, table=True):
    """One row per mail: the parsed fields a helpdesk shows, and the raw bytes."""

    __tablename__ = "naive_mail"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    from_addr: str = ""
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    html: str = Field(default="", sa_column=Column(Text, nullable=False))
    attachments: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime


class Naive:
    """Parse, insert, commit, answer: one mail at a time on the loop."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

        @event.listens_for(self.engine, "connect")
        def on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA synchronous=FULL")

        NaiveMail.__table__.create(self.engine, checkfirst=True)  # type: ignore[attr-defined]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        mail = mailparser.parse_from_bytes(data)
        row = NaiveMail(message_id=mail.message_id or "", from_addr=str(mail.from_), subject=mail.subject or "",
                        body=mail.text_plain[0] if mail.text_plain else "",
                        html=mail.text_html[0] if mail.text_html else "",
                        attachments=len(mail.attachments), data=data,
                        received_at=datetime.now(timezone.utc))
        with DbSession(self.engine) as db:
            db.add(row)
            db.commit()
        return OK


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite file")
    args = parser.parse_args()
    asyncio.run(serve(Naive(f"sqlite:///{args.db}"), args.host, args.port))


if __name__ == "__main__":
    main()
