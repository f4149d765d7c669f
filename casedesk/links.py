"""Sign-in links for My Tickets: the one place both the mail we send and the web view agree on."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from casedesk.settings import Settings

# The web view verifies with the same salt and `web.link_ttl` as max_age.
LOGIN_SALT = "casedesk-login"


def login_link(settings: Settings, email: str) -> str:
    """`{base_url}/auth/{token}`: a signed, timestamped token carrying the lowercased address."""
    token = URLSafeTimedSerializer(settings.web.secret, salt=LOGIN_SALT).dumps(email.strip().lower())
    return f"{settings.web.base_url}/auth/{token}"
