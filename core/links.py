"""Sign-in links for My Tickets: the one place both the mail we send and the web view agree on."""

from __future__ import annotations

import secrets

from itsdangerous import URLSafeTimedSerializer

from core.settings import Settings

# The web view verifies with the same salt and `web.link_ttl` as max_age.
LOGIN_SALT = "casedesk-login"


def login_link(settings: Settings, email: str) -> str:
    """`{base_url}/auth/{token}`: a signed, timestamped token carrying the lowercased address and a
    random nonce. The web view records the nonce when the link is used, so it works once."""
    payload = [email.strip().lower(), secrets.token_urlsafe(12)]
    token = URLSafeTimedSerializer(settings.web.secret, salt=LOGIN_SALT).dumps(payload)
    return f"{settings.web.base_url}/auth/{token}"


def my_tickets_link(settings: Settings) -> str:
    """What follow-up mail links to: My Tickets, which asks for a sign-in link when needed.

    Follow-up mail is stored on its case, where every participant reads it, and customers quote
    and forward it: a sign-in link in it would sign in whoever reads it (issue 12).
    """
    return f"{settings.web.base_url}/tickets"
