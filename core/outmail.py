"""Compose the RFC 5322 bytes of every mail we send, with our loop-safe headers."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from datetime import datetime, timezone
from email.utils import format_datetime, getaddresses

from core.settings import Settings
from core.signing import make_message_id

# Headers on every mail we send. RFC 3834 Auto-Submitted plus what Exchange and older MTAs honour,
# so vacation responders do not answer us and start a loop.
LOOP_HEADERS = (
    ("Auto-Submitted", "auto-replied"),
    ("X-Auto-Response-Suppress", "All"),
    ("Precedence", "auto_reply"),
)
_SAFE_ID = re.compile(r"^[!#-;=?-~]+@[!#-;=?-~]+$")
_LINE_BREAKS = re.compile(r"[\r\n\x00\v\f\x1c-\x1e\x85\u2028\u2029]+")
# Every control character (C0, DEL, C1), line and paragraph separators, and the bidi overrides
# that make a subject read differently from what it is.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
# The start of an RFC 2047 encoded-word. The email package decodes encoded-words in any header
# value it is given, and before Python 3.11.10/3.12.5 (CVE-2024-6923) writes a CR LF they decode to
# as a raw line break: text we decoded once must never reach it looking like an encoded-word.
_ENCODED_WORD = re.compile(r"=\?")


class BadRecipient(ValueError):
    """The recipient is not exactly one plain address."""


def one_line(value: str) -> str:
    """Header text from customers (subjects, names) with every line break turned into a space.

    The email package folds and encodes what remains, so no text can start a header of its own.
    """
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def header_text(value: str) -> str:
    """The one way text becomes a header value we write: control characters turned into spaces,
    runs of space collapsed, and `=?` written `= ?` so no encoded-word survives to be decoded again
    (issue 12). Applied to every header, ours and customers' alike, on every Python version."""
    return " ".join(_ENCODED_WORD.sub("= ?", _CONTROLS.sub(" ", value)).split())


def set_header(message: EmailMessage, name: str, value: str | Address) -> None:
    """Add a header whose value went through `header_text` (an Address: its display name did)."""
    message[name] = value if isinstance(value, Address) else header_text(value)


def recipient(to: str) -> Address:
    """Exactly one address: no list, no group, no line breaks; raises BadRecipient otherwise."""
    found = getaddresses([to])
    name, addr = found[0] if len(found) == 1 else ("", "")
    if not addr or one_line(to) != to.strip() or "," in addr or ";" in addr or addr.count("@") != 1:
        raise BadRecipient(f"not one plain address: {to!r}")
    try:
        address = Address(display_name=header_text(name), addr_spec=addr)
        # The To header as compose will build it: the email package refuses some addresses only
        # here ("ann@example.com." raises HeaderParseError), so ask it once, in the same way.
        EmailMessage(policy=SMTP)["To"] = address
    except Exception as exc:  # ValueError, IndexError, email.errors.HeaderParseError
        raise BadRecipient(f"not one plain address: {to!r}") from exc
    return address


def bare_id(message_id: str) -> str | None:
    """A Message-ID without <>, or None when it has characters that do not belong in one."""
    value = message_id.strip().strip("<>").strip()
    return value if _SAFE_ID.match(value) and "=?" not in value else None


def compose(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None,
            ref: str | None = None, in_reply_to: str | None = None,
            references: Sequence[str] = (), reply_to: str | None = None, automatic: bool = True,
            attachments: Sequence[tuple[str, str, bytes]] = ()) -> tuple[str, bytes]:
    """(Message-ID without <>, the mail's bytes) for one mail from the support address to `to`.

    With `ref` the subject is tagged `[REF]` and the Message-ID is signed so a reply finds the case
    even when a client drops In-Reply-To; without it the Message-ID is random at the support domain.
    `reply_to` replaces the support address as Reply-To (a staff notification's signed address).
    A person's answer (`automatic=False`, a relayed staff answer) carries no Auto-Submitted and
    no loop headers: RFC 3834 reserves them for mail no person wrote. `attachments` are
    (filename, content type, bytes).
    """
    domain = settings.support_address.rpartition("@")[2] or "localhost"
    message_id = (make_message_id(settings.web.secret, ref, domain) if ref
                  else f"casedesk.{secrets.token_hex(12)}@{domain}")
    subject = one_line(subject)
    if ref and f"[{ref}]".lower() not in subject.lower():
        subject = f"[{ref}] {subject}".rstrip()
    message = EmailMessage(policy=SMTP)
    set_header(message, "From", settings.outbound.from_)
    set_header(message, "To", recipient(to))
    set_header(message, "Reply-To", recipient(reply_to) if reply_to else settings.support_address)
    set_header(message, "Subject", subject)
    set_header(message, "Date", format_datetime(datetime.now(timezone.utc)))
    set_header(message, "Message-ID", f"<{message_id}>")
    thread = [i for i in (bare_id(r) for r in references) if i]
    parent = bare_id(in_reply_to) if in_reply_to else None
    if parent:
        set_header(message, "In-Reply-To", f"<{parent}>")
        thread = [*[i for i in thread if i != parent], parent]
    if thread:
        set_header(message, "References", " ".join(f"<{i}>" for i in thread))
    for name, value in LOOP_HEADERS if automatic else ():
        set_header(message, name, value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, payload in attachments:
        maintype, _, subtype = content_type.partition("/")
        # message/* and multipart/* may not be base64-encoded (RFC 2046): send those as bytes.
        if not subtype or not content_type.isascii() or maintype in ("message", "multipart"):
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=one_line(filename) or "attachment")
    return message_id, message.as_bytes(policy=SMTP)
