"""Remove sign-in URLs from everything the web view and the API show (issue 12).

A sign-in link signs in whoever follows it. Mail on a case is read by every participant, and
customers quote, forward and paste their links, so any `/auth/...` URL in shown text is replaced.
Stored mail keeps its bytes; only what is shown is redacted.

A "word" is a run of characters that cannot end a URL in text or HTML (space, quotes, angle
brackets). A word is removed when, after undoing HTML entities and percent-encoding (a browser
would follow `%2Fauth%2F` to the same route), it contains `/auth/`.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

from markupsafe import Markup

REMOVED = "[sign-in link removed]"
_WORD = re.compile(r"""[^\s<>"'`]+""")
_MARK = "/auth/"
# Percent-encoding nested deeper than this is not followed by any browser or server we run.
_DECODE_ROUNDS = 3


def decoded(text: str) -> str:
    """Text as a browser would resolve it in a URL: entities and percent-encoding undone, lowercased."""
    for _ in range(_DECODE_ROUNDS):
        plain = unquote(html.unescape(text))
        if plain == text:
            break
        text = plain
    return text.replace("\\", "/").lower()


def redact(text: str) -> str:
    """`text` with every word that names a sign-in URL replaced by REMOVED."""
    if "auth" not in decoded(text):
        return text
    return _WORD.sub(lambda m: REMOVED if _MARK in decoded(m.group(0)) else m.group(0), text)


def shown(value: Any) -> Any:
    """Jinja's `finalize`: every value a page prints goes through redaction; Markup (sanitised mail
    HTML) stays Markup, since REMOVED holds no character HTML would read as markup."""
    if isinstance(value, Markup):
        return Markup(redact(str(value)))  # noqa: S704 - redaction only replaces words with plain text
    if isinstance(value, str):
        return redact(value)
    return value


def redact_json(value: Any) -> Any:
    """A JSON value with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    return value


def redacted_mail(raw: bytes) -> bytes:
    """A stored mail for download with sign-in URLs removed from its text parts and headers.

    Unchanged bytes when there is nothing to remove (the usual case). `casedesk raw` still prints
    the exact bytes for whoever runs the command line.
    """
    if "auth" not in decoded(raw.decode("latin-1")) and b"=\r\n" not in raw and b"base64" not in raw.lower():
        return raw
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        changed = redact_parts(message)
        return message.as_bytes() if changed else raw
    except Exception:  # a mail our parser cannot rebuild: show nothing rather than the link
        return REMOVED.encode() + b"\r\n"


def redact_parts(message: EmailMessage) -> bool:
    """Redact headers and text parts in place; True when anything changed."""
    changed = False
    for part in message.walk():
        for name, value in list(part.items()):
            if redact(str(value)) != str(value):
                part.replace_header(name, redact(str(value)))
                changed = True
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        if redact(text) != text:
            part.set_content(redact(text), subtype=part.get_content_subtype(), charset="utf-8")
            changed = True
    return changed
