"""Split a mail's body into the blocks a reader sees: new text, forwarded mails, our quoted mails
with the customer's inline answers, signatures, tables and attachments (docs/checklist.md).

Only our own earlier mails are history. A forwarded mail, or a colleague's mail quoted below, is
content: the customer sends it to show us the problem. The customer's lines typed between the
lines of our quoted mail are answers. Signatures and our own words never give a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.quoting import _MAYBE_HISTORY, _SEPARATOR, earlier_mail_starts, is_quoted, strip_signoff

# Header lines of a quoted or forwarded mail ("From: ...", "Skickat: ...").
_HEADER_LINE = re.compile(
    r"^[ \t>*]*(?:from|sent|to|cc|bcc|subject|date|reply-to|importance|från|fran|skickat|till|kopia|ämne|amne|"
    r"datum|svara till|von|gesendet|an|betreff|lähettäjä|lähetetty|vastaanottaja|kopio|aihe)[ \t*]*:", re.IGNORECASE)
# Words in a quoted header that say the quoted mail is ours (besides our own domains).
_OURS = re.compile(r"\[case-\d+\]|\bcasedesk\b|\bsupport\b|\bkundtjänst\b|\bhelpdesk\b|\bservicedesk\b",
                   re.IGNORECASE)
# Lines of our fill-in form: a quoted mail holding them is ours.
_FORM_LINE = re.compile(r":[ \t]*_{3,}[ \t]*$", re.MULTILINE)
# A forwarded mail seen from its subject: "Fwd:", "FW:", "VB:" (Swedish Outlook), "Vidarebefordrat".
FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:re|sv|aw)\s*:\s*)*(?:fwd?|vb|vs|wg|tr|vl)\s*:", re.IGNORECASE)
# Sections read at most: a 30 KB chain of 200 replies is still read in bounded time.
MAX_SECTIONS = 40


@dataclass(frozen=True)
class Section:
    """One earlier mail below the new text: its header lines and its body lines."""

    header: str
    body: tuple[str, ...]
    ours: bool
    # The customer's own earlier mail to us (our address in its header, not in its From): history
    # like ours, but its facts may be recalled where the newer mail lacks them.
    theirs_to_us: bool = False


@dataclass(frozen=True)
class Blocks:
    """A mail as blocks. `content` is what fields are read from: new text, answers, forwarded."""

    new: str
    forwarded: tuple[str, ...] = ()
    answers: str = ""
    quoted: str = ""
    signature: str = ""
    # Per forwarded mail: its writer's display name from its header ("" when not told), who
    # "I"/"jag" is in it.
    authors: tuple[str, ...] = ()
    # The customer's own earlier mails to us quoted below, without their signatures, and their
    # writers (a colleague's too): the case has their facts already, unless it was read then as
    # another type (see classify.recall).
    earlier: tuple[str, ...] = ()
    earlier_authors: tuple[str, ...] = ()

    @property
    def content(self) -> str:
        """New text first, so a value the customer typed now wins over one in a forwarded mail."""
        parts = [self.new, self.answers, *self.forwarded]
        return "\n\n".join(p for p in parts if p.strip())


def history_starts(text: str) -> tuple[list[str], list[int]]:
    """The lines of a body and where each earlier mail starts (empty: no history)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines, section_starts(lines) if maybe_history(text) else []


# _MAYBE_HISTORY's header-line alternative alone (its other ones are plain strings).
_HISTORY_HEADER = re.compile(r"^[ \t>*]*(?:from|från|sent|skickat|date|datum|lähettäjä)[ \t*]*:", re.IGNORECASE | re.MULTILINE)
# Characters that match an ASCII letter case-insensitively besides its two cases (İ ı ſ K).
_CASE_ODD = re.compile("[\u0130\u0131\u017f\u212a]")


def maybe_history(text: str) -> bool:
    """`_MAYBE_HISTORY.search(text)` as a truth value, by `in` tests on the lowercase text: the
    regex tried its five alternatives case-insensitively at every position of the body."""
    if "---" in text or "_" * 20 in text:
        return True
    if _CASE_ODD.search(text):
        return _MAYBE_HISTORY.search(text) is not None
    low = text.lower()
    if "wrote" in low or "skrev" in low:
        return True
    return ":" in text and any(w in low for w in ("from", "från", "sent", "skickat", "date", "datum", "lähettäjä")) \
        and _HISTORY_HEADER.search(text) is not None


def split_blocks(text: str, own_domains: tuple[str, ...] = (), skip: frozenset[int] = frozenset(),
                 found: tuple[list[str], list[int]] | None = None, sender: str = "") -> Blocks:
    """The blocks of a plain-text body. `skip` are line numbers already used as form answers;
    `found` is `history_starts(text)` when the caller has it; `sender` is the From header's name,
    whose contact card ends the new text."""
    lines, starts = found or history_starts(text)
    top = [line for i, line in enumerate(lines[: starts[0] if starts else len(lines)])
           if i not in skip and not is_quoted(line)]
    new, signature = split_signature("\n".join(top).strip(), sender)
    forwarded: list[tuple[str, str]] = []  # (text, writer) of colleagues' mails: content
    earlier: list[tuple[str, str]] = []    # ... of the customer's own earlier mails to us: history
    answers: list[str] = []
    quoted: list[str] = []
    bounds = [*starts, len(lines)]
    for at, end in zip(bounds, bounds[1:]):
        section = read_section(lines, at, end, own_domains)
        if section.ours:
            body_start = at + len(section.header.split("\n"))
            answers += [lines[i] for i in inline_answers(lines, body_start, end, skip)]
            answers += outlook_marked_answers(lines, body_start, end, skip)
            quoted.append(section.header + "\n" + "\n".join(section.body))
            if section.theirs_to_us:
                earlier.append(words_of(section))
        else:
            forwarded.append(words_of(section))
    forwarded, earlier = [x for x in forwarded if x[0]], [x for x in earlier if x[0]]
    return Blocks(new, tuple(x for x, _ in forwarded), "\n".join(answers).strip(), "\n".join(quoted), signature,
                  tuple(a for _, a in forwarded), tuple(x for x, _ in earlier), tuple(a for _, a in earlier))


def words_of(section: Section) -> tuple[str, str]:
    """An earlier mail's text without its quote marks and its signature, and its writer's name."""
    author = author_of(section.header)
    return split_signature("\n".join(unquote(x) for x in section.body).strip(), author)[0], author


# "From: Dan Fletcher <dan@...>", "Från: \"Berg, Anna\" <...>", "On Mon, ... Dan Fletcher <dan@...> wrote:".
_FROM_NAME = re.compile(r"^[ \t>*]*(?:from|från|fran|von|lähettäjä)[ \t*]*:[ \t*]*(?P<name>[^<>\n@]*?)[ \t]*(?:<|\[mailto:|$)",
                        re.IGNORECASE | re.MULTILINE)
_WROTE_NAME = re.compile(r"(?:,|\d)[ \t]+(?P<name>[^,<>\n@\d]{3,60}?)[ \t]*<[^<>\n]*>[ \t]*(?:wrote|skrev)",
                         re.IGNORECASE)


def author_of(header: str) -> str:
    """The writer's display name in a quoted mail's header, or ""."""
    match = _FROM_NAME.search(header) or _WROTE_NAME.search(header)
    return match["name"].strip().strip("\"'") if match else ""


def split_signature(text: str, signer: str = "") -> tuple[str, str]:
    """Text and its signature (from the sign-off or the signer's contact card on); the signature
    never gives a value."""
    kept = strip_signoff(text, signer).strip()
    return kept, text[len(kept):].strip() if text.startswith(kept) else ""


def section_starts(lines: list[str]) -> list[int]:
    """Line numbers where an earlier mail starts: reply headers and forward separators."""
    normal = "\n".join(line.strip() for line in lines)
    found: set[int] = set()
    for regex in earlier_mail_starts():
        for match in regex.finditer(normal):
            start = match.start() + (normal[match.start() : match.start() + 1] == "\n")
            found.add(normal.count("\n", 0, start))
            if len(found) > MAX_SECTIONS:
                break
    merged: list[int] = []
    for line in sorted(found):
        # A separator right above its From:/Date: block is one header, not two mails.
        if merged and line - merged[-1] <= 2 and all(
                _HEADER_LINE.match(x) or not x.strip() or _SEPARATOR.match(x) for x in lines[merged[-1] : line]):
            continue
        merged.append(line)
    return merged[:MAX_SECTIONS]


def read_section(lines: list[str], start: int, end: int, own_domains: tuple[str, ...]) -> Section:
    """An earlier mail: the header lines from `start`, then its body; ours or someone else's."""
    at = start + 1
    while at < end and at - start < 12 and (_HEADER_LINE.match(lines[at]) or _SEPARATOR.match(lines[at])
                                             or (not lines[at].strip() and at + 1 < end and _HEADER_LINE.match(lines[at + 1]))):
        at += 1
    header = "\n".join(lines[start:at])
    body = tuple(lines[at:end])
    ours = is_ours(header, body, own_domains)
    # (its From alone decides whose it is: a quoted form in its body says nothing of who wrote it)
    return Section(header, body, ours, ours and not is_ours(from_line(header), (), own_domains))


def our_sections(lines: list[str], starts: list[int], own_domains: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """The line ranges of our own mails quoted back (header and body): where a customer's answer
    may stand out from our text only by its look (see checklist.marked_answer)."""
    bounds = [*starts, len(lines)]
    return tuple((at, end) for at, end in zip(bounds, bounds[1:]) if read_section(lines, at, end, own_domains).ours)


def is_ours(header: str, body: tuple[str, ...], own_domains: tuple[str, ...]) -> bool:
    """Our own mail quoted back: our domain or the case tag in its header, or our form in it."""
    low = header.lower()
    if any(domain and domain.lower() in low for domain in own_domains):
        return True
    if _OURS.search(from_line(header)) or "[case-" in low:
        return True
    return _FORM_LINE.search("\n".join(body[:80])) is not None


def from_line(header: str) -> str:
    """The From line of a quoted mail's header (the whole header when it has none)."""
    return next((x for x in header.split("\n") if re.match(r"^[ \t>*]*(?:from|från|lähettäjä)\b", x, re.I)), header)


def inline_answers(lines: list[str], start: int, end: int, skip: frozenset[int]) -> list[int]:
    """The customer's own lines typed between the '>'-quoted lines of our mail.

    Only a '>'-quoted mail lets them be told apart: in an Outlook quote (its first line has no
    '>') every line is ours but the customer's marked answers (">> Ab Skärgårdsfrakt Oy"), which
    `form_answers` reads and `outlook_marked_answers` keeps as content.
    """
    out: list[int] = []
    first = next((i for i in range(start, end) if lines[i].strip()), None)
    if first is None or not is_quoted(lines[first]):
        return out
    seen_quote = False
    for i in range(start, end):
        if is_quoted(lines[i]):
            seen_quote = True
        elif seen_quote and i not in skip and lines[i].strip():
            out.append(i)
    return out


def outlook_marked_answers(lines: list[str], start: int, end: int, skip: frozenset[int]) -> list[str]:
    """The customer's '>>'-marked answers right under our questions in an Outlook quote of our mail.

    `form_answers` takes the value its question asks for from such a line; the rest of the line is
    the customer's words too ("Is the invoice in the financial system?" / ">> Yes, it's in Business
    Central - voucher series C, number 8812"), read as content like an answer typed between
    '>'-quoted lines. A marked line counts on the line right under a question ('?'), our form's
    blank line ("Label: ____") or its hint, or another answer taken. It is marked '>>': a single '>'
    quotes something in our mail ("> Vendor: The user was deactivated ..."), and a writer who
    quotes our form lines with '>' ("> Beskriv problemet", answered on the line below) marks
    questions, not answers; a line that opens with a label ("> Original message: ...") is none."""
    first = next((i for i in range(start, end) if lines[i].strip()), None)
    if first is None or is_quoted(lines[first]):
        return []
    out: list[str] = []
    after_question = taken = False   # what the line right above was
    for i in range(first, min(end, first + MAX_QUOTE_LINES)):
        line = lines[i].strip()
        text = unquote(line).strip() if _MARKED.match(line) and i not in skip else ""
        taken = bool(text) and (after_question or taken) and not text.endswith(("?", ":")) \
            and not _LABEL_FIRST.match(text)
        if taken:
            out.append(text)
            if len(out) >= MAX_MARKED_ANSWERS:
                break
        after_question = not is_quoted(line) and (line.endswith("?") or "__" in line or bool(_HINT.fullmatch(line)))
    return out


# A customer's mark on an answer: two '>' ("the answers marked >>").
_MARKED = re.compile(r">>(?!>)")
# A line that opens with a label: "Vendor: ...", "Original message: ...".
_LABEL_FIRST = re.compile(r"[^\W\d][\w .-]{0,30}:[ \t]")
# Our form's hint, on the line under its "Label: ____" line: "(what the Transferred column shows ...)".
_HINT = re.compile(r"\([^()\n]{3,200}\)")


# An Outlook quote of ours holds a few marked answers in a few lines; a mail of thousands of '>'
# lines is no form.
MAX_MARKED_ANSWERS = 50
MAX_QUOTE_LINES = 2_000


def unquote(line: str) -> str:
    """A line of a forwarded or quoted mail without its '>' marks."""
    return re.sub(r"^(?:[ \t]*>)+[ \t]?", "", line)
