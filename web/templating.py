"""The page templates (templates/web/, autoescaped) and the few filters they use."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from core.times import utc
from web.redact import shown
from web.words import page_words

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "web"

STATUS_LABELS = {
    "awaiting_customer": "Waiting for the customer",
    "ready": "Ready for support",
    "held": "Held",
    "closed": "Closed",
}
# What a customer reads instead: "Held" is staff's word for a case set aside for them (no support
# case, a mail that could not be read fully, ...); to the customer, support has it.
CUSTOMER_LABELS = STATUS_LABELS | {"held": "With support"}


def when(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A timestamp in the view's zone as `2026-10-05 09:00 CEST` (UTC when no zone is given)."""
    if value is None:
        return ""
    local = utc(value).astimezone(zone or timezone.utc)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")


def moment(value: datetime | None, zone: ZoneInfo) -> Markup:
    """<time> in the view's zone, with the machine-readable UTC instant and UTC in its title."""
    if value is None:
        return Markup("")
    instant = utc(value).astimezone(timezone.utc)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        instant.isoformat(), when(instant), escape(when(instant, zone)))


def size(value: int) -> str:
    """Bytes for people: 512 B, 14 KB, 2.1 MB."""
    if value < 1000:
        return f"{value} B"
    if value < 1000**2:
        return f"{value / 1000:.0f} KB"
    return f"{value / 1000**2:.1f} MB"


def templates(zone: str = "UTC") -> Jinja2Templates:
    """The page templates; times are shown in `zone` (`[web] timezone`)."""
    tz = ZoneInfo(zone)
    # Autoescape everything: subjects, names and bodies come from strangers' mail.
    # `finalize` redacts sign-in URLs from every printed value, whatever page prints it (issue 12).
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      finalize=shown)
    env.filters["when"] = lambda value: when(value, tz)
    env.filters["size"] = size
    env.globals["moment"] = lambda value: moment(value, tz)
    env.globals["status_label"] = lambda status, staff: (STATUS_LABELS if staff else CUSTOMER_LABELS).get(status, status)
    return Jinja2Templates(env=env, context_processors=[page_words])
