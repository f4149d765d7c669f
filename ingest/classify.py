"""Read a mail: which case type it is, why, in which language, and the checklist facts it gives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice

from core.casetypes import CaseType, FieldSpec, packaged_alternation, packaged_patterns
from ingest.blocks import Blocks, history_starts, our_sections, split_blocks
from ingest.checklist import (ANSWERS_UNDER, ERROR_SHOWN, ERROR_TEXT, SHOWN, Candidate, Source, extract_candidates, form_answers, form_of,
                              is_word_char, matchers, prose_of,
                              scan, scan_text, sender_name, tables_in)
from ingest.htmltext import html_text
from ingest.language import detect_language
from ingest.parse import ParsedMail
from ingest.quoting import Reply
from ingest.typemodel import NO_WORDS, TOO_FEW, second_opinion
from ingest.vocabulary import NAME_BEFORE, Speller, by_identity, fold

# A type name counts like a strong keyword (double in the subject); the body can still outweigh it.
NAME_WEIGHT = 6
# Subject words weigh double: customers sum up their problem there.
SUBJECT_FACTOR = 2
# Below this score the mail does not tell its type; we ask the customer instead of guessing.
MIN_SCORE = 3
# A mail without a subject needs more than one weak word in its body.
MIN_BODY_SCORE = 4
# The runner-up scoring above this share (in tenths) of the best makes the type unsure; the reason
# then starts with UNSURE, which is how `detect` knows a tie for the word model to break.
UNSURE = "unsure: "
UNSURE_RATIO = 11
SUBJECT_OFFSET = 1_000_000
# The type is told from the subject and the first 3,000 characters of the content: what a mail is
# about is said early, and counting words in a 30 KB chain cost more than the rest of reading.
TYPE_TEXT = 3_000
# The administration tool: evidence for it counts more when the mail names no invoice at all.
SETUP_TYPE = "administration"
SETUP_BONUS = 3
# (not a meeting's "Mötes-ID: 384 221 907" nor "Meeting ID: 384 ...")
_INVOICE_REF = re.compile(r"(?i)\b(?:invoice|faktura|fakturan|fakturor|inv)\w*\D{0,12}\d{3,}"
                          r"|(?<!motes-)(?<!meeting )(?<!conference )(?<!konferens-)\bid[\s:#]*\d{3,}")
# One invoice named without its number: "the invoice", "this invoice", "fakturan", "en faktura".
_ONE_INVOICE = (("invoice", ("the ", "this ", "that ", "an ")), ("faktura", ("en ", "den har ", "den ")))
# The type whose words (approver, reviewer, limit) a setup mail uses for what it sets up.
FLOW_TYPE = "review_approval"
# A type told by one word alone needs a word of at least this weight.
WEAK_WORD = 2
# "not X but Y" takes out a type when X is its name or one of its strong words: "the cost isn't
# project related, it's office supplies" says nothing against coding.
DENIED_WEIGHT = 3
# One word repeated many times is still one piece of evidence.
MAX_REPEATS = 3
_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:(?:re|sv|vs|aw|fw|fwd|vb|vl)\s*:|\[[^\]]*\]))+\s*",
                             re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """What one mail tells about its case."""

    case_type: str | None      # the detected type key, or None when it cannot be told
    reason: str                # which rule/keywords decided, for staff
    language: str              # "en" or "sv"
    fields: dict[str, str]     # values extracted from THIS mail (keys are field keys), strings
    # Fields still missing for which the mail holds a value below the threshold: the request mail
    # may ask "Is 4471-22 the Invoice ID?" instead of asking with a blank.
    unsure: dict[str, Candidate] = field(default_factory=dict)
    # True when the customer set the type explicitly ("Type: Coding"): it overrides the case's type.
    corrected: bool = False
    # Fields whose line in our quoted form the customer answered "yes" / "ja", and the values our
    # quoted mail showed as read ('we read "4471-22"'): the pipeline takes a field's unsure value
    # only when it is one of those shown, so a "yes" confirms what the customer saw, nothing else.
    confirmed: frozenset[str] = frozenset()
    shown: frozenset[str] = frozenset()
    # Fields read only from the customer's own earlier mail quoted below (classify.recall): they
    # fill a case's gaps and never replace what the case has.
    recalled: frozenset[str] = frozenset()

    @property
    def no_case(self) -> bool:
        """The mail was read as no support case at all (a price question, an invitation, a bill
        sent to us): nothing is asked of its sender; staff decide (ingest/pipeline.py)."""
        return self.case_type is None and self.reason in NO_CASE_REASONS


@dataclass(frozen=True)
class Phrase:
    """One type word or name and the types it points at."""

    text: str
    regex: re.Pattern[str]
    owners: tuple[tuple[str, int, bool], ...]  # (type key, weight, is a name)


@dataclass(frozen=True)
class Vocabulary:
    """Every type's names and keywords, indexed by the first letters of their first word."""

    by_start: dict[str, tuple[Phrase, ...]]
    # word -> its candidate phrases, longest first; words repeat, so each is worked out once.
    by_word: dict[str, tuple[Phrase, ...]] = field(default_factory=dict, compare=False, hash=False)
    # The words of `by_word` with candidates and without: a mail's words are sorted by two set
    # operations, and only the few with candidates are looked for in the text.
    live: set[str] = field(default_factory=set, compare=False, hash=False)
    dead: set[str] = field(default_factory=set, compare=False, hash=False)


@dataclass(frozen=True)
class Hit:
    """One type word found in a text."""

    phrase: str
    type_key: str
    weight: int
    is_name: bool
    at: int


@dataclass(frozen=True)
class MailText:
    """A mail split into blocks, with the text its type is told from (`subject`, `typed`)."""

    body: str
    blocks: Blocks
    answers: dict[str, str]
    tables: tuple[tuple[tuple[str, ...], ...], ...]
    content: str     # the content blocks as prose, typos put right
    subject: str     # without Re:/Fwd: prefixes, typos put right
    written: str     # the content as the customer wrote it, typos and all

    @property
    def typed(self) -> str:
        """The part of the content the type is told from."""
        return self.content[:TYPE_TEXT]


def read_blocks(mail: ParsedMail, types: tuple[CaseType, ...], own_domains: tuple[str, ...] = ()) -> MailText:
    """The blocks of a mail (docs/checklist.md) and the text reading works on."""
    body = body_text(mail)
    lines, starts = history_starts(body)
    reply = Reply(tuple(lines), starts[0] if starts else len(lines))
    answers, used = form_answers(reply, all_fields(types), our_sections(lines, starts, own_domains))
    blocks = split_blocks(body, own_domains, used, (lines, starts), mail.from_name)
    speller = speller_of(types)
    tables = tables_in(blocks.content)
    written = prose_of(blocks.content) if tables else blocks.content
    content = speller.text(written, names=True)
    subject = speller.text(_SUBJECT_PREFIX.sub("", mail.subject or ""))
    return MailText(body, blocks, answers, tables, content, subject, written)


def as_written(value: str, content: str, written: str) -> str:
    """A value read from the speller's content as the customer wrote it: an error's text is
    copied from the screen, typos and all ("Acount 3010 not alowed for this suplier"). The speller
    puts words right one for one, so the n-th word of one text is the n-th of the other."""
    at = content.find(value, 0, MAX_WRITTEN)
    if at < 0 or content == written:
        return value
    # (words up to the value's end only: a value is read in the first characters of a mail)
    ours = list(_WORD.finditer(content, 0, at + len(value)))
    theirs = list(islice(_WORD.finditer(written), len(ours)))
    if not ours or len(theirs) < len(ours) or _WORD.sub("", content[: ours[-1].end()]) != _WORD.sub("", written[: theirs[-1].end()]) \
            or any(a[0] != b[0] and not (a[0].isalpha() and b[0].isalpha()) for a, b in zip(ours, theirs)):
        return value  # the two texts do not line up word for word (the speller changes only words of letters)
    inside = [i for i, w in enumerate(ours) if at <= w.start()]
    if not inside:
        return value
    start, end = theirs[inside[0]].start(), theirs[inside[-1]].end()
    first, last = ours[inside[0]].start(), ours[inside[-1]].end()
    return value[: first - at] + written[start:end] + value[last - at :]


# Where an error's text is looked for in the content to be copied as written.
MAX_WRITTEN = 25_000


_WORD = re.compile(r"\w+")


def read_mail(mail: ParsedMail, case_types: Sequence[CaseType],
              known_type: str | None = None, own_domains: tuple[str, ...] = ()) -> Reading:
    """Read a mail as blocks (docs/checklist.md), tell its type unless the case has one (or the
    customer corrects it), and extract its fields from the content blocks.

    `own_domains` are our own mail domains: a quoted mail from them is history, not content.
    """
    types = tuple(case_types)
    text = read_blocks(mail, types, own_domains)
    blocks, answers, content, subject = text.blocks, text.answers, text.content, text.subject
    # The language is told from what the type is told from: the first TYPE_TEXT characters.
    language = detect_language(f"{subject}\n{text.typed}" if content.strip()
                               else f"{subject}\n{text.body[:TYPE_TEXT]}")
    by_key = {t.key: t for t in types}
    stated = answers.get("case_type", "") or stated_type(blocks.new + "\n" + blocks.answers)
    corrected = False
    if stated and type_stated_in(stated, types):
        case_type, reason = detect(subject, text.typed, types, stated)
        corrected = known_type is not None and case_type != known_type
    elif known_type in by_key:
        case_type, reason = known_type, "known: the case already has this type"
    elif (blocks.quoted or _OUR_CASE.search(mail.subject or "")) and is_closing(content) \
            and (close_request(fold(content)) or solved(content) or not hits(vocabulary_of(types), text.typed)):
        # A reply to our own mail that only says the case is solved ("Thanks, that sorted it"):
        # its subject is our subject, and says what the case was, not what this mail is.
        case_type, reason = None, "a reply to our mail saying the case is solved"
    else:
        case_type, reason = detect(subject, text.typed, types)
        if case_type is None and blocks.quoted:
            case_type, reason = asked_type(blocks.quoted, types) or registered_type(blocks.quoted, types) \
                or (case_type, reason)
        if (by_answers := answered_type(answers, types)) and by_answers[0] != case_type:
            case_type, reason = by_answers  # the mail is its answers to our questions
    specs = by_key[case_type].fields if case_type else all_fields(types)
    source = Source(new=content, subject=subject, answers=answers, tables=text.tables,
                    attachments=mail.attachments, asked=asked_fields(blocks.quoted, specs),
                    sender=sender_name(mail.from_name), voices=voices_of(blocks, content))
    values, unsure = extract_candidates(specs, source)
    recalled = recall(values, unsure, blocks, source, by_key.get(case_type or ""))
    values = {**values, **recalled}
    unsure = {k: c for k, c in unsure.items() if k not in recalled}
    if ERROR_TEXT in values:
        values[ERROR_TEXT] = as_written(values[ERROR_TEXT], content, text.written)
    confirmed = confirmed_in(answers, specs)
    values = {k: v for k, v in values.items() if k not in confirmed}  # "ja" is no company or user
    shown = frozenset(m["value"] for m in SHOWN.finditer(text.body[:MAX_SHOWN_TEXT])) if confirmed else frozenset()
    return Reading(case_type, reason, language, values, unsure, corrected, confirmed, shown,
                   frozenset(recalled) - confirmed)


def recall(values: dict[str, str], unsure: dict[str, Candidate], blocks: Blocks, source: Source,
           case_type: CaseType | None) -> dict[str, str]:
    """Facts the mail lacks, read from the customer's own earlier mail to us quoted below it.

    The case mostly has them already (that mail was filed), but not when the customer corrects
    the type ("Ärendetyp: Kontering" above their first mail, read then as approval): the new
    type's facts are in the first mail. They are read after all of this mail's text, so a value
    typed now wins, and the pipeline takes them only where the case has none (Reading.recalled).
    A mail about another invoice than the one quoted ("nu är det faktura 5590 ... se mitt förra
    mejl nedan") recalls nothing: the old mail's facts are another invoice's.
    """
    if not blocks.earlier or case_type is None:
        return {}
    # The required facts lacking, and the error (or that one was shown: "det kommer upp ett fel"
    # there still asks for its text); not a field this mail names without a value read ("I said
    # the Transferred column was empty but I was looking at the wrong invoice" takes it back).
    errors = (ERROR_SHOWN, ERROR_TEXT) if case_type.field(ERROR_TEXT) else ()
    now = source.words[: source.content_end]
    wanted = {key for key in {*case_type.missing(values), *errors} - values.keys()
              if not named_in(now, case_type.field(key))}
    if not wanted:
        return {}
    earlier = "\n\n".join(blocks.earlier)
    folded = fold(earlier)
    numbers = [m.group() for m in islice(_NUMBER.finditer(folded), MAX_EARLIER_NUMBERS)]
    if numbers and any(fold(values[key]) not in folded for key in _INVOICE_KEYS if key in values) \
            and not any(number in now for number in numbers):
        # (an old mail without numbers is about this one: "Here you go: 4410 (the one still in
        # verification), ..." above "on invoices from Antalis the invoice date comes through as
        # 01/01/1900"; one putting the old mail's number right names it: "it's 300412, not 300421")
        return {}
    at, voices = len(source.new) + 2, list(source.voices)
    for text, author in zip(blocks.earlier, blocks.earlier_authors):
        voices.append((at, sender_name(author) or source.sender))  # who "I" is in each
        at += len(text) + 2
    again = replace(source, new=f"{source.new}\n\n{earlier}", voices=tuple(voices))
    found = extract_candidates(case_type.fields, again)[0]
    # A value this mail holds to confirm stays to be confirmed unless the old mail says the same
    # ("For 209480 it shows Error" above "Invoice ID 209480"): "Förlåt, fel nummer. Det gäller
    # 4471-22" above 4471-21 is a correction, and is shown to the customer as before.
    return {k: v for k, v in found.items() if k in wanted and (k not in unsure or fold(unsure[k].value) == fold(v))}


# The fields naming the invoice itself: a reply naming another than its quoted mail recalls nothing,
# unless it names one of the old mail's numbers too (at most MAX_EARLIER_NUMBERS looked at).
_INVOICE_KEYS = ("invoice_id", "invoice_number")
_NUMBER = re.compile(r"(?<![\w/.-])\d[\d-]{2,}\d(?![\w/.-])")  # (not a date's year: "01/01/1900")
MAX_EARLIER_NUMBERS = 50


def named_in(words: str, spec: FieldSpec | None) -> bool:
    """One of the field's labels is written in these (folded, lowercase) words."""
    return spec is not None and any(re.search(rf"(?<!\w){re.escape(fold(label).lower())}(?!\w)", words)
                                    for label in spec.labels)


def confirmed_in(answers: dict[str, str], specs: Sequence[FieldSpec]) -> frozenset[str]:
    """Fields answered "yes" on their form line, of those a yes can confirm (`confirmable`)."""
    confirmable = {s.key for s in specs if s.confirmable}
    return frozenset(k for k, v in answers.items() if k in confirmable and _YES.fullmatch(v.strip()))


# How much of a body is searched for such lines (a quoted request is near the top).
MAX_SHOWN_TEXT = 100_000
# "yes", "Ja!", "Det stämmer", "That's right", "Correct": a yes to the value shown as read.
_YES = re.compile(r"(?i)(?:yes|yep|yeah|ja|japp|jepp|correct|right|that[\x27’]?s\s+(?:right|correct|it)|"
                  r"that\s+is\s+(?:right|correct|it)|(?:det\s+)?stämmer|rätt|korrekt|precis)[ .!]*")


def voices_of(blocks: Blocks, content: str) -> tuple[tuple[int, str], ...]:
    """Where each forwarded mail starts in the content, and who wrote it ("" when its header does
    not say): "I'm the approver" in Dan's forwarded mail is Dan, not the colleague who forwards."""
    out: list[tuple[int, str]] = []
    at = len(blocks.new)
    for body, author in zip(blocks.forwarded, blocks.authors):
        first = next((x.strip() for x in body.split("\n") if x.strip()), "")
        found = content.find(first, at) if first else -1
        if found < 0:
            continue
        out.append((found, sender_name(author)))
        at = found + len(first)
    return tuple(out)


def is_closing(content: str) -> bool:
    """Short words of thanks or "it works now", with no number in them unless they ask us to close
    the case ("Tack för hjälpen med faktura 55871. Ni kan stänga ärendet."): no facts, no type."""
    if len(content) > CLOSING_TEXT:
        return False
    folded = fold(content)
    if ANSWERS_UNDER.search(folded):
        return False  # "Thanks for coming back so quickly. Answers inline below": the answers are the mail
    names_a_number = any(c.isdigit() for c in content)
    if withdrawn(folded) and not names_a_number and not _BUT_STILL.search(folded):
        return True  # "Please ignore my last email - they were still using the old template"
    # "Thanks, but it still doesn't work": the case goes on; but "nu fungerar det igen! Ni kan stänga
    # ärendet" asks us to close, whatever "igen" (again) seemed to say.
    if not close_request(folded) and (names_a_number or _STILL_WRONG.search(folded)):
        return False
    return _any_of("closing", "phrases", re.IGNORECASE).search(folded) is not None


# "Inget fel hos er, men vi ser fortfarande inte fakturan": taken back, yet something is still wrong.
# Only a problem word counts ("... but you don't need to do anything" takes the mail back).
_BUT_STILL = re.compile(r"(?i)\b(?:but|men|however|dock)\b[^.!?\n]{0,120}?(?:\b(?:still|fortfarande|again|igen)\b|"
                        r"\b(?:doesn[\x27’]t|does\s+not|don[\x27’]t|isn[\x27’]t|can[\x27’]t|cannot|won[\x27’]t)\s+"
                        r"(?:work|show|appear|see|find|go|come)\b|\b(?:fungerar|funkar|syns|gar|kommer)\s+(?:inte|ej)\b)")
_STILL_WRONG = re.compile(r"(?i)\b(?:not|still|again|but|inte|ej|fortfarande|igen|men|tyvarr|unfortunately)\b|n[\x27’]t\b")


# A reply to one of our cases, seen from its subject: "Re: [CASE-12] ...", "SV: Ärende #48077 - ...".
_OUR_CASE = re.compile(r"^\s*(?:(?:re|sv|aw|vs)\s*:\s*)+.*?(?:\[[^\]\n]*\d{2,}[^\]\n]*\]|\b(?:case|ärende|arende)\s*#?\s*\d{2,})",
                       re.IGNORECASE)
# A reply longer than this says more than thanks.
CLOSING_TEXT = 400


@lru_cache(maxsize=8)
def _any_of(table: str, key: str, flags: int) -> re.Pattern[str]:
    """The packaged patterns of table.key as one regex, compiled once."""
    return re.compile(packaged_alternation(table, key), flags)


def close_request(folded: str) -> bool:
    """ "You can close the case", "ni kan stänga ärendet" ([closing] requests), or a mail taken back."""
    return _any_of("closing", "requests", re.IGNORECASE).search(folded) is not None or withdrawn(folded)


def solved(content: str) -> bool:
    """ "Thanks, that fixed it!" ([closing] solved), asking nothing more ("Please do the same for Per
    Holm", "kan ni lägga upp Lisa också"): the case is done."""
    folded = fold(content)
    return "?" not in content and not _MORE.search(folded) \
        and _any_of("closing", "solved", re.IGNORECASE).search(folded) is not None


# A request, or something still to do, after the thanks: the reply asks for more (matched without accents).
_MORE = re.compile(r"(?i)\b(?:please|pls|could\s+you|can\s+you|would\s+you|kan\s+(?:ni|du)|skulle\s+(?:ni|du)|needs?|"
                   r"behover|vill|too|as\s+well|also|ocksa|aven|med\s+(?:henne|honom|dem)|still|fortfarande)\b")


def withdrawn(folded: str) -> bool:
    """ "Please ignore my last email" ([closing] withdrawn): the mail before this one is no case."""
    return _any_of("closing", "withdrawn", re.IGNORECASE).search(folded) is not None


# The [not_a_case] lists, and what a mail matching one (and naming no invoice) is instead.
NOT_A_CASE = (("sales", "a question about price or licences"),
              ("service", "a question about planned maintenance or downtime"),
              ("meeting", "a meeting, a call, an event or release notes"),
              ("notice", "a question about training, another product, or a notice asking nothing"))


# Why a mail is a bill to pay rather than a case; with NOT_A_CASE's reasons, what `no_case` means.
BILL_REASON = "an invoice sent to us to pay, not a support case"
NO_CASE_REASONS = frozenset({*(reason for _, reason in NOT_A_CASE), BILL_REASON})


def not_a_case(folded: str) -> str | None:
    """Why a mail is no support case: a question for sales about price or licences, or about
    planned maintenance ([not_a_case]; case-sensitive, so a surname Price is no price)."""
    low = scan_text(folded)  # each list tried only where one of its first words is written
    return next((reason for key, reason in NOT_A_CASE
                 if next(scan(_any_of("not_a_case", key, 0), folded, low), None)), None)




def is_a_reminder(folded: str) -> bool:
    """A supplier's payment reminder ([not_a_case] reminder): two of its phrases near the start
    ("... is now 28 days overdue. Please arrange payment ..."). A customer forwards one inside a
    case too ("supplier chasing us, see below ... Transferred says No"): the caller weighs it only
    where the mail holds few type words."""
    return len(_any_of("not_a_case", "reminder", re.IGNORECASE).findall(folded, 0, BILL_TEXT)) >= 2


# A reminder with type words of this score or more is a case about the invoice it chases ("supplier
# chasing us, see below ... Transferred says No. Not in Dynamics": 7; a bare reminder with "VAT"
# and "account" in it: 4).
REMINDER_MAX_SCORE = 5


def is_a_bill(folded: str) -> bool:
    """An invoice sent to us ([not_a_case] bill): its cover line and two payment lines or more."""
    if not _any_of("not_a_case", "bill", 0).search(folded):
        return False
    return len(_any_of("not_a_case", "bill_payment", re.MULTILINE).findall(folded, 0, BILL_TEXT)) >= 2


# A bill's payment lines are near its cover line: the first characters of the mail are enough.
BILL_TEXT = 4000


@by_identity(16)
def ready_to_read(types: tuple[CaseType, ...]) -> bool:
    """Build what reading compiles once per configuration (vocabulary, speller, every field's
    regexes), then read one small mail: the first real mail's CPU budget then pays for that mail
    only, not for some hundred milliseconds of compiling. Cached: later calls cost a lookup."""
    speller_of(types)
    vocabulary_of(types)
    for specs in (all_fields(types), *(t.fields for t in types)):
        form_of(tuple(specs))
        for spec in specs:
            matchers(spec)
    read_mail(ParsedMail(message_id="<ready@casedesk.invalid>", subject="Invoice 1",
                         text="Hello,\n\nInvoice ID: 1\n\n> quoted\n"), types)
    return True


@by_identity(16)
def speller_of(types: tuple[CaseType, ...]) -> Speller:
    """The words of every label, name and keyword: what a one-letter typo is put right to."""
    words: set[str] = set()
    labels: set[str] = set()
    for case_type in types:
        # Words of labels, names and one-word keywords; words of longer keyword phrases are
        # ordinary words ("höja gränsen") that would turn names ("Granen") into them.
        phrases = [*case_type.all_names(), *(k for k, _ in case_type.keywords if " " not in k.strip())]
        for spec in case_type.fields:
            phrases += [*spec.all_labels(), *spec.prose, *spec.table_headers]
            labels.update(w for x in spec.all_labels() for w in re.findall(r"[^\W\d_]+", fold(x.lower())))
        for phrase in phrases:
            words.update(re.findall(r"[^\W\d_]+", fold(phrase.lower().rstrip("*"))))
    return Speller(words | set(TARGET_WORDS), labels, COMMON_WORDS)


# Ordinary words one letter away from a label word: never "corrected" into it (data: [speller]).
COMMON_WORDS = packaged_patterns("speller", "common_words")
# Ordinary words a typo is put right to all the same ("medelande" -> "meddelande").
TARGET_WORDS = packaged_patterns("speller", "targets")


def asked_fields(quoted: str, specs: Sequence[FieldSpec]) -> frozenset[str]:
    """Fields our quoted mail asked for: a blank form line ("Invoice ID: ____") or a question
    that names the field ("Which invoice is it (Invoice ID)?")."""
    if "__" not in quoted and "?" not in quoted:
        return frozenset()
    folded = fold(quoted)
    blanks = {norm(m[1]) for m in _BLANK_LINE.finditer(folded)} if "__" in quoted else set()
    questions = " | ".join(norm(m[0]) for m in _QUESTION_LINE.finditer(folded)) if "?" in quoted else ""
    return frozenset(s.key for s in specs if {norm(s.label), norm(s.label_sv)} & blanks
                     or questions and any(f" {norm(x)} " in f" {questions} " for x in (s.label, s.label_sv)))


_QUESTION_LINE = re.compile(r"^[ \t>]*[^\n]{3,120}\?[ \t]*$", re.MULTILINE)


def asked_type(quoted: str, types: tuple[CaseType, ...]) -> tuple[str, str] | None:
    """The type whose form our quoted mail carries, when only one type asks for those fields."""
    if "__" not in quoted:
        return None
    blanks = {norm(m[1]) for m in _BLANK_LINE.finditer(fold(quoted))}
    fits = [t for t in types if blanks and blanks <= {norm(x) for f in t.fields for x in (f.label, f.label_sv)}]
    if len(fits) != 1:
        return None
    return fits[0].key, "our quoted form: " + ", ".join(sorted(blanks))[:120]


def registered_type(quoted: str, types: tuple[CaseType, ...]) -> tuple[str, str] | None:
    """The type our quoted mail says the case has ("✓ Case type: Coding", "which we have
    registered as Review/Approval"), for a reply whose own words name none."""
    match = _REGISTERED_AS.search(fold(quoted[:MAX_QUOTED_TYPE]))
    if match is None:
        return None
    named = named_type(hits(vocabulary_of(types), match["value"] or match["value2"] or match["value3"]), {})
    return (named[0], f"our quoted mail: {match[0].strip()[:80]}") if named else None


# Our quoted mail's words for the case's type: our own "✓ Case type: X" line, and the way other
# helpdesks put it ("your case, which we have registered as X", "ditt ärende som vi har registrerat
# som X"; "The supplier is registered as ..." says nothing of the case).
_REGISTERED_AS = re.compile(r"(?im)^[ \t>✓*-]*(?:case[ \t]+type|arendetyp)[ \t]*:[ \t]*(?P<value>[^\n]{3,60})$|"
                            r"\b(?:case|arende\w*)\b[^.\n]{0,40}?\b(?:registered|filed|logged|classified|registrerat)[ \t]+"
                            r"(?:as|under|som)[ \t]+(?P<value2>[^\n.(]{3,60})|"
                            r"\b(?:registered|filed|logged|classified|registrerat)[ \t]+(?:your|the|ditt|ert)[ \t]+(?:case|arende)[ \t]+"
                            r"(?:as|under|som)[ \t]+(?P<value3>[^\n.(]{3,60})")
# Our quoted mail is looked at this far for its type.
MAX_QUOTED_TYPE = 20_000


_BLANK_LINE = re.compile(r"^[ \t>]*(.{3,80}?)[ \t]*:[ \t]*_{3,}[ \t]*$", re.MULTILINE)


def answered_type(answers: dict[str, str], types: tuple[CaseType, ...]) -> tuple[str, str] | None:
    """The type our quoted questions were about, told by the fields the customer answered: the
    one holding more of them than any other, when at least two ("Vilket bolag?", "Vilken
    användare?", "Beskriv vad du vill göra" answered: administration, though the answers talk of
    an approval limit)."""
    keys = set(answers) - {"case_type"}
    if len(keys) < 2:
        return None  # most mails answer nothing of ours
    counts = sorted(((len(keys & {f.key for f in t.fields}), t.key) for t in types), reverse=True)
    if not counts or counts[0][0] < 2 or len(counts) > 1 and counts[1][0] == counts[0][0]:
        return None
    return counts[0][1], "answers to our questions: " + ", ".join(sorted(keys))[:120]


def norm(label: str) -> str:
    """A label as compared with a quoted form line: folded, lowercase, single spaces."""
    return " ".join(re.findall(r"\w+", fold(label.lower())))


# "Type: Coding", "Ärendetyp: Kontering", "Case type - Review": the customer names the type.
_STATED_TYPE = re.compile(
    r"^[ \t>*-]*(?:case[ \t]+type|type[ \t]+of[ \t]+case|type|arendetyp|typ[ \t]+av[ \t]+arende|arendetypen|typ)"
    # (a type named and said why on its line: "Type: Review/Approval (not Coding – the coding is fine, ...)";
    # see type_stated_in for a long line)
    r"[ \t*]*[:=][ \t*]*(?P<value>[^\n]{3,200})$", re.IGNORECASE | re.MULTILINE)


def stated_type(text: str) -> str:
    """The value of a "Type: ..." line the customer wrote, or ""."""
    match = _STATED_TYPE.search(fold(text))
    return text[match.start("value") : match.end("value")] if match else ""


def body_text(mail: ParsedMail) -> str:
    """The plain text, or the HTML as text when only the HTML shows a table (coding rows).

    HTML is read in one pass (ingest/htmltext.py): Word's cell paragraphs become table rows.
    """
    if mail.html and "<table" in mail.html.lower() and "\t" not in mail.text:
        return html_text(mail.html)
    return mail.text or (html_text(mail.html) if mail.html else "")


@by_identity(16)
def all_fields(types: tuple[CaseType, ...]) -> tuple[FieldSpec, ...]:
    """Every type's fields, first definition of each key: what an untyped mail may give."""
    seen: dict[str, FieldSpec] = {}
    for case_type in types:
        for spec in case_type.fields:
            seen.setdefault(spec.key, spec)
    return tuple(seen.values())


def detect(subject: str, text: str, types: tuple[CaseType, ...], answer: str = "") -> tuple[str | None, str]:
    """The case type and why: a stated type (form answer, "Type: ..."), else weighed evidence.

    Subject and body are weighed together: a type named in the subject weighs most, but the body
    can outweigh it, and "not X but Y" / "inte X utan Y" takes X out and counts Y double.
    """
    vocabulary = vocabulary_of(types)
    if answer and (named := type_stated_in(answer, types)):
        return named, f"answer: {answer[:MAX_STATED].strip()!r}"
    body_hits = hits(vocabulary, text)
    # Subject hits sit before the body (negative positions): the reason can tell them apart.
    body_hits = where_it_sits(text, background(text, not_yet(text, body_hits)))
    subject_hits = not_yet(subject, [Hit(h.phrase, h.type_key, h.weight, h.is_name, h.at - SUBJECT_OFFSET)
                                     for h in hits(vocabulary, subject)], -SUBJECT_OFFSET)
    subject_hits = in_body_sense(subject_hits, body_hits)
    denied, body_hits = weigh_negation(text, body_hits)
    scores = score(subject_hits, body_hits)
    for key in denied:
        scores.pop(key, None)
    folded = fold(f"{subject}\n{text}") if scores else ""
    # The bonus weighs evidence, it is none itself: one "set up" ("set up a meeting") stays too little.
    if scores.get(SETUP_TYPE, 0) >= MIN_SCORE and not names_an_invoice(folded):
        # A mail about users and roles that names no invoice is about the setup, not one flow:
        # its approval words ("raise the approval limit", "set up as reviewer") are setup words.
        scores[SETUP_TYPE] += SETUP_BONUS + scores.get(FLOW_TYPE, 0) // 2
    found = [h for h in subject_hits if h.type_key not in denied] + body_hits
    # "Vad kostar det per användare?", "Any planned maintenance this weekend?": no support case,
    # whatever user, approval or transfer words it holds.
    elsewhere = not_a_case(folded) if scores else None
    if elsewhere and not names_an_invoice(folded):
        return None, elsewhere
    if scores and (is_a_bill(folded) or max(scores.values()) < REMINDER_MAX_SCORE and is_a_reminder(folded)):
        return None, BILL_REASON
    case_type, reason = by_keywords(found, scores, bool(subject.strip()), denied)
    # Two types scoring nearly alike: the word model may tell them apart (typemodel.second_opinion).
    tied = tuple(sorted(scores, key=scores.__getitem__, reverse=True)[:2]) if reason.startswith(UNSURE) else ()
    return second_opinion(case_type, reason, subject, text, frozenset(denied), frozenset(t.key for t in types), tied)


# "recoding before approval", "innan attesten": a step still to come is not what the mail is about;
# "stuck after approval", "efter attesten": nor is a step already passed.
_BEFORE = re.compile(r"\b(?:before|prior\s+to|innan|fore|after|efter)\s+(?:the\s+|our\s+|its\s+|any\s+|final\s+|it\s+goes\s+to\s+|"
                     r"den\s+gar\s+till\s+|var\s+)?(?P<no>\w+)", re.IGNORECASE)


_BEFORE_WORDS = ("fore", "Fore", "FORE", "innan", "Innan", "före", "Före", "prior", "Prior", "after", "After",
                 "efter", "Efter")



def names_an_invoice(folded: str) -> bool:
    """An invoice number, or one invoice named in words ("the invoice", "fakturan"). Looked for
    with str.find at each "invoice"/"faktura": a regex alternation of "the|an|en ..." tried at
    every place where those letters stand cost more than the rest of typing a mail."""
    if first(_INVOICE_REF, folded):
        return True
    low = folded.lower()
    for word, before in _ONE_INVOICE:
        at = low.find(word)
        while at >= 0:
            end = at + len(word)
            after = low[end : end + 1]
            if word == "faktura" and after == "n" and not low[end + 1 : end + 2].isalnum():
                return True  # "fakturan": the invoice
            if not after.isalnum() and any(low.endswith(b, 0, at) and not low[at - len(b) - 1 : at - len(b)].isalnum()
                                           for b in before):
                return True
            at = low.find(word, end)
    return False


def not_yet(text: str, found: list[Hit], offset: int = 0) -> list[Hit]:
    """The hits without the type words right after "before"/"innan" or "after"/"efter"."""
    if not found or not any(w in text for w in _BEFORE_WORDS):
        return found
    folded = fold(text)
    later = {m.start("no") + offset for m in scan(_BEFORE, folded, scan_text(folded))}
    return [h for h in found if h.at not in later]


# "It's just sitting in the queue for automatic steps", "ligger kvar i verifieringen": the step
# the invoice is in names the case's type.
_SITS_IN = re.compile(r"(?i)\b(?:sitting|sits|sat|stuck|lying|lies|waiting|ligger|legat|fastnat|hanger|star|vantar)"
                      r"\s+(?:still\s+|kvar\s+|just\s+|now\s+|nu\s+|fortfarande\s+)?(?:in|i)\s+(?:the\s+|our\s+)?$")


# "... went to Tom although I set Sara as approver in the administration tool": what the customer
# already did is the background, not what the case is about.
_ALTHOUGH = re.compile(r"(?i)\b(?:although|even\s+though|despite|trots\s+att|aven\s+om|"
                       r"fast\s+(?:vi|jag|det|hon|han|de|man)\b)(?P<no>[^.!?;\n]{0,120})")
_ALTHOUGH_WORDS = ("though", "despite", "trots", "aven om", "fast ", "Though", "Despite", "Trots", "Although")


def background(text: str, found: list[Hit]) -> list[Hit]:
    """The hits without the type words of an "although" / "trots att" clause."""
    if not found or not any(w in text for w in _ALTHOUGH_WORDS):
        return found
    folded = fold(text)
    spans = [m.span("no") for m in _ALTHOUGH.finditer(folded)]
    return [h for h in found if not any(a <= h.at < b for a, b in spans)] if spans else found


def where_it_sits(text: str, found: list[Hit]) -> list[Hit]:
    """A type name right after "sitting in" / "ligger i" weighs double: it says where the invoice is."""
    if not any(h.is_name for h in found):
        return found
    return [Hit(h.phrase, h.type_key, h.weight * 2, h.is_name, h.at)
            if h.is_name and _SITS_IN.search(fold(text[max(0, h.at - 40) : h.at])) else h for h in found]


def in_body_sense(subject_hits: list[Hit], body_hits: list[Hit]) -> list[Hit]:
    """A subject word counts for the type of the longer phrase the body only uses it in: a subject
    "Staples coding" over a body about the "coding suggestion" for Staples is the setup's word."""
    if not subject_hits or not body_hits:
        return subject_hits
    alone = {h.phrase for h in body_hits}
    out = []
    for hit in subject_hits:
        longer = {b.type_key for b in body_hits if hit.phrase in b.phrase.split() and b.phrase != hit.phrase}
        if hit.phrase in alone or not longer or hit.type_key in longer:
            out.append(hit)
            continue
        out += [Hit(hit.phrase, key, hit.weight, False, hit.at) for key in sorted(longer)]
    return out


# "not the coding ... but the interpretation", "inte konteringen som är fel utan tolkningen".
# "it's not actually the coding, it's the interpretation": a comma and "it's" say "but" too.
# ("utan problem": "without", no "but": "INTE inaktiverad, han attesterar andra fakturor utan problem"; "utan
# att attesten ..." and "utan felet vid attesten" are "but")
_BUT_WORD = r"(?:but|utan(?![ \t]+(?:problem\w*|bekymmer|fel|nagra[ \t]+(?:problem|fel)\w*|nagot[ \t]+(?:problem|fel)\w*)\b)|rather|snarare)"
_NOT_BUT = re.compile(r"\b(?:not|isn'?t|aren'?t|wasn'?t|inte|ej|icke)\b(?P<no>[^.!?\n]{0,80}?)"
                      rf"(?:\b{_BUT_WORD}\b|[,;–-][ \t]*(?:it'?s|it[ \t]+is|that'?s|det[ \t]+ar)\b)"
                      r"(?P<yes>[^.!?\n,:;()]{0,60})", re.IGNORECASE)


_WHETHER = re.compile(r"(?i)\s*(?:om|if|whether)\b")
_KNOW = re.compile(r"(?i)\b(?:vet|visste|know|knew|sure|saker)\s+$")
_BUT = re.compile(rf"(?i)\b{_BUT_WORD}\b")
# "it's not really an approval problem", "det är inget attestproblem", "inte ett konteringsfel".
_NOT_A = re.compile(r"\b(?:not|isn'?t|inte|ej|inget|ingen)\s+(?:really\s+|egentligen\s+|an?\s+|the\s+|ett\s+|en\s+|nagot\s+)"
                    r"{0,3}(?P<no>\w+(?:[ -]\w+)?)[ -]*(?:problem|issue|question|error|fel|fraga|arende)",
                    re.IGNORECASE)


# "the coding itself is correct", "konteringen är rätt": the type named there is not the problem.
# ("the coding on invoice 77812 itself is fine now")
_IS_FINE = re.compile(r"\b(?P<no>\w+)\s+(?:(?:part|step|side|bit|delen|steget|biten)\s+)?"
                      r"(?:(?:on|of|for|pa)\s+(?:the\s+)?(?:invoice|fakturan?)\s+[\w-]+\s+)?(?:itself\s+|i\s+sig\s+|sjalv\s+)?"
                      r"(?:is|are|ar)\s+(?:actually\s+|all\s+|helt\s+|faktiskt\s+|egentligen\s+)?"
                      r"(?:correct|right|fine|ok|okay|ratt|korrekt|riktig)\b", re.IGNORECASE)


_FINE_WORDS = ("correct", "right", "fine", "ok", "ratt", "korrekt", "riktig")


# Words that must be in a text for a negation rule to apply (a cheap test before the regexes).
_NEGATIONS = ("not", "n't", "inte", "ej", "icke", "inget", "ingen")


def weigh_negation(text: str, found: list[Hit]) -> tuple[set[str], list[Hit]]:
    """Types the body denies ("not X but Y"), and the hits with Y's words counted double."""
    if not found:
        return set(), found
    denied: set[str] = set()
    boosted: list[tuple[int, int]] = []
    folded = fold(text)
    scanned = scan_text(folded)
    low = folded.lower() if scanned is None else scanned
    fine = any(h.is_name for h in found) and any(w in low for w in _FINE_WORDS)
    for match in _IS_FINE.finditer(folded) if fine else ():
        no = match.span("no")
        # "the administration tool is right": the name's last word stands before "is right"
        denied |= {h.type_key for h in found if h.is_name and h.at < no[1] and no[0] < h.at + len(h.phrase)}
    if not any(w in low for w in _NEGATIONS):
        return denied, [h for h in found if h.type_key not in denied] if denied else found
    for match in scan(_NOT_BUT, folded, scanned):
        no, yes = match.span("no"), match.span("yes")
        if _WHETHER.match(match["no"]) and _KNOW.search(folded, max(0, match.start() - 12), match.start()):
            continue  # "Jag vet inte om de har kommit in i ekonomisystemet": not knowing denies nothing
        if in_quotes(folded, match.start()):
            continue  # 'says "Vendor 30077 not found in Dynamics" but it exists': the screen's words
        if not _BUT.search(folded, no[1], yes[0]) and not any(yes[0] <= h.at < yes[1] for h in found):
            continue  # "not X, it's Y" only when Y names a type ("..., det är vår förvaltare som sköter")
        denied |= {h.type_key for h in found if no[0] <= h.at < no[1] and (h.is_name or h.weight >= DENIED_WEIGHT)}
        boosted.append(yes)
    for match in scan(_NOT_A, folded, scanned):
        no = match.span("no")
        if not in_quotes(folded, match.start()):
            denied |= {h.type_key for h in found if no[0] <= h.at < no[1]}
    # Only the first type word after "but"/"utan" is what the customer means instead.
    firsts = {min((h.at for h in found if a <= h.at < b), default=-1) for a, b in boosted} - {-1}
    denied -= {h.type_key for h in found if h.at in firsts}
    out = [Hit(h.phrase, h.type_key, h.weight * 2, h.is_name, h.at) if h.at in firsts else h
           for h in found if h.type_key not in denied]
    return denied, out


def in_quotes(text: str, at: int) -> bool:
    """A place inside a quoted text the screen showed: an odd number of double quotes before it on
    its line, the first of them after an error or a screen's word ('the log says "Vendor 30077 not
    found"'; not a colleague's words: 'Vår controller skriver: "Det är inte kontering ..."')."""
    start = text.rfind("\n", 0, at) + 1
    if sum(text.count(mark, start, at) for mark in '"“”') % 2 == 0:
        return False
    last = max(text.rfind(mark, start, at) for mark in '"“”')
    return _SCREEN_SAYS.search(text, max(start, last - 40), last) is not None


# What a quoted screen text follows: "the error in the log says", "felmeddelandet:", "it shows".
_SCREEN_SAYS = re.compile(r"(?i)\b(?:error\w*|fel\w*|message|meddelande\w*|log\w*|warning|varning\w*|popup|ruta\w*|screen|"
                          r"skarm\w*|it|det|system\w*)\b[^\"“”\n]{0,25}$")


# A stated type is a few words ("Kontering (inte Granskning/attest, jag valde fel)"): no more is read.
MAX_STATED = 200
# A negation right before a type's name in an answer: "inte Granskning", "not Review/Approval".
_NOT_THIS = re.compile(r"\b(?:inte|not|ej|icke)\s+(?:\w+\s+)?$")


def type_stated_in(answer: str, types: tuple[CaseType, ...]) -> str | None:
    """The type a stated answer ("Type: ...", "Ärendetyp: ...") names, or None.

    Not a type it says it is not ("Kontering (inte Granskning/attest, jag valde fel)") nor one it
    says is fine ("Coding is fine, it's the approval that fails", "konteringen är rätt"); of the
    rest, the one the writer settles on ("I think approval", "det är nog attest"), else the first.
    """
    answer = answer[:MAX_STATED]
    low = fold(answer).lower()
    named = [h for h in hits(vocabulary_of(types), answer) if h.is_name
             and not _NOT_THIS.search(low, max(0, h.at - 30), max(0, h.at))
             and not _SAID_FINE.match(low, h.at + len(h.phrase))]
    settled = [h for h in named if _SETTLED.search(low, max(0, h.at - 30), max(0, h.at))]
    if len(answer) > SHORT_STATED and not any(h.at < len(_CLAUSE_END.split(answer, 1)[0]) for h in named):
        return None  # a long line names its type first ("Attest, inte kontering. ..."), not "ingen aning, kanske kontering ..."
    return min(settled or named, key=lambda h: h.at).type_key if named else None


# A stated answer longer than this says why on its line; its first clause must name the type.
SHORT_STATED = 60
_CLAUSE_END = re.compile(r"[,.;:(–]| - ")


# "Coding is fine", "konteringen är rätt", "the coding works": a type said to be all right.
_SAID_FINE = re.compile(r"\w*[ \t]+(?:is|are|looks?|seems?)[ \t]+(?:fine|ok|okay|correct|right)\b|\w*[ \t]+(?:ar|verkar)[ \t]+"
                        r"(?:ratt|ok|okej|korrekt|bra)\b|\w*[ \t]+(?:works|funkar|fungerar|stammer)\b")
# "I think approval", "det är nog attest": the type the writer settles on, right before it.
_SETTLED = re.compile(r"\b(?:i[ \t]+think|i[ \t]+believe|actually|really|jag[ \t]+tror|nog|egentligen|snarare)[ \t]+(?:it\W?s[ \t]+|"
                      r"(?:the|det|den)[ \t]+)?(?:\w+[ \t]+)?$")


def named_type(found: list[Hit], scores: dict[str, int]) -> tuple[str, str] | None:
    """The type a text names explicitly; two named types are told apart by their keyword scores."""
    names = [h for h in found if h.is_name]
    if not names:
        return None
    best = max(names, key=lambda h: (scores.get(h.type_key, 0), len(h.phrase), -h.at))
    return best.type_key, best.phrase


def score(subject_hits: list[Hit], body_hits: list[Hit]) -> dict[str, int]:
    """Weighted keyword score per type; each phrase counts at most MAX_REPEATS times."""
    scores: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for factor, found in ((SUBJECT_FACTOR, subject_hits), (1, body_hits)):
        for hit in found:
            count = seen.get((hit.type_key, hit.phrase), 0)
            if count < MAX_REPEATS:
                seen[(hit.type_key, hit.phrase)] = count + 1
                scores[hit.type_key] = scores.get(hit.type_key, 0) + hit.weight * factor
    return scores


def by_keywords(found: list[Hit], scores: dict[str, int], has_subject: bool = True,
                denied: set[str] | frozenset[str] = frozenset()) -> tuple[str | None, str]:
    """The best-scoring type if it scores enough; ties go to the strongest single word.

    Without a subject one weak word is not enough (MIN_BODY_SCORE), and two types
    scoring nearly alike are a question for the customer, not a guess.
    """
    least = MIN_SCORE if has_subject else MIN_BODY_SCORE
    if not scores or max(scores.values()) < least:
        return None, NO_WORDS if not found else TOO_FEW

    def rank(key: str) -> tuple[int, int, int]:
        own = [h for h in found if h.type_key == key]
        return scores[key], max((h.weight for h in own), default=0), -min((h.at for h in own), default=0)

    ordered = sorted(scores, key=rank, reverse=True)
    best = ordered[0]
    own = {h.phrase for h in found if h.type_key == best}
    if len(own) == 1 and max(h.weight for h in found if h.type_key == best) < WEAK_WORD:
        # "user licences" in the subject and once more in the body: one weak word, however often.
        return None, TOO_FEW
    if len(ordered) > 1 and scores[ordered[1]] * UNSURE_RATIO > scores[best] * 10:
        return None, f"{UNSURE}{best} {scores[best]} or {ordered[1]} {scores[ordered[1]]}"
    counts: dict[str, int] = {}
    for hit in found:
        if hit.type_key == best:
            counts[hit.phrase] = counts.get(hit.phrase, 0) + 1
    words = ", ".join(f"{p} x{n}" if n > 1 else p for p, n in counts.items())
    named = [h.phrase for h in found if h.type_key == best and h.is_name and h.at < 0]
    head = f"subject: {named[0]!r}; " if named else "keywords: "
    tail = f"; not {', '.join(sorted(denied))}" if denied else ""
    return best, f"{head}{words} (score {scores[best]}){tail}"


_TOKEN = re.compile(r"\w+")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_]+")  # the same tokens in an ASCII text, scanned faster


def hits(vocabulary: Vocabulary, text: str) -> list[Hit]:
    """Type words in a text, longest phrase first at each word (so "verification number" is an
    ERP word, not the Verification step). Words are looked up by their first letters: one big
    alternation of all phrases would cost a millisecond per mail."""
    out: list[Hit] = []
    end = 0
    original, text = text, fold(text).lower()
    cache = vocabulary.by_word
    for at, word in live_tokens(vocabulary, text):
        if at < end:
            continue
        found = cache.get(word)
        if found is None:
            found = candidates(vocabulary, word)
        for phrase in found:
            match = phrase.regex.match(text, at)
            if match and len(phrase.text) <= SHORT_WORD and original[at : at + 2].istitle() \
                    and NAME_BEFORE.search(original, max(0, at - 30), at):
                continue  # "Jane Ko's user": a surname, not the Swedish queue ("kö"); not "Our ERP" 
            if match:
                out += [Hit(original[match.start() : match.end()].lower(), key, weight, name, match.start())
                        for key, weight, name in phrase.owners]
                end = match.end()
                break
    return out


# A type word this short, written "Ko" after a name's first word, is part of the name.
SHORT_WORD = 3


def live_tokens(vocabulary: Vocabulary, text: str) -> list[tuple[int, str]]:
    """The tokens (`_TOKEN` matches) of a text that some phrase could start at, with their
    positions, in order: every other token has no candidates and is passed over by `hits`."""
    token = _ASCII_TOKEN if text.isascii() else _TOKEN
    words = set(token.findall(text))
    live = words & vocabulary.live
    for word in words - live - vocabulary.dead:
        if candidates(vocabulary, word):
            live.add(word)
            if len(vocabulary.live) < 50_000:
                vocabulary.live.add(word)
        elif len(vocabulary.dead) < 50_000:  # bounded: mail can be full of unique junk words
            vocabulary.dead.add(word)
    if not live:
        return []
    # Each live word looked for with str.find, its ends checked as `\w+` would: a loop over the
    # few places these words stand, not over every token of the text.
    out: list[tuple[int, str]] = []
    end_of_text = len(text)
    for word in live:
        size = len(word)
        at = text.find(word)
        while at >= 0:
            end = at + size
            if (at == 0 or not is_word_char(text[at - 1])) and (end == end_of_text or not is_word_char(text[end])):
                out.append((at, word))
                at = text.find(word, end)
            else:
                at = text.find(word, at + 1)
    out.sort()
    return out


def first(regex: re.Pattern[str], folded: str) -> re.Match[str] | None:
    """`regex.search(folded)` by `scan`."""
    return next(scan(regex, folded, scan_text(folded)), None)


def candidates(vocabulary: Vocabulary, word: str) -> tuple[Phrase, ...]:
    """Phrases whose first word could start this word, longest first (cached per word)."""
    cached = vocabulary.by_word.get(word)
    if cached is None:
        found = [p for n in (3, 2, 1) if len(word) >= n for p in vocabulary.by_start.get(word[:n], ())
                 if starts(p, word)]
        cached = tuple(sorted(found, key=lambda p: len(p.text), reverse=True))
        if len(vocabulary.by_word) < 50_000:  # bounded: mail can be full of unique junk words
            vocabulary.by_word[word] = cached
    return cached


def starts(phrase: Phrase, word: str) -> bool:
    """Whether a phrase can start at this word: its first word is the word (or, written with a
    trailing "*" and alone, a prefix of it). Saves a regex attempt for almost every word."""
    first = re.split(r"[\s\-]+", phrase.text.strip(), maxsplit=1)
    head = first[0].lower()
    if len(first) == 1 and phrase.regex.pattern.endswith(r"\w*"):
        return word.startswith(head)
    return word == head or not head.isalpha()


@by_identity(16)
def vocabulary_of(types: tuple[CaseType, ...]) -> Vocabulary:
    """Compile every type's names and keywords once per configuration."""
    owners: dict[str, dict[str, tuple[int, bool]]] = {}
    phrase: str | Phrase  # a keyword's text first, then the compiled phrase
    for case_type in types:
        names = case_type.all_names()
        for phrase, weight in (*((n, NAME_WEIGHT) for n in names), *case_type.keywords):
            named = phrase in names or contains_name(phrase, names)
            old = owners.setdefault(phrase, {}).get(case_type.key, (0, False))
            owners[phrase][case_type.key] = (max(old[0], weight), old[1] or named)
    by_start: dict[str, list[Phrase]] = {}
    for text, who in owners.items():
        text = fold(text)
        first = re.split(r"[\W_]+", text.lower())[0] or text.lower()
        phrase = Phrase(text.rstrip("*"), re.compile(phrase_regex(text), re.IGNORECASE),
                        tuple((k, w, n) for k, (w, n) in who.items()))
        by_start.setdefault(first[:3], []).append(phrase)
    return Vocabulary({k: tuple(v) for k, v in by_start.items()})


def phrase_regex(phrase: str) -> str:
    """A phrase as a regex: whole words, flexible spacing, a trailing * for any ending."""
    stem = phrase.rstrip("*")
    words = [re.escape(w) for w in re.split(r"[\s\-]+", stem.strip()) if w]
    body = r"[\s\-]+".join(words)
    end = r"\w*" if phrase.endswith("*") else r"(?!\w)"
    return rf"(?<!\w){body}{end}"


def contains_name(phrase: str, names: tuple[str, ...]) -> bool:
    """A keyword like "coding row*" or "konteringsrad*" that spells out one of the type's names."""
    words = phrase.rstrip("*").split()
    for name in names:
        stem = name.rstrip("*")
        if " " in stem:
            continue
        for word in words:
            if word == stem or (name.endswith("*") and word.startswith(stem)):
                return True
    return False
