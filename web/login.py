"""Signing in without passwords: ask for an address, mail a link, follow it, get a session."""

from __future__ import annotations

import logging
from email.utils import parseaddr

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from casedesk.settings import Settings
from store import access
from store.db import Database
from store.models import utcnow
from web import auth
from web.limits import SignInLimits
from web.loginmail import plan_login_mail

log = logging.getLogger("casedesk.web")

MAX_ADDRESS = 254


def login_form(request: Request) -> Response:
    """GET /login: the address form (signed-in viewers go straight to their cases)."""
    if auth.viewer_of(request):
        return RedirectResponse("/tickets", status_code=303)
    return form_page(request, "login.html", {})


def form_page(request: Request, name: str, context: dict[str, object], status_code: int = 200) -> Response:
    """A page with the login form, carrying a fresh CSRF pair."""
    settings: Settings = request.app.state.settings
    cookie = auth.csrf_cookie(request)
    context = {"csrf": auth.csrf_field(settings, cookie), "viewer": None, **context}
    response = request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)
    auth.set_csrf_cookie(response, settings, cookie)
    return response


async def login_submit(request: Request) -> Response:
    """POST /login: mail a sign-in link; the answer never tells whether the address is known."""
    form = await request.form()
    address = clean_address(str(form.get("email") or ""))
    csrf = str(form.get("csrf") or "")
    await form.close()
    limits: SignInLimits = request.app.state.limits
    client = request.client.host if request.client else "?"
    if not limits.client.allow(client):
        log.info("login: client %s over its rate limit", client)
        return form_page(request, "login.html", {"error": "Too many attempts. Please try again later."}, 429)
    if not auth.csrf_ok(request, csrf):
        return form_page(request, "login.html", {"error": "The form had expired. Please try again."}, 403)
    if address is None:
        return form_page(request, "login.html", {"error": "Please enter an e-mail address."}, 400)
    if limits.address.allow(address):
        await run_in_threadpool(send_link, request.app.state.db, request.app.state.settings, address)
    else:
        log.info("login: %s over its rate limit, no mail", address)
    return form_page(request, "login_sent.html", {"address": address})


def clean_address(value: str) -> str | None:
    """A bare, lowercased address from the form, or None when it is not one."""
    if "\r" in value or "\n" in value or len(value) > MAX_ADDRESS:
        return None
    address = parseaddr(value.strip())[1].lower()
    local, at, domain = address.rpartition("@")
    return address if at and local and "." in domain and " " not in address else None


def send_link(db: Database, settings: Settings, address: str) -> None:
    """Plan the sign-in mail for staff and for addresses that take part in a case; nobody else."""
    with db.write() as session:
        known = address in settings.web.staff or access.is_known(session, address)
        planned = known and plan_login_mail(session, settings, address, utcnow())
    log.info("login: %s %s", address, "link planned" if planned else "unknown or already planned, no mail")


def follow_link(request: Request) -> Response:
    """GET /auth/<token>: a valid link starts a session and opens My Tickets."""
    settings: Settings = request.app.state.settings
    address = auth.link_signs_in(settings, request.app.state.db, request.path_params["token"])
    if address is None:
        context = {"error": "This sign-in link is invalid, has expired or was revoked. Ask for a new one."}
        response = form_page(request, "login.html", context, 403)
        auth.end_session(response, settings)
        return response
    log.info("login: %s signed in by link", address)
    response = RedirectResponse("/tickets", status_code=303)
    auth.start_session(response, settings, address)
    return response


def logout(request: Request) -> Response:
    """GET /logout: forget the session cookie in this browser (`casedesk revoke` ends them all)."""
    response = RedirectResponse("/login", status_code=303)
    auth.end_session(response, request.app.state.settings)
    return response
