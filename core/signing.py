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


# support+CASE-1042.s.<day 4 hex><mac 16 hex>@support.example.com: the per-case address staff
# answer to. The day it was made is signed with it, so an old address can be refused (expiry).
_STAFF = re.compile(r"^[^@+]+\+([A-Z]+-\d+)\.s\.([0-9a-f]{4})([0-9a-f]{16})@(.+)$", re.IGNORECASE)
# A staff address is accepted this long after it was made; notifications are mailed again whenever
# the customer writes, so an active case always has a fresh one.
STAFF_ADDRESS_TTL_DAYS = 90
_DAY = 86400


def _staff_mac(secret: str, ref: str, day: str) -> str:
    # A purpose prefix, so a Message-ID's MAC can never pass for a staff address's or the reverse.
    return hmac.new(secret.encode(), f"staff.{ref.upper()}.{day.lower()}".encode(), hashlib.sha256).hexdigest()[:16]


def make_staff_address(secret: str, support: str, ref: str, now: float) -> str:
    """support+REF.s.<signature>@domain for the support address `support`, made at `now` (epoch s)."""
    local, _, domain = support.partition("@")
    day = f"{int(now // _DAY) & 0xFFFF:04x}"
    return f"{local.partition('+')[0]}+{ref.upper()}.s.{day}{_staff_mac(secret, ref, day)}@{domain}"


def is_staff_address(address: str) -> bool:
    """Shaped like a staff address (signed or not): mail to it never opens a customer case."""
    return _STAFF.match(address.strip()) is not None


def verify_staff_address(secret: str, address: str, now: float) -> tuple[str | None, str]:
    """(the case ref, "") when the address is a valid staff address, else (ref or None, why not)."""
    match = _STAFF.match(address.strip())
    if not match:
        return None, "not a staff address"
    ref, day, mac = match[1].upper(), match[2].lower(), match[3].lower()
    if not hmac.compare_digest(mac, _staff_mac(secret, ref, day)):
        return ref, "signature does not verify"
    age = int(now // _DAY) - int(day, 16)
    if not -1 <= age <= STAFF_ADDRESS_TTL_DAYS:
        return ref, f"signature expired ({age} days old, valid for {STAFF_ADDRESS_TTL_DAYS})"
    return ref, ""
