"""The HTML pages: My Tickets, one case as a thread, its attachments and (for staff) raw mail."""

from __future__ import annotations

import re
import time

import email
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from core.casetypes import CaseType
from core.settings import Settings
from core.signing import make_staff_address
from store import access
from store.models import NOTE, STATUSES, Message, Ticket, held_as_no_case
from store.search import MAX_WORD, MAX_WORDS, search_tickets
from store.tickets import list_tickets, messages_of, participants, ticket_by_ref
from web import auth, thread, words
from web.redact import redacted_mail

PAGE_SIZE = 50
# Attachment types a browser may be told as they are; anything else downloads as octet-stream.
SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain", "text/csv"})


@dataclass(frozen=True)
class Filters:
    """Staff filters for the list (customers see their own cases, filtered by nothing)."""

    status: str = ""
    case_type: str = ""
    missing: bool = False
    customer: str = ""
    page: int = 1
    # Staff search (docs/staff.md): ref, checklist values, customer, subjects and bodies.
    q: str = ""

    def query(self, **changes: Any) -> str:
        """The query string for these filters with `changes` applied (for paging links)."""
        values = {"status": self.status, "type": self.case_type, "missing": "1" if self.missing else "",
                  "customer": self.customer, "q": self.q, "page": self.page, **changes}
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})


def filters_of(request: Request, settings: Settings) -> Filters:
    """Read filters from the query string; values we do not know are ignored, not errors."""
    params = request.query_params
    status = params.get("status", "")
    case_type = params.get("type", "")
    page = params.get("page", "1")
    return Filters(
        status=status if status in STATUSES else "",
        case_type=case_type if case_type in {t.key for t in settings.case_types} else "",
        missing=params.get("missing") in ("1", "true", "on"),
        customer=params.get("customer", "").strip().lower()[:254],
        page=max(1, min(int(page), 100_000)) if page.isdigit() else 1,
        q=" ".join(params.get("q", "").split())[:MAX_WORDS * (MAX_WORD + 1)],
    )


def case_types(settings: Settings) -> dict[str, CaseType]:
    return {t.key: t for t in settings.case_types}


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
         headers: dict[str, str] | None = None) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(request, name, context,
                                                                      status_code=status_code, headers=headers)
    return response


def not_found(request: Request, viewer: auth.Viewer | None,
              message: str = "There is no such case, or it is not yours to see.") -> Response:
    return page(request, "error.html", {"viewer": viewer, "title": "Not found", "message": message}, 404)


def forbidden(request: Request, viewer: auth.Viewer | None,
              message: str = "Only support staff may open this.") -> Response:
    return page(request, "error.html", {"viewer": viewer, "title": "Not allowed", "message": message}, 403)


def error_page(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such route), 405 and any 403 as our styled page, never plain text."""
    code = getattr(exc, "status_code", 500)
    if request.url.path.startswith("/api/"):
        # The API answers in JSON, as its own 404s do.
        reason = "no such route" if code == 404 else "not allowed"
        return JSONResponse({"error": reason}, status_code=code, headers=getattr(exc, "headers", None))
    viewer = auth.viewer_of(request)
    if code == 404:
        return not_found(request, viewer, "There is no such page.")
    if code == 403:
        return forbidden(request, viewer)
    return page(request, "error.html", {"viewer": viewer, "title": "Not allowed",
                                        "message": "This page cannot be used that way."}, code,
                getattr(exc, "headers", None))


def sign_in_first(request: Request) -> Response:
    return RedirectResponse("/login", status_code=303)


def home(request: Request) -> Response:
    return RedirectResponse("/tickets", status_code=303)


@auth.signed_in(sign_in_first)
def tickets_page(request: Request, viewer: auth.Viewer) -> Response:
    """GET /tickets: My Tickets, newest activity first, 50 a page; staff filter every case."""
    settings: Settings = request.app.state.settings
    filters = filters_of(request, settings)
    if not viewer.staff:
        filters = Filters(page=filters.page)
    with request.app.state.db.read() as session:
        rows = visible_tickets(session, viewer, filters, PAGE_SIZE + 1, (filters.page - 1) * PAGE_SIZE)
        if not viewer.staff:
            # A customer reads My Tickets in the language of their newest case, as its page and our
            # mails to them are, on every page of the list; staff read in their browser's.
            request.state.language = access.language_of(session, viewer.address, "") or None
    types = case_types(settings)
    language = words.language_of(request)
    context = {
        "viewer": viewer, "filters": filters, "statuses": STATUSES, "case_types": settings.case_types,
        "tickets": [(t, types.get(t.case_type or ""), thread.missing(t, types.get(t.case_type or ""), language))
                    for t in rows[:PAGE_SIZE]],
        "next_page": filters.query(page=filters.page + 1) if len(rows) > PAGE_SIZE else None,
        "prev_page": filters.query(page=filters.page - 1) if filters.page > 1 else None,
    }
    return page(request, "tickets.html", context)


def visible_tickets(session: Session, viewer: auth.Viewer, filters: Filters, limit: int, offset: int) -> list[Ticket]:
    """One query for a page of cases: no per-row lookups. A staff search is newest first too, and
    the other filters apply to its results."""
    if filters.q and viewer.staff:
        return search_tickets(
            session, filters.q, limit=limit, offset=offset, status=filters.status or None,
            case_type=filters.case_type or None, customer=filters.customer or None,
            missing=True if filters.missing else None)
    return list_tickets(
        session, status=filters.status or None, case_type=filters.case_type or None,
        customer=filters.customer or None, missing_any=True if filters.missing else None,
        visible_to=None if viewer.staff else viewer.address, limit=limit, offset=offset)


def visible_case(request: Request, session: Session, viewer: auth.Viewer) -> Ticket | None:
    """The case named in the path, if this viewer may see it."""
    ticket = ticket_by_ref(session, request.path_params["ref"])
    if ticket is None or not access.may_see(session, ticket, viewer.address, viewer.staff):
        return None
    return ticket


@auth.signed_in(sign_in_first)
def ticket_page(request: Request, viewer: auth.Viewer) -> Response:
    """GET /tickets/<ref>: the thread oldest first, the checklist and what is still missing."""
    settings: Settings = request.app.state.settings
    with request.app.state.db.read() as session:
        ticket = visible_case(request, session, viewer)
        if ticket is None:
            return not_found(request, viewer)
        messages = messages_of(session, ticket)
        people = participants(session, ticket) if viewer.staff else []
    case_type = case_types(settings).get(ticket.case_type or "")
    if not viewer.staff:
        # A customer reads their case in its language, the one our mails to them use.
        request.state.language = ticket.language
    language = words.language_of(request)
    context = {
        "viewer": viewer, "ticket": ticket, "case_type": case_type, "participants": people,
        # Numbered over every message, so links stay the same for staff and customer.
        "messages": [thread.message_view(n, m) for n, m in enumerate(messages, 1)
                     if viewer.staff or m.direction != NOTE],
        "checklist": thread.checklist(ticket, messages, case_type, language, tuple(case_types(settings).values())),
        "missing": thread.missing(ticket, case_type, language),
        # a mail held as no support case asks nothing, and is not complete either (docs/staff.md)
        "no_case": held_as_no_case(ticket.held_reason),
        "mailto": thread.mailto(settings.support_address, ticket.ref, ticket.subject),
        "support": settings.support_address,
        # Staff answer the customer by mailing this signed address (docs/staff.md).
        "staff_address": make_staff_address(settings.web.secret, settings.support_address, ticket.ref,
                                            time.time()) if viewer.staff else None,
    }
    return page(request, "ticket.html", context)


def nth_message(session: Session, ticket: Ticket, number: int, staff: bool = True) -> Message | None:
    """The Nth message (1 = first); a note only for staff."""
    messages = messages_of(session, ticket)
    found = messages[number - 1] if 1 <= number <= len(messages) else None
    return found if found is not None and (staff or found.direction != NOTE) else None


@auth.signed_in(sign_in_first)
def attachment(request: Request, viewer: auth.Viewer) -> Response:
    """GET /tickets/<ref>/messages/<n>/attachments/<i>: the bytes, cut from the stored raw mail."""
    number, index = request.path_params["n"], request.path_params["i"]
    with request.app.state.db.read() as session:
        ticket = visible_case(request, session, viewer)
        message = nth_message(session, ticket, number, viewer.staff) if ticket else None
        found = (message.attachments or [])[index] if message and index < len(message.attachments or []) else None
        raw = access.message_bytes(session, message) if message and found else None
    payload = part_bytes(raw, int(found["part"])) if raw and found else None
    if found is None or payload is None:
        return not_found(request, viewer)
    kind = found.get("content_type", "")
    return download(payload, found.get("filename") or f"attachment-{index}",
                    kind if kind in SAFE_TYPES else "application/octet-stream")


def part_bytes(raw: bytes, part: int) -> bytes | None:
    """The decoded payload of the `part`-th entry of msg.walk(), as ingest numbered it."""
    for index, node in enumerate(email.message_from_bytes(raw).walk()):
        if index == part:
            payload = node.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


@auth.signed_in(sign_in_first)
def raw_mail(request: Request, viewer: auth.Viewer) -> Response:
    """GET /tickets/<ref>/messages/<n>/raw: the message as an .eml file, for staff only."""
    with request.app.state.db.read() as session:
        ticket = visible_case(request, session, viewer)
        message = nth_message(session, ticket, request.path_params["n"]) if ticket and viewer.staff else None
        raw = access.message_bytes(session, message) if message else None
    if ticket is None:
        return not_found(request, viewer)
    if not viewer.staff:
        # Their own case: saying "staff only" reveals nothing a 404 would hide.
        return forbidden(request, viewer, "Only support staff can download a message's raw mail.")
    if raw is None:
        return not_found(request, viewer)
    return download(redacted_mail(raw), f"{ticket.ref}-{request.path_params['n']}.eml", "message/rfc822")


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """What a sender called a file, as a plain name: the last path component, no control
    characters, no leading dots ("../../etc/passwd" -> "passwd")."""
    base = re.split(r"[/\\]", name)[-1]
    base = "".join(c for c in base if c.isprintable()).strip().lstrip(". ")
    return base[:200] or fallback


def download(data: bytes, filename: str, media_type: str) -> Response:
    """Always a download, never rendered in our origin (an HTML attachment could run script)."""
    filename = safe_filename(filename)
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": disposition, "Content-Security-Policy": "sandbox; default-src 'none'"})
