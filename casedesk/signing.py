"""Signed Message-IDs for the mail we send: they name the case and cannot be forged."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# cd.CASE-1042.<nonce 8 hex><mac 16 hex>@support.example.com: short enough that
# "In-Reply-To: <...>" fits one 78-column header line (long ids get folded badly by some clients).
_OURS = re.compile(r"^cd\.([A-Z]+-\d+)\.([0-9a-f]{8})([0-9a-f]{16})@", re.IGNORECASE)


def _mac(secret: str, ref: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{ref.upper()}.{nonce}".encode(), hashlib.sha256).hexdigest()[:16]


def make_message_id(secret: str, ref: str, domain: str, nonce: str | None = None) -> str:
    """A fresh Message-ID (without <>) naming the case, with an HMAC from web.secret."""
    nonce = nonce or secrets.token_hex(4)
    return f"cd.{ref}.{nonce}{_mac(secret, ref, nonce)}@{domain}"


def verify_message_id(secret: str, message_id: str) -> str | None:
    """The case reference a Message-ID of ours names, or None when it is not ours or forged."""
    match = _OURS.match(message_id)
    if not match:
        return None
    ref, nonce, mac = match.groups()
    return ref.upper() if hmac.compare_digest(mac.lower(), _mac(secret, ref, nonce)) else None
