"""Who is asking: signed sign-in links, the session cookie, revocation and the CSRF pair.

There are no passwords. A sign-in link carries the address, signed with `web.secret` and stamped
with its issue time; it expires after `web.link_ttl`. Following it sets a session cookie signed
the same way (another salt). `casedesk revoke` stores a moment per address; links and sessions
issued before it sign nobody in. itsdangerous stamps whole seconds, so a revocation is rounded up
to the next second and the revoke command waits until then (see `revoke_moment`).
"""

from __future__ import annotations

import functools
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from collections.abc import Callable
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from core.links import LOGIN_SALT
from core.settings import Settings
from store import access
from store.db import Database

SESSION_SALT = "casedesk-session"
CSRF_SALT = "casedesk-csrf"
SESSION_COOKIE = "casedesk_session"
CSRF_COOKIE = "casedesk_csrf"
# A session outlives the link that started it; `casedesk revoke` ends it early.
SESSION_TTL = timedelta(days=30)
# A login form may be left open this long before its CSRF token is refused.
CSRF_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class Viewer:
    """A signed-in address; staff (listed in web.staff) see every case."""

    address: str
    staff: bool


def serializer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.web.secret, salt=salt)


def signed_address(settings: Settings, value: str, salt: str, ttl: timedelta) -> tuple[str, datetime] | None:
    """The address a signed value names and when it was issued; None if tampered or expired."""
    try:
        address, issued = serializer(settings, salt).loads(
            value, max_age=int(ttl.total_seconds()), return_timestamp=True)
    except BadData:
        return None
    if not isinstance(address, str) or "@" not in address:
        return None
    return address.lower(), issued


def still_valid(db: Database, address: str, issued: datetime) -> bool:
    """False when `casedesk revoke` voided what this address held at `issued`."""
    with db.read() as session:
        revoked = access.revoked_at(session, address)
    return revoked is None or issued >= revoked


@dataclass(frozen=True)
class LinkGrant:
    """What a valid, unused sign-in link offers: a session for `address`, once (by `nonce`)."""

    address: str
    nonce: str


def link_grant(settings: Settings, db: Database, token: str) -> LinkGrant | None:
    """What a sign-in link token offers, or None (tampered, expired, revoked, used, or an old
    reusable link from before links carried a nonce)."""
    try:
        payload, issued = serializer(settings, LOGIN_SALT).loads(
            token, max_age=int(settings.web.link_ttl.total_seconds()), return_timestamp=True)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload)):
        return None
    address, nonce = payload[0].lower(), payload[1]
    if "@" not in address or not nonce or not still_valid(db, address, issued):
        return None
    with db.read() as session:
        if access.link_used(session, nonce):
            return None
    return LinkGrant(address, nonce)


def use_link(db: Database, grant: LinkGrant) -> bool:
    """Spend the link: True for exactly one caller, however many confirm it at once."""
    with db.write() as session:
        return access.use_link(session, grant.nonce, grant.address, datetime.now(timezone.utc))


def viewer_of(request: Request) -> Viewer | None:
    """The signed-in viewer of this request, from its session cookie."""
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(SESSION_COOKIE)
    found = signed_address(settings, cookie, SESSION_SALT, SESSION_TTL) if cookie else None
    if found is None or not still_valid(request.app.state.db, *found):
        return None
    return Viewer(found[0], found[0] in settings.web.staff)


# A page that needs a signed-in viewer: called with the request and that viewer.
Page = Callable[[Request, Viewer], Response]


def signed_in(otherwise: Callable[[Request], Response]) -> Callable[[Page], Callable[[Request], Response]]:
    """Route decorator: the sign-in check, once for every page that needs it. Without a valid
    session the route answers `otherwise(request)` (a redirect to /login, or the API's 401);
    with one, the page gets its viewer. Stays a plain function, so Starlette still runs it in
    its thread pool, off the event loop the SMTP listener shares."""
    def decorate(page: Page) -> Callable[[Request], Response]:
        @functools.wraps(page)
        def endpoint(request: Request) -> Response:
            viewer = viewer_of(request)
            return otherwise(request) if viewer is None else page(request, viewer)

        return endpoint

    return decorate


def cookie_options(settings: Settings) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax, and Secure whenever the site is served over https."""
    return {"httponly": True, "samesite": "lax", "path": "/",
            "secure": settings.web.base_url.startswith("https://")}


def start_session(response: Response, settings: Settings, address: str) -> None:
    value = serializer(settings, SESSION_SALT).dumps(address)
    response.set_cookie(SESSION_COOKIE, value, max_age=int(SESSION_TTL.total_seconds()),
                        **cookie_options(settings))


def end_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, **cookie_options(settings))


def revoke_moment(now: datetime | None = None) -> datetime:
    """The next whole second: link stamps are whole seconds, so this voids every earlier one."""
    now = now or datetime.now(timezone.utc)
    return datetime.fromtimestamp(math.floor(now.timestamp()) + 1, timezone.utc)


# -- CSRF: double submit. The form carries a signed copy of a random value held in a cookie. ----

def csrf_cookie(request: Request) -> str:
    """The request's CSRF cookie value, or a fresh one to set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def csrf_field(settings: Settings, cookie: str) -> str:
    return serializer(settings, CSRF_SALT).dumps(cookie)


def set_csrf_cookie(response: Response, settings: Settings, cookie: str) -> None:
    response.set_cookie(CSRF_COOKIE, cookie, max_age=int(CSRF_TTL.total_seconds()),
                        **cookie_options(settings))


def csrf_ok(request: Request, field: str) -> bool:
    """The form's signed token matches this browser's cookie, and a stated Origin is ours."""
    settings: Settings = request.app.state.settings
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != site_origin(settings):
        return False
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not field:
        return False
    try:
        signed = serializer(settings, CSRF_SALT).loads(field, max_age=int(CSRF_TTL.total_seconds()))
    except BadData:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, cookie)


def site_origin(settings: Settings) -> str:
    """scheme://host[:port] of web.base_url, as browsers send it in Origin."""
    scheme, _, rest = settings.web.base_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
