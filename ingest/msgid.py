"""A mail's Message-ID from its header block alone: cheap enough for the SMTP edge and the pipe.

Kept apart from ingest/parse.py (which imports mail-parser) so that
`casedesk ingest -` can dedupe a piped mail without loading the parser.
"""

from __future__ import annotations

import email
import hashlib
import re
from email.message import Message

_MSGID = re.compile(r"<([^<>\s]+)>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(r"\r\n?")
# Headers a relay adds in transit; left out of the synthetic Message-ID so a redelivery matches.
_TRANSIT = frozenset({"received", "return-path", "delivered-to", "x-original-to", "dkim-signature",
                      "arc-seal", "arc-message-signature", "arc-authentication-results",
                      "authentication-results", "x-spam-status", "x-spam-score"})


def header_block(raw: bytes) -> bytes:
    """The header section of a raw mail (everything before the first empty line)."""
    end = _HEADER_END.search(raw)
    return raw[: end.start()] if end else raw


def message_ids(value: str | None) -> tuple[str, ...]:
    """All <id> tokens of a Message-ID / In-Reply-To / References header, in order."""
    return tuple(_MSGID.findall(value or ""))


def clean(text: str) -> str:
    """Text both databases accept: no NUL, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def message_id_of(raw: bytes) -> str:
    """The mail's Message-ID without brackets, or a deterministic one derived from its bytes.

    Cheap: reads the header block only, so the SMTP edge can dedupe before parsing.
    """
    headers = email.message_from_bytes(header_block(raw) + b"\n\n")
    found = message_ids(str(headers.get("message-id", "") or ""))
    if found:
        return clean(found[0])[:900]
    return synthetic_message_id(raw, headers)


def synthetic_message_id(raw: bytes, headers: Message) -> str:
    """Hash of the mail minus transit headers: the same mail relayed again gets the same id.

    Line endings are hashed as LF and trailing line ends are ignored: the same mail arrives
    with CRLF over SMTP (where the client also adds a final CRLF) and with LF through
    `casedesk ingest -` from an MTA's pipe, and must dedupe either way.
    """
    digest = hashlib.sha256()
    for name, value in headers.items():
        if name.lower() not in _TRANSIT:
            text = _LINE_END.sub("\n", str(value))
            digest.update(f"{name.lower()}:{text}\n".encode("utf-8", "surrogateescape"))
    end = _HEADER_END.search(raw)
    body = raw[end.end():] if end else b""
    digest.update(body.replace(b"\r\n", b"\n").rstrip(b"\n"))
    return f"{digest.hexdigest()[:40]}@casedesk.invalid"
