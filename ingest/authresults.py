"""Did our own relay authenticate the sender's domain? Authentication-Results (RFC 8601).

A From header is whatever the sender typed, so "the sender is in [web] staff" alone lets anyone
who learns a case's staff address (a forwarded notice, a leaked mailbox) speak to the customer
as staff. When `[staff] authserv_id` names the relay that checks incoming mail (Postfix with
OpenDMARC, Exchange Online, Google: each stamps its own id), a staff answer also needs that
relay's verdict: DMARC pass for the From domain, or a DKIM signature of that domain that passed.

Only the topmost header carrying that id counts: it is the one our relay added last, and a
sender can put any number of forged ones below it (a relay is expected to remove incoming ones
with its own id, RFC 8601 section 5; we do not rely on it).
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

# A header block is read up to here; a mail's headers are bounded by the SMTP limits anyway.
MAX_HEADER_BYTES = 256 * 1024
# "dkim=pass (comment) header.d=example.com header.s=sel": a method's result and its properties.
_RESULT = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = re.compile(r"\b(header\.(?:from|d|i))\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")


def unauthenticated(raw: bytes, sender: str, authserv_id: str) -> str:
    """Why the sender's domain did not authenticate at `authserv_id` ("" when it did)."""
    domain = sender.rpartition("@")[2].strip().lower().rstrip(".")
    header = topmost(raw, authserv_id)
    if header is None:
        return f"no Authentication-Results from {authserv_id}"
    for method, result, properties in results(header):
        if result != "pass":
            continue
        if method == "dmarc" and properties.get("header.from") == domain:
            return ""
        if method == "dkim" and (properties.get("header.d") == domain
                                 or properties.get("header.i", "").rpartition("@")[2] == domain):
            return ""
    return f"{authserv_id} did not pass DMARC or DKIM for {domain or '(no sender)'}"


def topmost(raw: bytes, authserv_id: str) -> str | None:
    """The first Authentication-Results header whose authserv-id is ours, unfolded."""
    block = raw[:MAX_HEADER_BYTES].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    headers = BytesHeaderParser(policy=compat32).parsebytes(block)
    for value in headers.get_all("Authentication-Results") or ():
        text = _COMMENT.sub(" ", " ".join(str(value).split()))
        served_by = text.split(";", 1)[0].split()
        if served_by and served_by[0].lower() == authserv_id.lower():
            return text
    return None


def results(header: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, result, {property: value}) for each result of one header."""
    found = []
    for part in header.split(";")[1:]:
        match = _RESULT.match(part)
        if match:
            properties = {name.lower(): value.lower().rstrip(".") for name, value in _PROPERTY.findall(match[3])}
            found.append((match[1].lower(), match[2].lower(), properties))
    return found
