"""The page templates (templates/web/, autoescaped) and the few filters they use."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from web.redact import shown

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "web"

STATUS_LABELS = {
    "awaiting_customer": "Waiting for the customer",
    "ready": "Ready for support",
    "held": "Held",
    "closed": "Closed",
}


def when(value: datetime | None) -> str:
    """A timestamp as `2026-10-05 07:00 UTC`."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def size(value: int) -> str:
    """Bytes for people: 512 B, 14 KB, 2.1 MB."""
    if value < 1000:
        return f"{value} B"
    if value < 1000**2:
        return f"{value / 1000:.0f} KB"
    return f"{value / 1000**2:.1f} MB"


def templates() -> Jinja2Templates:
    # Autoescape everything: subjects, names and bodies come from strangers' mail.
    # `finalize` redacts sign-in URLs from every printed value, whatever page prints it (issue 12).
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      finalize=shown)
    env.filters["when"] = when
    env.filters["size"] = size
    env.globals["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    return Jinja2Templates(env=env)
