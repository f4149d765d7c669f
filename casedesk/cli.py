"""The `casedesk` command: serve, ingest, fetch, tickets, show, raw, reprocess, link, revoke."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import mailbox
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from casedesk import settings as config
from casedesk.settings import LOG_FORMAT, ConfigError, Settings
from store.migrate import SchemaOutOfDate

EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_TEMPFAIL = 75
EX_CONFIG = 78
# `tickets --search` lists at most this many cases, newest activity first.
SEARCH_LIMIT = 200


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=LOG_FORMAT)
    try:
        settings = config.load(args.config)
        return int(args.run(settings, args) or 0)
    except (ConfigError, SchemaOutOfDate) as exc:
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_CONFIG
    except SQLAlchemyError as exc:
        print(f"casedesk: the store is unavailable ({type(exc).__name__}); try again later", file=sys.stderr)
        return EX_TEMPFAIL
    except OSError as exc:
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_TEMPFAIL if args.run is cmd_ingest else 1
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="casedesk", description="Support mail in, complete cases out.")
    top.add_argument("--config", help="config file (default: $CASEDESK_CONFIG or ./config.toml)")
    top.add_argument("-v", "--verbose", action="store_true", help="log every decision")
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: Any, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    command("serve", cmd_serve, "run SMTP, the scheduler and the web view until SIGTERM")
    ingest = command("ingest", cmd_ingest, "file .eml files, mbox files, Maildir folders or - (stdin)")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print what became of each mail as JSON")
    fetch = command("fetch", cmd_fetch, "fetch mail from the [[imap]] mailboxes and file it")
    fetch.add_argument("--once", action="store_true", required=True,
                       help="one pass over every mailbox, then exit (for cron; serve fetches continuously)")
    tickets = command("tickets", cmd_tickets, "list cases, newest activity first")
    tickets.add_argument("--status", help="awaiting_customer, ready, held or closed")
    tickets.add_argument("--type", dest="case_type", help="a case type key")
    tickets.add_argument("--search", metavar="TEXT",
                         help="cases whose ref, checklist values, customer, subjects or bodies hold every word")
    tickets.add_argument("--json", action="store_true")
    show = command("show", cmd_show, "one case with its checklist and messages")
    show.add_argument("ref")
    show.add_argument("--json", action="store_true")
    raw = command("raw", cmd_raw, "the Nth message's original bytes (1 = first)")
    raw.add_argument("ref")
    raw.add_argument("n", type=int)
    command("migrate", cmd_migrate, "bring the database schema up to date (keeps all data)")
    reprocess = command("reprocess", cmd_reprocess, "re-run detection and extraction (all cases if no REF)")
    reprocess.add_argument("refs", nargs="*", metavar="REF")
    link = command("link", cmd_link, "print a fresh sign-in URL for an address (for support staff)")
    link.add_argument("email")
    revoke = command("revoke", cmd_revoke, "void every sign-in link and web session of an address")
    revoke.add_argument("email")
    return top


def open_store(settings: Settings) -> Any:
    """The database, created if new; an out-of-date schema stops with a pointer to `migrate`."""
    from store.db import Database
    from store.migrate import ensure_current

    db = Database(settings.database.url)
    ensure_current(db)
    return db


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from casedesk.serve import serve

    if not args.verbose:
        logging.getLogger().setLevel(logging.INFO)
        # aiosmtpd logs every SMTP command, APScheduler every tick, alembic every check at INFO;
        # our own log has one line per decision.
        for noisy in ("mail.log", "apscheduler", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(serve(settings))
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Same path as SMTP: commit raw bytes (dedupe by Message-ID), then file them."""
    from ingest.parse import message_id_of
    from ingest.worker import Worker
    from store.inbound import Incoming, accept

    db = open_store(settings)
    owner = f"ingest-{uuid.uuid4().hex[:12]}"
    worker = Worker(db, settings, owner)
    results: list[dict[str, Any]] = []
    new = duplicates = 0
    for source, data in with_progress(read_mails(args.paths)):
        raw_id = accept(db, [Incoming(message_id_of(data), data, source="ingest")], owner)[0]
        filed = worker.drain() if raw_id else 0
        new += bool(raw_id)
        duplicates += not raw_id
        results.append({"source": source, "stored": bool(raw_id), "filed": filed})
    if args.json:
        print(json.dumps(results, indent=2))
    print(f"casedesk: {new} new, {duplicates} already stored", file=sys.stderr)
    return 0


def cmd_fetch(settings: Settings, args: argparse.Namespace) -> int:
    """One pass per [[imap]] mailbox, then file what came in.

    Exit 0 when every mailbox was fetched, 78 (EX_CONFIG) when a login was refused (a retry will
    not help), else 75 (EX_TEMPFAIL) when a mailbox or the store could not be reached.
    """
    from ingest.imap import AuthFailed, describe, fetch_once
    from ingest.worker import Worker

    if not settings.imap:
        raise ConfigError(f"{settings.path}: no [[imap]] tables to fetch from")
    db = open_store(settings)
    owner = f"fetch-{uuid.uuid4().hex[:12]}"
    worker = Worker(db, settings, owner)
    status = 0
    for box in settings.imap:
        try:
            fetched = fetch_once(box, db, owner)
        except Exception as exc:
            print(f"casedesk: imap {box.name}: {describe(exc, box)}", file=sys.stderr)
            status = EX_CONFIG if isinstance(exc, AuthFailed) else max(status, EX_TEMPFAIL)
            continue
        print(f"casedesk: imap {box.name}: {fetched.new} new, {fetched.duplicates} already stored",
              file=sys.stderr)
    worker.drain()
    return status


def read_mails(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    """(source, bytes) for every mail in the given files, mboxes and Maildirs; '-' is stdin."""
    for path in paths:
        if path == "-":
            yield "-", sys.stdin.buffer.read()
            continue
        target = Path(path)
        if target.is_dir() and (target / "cur").is_dir():
            box = mailbox.Maildir(target, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path}:{key}", box.get_bytes(key)
        elif target.is_file() and is_mbox(target):
            for index, message in enumerate(mailbox.mbox(target, create=False)):
                yield f"{path}:{index}", message.as_bytes(unixfrom=False)
        elif target.is_file():
            yield path, target.read_bytes()
        else:
            raise FileNotFoundError(f"{path}: not a mail file, mbox or Maildir")


def is_mbox(path: Path) -> bool:
    """An mbox starts with a 'From ' separator line (a single exported mail may, too: fine)."""
    with path.open("rb") as handle:
        first = handle.readline()
    return first.startswith(b"From ")


def with_progress(items: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """A progress bar on a terminal; plain iteration in pipes and under an MTA."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return iter(tqdm(items, unit="mail", file=sys.stderr))


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    from store.search import search_tickets
    from store.tickets import list_tickets
    from store.views import ticket_summary

    db = open_store(settings)
    with db.read() as session:
        if args.search is not None:
            found = [t for t in search_tickets(session, args.search, limit=SEARCH_LIMIT)
                     if (args.status in (None, t.status)) and (args.case_type in (None, t.case_type))]
        else:
            found = list_tickets(session, status=args.status, case_type=args.case_type)
        rows = [ticket_summary(t) for t in found]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        missing = ", ".join(row["missing"]) or "-"
        print(f"{row['ref']:<11} {row['status']:<18} {row['case_type'] or '?':<22} "
              f"{row['customer']:<30} {row['subject'][:40]}  missing: {missing}")
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from store.tickets import ticket_by_ref
    from store.views import ticket_detail

    db = open_store(settings)
    with db.read() as session:
        ticket = ticket_by_ref(session, args.ref)
        if ticket is None:
            print(f"casedesk: no case {args.ref}", file=sys.stderr)
            return EX_NOINPUT
        detail = ticket_detail(session, ticket)
    if args.json:
        print(json.dumps(detail, indent=2, ensure_ascii=False))
        return 0
    print(f"{detail['ref']}  {detail['subject']}\ncustomer: {detail['customer']}  status: {detail['status']}"
          f"  type: {detail['case_type'] or '?'} ({detail['case_type_reason'] or 'not detected'})")
    for key, value in detail["fields"].items():
        print(f"  {key}: {value}")
    print(f"missing: {', '.join(detail['missing']) or '-'}")
    for n, message in enumerate(detail["messages"], 1):
        print(f"\n#{n} {message['direction']} {message['date']} {message['from']}: {message['subject']}")
        print(message["body"].strip())
    return 0


def cmd_raw(settings: Settings, args: argparse.Namespace) -> int:
    from store.access import message_bytes
    from store.tickets import messages_of, ticket_by_ref

    db = open_store(settings)
    with db.read() as session:
        ticket = ticket_by_ref(session, args.ref)
        messages = messages_of(session, ticket) if ticket else []
        if not 1 <= args.n <= len(messages):
            print(f"casedesk: {args.ref} has no message {args.n}", file=sys.stderr)
            return EX_NOINPUT
        data = message_bytes(session, messages[args.n - 1]) or b""
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from store.db import Database
    from store.migrate import upgrade

    db = Database(settings.database.url)
    before, after = upgrade(db)
    db.dispose()
    print(f"casedesk: schema {before or 'new'} -> {after}" if before != after else f"casedesk: schema is current ({after})")
    return 0


def cmd_reprocess(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.pipeline import reprocess
    from store.tickets import list_tickets, ticket_by_ref

    db = open_store(settings)
    with db.write() as session:
        tickets = [ticket_by_ref(session, r) for r in args.refs] if args.refs else list_tickets(session)
        unknown = [r for r, t in zip(args.refs, tickets) if t is None]
        if unknown:
            print(f"casedesk: no case {', '.join(unknown)}", file=sys.stderr)
            return EX_NOINPUT
        for ticket in tickets:
            reprocess(session, ticket, settings)
    print(f"casedesk: reprocessed {len(tickets)} case(s)", file=sys.stderr)
    return 0


def cmd_link(settings: Settings, args: argparse.Namespace) -> int:
    """The URL is the last word on stdout, so scripts can take it with `awk '{print $NF}'`."""
    from casedesk.links import login_link

    if "@" not in args.email:
        print(f"casedesk: {args.email!r} is not an e-mail address", file=sys.stderr)
        return EX_USAGE
    print(login_link(settings, args.email.strip().lower()))
    return 0


def cmd_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """Links carry whole-second stamps: revoke from the next second, and wait for it before
    returning, so every link printed after this command is valid and every earlier one is not."""
    import time

    from store.access import revoke
    from web.auth import revoke_moment

    if "@" not in args.email:
        print(f"casedesk: {args.email!r} is not an e-mail address", file=sys.stderr)
        return EX_USAGE
    address = args.email.strip().lower()
    at = revoke_moment()
    with open_store(settings).write() as session:
        revoke(session, address, at)
    time.sleep(max(0.0, at.timestamp() - time.time()))
    print(f"casedesk: revoked every sign-in link and session of {address}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
