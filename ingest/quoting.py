"""Find the customer's new text in a mail: quoted history, reply headers and sign-offs cut away."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply.parser import EmailMessage

from ingest.vocabulary import fold

# mail-parser-reply knows the reply headers of many clients in both our languages ("On ... wrote:",
# "Den ... skrev:", Outlook's "From:/Sent:" and "Från:/Skickat:" blocks); we use its header regex
# only, because its signature rules cut real content (a line "/var/log/app.log" reads as a Swedish
# "/Name" signature, a "- item" list as a signature).
LANGUAGES = ("en", "sv")
# Separators it misses (pitfalls.md): Swedish Outlook's and forwarded-message rules.
_SEPARATOR = re.compile(
    r"^[ \t>]*(?:-{3,}[ \t]*(?:ursprungligt meddelande|originalmeddelande|original message|"
    r"vidarebefordrat meddelande|forwarded message|begin forwarded message)[ \t]*-{3,}|_{20,}|"
    r"(?:begin forwarded message|vidarebefordrat meddelande):)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# An Outlook header whose lines were paragraphs of an HTML mail: "From: ..." and "Sent: ..." with
# blank lines between them, which the library's header regex does not take for a header.
SPACED_HEADER = re.compile(
    r"^[ \t>*]*(?:from|från)[ \t*]*:[^\n]+\n(?:[ \t>]*\n){1,2}[ \t>*]*(?:sent|date|skickat|datum)[ \t*]*:[^\n]*\n(?:[ \t>]*\n){1,2}"
    # (and on with To: or Subject:, as a header does; a pasted invoice header "From: Crestline Ltd /
    # Date: 14/03/2024 / Invoice no: ..." is the customer's text)
    r"[ \t>*]*(?:to|till|subject|ämne|cc|kopia)[ \t*]*:",
    re.IGNORECASE | re.MULTILINE,
)
# A Finnish Outlook's header ("Lähettäjä:" / "Lähetetty:"), as Finland-Swedish customers forward with it;
# the library knows no Finnish.
FINNISH_HEADER = re.compile(
    r"^[ \t>*]*lähettäjä[ \t*]*:[^\n]+\n(?:[ \t>]*\n){0,2}[ \t>*]*(?:lähetetty|päivämäärä)[ \t*]*:",
    re.IGNORECASE | re.MULTILINE,
)
# A header block whose "From:" line is not its first ("Ämne: ... / Datum: ... / Från: Jenny Sundin
# <jenny@...> / Till: ..."), as some mail programs and phones forward, often without å/ä/ö.
LATE_FROM_HEADER = re.compile(
    r"^(?:[ \t>*]*(?:subject|ämne|amne|date|datum|sent|skickat|to|till)[ \t*]*:[^\n]*\n){1,3}"
    r"[ \t>*]*(?:from|från|fran)[ \t*]*:[^\n@]{0,80}@[^\n]*\n",
    re.IGNORECASE | re.MULTILINE,
)
# Cheap test before the library's big regex: most first mails have no history at all.
_MAYBE_HISTORY = re.compile(
    r"wrote|skrev|^[ \t>*]*(?:from|från|fran|sent|skickat|date|datum|lähettäjä)[ \t*]*:|-{3,}|_{20,}",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED = re.compile(r"^[ \t]*>")
# A line that only closes the mail: everything from it on is signature.
_SIGNOFF = re.compile(
    r"^[ \t]*(?:--[ \t]*|(?:(?:best|kind|warm|many|with)[ \t]+)?(?:regards|wishes)|br|best|cheers|"
    r"(?:many[ \t]+)?thanks(?:[ \t]+(?:again|in advance|a lot|so much|very much))?|"
    r"thank[ \t]+you(?:[ \t]+(?:in advance|very much|so much))?|thx|sincerely|all[ \t]+the[ \t]+best|"
    r"(?:yours[ \t]+)?(?:sincerely|truly)|(?:(?:tusen|stort|varmt)[ \t]+)?tack(?:[ \t]+(?:på förhand|så mycket|på förhand för hjälpen))?|"
    r"mvh|m\.v\.h\.?|med[ \t]+vänlig(?:a)?[ \t]+hälsning(?:ar)?|vänlig(?:a)?[ \t]+hälsning(?:ar)?|"
    r"bästa[ \t]+hälsning(?:ar)?|hälsning(?:ar)?|ha en (?:bra|fin) dag)"
    r"[ \t]*[,.!]?(?:[ \t]+[A-ZÅÄÖ][\w.-]*(?:[ \t]+[A-ZÅÄÖ][\w.-]*)?)?[ \t]*$"
    r"|^[ \t]*(?:sent from my|skickat från min|get outlook for|hämta outlook för)\b.*$",
    re.IGNORECASE,
)
# "/Linda" over her card: a name signed with a slash ends the text when only a card follows.
_SLASH_SIGNOFF = re.compile(r"^[ \t]*/[ \t]*[A-ZÅÄÖ][\w.-]*(?:[ \t]+[A-ZÅÄÖ][\w.-]*)?[ \t]*$", re.IGNORECASE)
# A name alone on the last line: the customer signing off.
_SIGNED_NAME = re.compile(r"^[ \t]*(?:/|-{1,2})?[ \t]*[A-ZÅÄÖ][\w.-]*(?:[ \t]+[A-ZÅÄÖ][\w.-]*){0,2}[ \t]*$")
# A greeting at the very start of the mail, with the name it addresses (a few words, no digits:
# "Hej kan ni ta bort rad 3 pa faktura 66120, ..." is a request after a bare "Hej").
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|day)|greetings|hej|hejsan|hallå|tjena|"
    r"god (?:morgon|dag|eftermiddag))\b(?:(?:[ \t]+[^\s,!.:\d]{1,20}(?:[ \t]+[^\s,!.:\d]{1,20}){0,3})?(?:[ \t]*[,!.:]+|[ \t]*$)|[ \t]+[-–](?=[ \t])|(?=[ \t]))"
    r"[ \t]*\n?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reply:
    """A body split into lines; lines from `cut` on are quoted history (an earlier mail)."""

    lines: tuple[str, ...]
    cut: int

    def is_history(self, index: int) -> bool:
        """A line of someone else's text: below the reply header, or marked with '>'."""
        return index >= self.cut or is_quoted(self.lines[index])


@lru_cache(maxsize=1)
def reply_header() -> re.Pattern[str]:
    """mail-parser-reply's reply-header regex for our languages, built once."""
    return EmailMessage(text="", languages=list(LANGUAGES)).HEADER_REGEX


def earlier_mail_starts() -> tuple[re.Pattern[str], ...]:
    """What starts an earlier mail below the new text: a reply header, a separator line, an Outlook
    header of paragraphs. One list for splitting a reply and for finding each section."""
    return reply_header(), _SEPARATOR, SPACED_HEADER, FINNISH_HEADER, LATE_FROM_HEADER


def is_quoted(line: str) -> bool:
    """A '>'-quoted line."""
    return _QUOTED.match(line) is not None


def closes(line: str) -> bool:
    """A line that only closes a mail: "Best regards", "Med vänlig hälsning", "-- "."""
    return _SIGNOFF.match(line) is not None


def split_reply(text: str) -> Reply:
    """Lines of the body and where the quoted history starts (the first reply header)."""
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if not _MAYBE_HISTORY.search(text):
        return Reply(lines, len(lines))
    normal = "\n".join(line.strip() for line in lines)
    starts = [m.start() for m in (regex.search(normal) for regex in earlier_mail_starts()) if m]
    if not starts:
        return Reply(lines, len(lines))
    start = min(starts)
    # The library's Outlook pattern starts its match at the newline before "From:".
    if normal[start : start + 1] == "\n":
        start += 1
    return Reply(lines, normal.count("\n", 0, start))


def new_text(reply: Reply, skip: frozenset[int] = frozenset()) -> str:
    """What the customer wrote now: lines above the history, not quoted, sign-off cut away."""
    kept = [line for i, line in enumerate(reply.lines[: reply.cut])
            if i not in skip and not is_quoted(line)]
    kept += bottom_posted(reply, skip)
    return strip_signoff("\n".join(kept).strip()).strip()


def bottom_posted(reply: Reply, skip: frozenset[int]) -> list[str]:
    """Lines typed below or between '>'-quoted history (Thunderbird, inline answers).

    Only when the history is '>'-quoted can the customer's lines be told from it; an Outlook
    history has no marks, so everything below its header is old text.
    """
    out: list[str] = []
    seen_quote = False
    for i in range(reply.cut + 1, len(reply.lines)):
        line = reply.lines[i]
        if is_quoted(line):
            seen_quote = True
        elif seen_quote and i not in skip and line.strip():
            if _MAYBE_HISTORY.search(line) and reply_header().search(line.strip()):
                break
            out.append(line)
    return out


def strip_signoff(text: str, signer: str = "") -> str:
    """Cut at the first closing line ("Best regards", "Mvh", "-- ") that is not the first line, or
    at the `signer`'s contact card (`card_start`), and drop a lone name signed after a blank line
    ("\n\nPetra")."""
    lines = text.rstrip().split("\n")
    lines = lines[:notices_start(lines)]
    opening = opening_lines(lines)
    for index, line in enumerate(lines):
        # A sign-off is a short line (which also bounds the regex's work on a hostile one); the
        # opening ("Hi Anna,\nMany thanks!\nNow invoice ...") is never one.
        if index > opening and line.strip() and len(line) <= MAX_SIGNOFF and (
                _SIGNOFF.match(line) or _SLASH_SIGNOFF.match(line) and only_card(lines, index + 1)):
            lines = lines[:index]
            break
    else:
        lines = lines[:card_start(lines, opening, signer)]
    if len(lines) > 2 and not lines[-2].strip() and _SIGNED_NAME.match(lines[-1]):
        lines = lines[:-2]
    return "\n".join(lines).rstrip()


def only_card(lines: list[str], start: int) -> bool:
    """Nothing but a contact card's few short lines (or nothing) from `start` on, below a sign-off:
    "/Eva" in a quoted mail with the reply written under it is no end, nor is "/Sarah" over a
    "P.S. It should go to Anna Berg instead." (Looks at MAX_CARD + 1 lines at most: a mail of
    thousands of "/Anna" lines is read in linear time.)"""
    rest: list[str] = []
    for index in range(start, len(lines)):  # (not lines[start:]: a copy per "/Anna" line was quadratic)
        if lines[index].strip():
            rest.append(lines[index])
            if len(rest) > MAX_CARD:
                return False
    return all(len(x) <= MAX_CARD_LINE and not _NOT_CARD.match(x) for x in rest)


# A line below a sign-off that says something: "P.S. ...", "Glömde: rad 2 ...", a sentence of words.
_NOT_CARD = re.compile(r"(?i)[ \t]*(?:p\.?\s?s\b|glömde|glomde|forgot|also\b|också\b|ps:)|.*\b[a-zåäö]+\s+[a-zåäö]+\s+[a-zåäö]+\b.*[.!?][ \t]*$")


def card_start(lines: list[str], opening: int, signer: str = "") -> int:
    """Where the signer's contact card ends the text ("\n\nAnnika Berglund\nRedovisningskonsult\n
    Ekonomihuset AB\n021-10 20 30", with no sign-off before it), else len(lines). A card is the last
    paragraph (notices below it are cut before: `notices_start`): MIN_CARD to MAX_CARD short lines, the
    signer's own name first (the From header's, or a forwarded mail's writer's) and a phone
    number, an address or a web site in it. Without a signer nothing is cut: a new user's
    details look the same ("Please set up this user\n\nAnna Berg\nAP Clerk\nanna@..."), and so
    does one the text introduces with a colon."""
    names = {w for w in _LETTERS.findall(fold(signer).lower()) if len(w) > 1}  # "Berglund, Annika" too
    if not names:
        return len(lines)
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    card = lines[start:end]
    before = next((x for x in reversed(lines[:start]) if x.strip()), "")
    if start <= opening or not MIN_CARD <= len(card) <= MAX_CARD or any(len(x) > MAX_CARD_LINE for x in card) \
            or before.rstrip().endswith(":"):
        return len(lines)
    first = set(_LETTERS.findall(fold(card[0]).lower()))
    if not _SIGNED_NAME.match(card[0]) or not names & first or not any(_CONTACT.search(x) for x in card[1:]):
        return len(lines)
    while start and not lines[start - 1].strip():
        start -= 1
    return start


def notices_start(lines: list[str]) -> int:
    """Where the mail's closing notices start, else len(lines): its last paragraphs (not the first)
    that open like a notice and say what only a notice says ("... intended solely for the
    addressee. If you have received it in error, please notify the sender"). Such a paragraph is
    signature whatever is above it (Outlook writes a card one paragraph a line, so no card is found
    above it); a request that opens alike ("Notice that row 2 ...", "This email is intended for the
    AP team: please move ...") is no notice."""
    end = len(lines)
    for _ in range(MAX_NOTICES):
        while end and not lines[end - 1].strip():
            end -= 1
        start = end
        while start and lines[start - 1].strip():
            start -= 1
        paragraph = " ".join(lines[start:end])[:MAX_NOTICE_SEARCH]
        # (`_NOTICE` reads the text as written, "Det här meddelandet ..."; what it says, folded)
        if not start or not _NOTICE.match(paragraph) or not _NOTICE_SAYS.search(fold(paragraph)):
            break
        end = start
    return end


# What only a notice says: to whom it is meant and what to do with it otherwise.
_NOTICE_SAYS = re.compile(r"(?i)\b(?:received\s+(?:this|it)\s+(?:\w+\s+){0,3}?(?:in\s+error|by\s+mistake)|"
                          r"(?:intended|meant)\s+(?:solely\s+|only\s+|exclusively\s+)?for\s+the\s+(?:\w+\s+)?(?:addressee|recipient)s?|"
                          r"(?:avsett|avsedd|avsedda)\s+(?:endast\s+|enbart\s+|bara\s+)?for\s+(?:adressaten|mottagaren)|"
                          r"(?:fatt|erhallit)\s+(?:detta\s+|det\s+har\s+)?(?:\w+\s+)?(?:av\s+misstag|felaktigt)|"
                          r"consider\s+the\s+environment|tank\s+pa\s+miljon)\b")


# A mail's closing notice, by how it starts: "CONFIDENTIALITY NOTICE: ...", "Disclaimer: ...", "This
# e-mail (and any attachments) is confidential ...", "Please consider the environment before
# printing", "Detta e-postmeddelande kan innehålla konfidentiell information" (at most MAX_NOTICES
# paragraphs, each read in its first MAX_NOTICE_SEARCH characters). A request that only mentions
# "confidential" is no notice.
_NOTICE = re.compile(r"(?i)[\W_]*(?:(?:confidentiality\s+)?(?:notice|disclaimer|konfidentialitet|sekretess)\b|"
                     r"(?:this|the\s+information\s+in\s+this|detta|det\s+här|informationen\s+i\s+detta)\s+"
                     r"(?:e-?mail|e-?post\w*|mejl\w*|message|meddelande\w*|communication)\b[^.\n]{0,80}?"
                     r"\b(?:confidential|privileged|intended|konfidentiell\w*|avsedd\w*|sekretess\w*)|"
                     r"please\s+consider\s+the\s+environment|tänk\s+på\s+miljön|tank\s+pa\s+miljon)")
_LETTERS = re.compile(r"[^\W\d_]+")
MAX_NOTICES = 3
MAX_NOTICE_SEARCH = 2_000
# A contact card's lines: this many, at most this long.
MIN_CARD = 3
MAX_CARD = 8
MAX_CARD_LINE = 70
# A phone number as a card writes it ("08-522 301 07", "+44 161 555 0199", "Tel: 0701234567"; not an
# id such as "4471-22" or "8812731"), an address or a web site.
_CONTACT = re.compile(r"(?<![\w-])(?:\+\d{1,3}[ -]?|0)\d{1,4}[ -]\d{2,4}|\b(?:tel|phone|mob|mobile|mobil|telefon|"
                      r"cell|direct|direkt|vxl|v[aä]xel)\b\.?[ \t]*:?[ \t]*\+?\d|@[\w-]+\.|\bwww\.|https?://", re.IGNORECASE)


# The longest line read as a sign-off ("Med vänliga hälsningar från oss alla på ekonomi").
MAX_SIGNOFF = 80


def opening_lines(lines: list[str]) -> int:
    """Index of the last line of the mail's opening: its first line, or the line after a
    greeting that stands alone ("Hi Anna," then "Many thanks for the quick reply!")."""
    filled = [i for i, line in enumerate(lines[:20]) if line.strip()][:2]
    if len(filled) == 2 and _GREETING.fullmatch(lines[filled[0]].strip() + "\n"):
        return filled[1]
    return filled[0] if filled else 0


def strip_greeting(text: str) -> str:
    """The text without its opening "Hi Anna," / "Hej!": a greeting describes nothing."""
    return _GREETING.sub("", text, count=1).lstrip()
