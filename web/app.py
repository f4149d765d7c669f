"""The read-only web view (ASGI): My Tickets for customers, threaded cases for staff.

No route changes a case: every route is GET except POST /login, which only plans a sign-in mail,
and POST /auth/<token>, which spends a sign-in link and starts a session.
Endpoints that touch the database are plain functions, so Starlette runs them in its thread pool
and the SMTP listener sharing this event loop is never blocked by a query.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from store.db import Database
from web import api, auth, health, login, metrics, pages
from web.limits import SignInLimits
from web.templating import templates

# No script at all; styles are inline in the page; images only from us (mail HTML has none left).
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    # Sign-in tokens are in URLs; never hand them to another site in a Referer. (Not "no-referrer":
    # with it, browsers send `Origin: null` on our own form POST and the CSRF origin check fails.)
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings, db: Database) -> ASGIApp:
    """The web app over the store; it never writes a ticket."""

    def healthz(request: Request) -> PlainTextResponse:
        status, body = health.report(settings, db)
        return PlainTextResponse(health.shown_to(body, auth.viewer_of(request)), status_code=status)

    handlers = {code: pages.error_page for code in (403, 404, 405)}
    app = Starlette(exception_handlers=handlers, routes=[
        Route("/healthz", healthz),
        Route("/metrics", metrics.metrics_page),
        Route("/", pages.home),
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login_submit, methods=["POST"]),
        Route("/auth/{token}", login.follow_link, methods=["GET"]),
        Route("/auth/{token}", login.confirm_link, methods=["POST"]),
        Route("/logout", login.logout),
        Route("/tickets", pages.tickets_page),
        Route("/tickets/{ref}", pages.ticket_page),
        Route("/tickets/{ref}/messages/{n:int}/attachments/{i:int}", pages.attachment),
        Route("/tickets/{ref}/messages/{n:int}/raw", pages.raw_mail),
        Route("/api/tickets", api.api_tickets),
        Route("/api/tickets/{ref}", api.api_ticket),
    ])
    app.state.settings = settings
    app.state.db = db
    app.state.templates = templates(settings.web.timezone)
    app.state.limits = SignInLimits()
    return SecurityHeaders(app)
