"""Hand one mail to the outside world: a Maildir folder or an SMTP server (aiosmtplib)."""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Callable

import aiosmtplib

from core.settings import Settings

# Per mail. sender.py keeps (batch size x this) well inside the claim lease.
SMTP_TIMEOUT = 30.0


def via_maildir(settings: Settings, recipient: str, data: bytes) -> None:
    """Write into a proper Maildir: tmp/ first, then renamed into new/ (mailbox does both)."""
    mailbox.Maildir(settings.outbound.maildir, create=True).add(data)


def via_smtp(settings: Settings, recipient: str, data: bytes) -> None:
    """Envelope from the support address to exactly one recipient, whatever the headers say."""
    asyncio.run(aiosmtplib.send(
        data, sender=settings.support_address, recipients=[recipient],
        hostname=settings.outbound.host, port=settings.outbound.port, timeout=SMTP_TIMEOUT,
    ))


TRANSPORTS: dict[str, Callable[[Settings, str, bytes], None]] = {
    "maildir": via_maildir,
    "smtp": via_smtp,
}


def deliver(settings: Settings, recipient: str, data: bytes) -> None:
    """Send through `outbound.transport`; raises on failure (see `permanent`)."""
    TRANSPORTS[settings.outbound.transport](settings, recipient, data)


def permanent(exc: BaseException) -> bool:
    """A 5xx refusal: the server will refuse this mail again, so retrying is pointless."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    return False
