"""The sign-in mail: rendered from templates/mail/login.<lang>.txt and planned in the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import TemplateNotFound
from sqlmodel import Session

from core.links import login_link
from core.mailtemplates import LANGUAGES, SHIPPED, duration_words, environment
from core.outmail import compose
from core.settings import Settings
from store import access
from store.outbox import plan

TEMPLATES = SHIPPED
# Two requests within this many seconds share one outbox key: a double click sends one mail.
DEDUPE_SECONDS = 60


def render(language: str, link: str, ttl: timedelta, support: str,
           templates: Path | None = None) -> tuple[str, str]:
    """(subject, text) of the sign-in mail; the template's first line is `Subject: ...`."""
    language = language if language in LANGUAGES else "en"
    try:
        template = environment(templates).get_template(f"login.{language}.txt")
    except TemplateNotFound:
        template = environment(templates).get_template("login.en.txt")
    first, _, body = template.render(link=link, ttl=duration_words(ttl, language), support=support).partition("\n")
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
