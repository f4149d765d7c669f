"""The JSON API: the shapes of `casedesk tickets --json` and `casedesk show --json`, same access rules."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from store.views import ticket_detail, ticket_summary
from web import auth
from web.redact import redact_json
from web.pages import filters_of, visible_case, visible_tickets

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def problem(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def sign_in_first(request: Request) -> Response:
    return problem(401, "sign in first: GET /login")


def number(value: str | None, default: int, highest: int) -> int:
    return max(0, min(int(value), highest)) if value and value.isdigit() else default


@auth.signed_in(sign_in_first)
def api_tickets(request: Request, viewer: auth.Viewer) -> Response:
    """GET /api/tickets: a page of case summaries (?limit=, ?offset=; staff also filter).

    A full page carries `Link: <...>; rel="next"`; no total is counted (it would scan every case).
    """
    settings = request.app.state.settings
    filters = filters_of(request, settings)
    limit = number(request.query_params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT) or DEFAULT_LIMIT
    offset = number(request.query_params.get("offset"), 0, 10**9)
    if not viewer.staff:
        filters = type(filters)()
    with request.app.state.db.read() as session:
        rows = [ticket_summary(t) for t in visible_tickets(session, viewer, filters, limit, offset)]
    headers = {}
    if len(rows) == limit:
        query = filters.query(page=1, limit=limit, offset=offset + limit)
        headers["Link"] = f'</api/tickets?{query}>; rel="next"'
    return JSONResponse(redact_json(rows), headers=headers)


@auth.signed_in(sign_in_first)
def api_ticket(request: Request, viewer: auth.Viewer) -> Response:
    """GET /api/tickets/<ref>: one case with its checklist and messages, oldest first."""
    with request.app.state.db.read() as session:
        ticket = visible_case(request, session, viewer)
        if ticket is None:
            return problem(404, "no such case")
        return JSONResponse(redact_json(ticket_detail(session, ticket, viewer.staff)))
