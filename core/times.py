"""Times: everything casedesk stores is UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload


@overload
def utc(when: datetime) -> datetime: ...
@overload
def utc(when: None) -> None: ...
def utc(when: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (and a Date header may lack a zone): read them as UTC."""
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=timezone.utc)
