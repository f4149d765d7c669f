"""Render a follow-up mail from templates/mail/<kind>.<language>.{txt,html} (pure: values in, text out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from casedesk.casetypes import CaseType, case_type_of
from store.models import Ticket

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
LANGUAGES = ("en", "sv")
KINDS = ("first", "reminder", "warning", "closed")
UNKNOWN_TYPE = "case_type"
# Case types that are always about one invoice, handled in that invoice's window.
SINGLE_INVOICE_TYPES = frozenset({"coding", "review_approval", "automatic_steps"})
# Fields whose single value names the one invoice a case is about.
INVOICE_FIELDS = ("invoice_id", "invoice_number")
# The form the customer fills in by replying; the extractor reads "Label: value" lines back.
BLANK = "____"
UNITS = {
    "en": ((86400, "day", "days"), (3600, "hour", "hours"), (60, "minute", "minutes"), (1, "second", "seconds")),
    "sv": ((86400, "dag", "dagar"), (3600, "timme", "timmar"), (60, "minut", "minuter"), (1, "sekund", "sekunder")),
}


@dataclass(frozen=True)
class Rendered:
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    # HTML is autoescaped (subjects, labels and values come from customers and config); a typo
    # in a template fails loudly instead of mailing a blank.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                       lstrip_blocks=True)


def language_of(ticket: Ticket) -> str:
    return ticket.language if ticket.language in LANGUAGES else "en"


def duration_words(span: timedelta, language: str) -> str:
    """2 days -> "2 days" / "2 dagar": the largest unit that divides the span evenly."""
    seconds = max(int(span.total_seconds()), 1)
    for size, one, many in UNITS[language]:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {one if count == 1 else many}"
    return f"{seconds} {UNITS[language][-1][2]}"


def missing_labels(ticket: Ticket, case_types: tuple[CaseType, ...], language: str) -> list[str]:
    """Labels of the missing fields in the ticket's language; the unknown type is asked separately."""
    case_type = case_type_of(case_types, ticket.case_type)
    labels = []
    for key in ticket.missing or []:
        spec = next((f for f in case_type.fields if f.key == key), None) if case_type else None
        if key != UNKNOWN_TYPE:
            labels.append((spec.label_sv if language == "sv" else spec.label) if spec else key)
    return labels


def type_names(case_types: tuple[CaseType, ...], language: str) -> list[str]:
    return [t.label_sv if language == "sv" else t.label for t in case_types]


def single_invoice(ticket: Ticket) -> bool:
    """The case concerns one single invoice: a per-invoice type, or exactly one invoice named."""
    if ticket.case_type in SINGLE_INVOICE_TYPES:
        return True
    values = [str((ticket.fields or {}).get(key) or "") for key in INVOICE_FIELDS]
    named = [v for v in values if v.strip()]
    return len(named) == 1 and "," not in named[0]


def context(kind: str, ticket: Ticket, *, case_types: tuple[CaseType, ...], link: str,
            reminder_every: timedelta, number: int, support: str) -> dict[str, Any]:
    language = language_of(ticket)
    return {
        "kind": kind, "ref": ticket.ref, "subject": ticket.subject, "link": link, "number": number,
        "missing": missing_labels(ticket, case_types, language), "blank": BLANK,
        "type_unknown": UNKNOWN_TYPE in (ticket.missing or []),
        "case_types": type_names(case_types, language),
        "single_invoice": single_invoice(ticket),
        "wait": duration_words(reminder_every, language), "support": support,
    }


def render(kind: str, ticket: Ticket, *, case_types: tuple[CaseType, ...], link: str,
           reminder_every: timedelta, number: int = 0, support: str = "Support") -> Rendered:
    """The plain text and HTML of one follow-up mail in the ticket's language."""
    if kind not in KINDS:
        raise ValueError(f"no mail template for {kind!r}")
    values = context(kind, ticket, case_types=case_types, link=link, reminder_every=reminder_every,
                     number=number, support=support)
    language = language_of(ticket)
    env = environment()
    return Rendered(env.get_template(f"{kind}.{language}.txt").render(values),
                    env.get_template(f"{kind}.{language}.html").render(values))
