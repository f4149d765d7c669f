"""The `casedesk` command: serve, ingest, fetch, tickets, show, raw, reprocess, link, revoke."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from core import settings as config
from core.settings import LOG_FORMAT, ConfigError, Settings

if TYPE_CHECKING:
    from store.db import Database

# SQLAlchemy, SQLModel, alembic and the parser are imported inside the commands that need them:
# `casedesk ingest -` (an MTA's pipe) must start in well under a second, and importing
# SQLAlchemy and SQLModel alone takes about one (casedesk/mailgate.py).

EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_TEMPFAIL = 75
EX_CONFIG = 78
# What a shell reports for a process ended by SIGPIPE (128 + 13), as `cat` does under `| head`.
EX_CLOSED_PIPE = 141
# `tickets --status` values (store/models.py; tests/test_cli.py checks they agree). Not imported
# from there: that would load SQLModel before the arguments are even read.
STATUSES = ("awaiting_customer", "ready", "held", "closed")


class UsageError(Exception):
    """A wrong command line: exit 64 (EX_USAGE), never a traceback."""


class NoInput(Exception):
    """An input file that is not there or cannot be read: exit 66 (EX_NOINPUT)."""


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; sysexits.h says 64, which MTAs and scripts expect."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: error: {message}\n")


# `tickets --search` lists at most this many cases, newest activity first.
SEARCH_LIMIT = 200


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=LOG_FORMAT)
    try:
        settings = config.load(args.config, case_types=not quick_pipe(args))
        status = int(args.run(settings, args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return status
    except BrokenPipeError:
        return closed_pipe()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failed = failure_status(exc, args)
        if failed is None:
            raise
        return failed


def quick_pipe(args: argparse.Namespace) -> bool:
    """`casedesk ingest -` alone: the MTA's pipe, which takes casedesk/mailgate.py's quick path."""
    return args.run is cmd_ingest and args.paths == ["-"] and not args.json


def closed_pipe() -> int:
    """The reader went away (`casedesk tickets | head`): stop quietly, as `cat` does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's last flush does not complain
    return EX_CLOSED_PIPE


def failure_status(exc: Exception, args: argparse.Namespace) -> int | None:
    """One line and an exit status for the failures an operator or an MTA must tell apart.

    The SQLAlchemy and schema exception types are looked up only if their modules were
    loaded: an exception cannot be of a type from a module that was never imported.
    """
    sa_errors = sys.modules.get("sqlalchemy.exc")
    migrate = sys.modules.get("store.migrate")
    from casedesk.mailgate import StoreUnavailable

    if isinstance(exc, UsageError):
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_USAGE
    if isinstance(exc, NoInput):
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_NOINPUT
    if isinstance(exc, ConfigError) or (migrate and isinstance(exc, migrate.SchemaOutOfDate)):
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_CONFIG
    if isinstance(exc, StoreUnavailable) or (sa_errors and isinstance(exc, sa_errors.SQLAlchemyError)):
        cause = exc.args[0] if isinstance(exc, StoreUnavailable) and exc.args else type(exc).__name__
        print(f"casedesk: the store is unavailable ({cause}); try again later", file=sys.stderr)
        return EX_TEMPFAIL
    if isinstance(exc, OSError):
        print(f"casedesk: {exc}", file=sys.stderr)
        return EX_TEMPFAIL if args.run is cmd_ingest else 1
    return None


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="casedesk", description="Support mail in, complete cases out.")
    top.add_argument("--config", help="config file (default: $CASEDESK_CONFIG or ./config.toml)")
    top.add_argument("-v", "--verbose", action="store_true", help="log every decision")
    commands = top.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[Settings, argparse.Namespace], int], text: str) -> argparse.ArgumentParser:
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
    tickets.add_argument("--status", choices=STATUSES, help="awaiting_customer, ready, held or closed")
    tickets.add_argument("--type", dest="case_type", help="a case type key ([[case_types]] key)")
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
    reprocess.add_argument("--failed", action="store_true",
                           help="file the mails set aside after failing 3 times again (their held cases are closed)")
    link = command("link", cmd_link, "print a fresh sign-in URL for an address (for support staff)")
    link.add_argument("email")
    revoke = command("revoke", cmd_revoke, "void every sign-in link and web session of an address")
    revoke.add_argument("email")
    return top


def open_store(settings: Settings) -> Database:
    """The database, created if new; an out-of-date schema stops with a pointer to `migrate`."""
    from store.db import Database
    from store.migrate import ensure_current

    db = Database(settings.database.url)
    ensure_current(db)
    return db


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

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
    """Same path as SMTP: commit raw bytes (dedupe by Message-ID), then file them.

    A lone `-` (an MTA's pipe) takes the quick path of casedesk/mailgate.py: the raw bytes are
    committed and the running serve files them. Files and folders (a backlog) are filed here.
    """
    check_inputs(args.paths)
    piped = sys.stdin.buffer.read(settings.smtp.max_message_size + 1) if "-" in args.paths else b""
    if len(piped) > settings.smtp.max_message_size:
        print(f"casedesk: the mail is larger than [smtp] max_message_size "
              f"({settings.smtp.max_message_size} bytes); not stored", file=sys.stderr)
        return EX_DATAERR
    if quick_pipe(args):
        if pipe_commit(settings, piped):
            return 0
        settings = config.load(settings.path)  # the full path files in-process: it needs the case types
    return ingest_here(settings, args, piped)


def pipe_commit(settings: Settings, data: bytes) -> bool:
    """Commit a piped mail the quick way; False when this store needs the in-process path."""
    from casedesk.mailgate import NeedsFullPath, commit

    try:
        committed = commit(settings.database.url, data)
    except NeedsFullPath:
        return False
    print(f"casedesk: {int(committed.new)} new, {int(not committed.new)} already stored", file=sys.stderr)
    return True


def ingest_here(settings: Settings, args: argparse.Namespace, piped: bytes) -> int:
    """Commit every mail and file it in this process, with a progress bar on a terminal."""
    from ingest.parse import message_id_of
    from ingest.filing import Worker
    from store.inbound import Incoming, accept

    db = open_store(settings)
    owner = f"ingest-{uuid.uuid4().hex[:12]}"
    worker = Worker(db, settings, owner)
    results: list[dict[str, Any]] = []
    new = duplicates = 0
    for source, data in with_progress(read_mails(args.paths, piped)):
        raw_id = accept(db, [Incoming(message_id_of(data), data, source="ingest")], owner)[0]
        filed = worker.drain() if raw_id else 0
        new += bool(raw_id)
        duplicates += not raw_id
        results.append({"source": source, "stored": bool(raw_id), "filed": filed})
    if args.json:
        print(json.dumps(results, indent=2))
    print(f"casedesk: {new} new, {duplicates} already stored", file=sys.stderr)
    return 0


def check_inputs(paths: list[str]) -> None:
    """Every path exists and can be read, before anything is stored: a typo ingests nothing.

    66 (EX_NOINPUT), not 75: retrying will not make a missing file appear.
    """
    for path in paths:
        if path == "-":
            continue
        target = Path(path)
        if not target.exists():
            raise NoInput(f"{path}: no such file")
        if not os.access(target, os.R_OK):
            raise NoInput(f"{path}: cannot read it (permission denied)")
        if not (target.is_file() or (target.is_dir() and (target / "cur").is_dir())):
            raise NoInput(f"{path}: not a mail file, mbox or Maildir")


def cmd_fetch(settings: Settings, args: argparse.Namespace) -> int:
    """One pass per [[imap]] mailbox, then file what came in.

    Exit 0 when every mailbox was fetched, 78 (EX_CONFIG) when a login was refused (a retry will
    not help), else 75 (EX_TEMPFAIL) when a mailbox or the store could not be reached.
    """
    from ingest.imap import AuthFailed, describe, fetch_once
    from ingest.filing import Worker

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


def read_mails(paths: list[str], piped: bytes = b"") -> Iterator[tuple[str, bytes]]:
    """(source, bytes) for every mail in the given files, mboxes and Maildirs; '-' is `piped`
    (stdin, read once by the caller)."""
    import mailbox

    for path in paths:
        if path == "-":
            yield "-", piped
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
            raise NoInput(f"{path}: not a mail file, mbox or Maildir")


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
    from store.search import catch_up, search_tickets
    from store.tickets import list_tickets
    from store.views import ticket_summary

    known_types = [case_type.key for case_type in settings.case_types]
    if args.case_type is not None and args.case_type not in known_types:
        raise UsageError(f"tickets --type: unknown case type {args.case_type!r}; "
                         f"choose from {', '.join(known_types)}")
    db = open_store(settings)
    if args.search is not None:
        catch_up(db)  # what was filed without serve (ingest, reprocess), or since serve last indexed
    with db.read() as session:
        if args.search is not None:
            found = search_tickets(session, args.search, limit=SEARCH_LIMIT, status=args.status,
                                   case_type=args.case_type)
        else:
            found = list_tickets(session, status=args.status, case_type=args.case_type)
        rows = [ticket_summary(t) for t in found]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for line in table([[row["ref"], row["status"], row["case_type"] or "?", row["customer"],
                        row["subject"], "missing: " + (", ".join(row["missing"]) or "-")] for row in rows]):
        print(line)
    return 0


# Display widths: an address or subject longer than this is cut (with "…") in the table only.
COLUMN_LIMITS = (12, 18, 24, 48, 48, 0)


def table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned text columns, each as wide as its widest cell (up to COLUMN_LIMITS).

    Cells are shown safely: control characters (a mail's subject may carry terminal escapes)
    become spaces, and East Asian wide characters count two columns.
    """
    cells = [[cut(shown(cell), limit) for cell, limit in zip(row, COLUMN_LIMITS)] for row in rows]
    widths = [max((width(row[i]) for row in cells), default=0) for i in range(len(COLUMN_LIMITS))]
    lines = []
    for row in cells:
        padded = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return lines


def shown(text: str) -> str:
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def width(text: str) -> int:
    """Terminal columns: wide and full-width characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def cut(text: str, limit: int) -> str:
    """`text` cut to `limit` columns with a trailing "…" (0: no limit)."""
    if not limit or width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        if used + width(ch) > limit - 1:
            break
        out.append(ch)
        used += width(ch)
    return "".join(out) + "…"


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
        if ticket is None:
            print(f"casedesk: no case {args.ref}", file=sys.stderr)
            return EX_NOINPUT
        messages = messages_of(session, ticket)
        if not 1 <= args.n <= len(messages):
            print(f"casedesk: {args.ref} has no message {args.n} (it has {len(messages)})", file=sys.stderr)
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
    if args.failed:
        return reprocess_failed(db, settings, args)
    with db.write() as session:
        tickets = [ticket_by_ref(session, r) for r in args.refs] if args.refs else list_tickets(session)
        unknown = [r for r, t in zip(args.refs, tickets) if t is None]
        if unknown:
            print(f"casedesk: no case {', '.join(unknown)}", file=sys.stderr)
            return EX_NOINPUT
        for ticket in tickets:
            assert ticket is not None  # unknown refs returned above
            reprocess(session, ticket, settings)
    print(f"casedesk: reprocessed {len(tickets)} case(s)", file=sys.stderr)
    return 0


def reprocess_failed(db: Database, settings: Settings, args: argparse.Namespace) -> int:
    """Put the set-aside mails back in the queue and file them now; each that fails 3 times
    again is set aside again, with a new held case."""
    from ingest.filing import Worker
    from store.inbound import release, set_aside_ids
    from store.tickets import retire_set_aside_cases

    if args.refs:
        print("casedesk: reprocess --failed takes no REF", file=sys.stderr)
        return EX_USAGE
    owner = f"reprocess-{uuid.uuid4().hex[:12]}"
    with db.write() as session:
        ids = set_aside_ids(session)
        retire_set_aside_cases(session, ids)
        release(session, ids, owner)
    Worker(db, settings, owner).drain()
    with db.read() as session:
        still = len(set(set_aside_ids(session)) & set(ids))
    print(f"casedesk: {len(ids)} set-aside mail(s) filed again, {still} set aside again", file=sys.stderr)
    return 0


def cmd_link(settings: Settings, args: argparse.Namespace) -> int:
    """The URL is the last word on stdout, so scripts can take it with `awk '{print $NF}'`."""
    from core.links import login_link

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
