"""A case as the thread page shows it: messages, the checklist with its sources, what is missing.

Pure: takes the case, its messages and its case type, returns values for the template. Mail HTML
goes through nh3 (Ammonia) with images removed, so no script, event handler, javascript: URL or
remote image load ever reaches the browser; the plain text body is always shown next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import nh3
from markupsafe import Markup

from core.casetypes import UNKNOWN_TYPE, CaseType, facts_of, to_confirm, with_guess
from store.models import Message, Ticket, held_as_no_case
from web.words import translator

# Images would load from the sender's server (tracking pixels); ammonia drops every event handler
# and style attribute by default, and its content-cleaning removes <script> and <style> bodies.
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Where the quoted history of a reply starts, in the clients our customers use (English and
# Swedish): "On ... wrote:" (maybe wrapped over two lines), "Den ... skrev:", Outlook's separator
# and its "From:/Sent:" block, forwarded-message markers, and '>'-quoted lines.
_HEADER_LINE = re.compile(
    r"(?=.*\d)(?:on\s.{1,300}\swrote|den\s.{1,300}\sskrev|.{1,200}\sskrev\s.{1,200})\s*:"
    r"|-{2,}\s*(?:original message|ursprungligt meddelande|originalmeddelande|forwarded message|"
    r"vidarebefordrat meddelande)\s*-{2,}|_{20,}",
    re.IGNORECASE)
_OUTLOOK_BLOCK = re.compile(r"(?:from|från):\s.{1,300}\n(?:.{0,300}\n){0,3}(?:sent|skickat|date|datum):\s",
                            re.IGNORECASE)
_QUOTED_LINE = re.compile(r"^[ \t]*>")
# Only this much of a body is searched for the start of its history (a body can be megabytes).
MAX_SCAN_LINES = 2000


@dataclass(frozen=True)
class ChecklistLine:
    """A field of the case's checklist: its value and which message (1 = first) gave it."""

    key: str
    label: str
    value: str
    source: int | None


@dataclass(frozen=True)
class AttachmentView:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageView:
    number: int
    direction: str
    sender: str
    to: list[str]
    cc: list[str]
    subject: str
    date: datetime
    body: str
    quoted: str
    html: Markup | None
    automatic: str | None
    attachments: list[AttachmentView]
    fields: list[str]


def sanitise(html: str) -> Markup:
    """Mail HTML made safe to embed: allowed tags only, no images, links that leave no referrer."""
    # url_relative="deny": a relative or protocol-relative link ("/auth/...", "//evil.example")
    # in a customer's mail would resolve against our own origin or a scheme we did not choose.
    cleaned = nh3.clean(html, tags=set(HTML_TAGS), url_schemes=set(URL_SCHEMES),
                        link_rel="noopener noreferrer nofollow", url_relative="deny")
    return Markup(cleaned)  # noqa: S704 - this is ammonia's output


def history_starts(lines: list[str]) -> int | None:
    """The index of the line where quoted history starts, or None when the body has none."""
    for index, line in enumerate(lines[:MAX_SCAN_LINES]):
        if _QUOTED_LINE.match(line):
            return index
        stripped = line.strip()
        if not stripped or len(stripped) > 400:
            continue
        wrapped = " ".join(x.strip() for x in lines[index:index + 2])
        if _HEADER_LINE.fullmatch(stripped) or _HEADER_LINE.fullmatch(wrapped):
            return index
        if _OUTLOOK_BLOCK.match("\n".join(x.strip() for x in lines[index:index + 5])):
            return index
    return None


def split_history(body: str) -> tuple[str, str]:
    """(what this mail says, the quoted history below it); the history is shown collapsed.

    A body that is all history (nothing above the first quote) is shown whole: hiding all of
    it would hide the message.
    """
    lines = body.split("\n")
    cut = history_starts(lines)
    if cut is None or not "\n".join(lines[:cut]).strip():
        return body, ""
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip("\n")


def message_view(number: int, message: Message) -> MessageView:
    sender = f"{message.from_name} <{message.from_addr}>" if message.from_name else message.from_addr
    body, quoted = split_history(message.body)
    return MessageView(
        number=number, direction=message.direction, sender=sender, to=list(message.to_addrs or []),
        cc=list(message.cc_addrs or []), subject=message.subject, date=message.date or message.created_at,
        body=body, quoted=quoted, html=sanitise(message.html) if message.html else None,
        automatic=message.automatic, fields=sorted(message.fields or {}),
        attachments=[AttachmentView(i, a.get("filename") or f"attachment-{i}",
                                    a.get("content_type") or "application/octet-stream", int(a.get("size") or 0))
                     for i, a in enumerate(message.attachments or [])],
    )


def field_label(case_type: CaseType | None, key: str, language: str = "en", others: Sequence[CaseType] = ()) -> str:
    """The field's label in the case's type, else in another type that has it (a value kept from
    the type the case had before the customer corrected it: "Användare", not "Users")."""
    if key == UNKNOWN_TYPE:
        return "Ärendetyp" if language == "sv" else "Case type"
    spec = next((s for t in (case_type, *others) if t and (s := t.field(key))), None)
    if spec is None:
        return key.replace("_", " ").capitalize()
    return spec.label_sv if language == "sv" else spec.label


def source_of(key: str, value: object, messages: list[Message]) -> int | None:
    """The latest message that gave this value (or, failing that, any value) for the field."""
    fallback = None
    for number in range(len(messages), 0, -1):
        fields = messages[number - 1].fields or {}
        if key in fields:
            if fields[key] == value:
                return number
            fallback = fallback or number
    return fallback


def checklist(ticket: Ticket, messages: list[Message], case_type: CaseType | None,
              language: str = "en", others: Sequence[CaseType] = ()) -> list[ChecklistLine]:
    """The case's fields in checklist order, then any the type no longer lists."""
    values = facts_of(ticket.fields)  # a value to confirm is shown with what is missing
    order = [f.key for f in case_type.fields] if case_type else []
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    flags = {f.key for f in case_type.fields if f.kind == "flag"} if case_type else set()
    words = translator(language)
    return [ChecklistLine(k, field_label(case_type, k, language, others),
                          words(FLAG_WORDS.get(str(values[k]), str(values[k]))) if k in flags else str(values[k]),
                          source_of(k, values[k], messages))
            for k in keys]


# A flag's stored value as the page says it: "yes" is "Yes" ("Ja" on a Swedish page).
FLAG_WORDS = {"yes": "Yes", "no": "No"}


def missing(ticket: Ticket, case_type: CaseType | None, language: str = "en") -> list[str]:
    """Labels of what is still missing; one with a value read but not taken says it,
    "Invoice ID (4471-22?)", as the request mail showed it to confirm. A mail held as no support
    case misses nothing from its sender: nobody asks them for a case type."""
    if held_as_no_case(ticket.held_reason):
        return []
    guesses = to_confirm(ticket.fields)
    return [with_guess(field_label(case_type, key, language), guesses, key) for key in ticket.missing or []]


def mailto(support: str, ref: str, subject: str) -> str:
    """A mailto: link whose subject carries [REF], so the mail threads onto the case."""
    tag = f"[{ref}]"
    subject = " ".join(subject.split())
    wanted = subject if tag.lower() in subject.lower() else f"{tag} {subject}"
    return f"mailto:{quote(support, safe='@')}?subject={quote(wanted, safe='')}"
