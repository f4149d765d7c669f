"""The sign-in mail: rendered from templates/mail/login.<lang>.txt and planned in the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment, TemplateNotFound
from sqlmodel import Session

from core.links import login_link
from core.mailtemplates import SHIPPED
from core.mailtemplates import environment as mail_environment
from core.outmail import compose
from core.settings import Settings
from store import access
from store.outbox import plan

TEMPLATES = SHIPPED
LANGUAGES = ("en", "sv")
# Two requests within this many seconds share one outbox key: a double click sends one mail.
DEDUPE_SECONDS = 60
# Singular and plural of each unit, per language, for "the link works for 7 days".
UNITS = {
    "en": ((86400, "day", "days"), (3600, "hour", "hours"), (60, "minute", "minutes"), (1, "second", "seconds")),
    "sv": ((86400, "dag", "dagar"), (3600, "timme", "timmar"), (60, "minut", "minuter"), (1, "sekund", "sekunder")),
}


def environment(templates: Path | None = None) -> Environment:
    """The mail templates, `[outbound] templates` first (plain text: nothing is escaped)."""
    return mail_environment(templates)


def ttl_words(ttl: timedelta, language: str) -> str:
    """7 days -> "7 days" / "7 dagar"; the largest unit that divides the TTL evenly."""
    seconds = int(ttl.total_seconds())
    for size, one, many in UNITS.get(language, UNITS["en"]):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {one if count == 1 else many}"
    return f"{seconds} {UNITS['en'][-1][2]}"


def render(language: str, link: str, ttl: timedelta, support: str,
           templates: Path | None = None) -> tuple[str, str]:
    """(subject, text) of the sign-in mail; the template's first line is `Subject: ...`."""
    language = language if language in LANGUAGES else "en"
    try:
        template = environment(templates).get_template(f"login.{language}.txt")
    except TemplateNotFound:
        template = environment(templates).get_template("login.en.txt")
    first, _, body = template.render(link=link, ttl=ttl_words(ttl, language), support=support).partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def outbox_key(address: str, now: datetime) -> str:
    return f"login:{address}:{int(now.timestamp()) // DEDUPE_SECONDS}"


def plan_login_mail(session: Session, settings: Settings, address: str, now: datetime) -> bool:
    """Plan a sign-in mail to `address` in the caller's transaction; False if one is already planned."""
    subject, text = render(access.language_of(session, address), login_link(settings, address),
                           settings.web.link_ttl, settings.outbound.signature, settings.outbound.templates)
    message_id, data = compose(settings, to=address, subject=subject, text=text)
    return plan(session, key=outbox_key(address, now), kind="login", recipient=address,
                message_id=message_id, data=data)
