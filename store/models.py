"""The tables: raw mail as received, tickets, their messages, participants and the outbox."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, MetaData, Table, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Constraint names that alembic can diff and SQLite batch mode can rebuild.
SQLModel.metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

AWAITING_CUSTOMER = "awaiting_customer"
READY = "ready"
HELD = "held"
CLOSED = "closed"
STATUSES = (AWAITING_CUSTOMER, READY, HELD, CLOSED)

# The held reason of the case that stands for a mail set aside after failing to file.
SET_ASIDE = "set aside after"
# The held reason of a case whose mail was read as no support case ("not a support case: a
# question about price or licences"): its sender is asked nothing; staff answer it or type it.
NO_CASE = "not a support case"


# How a case type set by staff (#type) starts its reason: "set by anna@... (#type)".
STAFF_SET = "set by"


def held_as_no_case(reason: str | None) -> bool:
    """A case held because its mail is no support case (not automatic, not set aside, not unread)."""
    return (reason or "").startswith(NO_CASE)


# Outbox kinds of the staff notices (notify/staff.py, docs/staff.md): mailed to the staff list, never
# shown on the case (the customer reads the case), and not held back by the per-address loop cap.
STAFF_READY, STAFF_WROTE, STAFF_SET_ASIDE = "staff_ready", "staff_customer_wrote", "staff_set_aside"
STAFF_NO_CASE = "staff_not_a_case"
STAFF_NOTICES = frozenset({STAFF_READY, STAFF_WROTE, STAFF_SET_ASIDE, STAFF_NO_CASE})

INBOUND = "in"
OUTBOUND = "out"
# A staff member's answer, relayed to the customer from the support address (ingest/staffmail.py).
STAFF_ANSWER = "outbound"
# An internal note from a staff member (`#note`): never sent, never shown to the customer.
NOTE = "note"


def utcnow() -> datetime:
    """Aware UTC; SQLModel stores UTC and hands it back aware on both engines."""
    return datetime.now(timezone.utc)


def empty_list() -> list[Any]:
    """`default_factory=list` made cheap: pydantic inspects a factory's signature on every model
    construction, and for the builtin `list` that means parsing its text signature (~60 us)."""
    return []


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((name, field.default, field.default_factory) for name, field in model.model_fields.items()
                 if name != "id" and not field.is_required())


def row(model: type[SQLModel], **values: object) -> dict[str, object]:
    """A complete row for a Core insert: the model's own defaults, then `values`.

    The hot paths insert rows without building ORM objects (a SQLModel instance costs more
    than its INSERT); the defaults still come from one place, the model.
    """
    defaults = {name: factory() if factory else default for name, default, factory in _defaults(model)}
    return defaults | values


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for Core statements: SQLModel sets `__table__` but does not
    declare it to type checkers."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class RawMail(SQLModel, table=True):
    """A mail exactly as received; committed before the SMTP 250. Doubles as the inbound queue."""

    __tablename__ = "raw_mail"
    __table_args__ = (
        Index("ix_raw_mail_pending", "processed_at", "id"),
        # /healthz and /metrics count the set-aside mails on every call.
        Index("ix_raw_mail_set_aside", "set_aside_at"),
        # Mail set aside with an error: the staff "set_aside" notification reads just these.
        Index("ix_raw_mail_error", "id", sqlite_where=text("error IS NOT NULL"),
              postgresql_where=text("error IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    mail_from: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    rcpt_to: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = 0
    source: str = "smtp"
    accepted_by: str = ""
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    # Failed filing attempts so far; at MAX_ATTEMPTS the mail is set aside (docs/filing.md).
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # When the mail was set aside after failing to file: a fact a notifier and /healthz read.
    # Cleared by `casedesk reprocess --failed`.
    set_aside_at: datetime | None = None


class Ticket(SQLModel, table=True):
    """A case: one customer's conversation with support and its checklist."""

    __table_args__ = (
        Index("ix_ticket_status_updated", "status", "updated_at"),
        Index("ix_ticket_type_updated", "case_type", "updated_at"),
        Index("ix_ticket_customer_updated", "customer", "updated_at"),
        Index("ix_ticket_updated", "updated_at"),
        Index("ix_ticket_missing_updated", "has_missing", "updated_at"),
        # The notify tick reads only the cases whose next follow-up step fell due, and those whose
        # last follow-up decision is out of date (never made, or the case changed since): a
        # partial index holds just those. store/outbox.py `cases_to_follow_up` asks exactly this.
        Index("ix_ticket_followup_due", "followup_due_at"),
        Index("ix_ticket_followup_stale", "id",
              sqlite_where=text("followup_seen_at IS NULL OR followup_seen_at <> updated_at"
                                " OR followup_seen_status <> status"),
              postgresql_where=text("followup_seen_at IS NULL OR followup_seen_at <> updated_at"
                                    " OR followup_seen_status <> status")),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(default="", sa_column=Column(Text, unique=True, nullable=False))
    customer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = AWAITING_CUSTOMER
    automatic: bool = False
    language: str = "en"
    case_type: str | None = None
    case_type_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    missing: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # Mirrors `missing != []` so the staff filter "missing anything" can use an index.
    has_missing: bool = False
    # The [REF] a stranger's mail claimed; kept so staff see why it became a case of its own.
    claimed_ref: str | None = None
    # Why a case is held for staff rather than answered, when it is not automatic mail:
    # "could not be read fully: ...", "set aside after 3 failed attempts: ...", "cannot mail ...".
    held_reason: str | None = Field(default=None, sa_column=Column(Text))
    message_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The customer's last human message: the follow-up clock starts from here.
    last_customer_at: datetime = Field(default_factory=utcnow)
    # Written by notify alone (docs/notify.md, "Which cases a tick reads"): when the follow-up
    # policy next has something to do for this case (None: nothing, unless the case changes), and
    # the `updated_at` and `status` that decision read, so any later change is seen at the next tick.
    followup_due_at: datetime | None = None
    followup_seen_at: datetime | None = None
    followup_seen_status: str | None = None
    # When the case last became ready: the "ready" staff notification is keyed by it.
    ready_at: datetime | None = None
    # The last staff answer relayed to the customer, and who wrote it (docs/staff.md). While it is
    # newer than `last_customer_at`, no automatic request or reminder goes to the customer.
    last_staff_reply_at: datetime | None = None
    last_staff_reply_by: str | None = None


class Participant(SQLModel, table=True):
    """An address that may write to a case (customer and the people they copied)."""

    __table_args__ = (UniqueConstraint("ticket_id", "address"), Index("ix_participant_address", "address"))

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    address: str


class Message(SQLModel, table=True):
    """One mail in a case, inbound or outbound; inbound rows point at their raw bytes."""

    __table_args__ = (Index("ix_message_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    raw_id: int | None = Field(default=None, foreign_key="raw_mail.id")
    direction: str = INBOUND
    message_id: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    from_addr: str = ""
    from_name: str = ""
    to_addrs: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    cc_addrs: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    date: datetime | None = None
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    html: str | None = Field(default=None, sa_column=Column(Text))
    automatic: str | None = None
    # Fields this message contributed, so the checklist's history stays visible per message.
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attachments: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    defects: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """A mail we plan to send; `key` is unique per planned mail so it is never planned twice.

    `status`: pending -> sent, or failed (permanent refusal), suppressed (over the per-address cap)
    or cancelled (a reminder the case no longer needs); a row settled without being sent has
    `next_attempt_at` set to the moment it settled. `claimed_at` is the claim's lease and token.
    See docs/notify.md.
    """

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_ticket_kind", "ticket_id", "kind"),
        # The per-address cap counts a recipient's recent mail on every claim.
        Index("ix_outbox_recipient_sent", "recipient", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    kind: str
    recipient: str
    message_id: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Revocation(SQLModel, table=True):
    """Sign-in links and sessions of `address` issued before `revoked_at` no longer sign anyone in."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    revoked_at: datetime = Field(default_factory=utcnow)


class UsedLink(SQLModel, table=True):
    """A sign-in link that was followed: its nonce, so the same link never signs anyone in twice.

    Rows older than the longest link lifetime (24 h) are deleted as new ones are written.
    """

    __tablename__ = "used_link"
    __table_args__ = (Index("ix_used_link_used_at", "used_at"),)

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    address: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    used_at: datetime = Field(default_factory=utcnow)


class MailboxStatus(SQLModel, table=True):
    """The health of one fetched IMAP mailbox, so /healthz and staff can see a fetcher in trouble.

    Written by the fetcher of whichever process runs it; `name` is user@host/folder.
    """

    __tablename__ = "mailbox_status"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    last_ok_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    failures: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
