"""Render a customer mail from templates/mail/<kind>.<language>.{txt,html} (pure: values in, text out).

Operators override templates file by file with `[outbound] templates` (core/mailtemplates.py).
What a mail says is decided here as values: the greeting's first name, what casedesk understood
(the case type and each fact with its value), and each missing field with where to find it and,
for a list, how many items remain. The templates only lay those values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.casetypes import UNKNOWN_TYPE, CaseType, FieldSpec, case_type_of, shown_value, split_items, to_confirm
from core.mailtemplates import LANGUAGES, SHIPPED, duration_words, environment
from core.settings import DEFAULT_SIGNATURE
from notify.greeting import first_name
from store.models import Ticket

TEMPLATES = SHIPPED
# "complete": the one short confirmation once a case that was asked for something is complete
# (also the first mail of a case that was complete from its first mail).
KINDS = ("first", "reminder", "warning", "closed", "complete")
# Case types that are always about one invoice, handled in that invoice's window.
SINGLE_INVOICE_TYPES = frozenset({"coding", "review_approval", "automatic_steps"})
# Fields whose values name the invoices a case is about (one, a list, or examples).
INVOICE_FIELDS = ("invoice_id", "invoice_number", "invoice_examples")
# One invoice reference: a token with a digit in it ("41220", "INV-2026-7"); words are not ids.
_INVOICE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_-]*")
# The form the customer fills in by replying; the extractor reads "Label: value" lines back.
BLANK = "____"


@dataclass(frozen=True)
class Rendered:
    text: str
    html: str


@dataclass(frozen=True)
class Fact:
    """One thing casedesk understood: a field's label and the value it read."""

    label: str
    value: str


@dataclass(frozen=True)
class Ask:
    """One missing field as the form asks for it: the fill-in line, where to find it, what remains,
    and a value read below the threshold that a "yes" on the line confirms ("" when none)."""

    label: str
    line: str
    hint: str
    more: str
    guess: str = ""


def language_of(ticket: Ticket) -> str:
    return ticket.language if ticket.language in LANGUAGES else "en"


def in_language(spec: FieldSpec | CaseType, language: str) -> str:
    return spec.label_sv if language == "sv" else spec.label


def form_line(label: str) -> str:
    """`Label: ____`; a label that is a question keeps its own mark ("What do you want to do? – ____"):
    never "?:". The extractor reads both forms back (a colon, or a dash between spaces)."""
    if label.rstrip().endswith(("?", ":", "!", ".")):
        return f"{label.rstrip()} – {BLANK}"
    return f"{label}: {BLANK}"


def remaining(spec: FieldSpec, values: dict[str, Any], language: str) -> str:
    """"3 more invoice examples" for a list field that has some but not enough items; else ""."""
    if not spec.min_items:
        return ""
    items = {*split_items(str(values.get(spec.key) or ""))}
    for other in spec.count_with:
        items.update(split_items(str(values.get(other) or "")))
    left = spec.min_items - len(items)
    if not items or left <= 0:
        return ""
    wording = spec.more_sv if language == "sv" else spec.more
    if wording:
        return (wording[0] if left == 1 else wording[1]).replace("{n}", str(left))
    return f"{left} till" if language == "sv" else f"{left} more"


def asks(ticket: Ticket, case_type: CaseType | None, language: str) -> list[Ask]:
    """The missing fields in checklist order, each with its fill-in line, hint and count."""
    out = []
    values = ticket.fields or {}
    guesses = to_confirm(values)
    for key in ticket.missing or []:
        if key == UNKNOWN_TYPE:
            continue
        spec = case_type.field(key) if case_type else None
        label = in_language(spec, language) if spec else key
        hint = (spec.hint_sv or spec.hint if language == "sv" else spec.hint) if spec else ""
        more = remaining(spec, values, language) if spec else ""
        guess = shown_value(guesses[key]) if key in guesses else ""
        out.append(Ask(label, form_line(label), hint, more, guess))
    return out


def missing_labels(ticket: Ticket, case_types: tuple[CaseType, ...], language: str) -> list[str]:
    """Labels of the missing fields in the ticket's language; the unknown type is asked separately."""
    return [a.label for a in asks(ticket, case_type_of(case_types, ticket.case_type), language)]


def understood(ticket: Ticket, case_type: CaseType | None, language: str) -> list[Fact]:
    """Each fact of the case's type with the value casedesk read, in checklist order. A flag
    ("Was an error message shown?") is what casedesk inferred to decide what to ask, not a fact the
    customer gave: it is not echoed (its yes/no would be an English word in a Swedish mail)."""
    values = ticket.fields or {}
    if case_type is None:
        return []
    return [Fact(in_language(f, language), shown_value(values[f.key])) for f in case_type.fields
            if f.kind != "flag" and str(values.get(f.key) or "").strip()]


def type_names(case_types: tuple[CaseType, ...], language: str) -> list[str]:
    return [in_language(t, language) for t in case_types]


def invoices_named(ticket: Ticket) -> set[str]:
    """The distinct invoice references the case's fields name (ids with a digit in them)."""
    named: set[str] = set()
    for key in INVOICE_FIELDS:
        value = str((ticket.fields or {}).get(key) or "")[:2000]
        named.update(t.lower() for t in _INVOICE_TOKEN.findall(value) if any(c.isdigit() for c in t))
    return named


def single_invoice(ticket: Ticket, case_type: CaseType | None = None) -> bool:
    """The case is about exactly one invoice, so the tip "use the support button in the invoice
    window" fits: its fields name exactly one invoice, or none yet and its type is handled in one
    invoice's window. A case naming two invoices, a type that needs several invoice examples
    (Capture Verification) or one about no invoice (the administration tool) gets no such tip.
    """
    if case_type is not None and any(f.kind == "ids" and f.min_items > 1 for f in case_type.fields):
        return False
    named = invoices_named(ticket)
    if named:
        return len(named) == 1
    return ticket.case_type in SINGLE_INVOICE_TYPES


def context(kind: str, ticket: Ticket, *, case_types: tuple[CaseType, ...], link: str,
            reminder_every: timedelta, number: int, signature: str, name: str | None,
            first: bool = False) -> dict[str, Any]:
    language = language_of(ticket)
    case_type = case_type_of(case_types, ticket.case_type)
    return {
        "kind": kind, "first": first or kind == "first", "lang": language, "ref": ticket.ref, "subject": ticket.subject, "link": link,
        "number": number, "first_name": first_name(name),
        "case_type": in_language(case_type, language) if case_type else None,
        "understood": understood(ticket, case_type, language),
        "asks": asks(ticket, case_type, language), "blank": BLANK,
        "missing": [a.label for a in asks(ticket, case_type, language)],
        "type_unknown": UNKNOWN_TYPE in (ticket.missing or []),
        "case_types": type_names(case_types, language),
        "single_invoice": single_invoice(ticket, case_type),
        "wait": duration_words(reminder_every, language), "signature": signature,
    }


def render(kind: str, ticket: Ticket, *, case_types: tuple[CaseType, ...], link: str,
           reminder_every: timedelta, number: int = 0, signature: str = DEFAULT_SIGNATURE,
           name: str | None = None, templates: Path | None = None, first: bool = False) -> Rendered:
    """The plain text and HTML of one mail to the customer in the ticket's language.

    `name` is the customer's display name (the greeting uses a first name only when it looks like
    a person's); `templates` is the `[outbound] templates` override folder; `first` marks the
    case's first mail (it introduces the reference and may carry the single-invoice tip).
    """
    if kind not in KINDS:
        raise ValueError(f"no mail template for {kind!r}")
    values = context(kind, ticket, case_types=case_types, link=link, reminder_every=reminder_every,
                     number=number, signature=signature, name=name, first=first)
    language = language_of(ticket)
    env = environment(templates)
    return Rendered(env.get_template(f"{kind}.{language}.txt").render(values),
                    env.get_template(f"{kind}.{language}.html").render(values))
