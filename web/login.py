"""Signing in without passwords: ask for an address, mail a link, follow it, get a session."""

from __future__ import annotations

import logging
from email.utils import parseaddr

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.settings import Settings
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
    response: Response = request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)
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
    response = form_page(request, "login_sent.html", {"address": address})
    if limits.address.allow(address):
        # After the response: looking the address up and planning its mail takes time only for a
        # known address, and the answer must not tell a known address from an unknown one.
        response.background = BackgroundTask(send_link, request.app.state.db, request.app.state.settings, address)
    else:
        log.info("login: %s over its rate limit, no mail", address)
    return response


def clean_address(value: str) -> str | None:
    """A bare, lowercased address from the form, or None when it is not one."""
    if "\r" in value or "\n" in value or len(value) > MAX_ADDRESS:
        return None
    address = parseaddr(value.strip())[1].lower()
    local, at, domain = address.rpartition("@")
    return address if at and local and "." in domain and " " not in address else None


def send_link(db: Database, settings: Settings, address: str) -> None:
    """Plan the sign-in mail for staff and for addresses that take part in a case; nobody else.

    Runs after the response was sent, so a failure here is logged; the person asks again."""
    try:
        with db.write() as session:
            known = address in settings.web.staff or access.is_known(session, address)
            planned = known and plan_login_mail(session, settings, address, utcnow())
    except Exception:
        log.exception("login: could not plan a sign-in mail for %s", address)
        return
    log.info("login: %s %s", address, "link planned" if planned else "unknown or already planned, no mail")


BAD_LINK = "This sign-in link is invalid, has expired, was already used or was revoked. Ask for a new one."


def follow_link(request: Request) -> Response:
    """GET /auth/<token>: a valid link shows a confirm page; only its POST starts a session.

    A GET changes nothing, so a link prefetched by a mail scanner is not spent, and another site
    cannot sign a visitor into someone else's session with an <img> or a redirect (login CSRF).
    """
    grant = auth.link_grant(request.app.state.settings, request.app.state.db, request.path_params["token"])
    if grant is None:
        return refused(request)
    return form_page(request, "confirm.html", {"address": grant.address})


async def confirm_link(request: Request) -> Response:
    """POST /auth/<token>: spend the link (once) and start a session for its address only."""
    form = await request.form()
    csrf = str(form.get("csrf") or "")
    await form.close()
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    if not auth.csrf_ok(request, csrf):
        return form_page(request, "login.html", {"error": "The form had expired. Please try again."}, 403)
    grant = await run_in_threadpool(auth.link_grant, settings, db, request.path_params["token"])
    if grant is None or not await run_in_threadpool(auth.use_link, db, grant):
        return refused(request)
    log.info("login: %s signed in by link", grant.address)
    response = RedirectResponse("/tickets", status_code=303)
    auth.start_session(response, settings, grant.address)
    return response


def refused(request: Request) -> Response:
    """The answer to a link that signs nobody in; it also ends any session this browser had."""
    response = form_page(request, "login.html", {"error": BAD_LINK}, 403)
    auth.end_session(response, request.app.state.settings)
    return response


def logout(request: Request) -> Response:
    """GET /logout: forget the session cookie in this browser (`casedesk revoke` ends them all)."""
    response = RedirectResponse("/login", status_code=303)
    auth.end_session(response, request.app.state.settings)
    return response
