"""Extract a case type's checklist fields from a mail's text: labelled lines, prose, tables, files."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain, islice
from typing import NamedTuple
from re import _constants, _parser  # type: ignore[attr-defined]

from core.casetypes import FieldSpec, packaged_alternation
from ingest.parse import Attachment
from ingest.quoting import Reply, closes, is_quoted, strip_greeting
from ingest.vocabulary import by_identity, fold, fold_pattern, near_label
from ingest.wishrank import MAX_CANDIDATES, MAX_PER_PATTERN, Wish, best_wish, ranks

_FLAGS = re.IGNORECASE | re.MULTILINE
# "41220", "INV-41220", "4471-22", "88-1204", "30-88214"; never a part of a longer token.
_ID = r"(?:[A-Za-z]{1,4}-[A-Za-z]{1,4}-|\d{2,4}-[A-Za-z]{1,3}-|[A-Za-z]{1,4}[-/]?)?(?:\d{3,}|\d{2}(?=-\d{3,}))(?:[-/]\d+)*(?:-[A-Za-z](?![\w-]))?"
# A capitalised name (up to 7 words), an e-mail address or something in quotes: a person, role
# or company. Each starts where a word starts and is bounded: otherwise a pasted 40 KB token, or
# thousands of capitalised words in a row, is read to its end again from every position in it
# (seconds to minutes of filing time for one mail).
_NAME = (r"(?:(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\"“'][^\"”'\n]{2,60}[\"”']"
         # a company whose name holds a small word before its form: "Byggmästarna i Mälardalen AB"
         r"|(?<![\w&'.-])[A-ZÅÄÖÉ][\w&'.-]*(?:[ ]+(?:i|in|of|for|för|på|pa)(?:[ ]+[A-ZÅÄÖÉ0-9][\w&'.-]*){1,3}){1,2}"
         r"[ ]+(?:AB|Ltd|Limited|Oy|Oyj|AS|ASA|ApS|Inc|Corp|GmbH|AG|BV|LLC|LLP|HB|KB|Ab|plc|Plc)\b"
         r"|(?<![\w&'.-])[A-ZÅÄÖÉ][\w&'.-]*(?:[ ]+(?:[A-ZÅÄÖÉ0-9][\w&'.-]*|&)){0,6})")
# A person: an e-mail address, or two or three capitalised words ("Tom Barker", "Anna-Karin af
# Ek") that are not a company ("Harbour Marine Ltd"). Case-sensitive; run on folded text (å -> a).
_PERSON = (r"(?-i:(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w&'.-])[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
           r"(?:[ ]+(?:(?:van|von|de|der|af|da)[ ]+)?(?!(?:Ltd|Limited|Inc|Corp|Oy|Oyj|Group|Trust|Plc)\b)"
           r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?){1,2}"  # O'Connor, McDonald
           r"(?![\w&-]|(?:[ ]+[A-Z][\w&.-]*){0,3}[ ]+(?:AB|Ltd|Limited|Oy|Oyj|AS|ASA|ApS|Inc|Corp|GmbH|AG|BV|LLC|LLP|HB|KB|plc|Group|Trust)\b))")
# A date or a period right after a number: "t.o.m. 30 juni", "through 12 months" (no row range ends there).
_DATE_OR_PERIOD = (r"(?i:[ \t]*(?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec)[a-z]*\b|"
                   r"[ \t]*(?:months?|m[aå]nad\w*|days?|dagar|weeks?|veckor)\b)")
# What a value of each kind looks like; every shape is one (?P<value>...) group.
SHAPES = {
    # An id may stand in brackets: "is [3318902]", "(INV-2291)".
    "id": rf"[\[(]?(?P<value>(?<![\w+/.,-]){_ID})(?![\w/]|[.,:]\d|-\d)"
          r"(?![ \t]*(?:kr|sek|eur|usd|nok|dkk|€|\$|:-|%|st|pcs|pieces|stycken)\b)",
    # ... each maybe in brackets, and brackets side by side: "[32877] [32901] [32950]"
    "ids": rf"(?P<value>(?<![\w+/.,-]){_ID}(?:(?:[\])]?[ \t]*(?:,|;|and|och|&|/|\n)[ \t]*(?:[-*•][ \t]*)?[\[(]?|\][ \t]+\[){_ID})+)"
           r"(?![\w/]|[.,:]\d)",
    "number": r"(?P<value>(?<![\w+/.,])(?:[A-Za-z]{1,4}[-/]?)?\d+(?:[-/.]\d+)*(?:-[A-Za-z](?![\w-]))?)(?![\w/])",
    # "A", "LF", "B2", "SI-EU", "PURCH-INV" (a series named in words, with its dash)
    "code": r"(?P<value>(?-i:[A-Z]{1,3}\d{0,3}|[A-Z]{1,2}-?[A-Z]{2,4}|[A-Z]{3,5}-[A-Z]{2,4})|\d{1,3})(?![\w-])",
    # "1, 3", "1 to 3", "row 1 and row 2": the row word may be repeated before each number.
    # A dash is a range ("2-4", "rad 2 - 4"), never before a row word ("rad 1 och 2 - rad 3 är rätt").
    # (a number with a thousands part is an amount: "reduce row 3 to 8,400" is row 3)
    # (nor a date or a period after "till"/"t.o.m.": "Periodisera rad 2 t.o.m. 30 juni", "row 3 through 12 months")
    "rows": r"(?P<value>(?<![\w.,])\d{1,3}(?![.,]\d{3}(?!\d))(?:[ \t]*(?:,|&|\+|/|and|och|o(?=[ \t]+\d)|to|till[ \t]+och[ \t]+med|till|"
            r"through|thru|t\.o\.m\.?)[ \t]*"
            r"(?:(?:rows?|lines?|rad|raden|rader)[ \t]+)?\d{1,3}(?![.,]\d{3}(?!\d))|[ \t]*[-–][ \t]*\d{1,3})*)"
            # (nor an amount: "rad 1, 312 000 kr", "row 1, 185 000 SEK")
            rf"(?!\d|[.:/,]\d|[ \t]*(?:%|procent|percent)|[ \t]\d{{3}}(?!\d)|[ \t]*(?:kr|sek|eur|usd|gbp)\b|{_DATE_OR_PERIOD})",
    # A quoted status is taken whole ("Error: Accounting period 2024-12 is closed").
    # "visar ett datum, 2024-04-12", "shows a date: 12/04/2024": the date is what it shows, with its
    # time when it has one ("shows 2025-03-12 06:02 so it looks like ...").
    "status": r"(?:(?:standing|stands|written|(?:showing|shows|showed|displayed|displaying)[ \t]+as)[ \t]+)?"
              r"(?:(?:(?:a|an|ett|the)[ \t]+)?(?:date|datum|datumet)[ \t]*[,:–(-]?[ \t]*(?=\d))?"
              # (not a value denied: "kolumnen Överförd är inte tom, den står som Nej")
              r"(?!(?:inte|not|ej|icke)[ \t]+(?:tom|tomt|empty|blank)\b)[\"“'«]?(?P<value>(?<=[\"“«])[^\"”»\n]{1,80}(?=[\"”»])"
              r"|(?:\d{4}-\d\d-\d\d|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})[ \t]+\d\d?:\d\d|\d{1,2}\.\d{1,2}\.\d{2,4}|[^\W_][\w/-]*(?:[ \t][\w/-]+){0,4}?)[\"”'»]?(?=[ \t]*(?:[.,;!?)\"”'»]"
              # ... or before a remark in brackets: "shows Yes (12/06/2024)"
              r"|$|[ \t]\(|[ \t][-–—][ \t]|[ \t](?:and|but|och|men|since|sedan|for|för|when|när|after|efter|on|på|so|så|with|med)\b))",
    "name": rf"(?P<value>(?-i:{_NAME}(?:[ \t]*(?:,|and|och|&|/)[ \t]*{_NAME}){{0,9}}))",
    # One person or several ("Ann Reid, Bob Marsh and Carl Dean"): never a role or a company.
    "person": rf"(?P<value>{_PERSON}(?:[ \t]*(?:,|and|och|&)[ \t]*{_PERSON}){{0,9}})",
    "text": r"(?P<value>[^\n]+)",
    "flag": r"(?P<value>\S+)",
}
# Kinds whose label in prose is followed by the value ("invoice ID 77120", "company Acme AB").
_PROSE_KINDS = frozenset({"id", "ids", "number", "code", "rows", "name"})
# A name follows its label closely ("approver Anna Lund"); never across a sentence end.
_NAME_CONNECT = r"[ \t]*(?:[:=\-–]|\bis\b|\bär\b|\bar\b)?[ \t]*"
# Words between a label and its value in prose: "invoice ID is 88213", "fakturan med nummer 12345".
_CONNECT = (r"(?:[ \t]*\([^()\n]{1,30}\))?[\s:#=.\-–]*"  # "invoice ID (from the General tab) 118240"
            # "Faktura-ID på den senaste är 20231187", "the invoice ID of the latest one is 4410"
            r"(?:(?:på|of|för)[ \t]+(?:den|the)[ \t]+(?:senaste|latest|last|newest|första|first)"
            r"(?:[ \t]+(?:one|fakturan))?[ \t]+(?=is\b|är\b))?"
            # "Invoice ID on our side is 5518-204", "Faktura-ID hos oss är 4410"
            r"(?:(?:on|in)[ \t]+(?:our|my)[ \t]+(?:side|end|system)[ \t]+(?=is\b)|hos[ \t]+(?:oss|mig)[ \t]+(?=är\b))?"
            # "The invoice ID from the General tab is 9034471", "Faktura-ID:t under fliken Allmänt är 4410"
            r"(?:(?:(?:from|on|in|under)[ \t]+(?:the[ \t]+)?[\w-]+[ \t]+(?:tab|screen|page)|(?:under|i|på)[ \t]+fliken[ \t]+[\w-]+)"
            r"[ \t]+(?=is\b|är\b))?"
            # "I mistyped the Invoice ID, it's 771-0093", "Faktura-ID:t, det är 4410"
            r"(?:,[ \t]*(?:it['’]?s|it[ \t]+is|that['’]?s|det[ \t]+är|den[ \t]+är)[ \t]+)?"
            # ("Faktura-ID är fortfarande 20198", "the invoice ID is actually 4410")
            r"(?:(?:is|are|är|was|var|with|med|number|nummer|nr|no|id|#|still|fortfarande|actually|egentligen|alltså)"
            r"(?![\w])[\s:#=.\-–]*){0,3}"
            r"(?:[\[(][ \t]*)?")  # "Faktura [884120]", "invoice (778812)"
# A form answer left blank: "Invoice ID: ____", "Faktura-ID: ...".
_BLANK = re.compile(r"^[\s_.\-–…?]*$")
# Eight digits are a date only when they read as one (20240314); 31190442 is an invoice number.
_DATE = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}[/.]\d{1,2}[/.]\d{1,2}"
                   r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")
# What a column shows, written inside an answer's sentence: the first status word or date ("It says
# Error, no date" is Error; "Den är tom, jag trodde det skulle stå Ja" is tom).
_SHOWN_STATUS = re.compile(r"(?i)\b(?:yes|no|ja|nej|error|fel|failed|tom|tomt|empty|blank)\b(?![ \t]*[-–]?[ \t]*\d)|"
                           r"(?<![\w.-])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})(?![\w-]|[/.]\d)")
# "rows 1 and 3", "rad 2 och 4", "1, 2": plain row numbers, stored as "1, 3".
_ROW_LIST = re.compile(r"(?i)(?:(?:coding|konterings)?\s*(?:rows?|lines?|rad|rader|raderna|raden)\s*)?"
                       r"\d{1,3}(?:\s*(?:,|&|\+|/|and|och|to|till\s+och\s+med|till|through|thru|t\.o\.m\.?|-|–)\s*"
                       r"(?:(?:rows?|lines?|rad|raden|rader)\s+)?\d{1,3})*")
_WORD = re.compile(r"[^\W\d_]{2,}")
# A full stop before a number on the same line ("project no. 7731", "ca. 15") or after an
# abbreviation ("Kv. Eken", "t.ex. rad 2", "replacing Mr. Alan Price") ends no sentence.
_SENTENCE_END = re.compile(r"(?:[!?]|(?=\.)(?<!\bKv)(?<!\bt\.ex)(?<!\be\.g)(?<!\bi\.e)(?<!\bbl\.a)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bDr)"
                           r"(?<!\b[eE]xkl)(?<!\b[iI]nkl)(?<!\b[eE]xcl)(?<!\b[iI]ncl)"
                           # ("for supplier Apex Cleaning Co. updated in the admin tool": a company's form)
                           r"(?!(?:(?<=\bCo)|(?<=\bInc)|(?<=\bLtd)|(?<=\bCorp)|(?<=\bBros))\.[ \t]+[a-zåäö])"
                           r"\.(?![ \t]+\d))(?=\s)"
                           r"|:(?=[ \t]*\n)|\n[ \t]*\n|\n(?=[^\n]*[\t|])|\t")
# Sentence openers that a capitalised-name pattern must not take for a name.
NOT_NAMES = frozenset("""
the this that it we i he she they our my your hi hello hey dear please can could would should for för
when if so but and also then thanks invoice invoices det den detta jag vi han hon de vår vårt
min mitt din hej kan om när så men och också sedan tack fakturan faktura fakturor
approver approvers reviewer reviewers attest attestant attestanten granskare granskaren user users
admin role roles roll rollen användare användaren both båda bägge either neither
who whom what which vem vilken vilka vad
give add remove set make create delete deactivate activate grant move change assign ge lägg sätt skapa
flytta ändra inaktivera aktivera tilldela gäller galler angående avser regarding re note obs see se ps
since sedan
attestera attesterar godkänn godkänna granska approve reject spara save skicka submit avvisa
nobody noone everybody everyone somebody someone anybody anyone ingen någon undertecknad now nu
only even bara endast även
""".split())  # (the last line: buttons, "när han klickar Attestera får han felet")
# (the line before: a sentence's first word, "Only Amir shows up in the approval list")
NOT_NAMES |= frozenset(fold(word) for word in NOT_NAMES)  # as folded text spells them: "Nar Jonas forsoker ..."
# Inline images of a signature (Outlook's image001.png) are not invoices.
_SIGNATURE_IMAGE = re.compile(r"^image\d{3}\.\w+$", re.IGNORECASE)
# A screenshot shows the problem; it is not an invoice example.
# ("verification_screen.png", "queue-screen.jpg", "screen1.png": an image named a screen)
_SCREENSHOT = re.compile(r"(?i)sk[aä]rm(?:dump|bild|klipp|avbild)|screen[ _-]?(?:shot|capture|grab|clip)|snip(?:ping)?[ _-]|utklipp|"
                         r"(?:^|[ _-])screen[ _-]?\d{0,3}\.(?:png|jpe?g|gif|bmp)$|"  # ("screen1.png", "verification_screen_2.png")
                         # ... a picture named without a number: "supplier_field.png" shows a screen, not an invoice
                         r"^(?![^.]*(?:faktur|invoice|inv\b|bill))[^\d]+\.(?:png|gif|bmp)$|"
                         # ... and a supplier's statement or reminder is no invoice: "Crestline_statement_2024-03.pdf"
                         r"(?:^|[ _-])(?:statement|kontoutdrag|reminder|p[aå]minnelse)(?:[ _.-]|$)|"
                         # ... nor one marked as read right, attached to compare: "Invoice_7701790_OK.pdf"
                         r"(?<!not)(?<!inte)(?<!ej)(?<!icke)[ _-](?:ok|correct|korrekt|r[aä]tt)\.\w+$")
# Labels our request mail uses for the case type question, answered like any form line.
CASE_TYPE_LABELS = ("case type", "type of case", "ärendetyp", "typ av ärende")


# Spaces and tabs in a row that reading's regexes may see: the rest of a longer run is blanked to
# SPACE_FILL. A pattern with two optional whitespace runs side by side ("\s+(?:den)?\s*") tries every
# way of splitting a run between them, and one such regex call on 20,000 spaces took minutes, which
# the per-mail budget cannot interrupt. No value spans 40 spaces; `folded` keeps its length.
MAX_SPACE_RUN = 40
SPACE_FILL = "\x7f"  # no whitespace (\x1c-\x1f are, to re), no word character
_LONG_RUN = re.compile(r"[ \t\u00a0\r\n]{%d,}" % (MAX_SPACE_RUN + 1))


def short_runs(folded: str) -> str:
    """`folded` with every run of blanks (spaces, tabs, newlines) cut to MAX_SPACE_RUN, the rest
    filled, same length: two whitespace runs side by side in a pattern split a long run every way
    ("It went to Dave" + 20,000 newlines took 4.5 s in one pattern)."""
    return _LONG_RUN.sub(lambda m: m[0][:MAX_SPACE_RUN] + SPACE_FILL * (len(m[0]) - MAX_SPACE_RUN), folded)


@dataclass(frozen=True)
class Source:
    """What the extractor reads from one mail.

    `new` is the mail's content (the reading model's new text, inline answers and forwarded mails;
    never our quoted words or a signature). Regexes run on the accent-folded copy (`folded`, the
    same length), and values are cut from the original text at the same place.
    """

    new: str                                   # the customer's content
    subject: str = ""                          # the subject, without Re:/SV: and [CASE-n]
    answers: dict[str, str] = field(default_factory=dict)   # filled form lines, by field key
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()    # tables: rows of cells
    attachments: tuple[Attachment, ...] = ()
    asked: frozenset[str] = frozenset()        # fields our quoted mail asked for
    sender: str = ""                           # the sender's name: who "me"/"jag själv" is
    # Where a forwarded mail starts in `new` and its writer's name: who "I" is from there on.
    voices: tuple[tuple[int, str], ...] = ()
    text: str = field(init=False, default="")      # content, then the subject (searched last)
    folded: str = field(init=False, default="")    # `text` without accents, same length
    words: str = field(init=False, default="")     # `folded` in lowercase, for cheap word tests
    low: str | None = field(init=False, default=None)  # `scan_text(folded)`
    seen_at: dict[object, list[int] | None] = field(init=False, default_factory=dict, compare=False)  # scan
    # "Label: value" lines with any label (typo_labelled_value), found at the first field's need.
    any_labels: tuple[tuple[str, str], ...] | None = field(init=False, default=None, compare=False)
    seen: dict[tuple[str, ...], bool] = field(init=False, default_factory=dict, compare=False)  # may_match
    # The first of several invoices listed alike (first_listed), found at the first id field's need.
    listed: tuple[str | None] | None = field(init=False, default=None, compare=False)

    @property
    def content_end(self) -> int:
        """Where the content ends in `text` and the subject starts."""
        return len(self.text) - len(self.subject) if self.subject else len(self.text)

    @property
    def writers(self) -> tuple[str, ...]:
        """The sender's and the forwarded mails' writers' names (those known)."""
        return tuple(filter(None, (self.sender, *(name for _, name in self.voices))))

    def __post_init__(self) -> None:
        new = self.new if len(self.new) <= MAX_PROSE else self.new[:MAX_PROSE]
        text = f"{new}\n\n{self.subject}" if self.subject else new
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "folded", short_runs(fold(text)))
        object.__setattr__(self, "words", self.folded.lower())
        if not _CASE_ODD.search(self.folded):
            object.__setattr__(self, "low", self.words)


# Prose read by the prose rules: the first 20,000 characters of content (new text first). Beyond
# that a mail is pasted logs or a long chain; labelled lines are still read in all of it.
MAX_PROSE = 20_000


@dataclass(frozen=True)
class Candidate:
    """A value for a field with the evidence that found it and its score (docs/checklist.md)."""

    value: str
    evidence: str
    score: float


# How much each kind of evidence is worth. A value needs THRESHOLD to count; below it the field
# is still missing, but the mail may ask "Is 4471-22 the Invoice ID?" (Reading.unsure).
EVIDENCE = {"label": 1.0, "form": 0.95, "label with a typo": 0.9, "table": 0.9, "column": 0.85,
            "prose": 0.8, "pattern": 0.75, "weak prose": 0.6, "file name": 0.6, "first listed": 0.55, "body": 0.55,
            "answer": 0.55, "unsure wish": 0.45,
            "shape": 0.3, "unnamed file": 0.3}
THRESHOLD = 0.5
# Rows of a table where its header row is looked for.
HEADER_ROWS = 5


@dataclass(frozen=True)
class Matchers:
    """The compiled regexes of one field, built once per FieldSpec."""

    labelled: re.Pattern[str]
    prose: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]
    shape: re.Pattern[str]
    # Per pattern: the part after a leading {name}, searched first (see `hits_of`).
    guards: tuple[re.Pattern[str] | None, ...] = ()
    # Per pattern: how far before its cue a leading {name} / {person} may start.
    reaches: tuple[int, ...] = ()
    # Per pattern: the words one of which must start a word of the text, or () (see `may_match`).
    triggers: tuple[tuple[str, ...], ...] = ()
    # The first words of the labels and of the prose words: without one, no prose step can match.
    prose_triggers: tuple[str, ...] = ()
    weak_triggers: tuple[str, ...] = ()
    # For a `many` name field: its prose words as whole words; a sentence with one names persons.
    cues: re.Pattern[str] | None = None
    # For a `many` name field: its line labels ("Name: Aaron Mitchell"), read by `many_names` alone.
    lined: re.Pattern[str] | None = None


def label_regex(labels: Iterable[str]) -> str:
    """Labels as one alternation: spaces, dots and hyphens optional, "(s)" and "?" ignored."""
    out = []
    for label in labels:
        words = re.split(r"[\s.\-_]+", re.sub(r"\(\w{1,3}\)|\?", "", label.lower()).strip())
        out.append(r"[\s.\-_]*".join(re.escape(w) for w in words if w))
    return "|".join(sorted(set(out), key=len, reverse=True))


# Words after a label that leave it the label: "Rows concerned: 3 and 5", "Users affected: ...",
# "Berörda rader: ..." is written label first in Swedish and needs none.
_LABEL_AFTER = r"(?:concerned|affected|involved|in\s+question)"


def labelled_regex(labels: Iterable[str]) -> re.Pattern[str]:
    """A "Label: value" line, maybe quoted, bulleted, numbered or *bold* (matched on folded text)."""
    return re.compile(fold_pattern(
        r"^(?P<quote>(?:[ \t]*>)*)[ \t]*(?:[-*•·][ \t]+)?(?:\d{1,2}[.)][ \t]+)?\**"
        rf"(?P<label>{label_regex(labels)})(?:[ \t]+{_LABEL_AFTER})?(?:[ \t]*\([^()\n]{{1,60}}\))?[ \t]*\??\**[ \t]*"
        r"(?:[:=]|[ \t][-–][ \t])\**[ \t]*(?P<value>.*?)[ \t]*$"),
        _FLAGS,
    )


def expand(pattern: str) -> str:
    """A config pattern with its {kind} placeholders replaced by the value shapes, and {erp} by the
    ERP systems ([erp] systems)."""
    for kind, shape in SHAPES.items():
        pattern = pattern.replace("{" + kind + "}", shape)
    return named_erp(pattern)


def named_erp(pattern: str) -> str:
    """{ledger} and {erp} replaced by the packaged ERP words and systems: one list, not a copy in
    every pattern."""
    if "{ledger}" in pattern:
        pattern = pattern.replace("{ledger}", f"(?:{packaged_alternation('erp', 'ledger')}|{{erp}})")
    return pattern.replace("{erp}", f"(?:{packaged_alternation('erp', 'systems')})") if "{erp}" in pattern else pattern


@by_identity(512)
def matchers(spec: FieldSpec) -> Matchers:
    """Compile a field's regexes once; FieldSpec is frozen, so it is its own cache key."""
    shape = SHAPES[spec.kind]
    prose = weak = None
    if spec.kind in _PROSE_KINDS:
        connect = _NAME_CONNECT if spec.kind == "name" else _CONNECT
        prose = re.compile(fold_pattern(rf"(?<![\w-])(?:{label_regex(spec.all_labels())}){connect}{shape}"),
                           _FLAGS)
        if spec.prose:
            weak = re.compile(fold_pattern(rf"(?<![\w-])(?:{label_regex(spec.prose)}){connect}{shape}"), _FLAGS)
    found = Matchers(
        labelled=labelled_regex((*spec.all_labels(), *spec.prose)),
        lined=labelled_regex(spec.line_labels) if spec.line_labels else None,
        prose=prose, weak=weak,
        patterns=tuple(re.compile(fold_pattern(expand(p)), _FLAGS) for p in spec.patterns),
        guards=tuple(re.compile(fold_pattern(expand(at_run_start(p[p.index("}") + 1 :]))), _FLAGS)
                     if p.startswith(_LEADING_VALUES) else None for p in spec.patterns),
        reaches=tuple(PERSON_REACH if p.startswith("{person}") else NAME_REACH for p in spec.patterns),
        triggers=tuple(triggers_of(fold_pattern(named_erp(p))) or guard_triggers(fold_pattern(named_erp(p)))
                       for p in spec.patterns),
        prose_triggers=first_words(spec.all_labels()), weak_triggers=first_words(spec.prose),
        shape=re.compile(fold_pattern(shape), _FLAGS),
        cues=re.compile(fold_pattern(rf"(?<![\w-])(?:{label_regex(spec.prose)})(?![\w-])"), re.IGNORECASE)
        if spec.many and spec.kind == "name" and spec.prose else None,
    )
    for regex in (*found.patterns, *found.guards, prose, weak):
        if regex is not None:
            literal_heads(regex)  # read from the pattern now, with the compiling (see `scan`)
    return found


@by_identity(64)
def form_of(specs: tuple[FieldSpec, ...]) -> tuple[dict[str, str], re.Pattern[str]]:
    """Form labels (both languages) -> field key, and the regex for form lines, built once."""
    by_label = {norm_label(x): s.key for s in specs for x in (s.label, s.label_sv)}
    by_label.update({norm_label(x): "case_type" for x in CASE_TYPE_LABELS})
    return by_label, labelled_regex(tuple(sorted(by_label)))


def norm_label(label: str) -> str:
    """A label as compared between the form and a customer's line."""
    return re.sub(r"[\s.\-_]+", " ", re.sub(r"\(\w{1,3}\)|\?|\*", "", fold(label.lower()))).strip()


def form_answers(reply: Reply, specs: Sequence[FieldSpec],
                 ours: Sequence[tuple[int, int]] | None = None) -> tuple[dict[str, str], frozenset[int]]:
    """Values typed into the quoted fill-in form, and the answer lines they used.

    Our request mails carry "Label: ____" lines. Quoted back, a line still blank is no value; a
    filled one is (also inside an Outlook quote without '>'), and so are the customer's own lines
    typed just below a '>'-quoted blank line. `ours` are the line ranges of our own quoted mails
    (None: all history may be), where an answer may stand out by its look alone.
    """
    by_label, regex = form_of(tuple(specs))
    answers: dict[str, str] = {}
    used: set[int] = set()
    lines = reply.lines
    folded = fold("\n".join(lines)).split("\n")
    said = " ".join(folded[: min(reply.cut, MAX_NEW_LINES)])
    capitals = _IN_CAPITALS.search(said) is not None
    under = not capitals and ANSWERS_UNDER.search(said) is not None
    asked = 0
    for index, line in enumerate(lines):
        if not reply.is_history(index):
            continue
        looks = ours is None or any(start <= index < end for start, end in ours)
        # (the regexes only where their arrow or gap is: most quoted lines have neither)
        same = any(arrow in line for arrow in ("->", "=>", "→")) and _ANSWERED_ON_LINE.match(line) \
            or ("\t" in line or "   " in line) and not regex.match(folded[index]) and answered_in_cell(line)
        # (a row of our own form, "Label: <hint> ____", is the form's: see answer_cell below)
        if same and looks and (same["question"].rstrip().endswith(("?", ":", ">", ")")) or _LISTED.match(line)) \
                and "✓" not in same["question"] and "__" not in same["value"]:  # our rows and blanks
            # "> Faktura-ID? --> 33122", "Vad vill du göra?<tab>Ta bort rad 2" (our table form, filled
            # in): our question and the answer typed after it on its line
            asked += 1
            if asked > MAX_QUESTIONS:
                break  # a mail of thousands of questions: the first ones are ours
            for field_key, value in question_answer(lines, index, fold(same["question"]), specs, same["value"].strip()):
                answers.setdefault(field_key, value)
            continue
        strict = marked_answer(lines, index, looks, capitals)
        # A line under our question only because the customer said answers stand there: ours
        # look the same, so it counts only for a field whose value has a shape (an id, rows).
        marked = strict or (marked_answer(lines, index, looks, capitals, under) if under else "")
        if ":" not in line and "=" not in line and "-" not in line and "?" not in line \
                and not _LISTED.match(line) and not marked and not _QUOTED_REQUEST.match(line):
            continue
        match = regex.match(folded[index])
        key = by_label.get(norm_label(match["label"])) if match else None
        if (not match or key is None) and (is_quoted(line) or marked):
            asked += 1
            if asked > MAX_QUESTIONS:
                break  # a mail of thousands of questions: the first ones are ours
            # "EK: ..." after a blank line under our question answers the question above the blank
            asking = index - 1 if strict and not line.strip() and index and lines[index - 1].strip() else index
            for field_key, value in question_answer(lines, asking, question_of(lines, folded, asking), specs, marked,
                                                    shaped=bool(marked) and not strict, texts=asked <= MAX_TEXT_ANSWERS):
                answers.setdefault(field_key, value)
            continue
        if not match or key is None or key in answers:
            continue
        value = answer_cell(original(match, line))
        if _BLANK.match(value) and marked and not strict and not is_quoted(line):
            # a line below our blank form line when the customer said the answers stand there ("svar
            # nedan i texten"): ours look the same, so it counts as an answer set apart by nothing
            # (a value of a shape; a wish or an error text that looks like one)
            for field_key, said in question_answer(lines, index, folded[index], specs, marked, shaped=True,
                                                   texts=asked < MAX_TEXT_ANSWERS):
                answers.setdefault(field_key, said)
            continue
        if _BLANK.match(value) and marked and not is_quoted(line):
            # "Faktura-ID:" in an Outlook quote, "-> 3302-15" below it
            value = marked
        elif _BLANK.match(value):
            below = answer_below(lines, index) if is_quoted(line) else []
            used.update(below)
            value = " ".join(lines[i].strip() for i in below)
        value = _ARROW.sub("", value)  # "=> inget fel" below our blank line
        if value and not _BLANK.match(value) and not (key == ERROR_TEXT and no_error_text(value)):
            answers[key] = value.strip()  # "Felmeddelande: inget" is no error text
    for field_key, value in numbered_answers(reply, folded, specs, ours):
        answers.setdefault(field_key, value)
    return answers, frozenset(used)


def text_answered(spec: FieldSpec, answer: str, texts: bool) -> list[tuple[str, str]]:
    """A text field's answer set apart by nothing under our question: an error text quoted or named
    in the screen's words, or (with `texts`) a wish or an error text that looks like one."""
    if spec.key == ERROR_TEXT and _SAYS_NO_ERROR.match(fold(answer)):
        return []  # 'There is no error message at all, it just sits in the queue as "Waiting for approval"'
    if spec.key == ERROR_TEXT and _QUOTED_ANSWER.fullmatch(answer.strip()):
        return [(spec.key, answer.strip()[1:-1].strip())]  # a quoted text is the screen's
    if spec.key == ERROR_TEXT and (quoted := quoted_error(answer)) != answer:
        return [(spec.key, quoted)]  # 'Ja, när jag försöker ... står det "Användaren saknar ..."'
    return [(spec.key, said)] if texts and (said := said_under(spec, answer)) else []


def unlabelled(value: str) -> str:
    """An answer without its own label for what we asked ("Felmedelande: "Kostnadställe saknas"" is
    the text in quotes), never without the screen's own first word ("Konto: 4010 är spärrat")."""
    labelled = _ANSWER_LABEL.match(fold(value))
    return value[labelled.end() :].strip() if labelled and value[labelled.end() :].strip() else value


# An answer's own label, a word for what we asked, misspelt too: "Felmedelande:", "Error:", "Önskan:"
# (never the screen's first word: "Konto: 4010 är spärrat").
_ANSWER_LABEL = re.compile(r"(?i)^\s*(?:fel\w{0,12}|err\w{0,10}(?:[ \t]+messa\w{0,4})?|svar|answer|onskan|"
                           r"onskad[ \t]+atgard|wish|request)[ \t]*:[ \t]*")


def said_under(spec: FieldSpec, value: str) -> str | None:
    """A text answer the customer said stands under our question ("svar nedan i texten"), though
    nothing sets it apart: a wish our patterns find ("Ändra kostnadsstället på rad 2 till 4100"
    under "Vad vill du göra?"), or an error text written as a statement, not a question or a remark
    of ours in brackets ("Kostnadsstället 4100 är inte giltigt för konto 5611")."""
    folded = fold(value[:MAX_ANSWER])
    if is_question(value) or value.lstrip()[:1] in "([" or words(value) < max(spec.min_words, 3) or _OFFER.match(folded):
        return None
    if spec.key == ERROR_TEXT:
        return value.strip() if _ERROR_STATE.search(folded) and not _REMARK_START.match(folded) \
            and not _ONLY_AN_ERROR.search(folded) \
            and not _NOT_READ.search(folded) and not _SAYS_NO_ERROR.match(folded) else None
    if _ACTION_START.match(folded):
        return value.strip()  # "Lägga på kostnadsställe 115 på rad 1" under "Vad vill du göra?"
    found = best_candidate(spec, Source(new=value[:MAX_ANSWER]))
    return found.value if found is not None and found.score >= THRESHOLD and found.evidence == "pattern" else None


# An answer that opens with what to do, under our question what the customer wants done.
_ACTION_START = re.compile(r"(?i)\W*(?:att[ \t]+)?(?:lagga|lagg|andra|byta|byt|ta[ \t]+bort|flytta|dela|skapa|radera|fordela|"
                           r"satta|tilldela|koppla|ratta|change|move|split|add|remove|delete|create|give|grant|correct|update|"
                           r"put|set[ \t]+up|switch|reassign|deactivate|activate)\b(?![ \t]+(?:me|us|mig|oss)\b)")


# Our own lines look the same: what we can do or the customer may ("We can change the approval flow
# or add a role", "You can attach a screenshot"), and what an error text says of the state it
# refuses ("A screenshot works too" says none).
# (matched at the answer's start only: a leading \W* searched from every position would be quadratic)
_OFFER = re.compile(r"(?i)\W*(?:we|vi|you|du|ni|support)\s+(?:can|could|may|might|will|kan|kunde|far|kommer)\b"
                    r"(?!\W?t\b|\s+not\b|\s+inte\b)")
_ERROR_STATE = re.compile(r"(?i)\b(?:invalid|locked|blocked|closed|missing|exceeded|required|denied|failed|unable|not\s+(?:an?\s+)?(?:allowed|"
                          r"valid|found|authori[sz]ed|permitted|possible)|cannot\s+be|ogiltig\w*|sparrad|sparrat|stangd|stangt|"
                          r"overskriden|overskrids|kravs|saknas|misslyckades|nekad|nekades|ar\s+inte\s+(?:giltig\w*|tillat\w*|"
                          r"behorig\w*)|inte\s+tillat\w*|far\s+inte)\b")
# An answer that is the writer's remark, not the screen's words: "Jag har inte kollat", "Nothing pops up".
_REMARK_START = re.compile(r"(?i)\W*(?:i|i\W?m|i\W?ve|we|jag|vi|nothing|inget|ingenting|it\s+worked|it\s+works|det\s+funkade|"
                           r"det\s+fungerade)\b")


def numbered_answers(reply: Reply, folded: Sequence[str], specs: Sequence[FieldSpec],
                     ours: Sequence[tuple[int, int]] | None) -> list[tuple[str, str]]:
    """Answers numbered in the new text as our quoted questions are ("1) 812203" / "2) row 4"
    above "1) Invoice ID ..." / "2) Which coding row(s) ..."): each answers our question of its
    number. Two numbered answers at least, and only questions in our own quoted mail."""
    lines = reply.lines
    given: dict[str, str] = {}
    for line in lines[: min(reply.cut, MAX_NEW_LINES)]:
        if (item := _NUMBERED.match(line)) and not is_quoted(line):
            given.setdefault(item["n"], item["text"].strip())
    if len(given) < 2:
        return []
    out: list[tuple[str, str]] = []
    for index in range(reply.cut, min(len(lines), reply.cut + MAX_NUMBERED_LINES)):
        item = _NUMBERED.match(lines[index])
        if item and item["n"] in given and (ours is None or any(start <= index < end for start, end in ours)):
            question = _NUMBERED.match(folded[index])
            out += question_answer(lines, index, question["text"] if question else folded[index], specs,
                                   given.pop(item["n"]))
    return out


# "1) 812203", "2. row 4", "> 3) What do you want to do?": a numbered line, maybe quoted.
_NUMBERED = re.compile(r"[ \t>]*(?P<n>\d{1,2})[.)][ \t]+(?P<text>\S.*)")
# Lines of our quoted mail looked at for numbered questions.
MAX_NUMBERED_LINES = 300


def answer_cell(value: str) -> str:
    """What follows a form label, without our own words: our HTML form's row quoted back is
    "Faktura-ID: <hint> <the value we read, to confirm><tab><the customer's answer>", and the
    value we showed is never the customer's ("Vi läste ”4471-22” ...: skriv bara ja.")."""
    value = SHOWN.sub(" ", value)
    if "\t" in value:
        return value.rsplit("\t", 1)[-1].strip()
    # The same row with its cells run together by spaces: "<hint> ____" is still blank, and what
    # is typed after the blank ("<hint> ____ 4471-22") is the answer.
    return value.rsplit("__", 1)[-1].strip("_ ") if "__" in value else value


# Our request mail's note showing a value read below the threshold (templates/mail/_ask.*), in its
# text or HTML part, in either language: 'we read "4471-22" in your mail: ... write yes ...'.
SHOWN = re.compile(r"(?i)\b(?:we\s+read|vi\s+läste)\s+[\"“”](?P<value>[^\"“”\n]{1,160})[\"“”][^.\n\t]{0,120}\.?")


def question_of(lines: Sequence[str], folded: Sequence[str], index: int) -> str:
    """A quoted line as a question, with the line before when our mail wrapped the question over
    two ("> Could you send us the Invoice No of the invoice" / "> that is still in Verification?")."""
    line = folded[index]
    if index and is_quoted(lines[index]) and is_quoted(lines[index - 1]) and _WRAPPED.match(line) \
            and line.rstrip().endswith("?") and (before := folded[index - 1].lstrip("> \t").rstrip()):
        return f"> {before} {line.lstrip('> ').lstrip()}"
    return line


# A quoted line going on with the sentence of the line before: it starts in lower case.
_WRAPPED = re.compile(r"[>\s]*[a-zåäö]")


def question_answer(lines: Sequence[str], index: int, folded: str, specs: Sequence[FieldSpec], marked: str,
                    shaped: bool = False, texts: bool = True) -> list[tuple[str, str]]:
    """The customer's answer typed below a quoted question or label of ours that names a field
    ("> What is in the column Transferred?" / "OK", "> - Faktura-ID (finns under Allmänt):" /
    "7703311"). A "don't know" or "no error" answer is none, and a name must look like one.
    `marked` is `marked_answer(lines, index)`: with one, a request of ours ending in "." counts.
    `shaped`: the answer is set apart by nothing, so only a value of a SHAPED kind read from it
    counts ("88120-3" under "Which Invoice ID is it?", never "A screenshot works too"), and, with
    `texts`, a wish or an error text that looks like one (`said_under`)."""
    line = _ASIDE.sub("", folded.rstrip())
    if not (is_question(line) or marked) or len(line) > 160:
        return []
    low = " " + norm_label(_SIGNS.sub(" ", line)) + " "
    named = {k for label, k in question_labels(tuple(specs)) if f" {label} " in low}
    # A question naming several fields ("verification no, series and ERP transaction no") gets
    # an answer that names them in turn: the answer's own labels say which value is which.
    # Two labels of one id ("Fakturans ID" names the Invoice ID and the Invoice No): one answer.
    named_keys = {key for k in named for key in k}
    keys: tuple[str, ...] = next(iter(named)) if len(named) == 1 else ()
    if len(named) > 1 and {s.kind for s in specs if s.key in named_keys} == {"id"}:
        keys = tuple(named_keys)
    # (read for its labelled values only, so a sign-off below the last question gives none)
    several = len(named) > 1 and not keys
    given = marked or (" ".join(lines[i].strip() for i in answer_below(lines, index, last=True)) if several else "")
    if several and given:
        # "-> Ver.nr 10233 i serie LF" (or typed on the lines below) under a question naming three
        # fields: the answer's own labels say which value is which, as in the customer's own text.
        # A flag the answer's words set counts too: "It is in SAP - Ver no 20456" is in the ERP.
        # The customer's own words are read as their content is: any evidence over the threshold.
        read = [(spec.key, found.value) for spec in specs if spec.key in named_keys or spec.kind == "flag"
                for found in [best_candidate(spec, Source(new=given[:MAX_ANSWER]))]
                if found is not None and found.score >= THRESHOLD and found.evidence not in ("body", "shape")]
        # "Is it in the ERP? If so, its Ver no ...": "Yes, we found it in the end. Ver no 4410 ..."
        # answers the yes-or-no question with its first word.
        said = _YES_OR_NO.match(given)
        flags = [s.key for s in specs if s.kind == "flag" and s.key in named_keys and s.key not in dict(read)]
        return read + [(key, "no" if said["no"] else "yes") for key in flags] if said else read
    below = answer_below(lines, index) if keys and not marked else []
    value = marked or " ".join(lines[i].strip() for i in below).strip()
    if not value or _BLANK.match(value):
        return []
    out = []
    for spec in (x for x in specs if x.key in keys):
        if spec.kind == "id" and id_later(fold(value[:MAX_ANSWER])):
            continue  # "I can't check the ID, will send it tomorrow. ... their invoice number BH-22817"
        if shaped:
            # read as if under the field's label ("Invoice ID: 88120-3"): a value with a number in
            # it, or a status of a word or two ("Ja" under "Vad står i kolumnen Överförd?")
            short = spec.kind == "status" and words(value) <= 2
            if spec.kind == "status" and not short and (shown := _SHOWN_STATUS.search(value[:MAX_ANSWER])):
                # "Där står ett datum, 2025-03-14", "Där står Ja och datum 2025-03-03": what the column shows first
                value, short = shown.group(), True
            found = best_candidate(spec, Source(new=f"{spec.label}: {value[:MAX_ANSWER]}")) \
                if spec.kind in SHAPED or short else None
            if found is not None and (short or any(c.isdigit() for c in found.value)
                                      or spec.kind == "rows" and _EVERY_ROW.fullmatch(found.value)):
                out.append((spec.key, found.value))
            elif spec.kind == "name" and (persons := name_answer(value[:MAX_ANSWER], spec.many)):
                # "Den gick till Per Nyström men ska till Anna Ek" under "Vilka användare gäller
                # det?": names look like names, and none of our lines is one
                out.append((spec.key, persons))
            elif spec.kind == "text":
                # ('Felmedelande: "Kostnadställe saknas"': the answer with a label of its own, misspelt)
                out += text_answered(spec, unlabelled(value), texts)
            continue
        if spec.kind in SHAPED and _NO_ITS.match(fold(value)):
            # "NO, IT'S 7734120" under "The Invoice ID ... Is it 7734100?": the no puts the right one
            # in, the one id of the answer that the question did not name ("NO, IT'S 7734100 THAT
            # WENT THROUGH, THE STUCK ONE IS 7734120")
            ids = {m["value"] for m in islice(_ID_SHAPE.finditer(value[:MAX_ANSWER]), 10)
                   if plausible("id", m["value"]) and m["value"] not in line}
            if len(ids) == 1:
                out.append((spec.key, ids.pop()))
            continue
        if spec.kind not in ("status", "flag") and _NO_ANSWER.match(fold(value)):
            continue  # a no to a yes-or-no question is its answer
        if spec.kind == "name":
            named_value = name_answer(value[:MAX_ANSWER], spec.many) or \
                (roles_answer(spec, value) if spec.many and len(value) <= MAX_ROLE_ANSWER and not shouted(value) else None)
            if named_value:
                out.append((spec.key, named_value))
            continue
        if spec.kind == "text" and words(value) < max(spec.min_words, 1):
            continue  # "Yes, very" below "> Is this issue urgent?" describes nothing
        if spec.key == ERROR_TEXT and not _QUOTE_MARK.search(value) and (
                _ONLY_AN_ERROR.search(fold(value)) or _NOT_READ.search(fold(value))
                or _SCREEN_ONLY.search(fold(value)) and _ELSEWHERE.fullmatch(fold(value[:MAX_ANSWER]))):
            # "they both get an error when they press Approve, I haven't seen it": no text, but
            # an error was shown, so its text is asked for (the error rule)
            out.append((ERROR_SHOWN, "yes"))
            continue
        out.append((spec.key, value))
    return out


def id_later(answer: str) -> bool:
    """An answer that says the id comes later, with no id before it nor named as it after: any
    number in it is another ("I can't check the ID, will send it tomorrow ... their invoice number
    BH-22817"; not "4410 - will send it tomorrow as a PDF as well")."""
    later = _ID_LATER.search(answer)
    return later is not None and not any(plausible("id", m["value"]) for m in islice(_ID_SHAPE.finditer(answer, 0, later.start()), 5)) \
        and not _ID_GIVEN.search(answer, later.end())


# An answer saying the id comes later ("I can't check the ID" but not "I can't see the ID column").
_ID_LATER = re.compile(r"(?i)\b(?:(?:can\W?t|cannot|unable\s+to|kan\s+inte)\s+(?:check|find|see|look\s+up|kolla|hitta|se)\s+"
                       r"(?:the\s+|vilket\s+)?(?:id|invoice\s+id|faktura-?id|id-?numret)\b(?![ \t]+(?:column|kolumn\w*|field|falt\w*))|"
                       r"will\s+send\s+(?:it|the\s+id)\s+(?:tomorrow|later)|aterkommer\s+med\s+(?:id|faktura-?id|id-?numret))")
# ... and the id named after all: "but the Invoice ID in the General section is 7734120".
_ID_GIVEN = re.compile(r"(?i)\b(?:invoice\s+id|faktura-?id)\b[^.!?\n]{0,40}?\b(?:is|ar)[ \t:]+[\w-]*\d")
# A no that goes on with the right value: "No, it's 7734120", "Nej, det är 4471-23".
_NO_ITS = re.compile(r"(?i)[ \t*(-]*(?:no|nope|nej)\b[ \t]*[,.!–-]?[ \t]*(?:it\W?s|it\s+is|det\s+ar|the\s+(?:right|correct)\s+one\s+is|"
                     r"ratt\s+(?:id\s+)?ar)[ \t:]+[\w-]*\d")
# An answer that is one quoted text: '“Approval step could not be completed.”'.
_QUOTED_ANSWER = re.compile(r"[\"“”«][^\"“”«»\n]{3,300}[\"“”»]")
# An answer opening with a yes or a no: "Yes, we found it in the end", "Nej, tyvärr".
_YES_OR_NO = re.compile(r"(?i)[ \t]*(?:(?P<yes>yes|yep|ja|japp)|(?P<no>no|nope|nej))\b[ \t]*[,.!–-]")


# The field of an error's text, the flag that one was shown, and an answer to our question for
# it that only says an error came.
ERROR_TEXT = "error_message"
ERROR_SHOWN = "error_shown"
_ONLY_AN_ERROR = re.compile(r"(?i)\b(?:get|gets|got|getting|see|sees|saw|far|fick|ser|sag)\s+(?:(?:an?|ett|the\s+same|"
                            r"samma|this|some|nagot|nat)\s+)?(?:error|fel|felmeddelande\w*)\b")
# The error's text not read, said of the message itself: "jag hann inte läsa vad det stod", "I didn't
# catch what it said", "sorry I didn't write it down", not "Could not read the invoice image" (an
# error text). Matched on folded text, in an answer, a form's value and a pattern's value.
_NOT_READ = re.compile(r"(?i)\b(?:(?:(?:didn\W?t|did\s+not|don\W?t|do\s+not|couldn\W?t|could\s+not|haven\W?t|have\s+not|"
                       r"hasn\W?t|never|can\W?t|cannot|can\s+not)\s+(?:\w+\s+)?(?:catch|note|read|remember|see|seen|write|copy)|"
                       r"(?:hann|minns|laste|noterade|skrev|sag)\s+(?:jag\s+|vi\s+|han\s+|hon\s+)?(?:inte|ej)(?:\s+\w+)?|"
                       r"kommer\s+(?:jag\s+|vi\s+|han\s+|hon\s+)?(?:inte|ej)\s+ihag)\s+(?:it|that|what|down|exactly|the\s+exact|the\s+(?:message|text|"
                       r"wording|error)|det|vad|meddelandet|texten|felet|upp\s+det|ner\s+det)\b|"
                       r"\b(?:none\s+of\s+(?:them|us)|nobody|no\s+one|ingen(?:\s+av\s+(?:dem|oss))?)\s+(?:\w+\s+)?(?:wrote|noted|copied|caught|"
                       r"read|saw|remembers|remembered|skrev|noterade|laste|sag|minns)\s+(?:it\s+|det\s+)?(?:down|ner|upp|what|vad)\b|"
                       r"\b(?:before|innan)\s+(?:i|we|jag|vi|she|he|hon|han)\s+(?:(?:can|could|get\s+to|manage\s+to|hann|hinner|kan|"
                       r"kunde|har\s+hunnit)\s+)?(?:read|see|las\w*|se)\b)")
_QUOTE_MARK = re.compile(r"[\"“”«»]|(?<!\w)['‘’]|['‘’](?!\w)")  # not the one of "haven't"


def sentence_persons(spec: FieldSpec, value: str, as_prose: bool) -> str:
    """The persons a sentence under a label or our form's question names ("Users: row 2 is sent to
    the "Finance BP" role, but it should go to Claire Dunn"): read as the field's prose is when
    `as_prose` (a short one), else by the look of names; a sentence naming no one is kept as
    written, for staff to read."""
    found = roles_answer(spec, value) if as_prose and len(value) <= MAX_ANSWER else None
    return found or name_answer(value[:MAX_ANSWER], many=True) or value


def roles_answer(spec: FieldSpec, value: str) -> str | None:
    """Whom an answer names as the field's own prose would be read ("Rollen Attestant, alla som
    har den" below "Vilken användare eller roll gäller det?" is the role Attestant)."""
    found = best_candidate(spec, Source(new=value[:MAX_ANSWER]))
    return found.value if found is not None and found.evidence == "names" else None


# An answer read as prose is at most this long: one line below one question; one naming a role
# is short ("Rollen Attestant, alla som har den"), and longer ones are not read for roles.
MAX_ANSWER = 400
MAX_ROLE_ANSWER = 160
# Kinds whose value has a shape of its own, so an answer no mark sets apart may still give one.
SHAPED = frozenset({"id", "ids", "number", "code", "rows"})


def name_answer(value: str, many: bool) -> str | None:
    """An answer to a question about a name: the name as written ("Skogsgruppen Norr AB (bolag
    120)"), or for a list of persons the persons a sentence names ("Den gick till Robert Falk men
    skulle ha gått till Anneli Nord" -> "Robert Falk, Anneli Nord"); None when it names none."""
    bare = value.strip(" .")
    if many and shouted(bare):
        # "IT WENT TO DANIEL MOORE BUT SHOULD HAVE GONE TO PRIYA SHAH": in capitals no name stands
        # out by its look; the runs of two or three words between small words are the names
        writer = [word.strip(" ,&") for _, word in writer_in(bare)[:1]]
        return ", ".join(dict.fromkeys(writer + shouted_names(bare))) or None
    bare = without_last_bracket(bare, _REMARK) or bare  # "Österlins Livs AB (inte Österlins Grossist AB)"
    if many:
        bare = without_last_bracket(bare, _ASIDE_ABOUT) or bare  # "Priya Nair (new starter, set up last week)"
        bare = without_last_bracket(bare, _TITLE_ASIDE) or bare  # "James Whitfield (General Manager, Windermere)"
    if _SELF.match(bare) or re.fullmatch(SHAPES["name"], without_last_bracket(bare, _BRACKET) or bare):
        return bare
    if not many:
        return None
    folded = fold(bare)
    found = [(p.start(), bare[p.start() : p.end()]) for p in _PERSON_RE.finditer(folded)
             if person_words(p.group().lower().split())]
    # the writer among them: "Sarah Quinn and myself", "Den ska till mig själv men har hamnat hos
    # Ove Lind", "Me, and my deputy Craig Whitaker"
    found += writer_in(bare)
    return ", ".join(dict.fromkeys(name for _, name in sorted(found))) or None


def writer_in(answer: str) -> list[tuple[int, str]]:
    """Where an answer naming persons names the writer, and the word: "myself" anywhere, "me"/"jag"
    first before others, "It's me" (_SELF_WORD, _SELF_FIRST, _ITS_ME)."""
    found = [(me.start(), me[0]) for me in _SELF_WORD.finditer(answer)]
    if me := _SELF_FIRST.match(answer) or _ITS_ME.match(answer):
        found.append((0, me[1]))
    return found


def shouted_names(text: str) -> list[str]:
    """Names in a text in capitals: runs of two or three words between small words, verbs and
    business words ("DANIEL MOORE", "ANNA-KARIN LUNDQVIST"), none in brackets ("(SHE TOOK OVER ...)")."""
    found: list[str] = []
    for part in re.split(r"[,;:.!?&/]", re.sub(r"\([^()\n]*\)", " ", text[:MAX_ANSWER])):
        run: list[str] = []
        for word in [*part.split(), ""]:
            low = fold(word).lower().strip("'’\"")
            if low and low.replace("-", "").isalpha() and low not in _SHOUTED_STOP and person_words([low]):
                run.append(word)
                continue
            if 2 <= len(run) <= 3 and person_words([fold(w).lower() for w in run]):
                found.append(" ".join(run))
            run = []
    return found[:MAX_SHOUTED_NAMES]


MAX_SHOUTED_NAMES = 10
# Words of an answer in capitals that are no part of a name (NOT_NAMES and _NOT_PERSON_WORDS too).
_SHOUTED_STOP = frozenset("""
a an is was are were be been has have had do does did not no yes to of in on at by with from as or nor
went gone go goes going sent should shouldve would could will shall must may might just only still
also too very then than there here its it's im i'm me my mine our ours him her his hers them their
leave holiday maternity paternity sick off away out back until till today tomorrow yesterday week
deputy boss colleague manager chef kollega kollegan ersattare vikarie til tills
wrong right person people error message routes routed stuck sits sitting queue list approve approved
fel ratt personen felet fastnat ligger lista kon attesterad attesterat
never ever shows show up down comes came appears appear gets got see sees seen can cant cannot works work working
does doesnt didnt dont isnt wasnt syns funkar fungerar kommer aldrig
ar var har hade ska skulle kan kunde maste inte ej till fran hos av pa i med utan som men eller
gick gatt skickad skickades hamnat hamnade borde ledig sjuk semester tjanstledig foraldraledig
mig mej oss dem honom henne hennes hans deras idag imorgon igar vecka
""".split())


def shouted(value: str) -> bool:
    """A run of more words in capitals than a name has ("IT WENT TO DANIEL MOORE BUT SHOULD HAVE
    GONE TO PRIYA SHAH"): no name stands out from the words around it."""
    return value.isupper() and len(value.split()) > MAX_SHOUTED_NAME


# Words of a name in capitals read as one ("ANNA-KARIN DE LA CRUZ").
MAX_SHOUTED_NAME = 4


# "It's me who can't approve it", "Det är jag som inte kan attestera": the writer.
_ITS_ME = re.compile(r"(?i)\W*(?:it['’]?s|it\s+is|that['’]?s|det\s+är|det\s+ar)\s+(me|mig|myself|jag)\b(?!\s+(?:or|eller)\b)"
                     r"(?!\s+(?:who|that|som)\s+(?:asked|asks|frågar|frågade|fragar|fragade|writes|wrote|skriver|skrev|mailed|mejlar)\b)")


# The writer in an answer naming persons: "myself" anywhere, "me"/"jag" only first before others.
# In a list position: first, after "and"/"och"/a comma, or where it goes ("till mig själv"); not
# denied ("Anna Berg, not myself", "Inte jag själv") nor done by ("I can approve it myself").
_SELF_WORD = re.compile(r"(?i)(?:^|(?<=,)|(?<=&)|(?<=\band)|(?<=\boch)|(?<=\btill)|(?<=\bto)|(?<=\bfor)|(?<=\bför)|(?<=\bockså)|"
                        r"(?<=\balso))[ \t]*"
                        r"(?<!\bnot )(?<!\binte )\b(?:myself|jag själv|jag sjalv|mig själv|mig sjalv)\b")
_SELF_FIRST = re.compile(r"(?i)(me|mig|jag)[ \t]*(?:\([^()\n]{1,30}\)[ \t]*)?(?:,|&|\band\b|\boch\b)(?![ \t]*(?:or|eller)\b)")  # "Me (Tom) and Fiona Grant"


# A remark in brackets after a name, not its code: "(inte Österlins Grossist AB, där ...)", "(not the UK one)".
_REMARK = re.compile(r"(?i)\((?:(?:inte|ej|not|men|but|dar|där|where|which|som|och|and)\b|[^()\n]{0,60}?[-–,;][ \t]*(?:not|inte|ej)\b)"
                     r"[^()\n]*\)\s*")  # "(company code 110 in the system - not Harwick Foods Group Holdings, ...)"
# Words about a person in brackets after the name, not a code or a name: "(new starter, set up last week)".
_ASIDE_ABOUT = re.compile(r"\((?!(?:jag|mig|myself|me|i)\b)(?-i:[a-zåäö])[^()\n]{0,80}\)\s*")
# A job title in brackets after a person: "(General Manager, Windermere)", "(inköpschef, Umeå)".
_TITLE_ASIDE = re.compile(r"(?i)\((?:[\w-]+[ \t]+){0,3}?(?:manager|director|controller|officer|assistant|clerk|accountant|head|"
                          r"lead|ceo|cfo|coo|md|gm|\w*chef|\w*ansvarig|ekonom|\w*assistent|administrat\w*)\b[^()\n]{0,60}\)\s*")
# Anything in brackets at the end of a name ("Skogsgruppen Norr AB (bolag 120)").
_BRACKET = re.compile(r"\([^()\n]{1,60}\)\n?")


def without_last_bracket(value: str, bracket: re.Pattern[str]) -> str | None:
    """The value without its last "(...)" when `bracket` matches it to the end, else None. Looked
    for from the last "(", not by a regex that tries every run of spaces before a bracket: that
    was quadratic, 0.85 s for an answer line of 20,000 spaces."""
    at = value.rfind("(")
    return value[:at].rstrip() if at >= 0 and bracket.fullmatch(value, at) else None


def without_long_remark(value: str) -> str | None:
    """A name without a remark of five words and more in brackets after it ("Kestrel Ltd (company
    code 01 in your system, I believe)"); a code stays ("Skogsgruppen Norr AB (bolag 120)")."""
    kept = without_last_bracket(value, _LAST_REMARK)
    return kept if kept is not None and len(value[len(kept):].split()) >= 5 else None


_SIGNS = re.compile(r"[^\w\s-]")
# A remark after a question: "Vilket faktura-ID gäller det? (finns under Allmänt på fakturan)".
_ASIDE = re.compile(r"(?<=[?:\w])\s*\([^()\n]{0,120}\)$")
# A quoted item of a list of ours ("> * Faktura-ID (finns under Allmänt)", "> 2. Which rows"): a
# question even without its question mark.
_LISTED = re.compile(r"[>\s]*(?:[*•\-–]|\d{1,2}[.)])\s+\w")
# "Vet inte", "I don't know", "Inget felmeddelande", "No error": an answer that gives no value.
_NO_ANSWER = re.compile(r"(?i)[ \t*(-]*(?:there\s+(?:is|was)\s+|there[\x27’]s\s+|det\s+(?:finns|kommer|blir|star)\s+|"
                        r"(?:i|we|jag|vi)\s+(?:get|got|see|far|fick)\s+)?"
                        r"(?:no|none|nothing|n/?a|nej|inget|ingen|ingenting|inga|vet\s+inte|"
                        r"there\s+(?:isn\W?t|wasn\W?t|is\s+not|was\s+not)\s+(?:one|any)|"
                        r"(?:i|we|jag|vi)\s+(?:hittar|kan|can\W?t|cannot|could\s+not|couldn\W?t)"
                        r"(?:\s+(?:tyvarr|unfortunately|inte|not))*(?:\s+(?:hitta|find|locate|se|see))?|"
                        r"(?:i\s+)?don\W?t\s+know|not\s+sure|unknown|oklart|osaker)\b(?:[ \t]+\w+){0,3}[ \t]*(?:[,.;!?]|$)")


@by_identity(64)
def question_labels(specs: tuple[FieldSpec, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every label (five letters and more) as compared with a question, longest first, with the
    fields that have it ("faktura-id": invoice_id and invoice_number)."""
    found: dict[str, list[str]] = {}
    for spec in specs:
        for label in spec.all_labels():
            if len(norm_label(label)) >= 5 and spec.key not in found.setdefault(norm_label(label), []):
                found[norm_label(label)].append(spec.key)
    return tuple(sorted(((k, tuple(v)) for k, v in found.items()), key=lambda item: -len(item[0])))


def marked_answer(lines: Sequence[str], index: int, looks: bool = True, capitals: bool = False,
                  under: bool = False) -> str:
    """What follows "SVAR:" / "Answer:" on the line below a question: how customers answer
    inside an Outlook quote, where nothing else tells their text from ours. With `looks` (the
    line is in a quote of our own mail), below a question of ours the customer's line may
    instead be set apart by its look: "> Yes, 31-00982" where our text has no '>', an answer
    indented under our line, or, when the customer said so, one in capitals (`capitals`: "answers
    below in caps") or any line under the question (`under`: "Answers below in red", whose colour
    the text part does not keep; also under our hint in brackets and after one blank line), unless
    it is a hint of ours in brackets or asks itself."""
    if index + 1 >= len(lines):
        return ""
    question, at = lines[index], index + 1
    if under and not is_quoted(question):
        # "Svar i rött nedan": the answer may stand under the hint in brackets below our form line,
        # and Outlook keeps a blank line above what is typed; a line of ours there is our next
        # form line, opens with our list's dash, asks itself, offers, signs off or links
        if _BLANK_FORM_LINE.search(question) and _OUR_HINT.fullmatch(lines[at].strip()) and at + 1 < len(lines):
            at += 1
        if not lines[at].strip() and at + 1 < len(lines):
            at += 1
        if at > index + 1 and (lines[at].lstrip()[:1] in "-–•*>" or is_question(lines[at]) or _OUR_REQUEST.match(lines[at])
                               or _BLANK_FORM_LINE.search(lines[at]) or _OFFER.match(fold(lines[at][:MAX_ANSWER]))
                               or closes(lines[at]) or "://" in lines[at]):
            return ""  # (and our "Vänliga hälsningar," or "Mina ärenden: <link>" under a form line left blank)
    below = lines[at]
    if found := _ANSWER_MARK.match(below):
        # ">>" under a '>'-quoted line is a quote inside the quote, not a mark
        if is_quoted(question) and below.lstrip().startswith(">>"):
            return ""
        return " ".join([found["value"].strip(), *wrapped_on(lines, at)])
    if not looks or not below.strip() or is_quoted(question) or "@" in question or \
            not (is_question(question) or _BLANK_FORM_LINE.search(question) or under and _OUR_REQUEST.match(question)):
        return ""  # "On Mon, Support <support@...> wrote:" is a header, not a question
    if is_quoted(below) and at + 1 < len(lines) and is_quoted(lines[at + 1]):
        return ""  # a '>' quote of several lines is a quote, not one answer
    if found := _SET_APART.match(below):
        indent = len(found["indent"].expandtabs(4)) if found["indent"] else 0
        if not found["indent"] or indent >= len(question) - len(question.lstrip()) + 2:
            return found["value"].strip()
    if capitals:
        # "240518" under our question is in capitals too: nothing in it is lower case
        shaped = any(c.isdigit() for c in below) and not any(c.islower() for c in below)
        one_word = below.strip().isalpha() and below.strip().isupper() and len(below.strip()) >= 2  # "YES", "NEJ"
        return below.strip() if (in_capitals(below) or shaped or one_word) and not in_capitals(question) else ""
    # (an answer may ask back: "Ja den finns i Fortnox, ver B 302. Transaktionsnumret hittar jag inte, var står det?")
    return below.strip() if under and not below.lstrip().startswith("(") and (
        not is_question(below) or _SAYS_YES_OR_NO.match(below)) else ""


# The hint in brackets under a form line of ours: "  (under Allmänt på fakturan)".
_OUR_HINT = re.compile(r"\([^()\n]{1,200}\)")
# A blank line of our own form, "User(s): ____", "Vad vill du göra? – ____" (notify/render.py,
# form_line): the customer types the answer on the line below.
_BLANK_FORM_LINE = re.compile(r"(?::|\?[ \t]*[–-])[ \t]*_{3,}[ \t]*$")


def wrapped_on(lines: Sequence[str], index: int) -> list[str]:
    """The lines a hard-wrapped answer goes on over: after a long line, unquoted lines that start in
    lower case (">> När Karin ... står det "Användaren saknar" / "behörighet för kst 200"")."""
    out: list[str] = []
    while len(out) < 2 and index + 1 < len(lines) and wraps_on(lines[index], lines[index + 1]) \
            and not is_quoted(lines[index + 1]):
        index += 1
        out.append(lines[index].strip())
    return out


def is_question(line: str) -> bool:
    """A line of ours that asks: it ends in "?" or ":" (a remark in brackets after it aside), or
    it is an item of a list ("- Faktura-ID (finns under Allmänt)", "2. Which rows")."""
    return _ASIDE.sub("", line.rstrip()).endswith(("?", ":")) or _LISTED.match(line) is not None \
        or _QUOTED_REQUEST.match(line) is not None or _QUOTED_LABEL.fullmatch(line) is not None


# The verbs our requests open with: "Describe ...", "Ange ...", "Please tell us ...".
_ASKING = (r"describe|specify|state|tell\s+us|give\s+us|send\s+us|let\s+us\s+know|beskriv|ange|uppge|specificera|berätta|"
           r"beratta|skicka")
# A '>'-quoted request of ours ending in a full stop: "> Describe what you want to do.", "> Ange
# vilket företag det gäller." (only quoted: a customer's "Please change row 2." answers).
_QUOTED_REQUEST = re.compile(r"(?i)[ \t]*>[> \t]*(?:please[ \t]+|var[ \t]+vanlig[ \t]+och[ \t]+)?"
                             rf"(?:{_ASKING}|confirm|bekräfta|bekrafta|which|what|vilken|vilket|vilka|vad)\b[^\n]{{0,150}}\.[ \t]*$|"
                             # "> Visas något felmeddelande? Skriv i så fall vad det säger.": a question, then how to answer
                             r"[ \t]*>[> \t]*[^?\n]{3,150}\?[ \t]+(?:please[ \t]+)?(?:skriv|write|ange|beskriv|copy|paste|kopiera|"
                             r"klistra|if\s+so|i\s+s[aå]\s+fall|om\s+ja|om\s+s[aå])\b[^?\n]{0,120}\.[ \t]*$")


# A request of ours in an Outlook quote without '>', answered on the line below where the customer
# said answers stand there: "Om fakturan finns i ekonomisystemet, ange verifikationsnummer ...".
_OUR_REQUEST = re.compile(rf"(?i)[ \t]*(?:(?:if|om)\b[^,.\n]{{3,80}},[ \t]*)?(?:please[ \t]+)?(?:{_ASKING})\b[^\n]{{0,150}}\.[ \t]*$|"
                          # "Is the invoice in the financial system? If so: verification no, ... ERP transaction no."
                          r"[^?\n]{3,150}\?[ \t]+(?:if\s+so|if\s+yes|om\s+ja|om\s+s[aå]|i\s+s[aå]\s+fall)\b[^?\n]{0,150}\.?[ \t]*$")


# An answer opening with "there is no error": 'There is no error message at all, it just sits as "Waiting"'.
_SAYS_NO_ERROR = re.compile(r"(?i)\W*(?:there\s+(?:is|was)\s+|there\W?s\s+|det\s+(?:finns|kom|kommer)\s+)?(?:no|inget|ingen|"
                            r"not\s+any|never\s+an?)\s+(?:\w+\s+)?(?:error|fel|felmeddelande|message|meddelande)\b")
_SAYS_YES_OR_NO = re.compile(r"(?i)[ \t]*(?:yes|ja|no|nej)\b")


# A '>'-quoted label of ours alone on its line: "> Faktura-ID" (answered only if it names a field).
_QUOTED_LABEL = re.compile(r"[ \t]*>[> \t]*(?-i:[A-ZÅÄÖ])[\w/()-]*(?:[ \t]+[\w/()-]+){0,3}[ \t]*")


# The customer says their answers are in capitals: "see my answers below in caps", "svar i versaler".
_IN_CAPITALS = re.compile(r"(?i)\b(?:in\s+(?:caps|capitals|capital\s+letters|upper\s*case|block\s+letters)|"
                          r"i\s+versaler|med\s+(?:stora|versala)\s+bokstaver|versalt)\b")
# The customer says their answers stand under our questions: "Answers below in red", "se mina svar
# i texten", "svar under dina frågor", "svar direkt i mejlet", "replies inline" (matched on folded text: "rott", "blatt").
ANSWERS_UNDER = re.compile(r"(?i)\b(?:answers?|answered|replies|replied|comments?|svar|svaren|svarar|svarat|"
                            r"kommentarer|kommenterat)\b[^.!?\n]{0,40}?\b(?:below|inline|in\s+line|in\s+(?:red|blue|green|"
                            r"colou?r|bold)|nedan|inne\s+i|direkt\s+i|i\s+(?:rott|blatt|gront|fetstil|texten|mejlet|"
                            r"mailet|din\s+text)|under\s+(?:(?:dina|era|varje|your|each|the)\s+)?(?:fragor\w*|fraga|questions?))\b")
# Lines of the new text looked at for that, and questions of ours read per mail.
MAX_NEW_LINES = 200
MAX_QUESTIONS = 100
# Of those, the first this many may have a text answer read that nothing sets apart (each such
# reading weighs the field's candidates: a hundred took 95 ms, the session 27 review).
MAX_TEXT_ANSWERS = 10


def in_capitals(line: str) -> bool:
    """A line of at least two words written in capitals ("ALL ROWS, 1-4"), not a shout of one
    and not a list of codes ("DHL-GB-447802, DHL-GB-447911")."""
    words = [w for w in (x.strip(".,;:!?\"'()") for x in line.split()) if len(w) >= 2 and w.isalpha()]
    return len(words) >= 2 and all(c.isupper() for c in line if c.isalpha())


# A customer's line under our question in an Outlook quote, set apart by a '>' our text lacks or
# by being indented further; our own hints "(...)" are indented too, and are no answer.
_SET_APART = re.compile(r"(?:>[ \t]*|(?P<indent>[ \t]{2,})(?![(>]))(?P<value>[^\s(_].*)")
# The arrows a customer types an answer after: "-> Ja", "--> 33122", "=> inget fel", "→ 4410".
_ARROWS = r"-{1,2}>|=>|→"
# "SVAR: 3345120", "A: 5120", "--> Ja", ">> Henrik Forsberg", "JS: Alla rader", "[JS] Alla rader",
# "KARIN: Rad 3" (the customer's initials or name).
_ANSWER_MARK = re.compile(r"\s*(?!\[?(?:NOTE|OBS|PS|FYI|EXTERNAL|EXTERN|VIKTIGT|IMPORTANT|WARNING|VARNING|INFO|TIPS|CAUTION)\b)"
                          r"(?:(?:SVAR|Svar|ANSWER|Answer|A|[A-ZÅÄÖ]{2,12})\s*:|\[[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,11}\]:?|"
                          rf"{_ARROWS}|>>)\s*(?P<value>\S.*)")


# An error "text" that says there was none: "inget", "none", "No error.", "Inget fel", "-".
# Matched at the start: what follows is a remark ("inget fel, knappen är bara grå"), while "Ingen
# attestant hittad" and "No approver found." are error texts.
_NO_ERROR = re.compile(r"(?i)\s*+(?:(?:no|nope|nej)(?:\s*+,\s*+|\s++)(?=no\b|none|nothing|inget|ingen|inga))?"
                       r"(?:no|none|nothing|n/?a|nej|inget|ingen|ingenting|inga|-+|—)"
                       r"(?:\s+(?:error|errors|fel|felmeddelande\w*|message|meddelande))?\s*(?:[.!,;]|$)")
# An error's "text" that only points elsewhere: "(se nedan)", "see the attached screenshot".
_ELSEWHERE = re.compile(r"(?i)[\s(\-–]*(?:(?:please\s+)?(?:see|se)\s+(?:the\s+)?(?:below|above|nedan|ovan|attached|attachment|enclosed|"
                        r"bifogad\w*|bilaga\w*|screenshot|skarmdump\w*|bild\w*)(?:\s+\w+){0,2}|"
                        # "he gets an error (screenshot attached)", "(skärmdump bifogad)"
                        r"(?:a\s+|the\s+|en\s+)?(?:screenshot|screen\s*shot|print\s*screen|skarmdump\w*|skarmbild\w*|bild\w*)\s+"
                        r"(?:is\s+|ar\s+)?(?:attached|enclosed|bifogad\w*|bifogas|bifogat)|(?:attached|bifogad\w*)\s+"
                        r"(?:screenshot|skarmdump\w*|skarmbild\w*|bild\w*)|"
                        # "the one in the screenshot I sent on Monday", "samma som i bilden"
                        r"(?:the\s+one|the\s+same\s+one|same\s+one|den|det|samma|samma\s+som)\s+(?:in|on|i|pa)\s+(?:the\s+|my\s+)?"
                        r"(?:screenshot|screen\s*shot|attachment|picture|skarmdump\w*|skarmbild\w*|bild\w*|bilagan)(?:\s+\w+){0,5}|"
                        # "As above", "samma som ovan", "same as before": the text is told elsewhere
                        r"(?:as|same\s+as|samma\s+som|som)\s+(?:above|before|earlier|ovan|tidigare|innan|forut))[\s).!]*")


# ... in a picture: "the one in the screenshot I sent on Monday", "se bifogad skärmdump".
_SCREEN_ONLY = re.compile(r"(?i)\b(?:screenshot|screen\s*shot|print\s*screen|picture|skarmdump\w*|skarmbild\w*|bild\w*)\b")


_LEADING_LABEL = re.compile(r"^\s*\w{3,20}\s*:\s*")

# What an error came in, named instead of its words: "he gets an error message pop up".
_ONLY_A_BOX = re.compile(r"(?i)(?:an?\s+|the\s+|a\s+red\s+)?(?:pop[\s-]?up|box|window|banner|dialog(?:ue)?|ruta|rutan)"
                         r"(?:\s+(?:box|window|ruta))?")


def no_error_text(value: str) -> bool:
    """An error field's value that gives no error's text: "Felmeddelande: inget", "Error: none",
    "nej inget fel, den sparar bara inte", "(se nedan)" ("No invoices to approve" is one), after
    the label if the value holds one ("felmedelande: nej inget fel" in a numbered answer)."""
    folded = _LEADING_LABEL.sub("", _SPACES.sub(" ", fold(value[:MAX_ANSWER])), count=1)
    return _NO_ERROR.match(folded) is not None or _ELSEWHERE.fullmatch(folded) is not None \
        or _PARAPHRASE.match(folded) is not None or _ONLY_A_BOX.fullmatch(folded.strip(" .!,")) is not None \
        or _POINTER_THEN_REMARK.match(folded) is not None \
        or not _QUOTE_MARK.search(folded) and (_CLOSED_UNREAD.search(folded) is not None
                                               or (read := _NOT_READ.search(folded)) is not None
                                               and _READER_BEFORE.search(folded, 0, read.start()) is not None)
    # ("..., didn't catch what it said", "she closed it before reading it properly")


# A pointer in brackets, then the writer's own words: "(see screenshot) and it just sits there".
_POINTER_THEN_REMARK = re.compile(r"(?i)[ \t]*\([ \t]*(?:please[ \t]+)?(?:see|se)[ \t]+[^()\n]{1,40}\)[ \t]*[,.;]?[ \t]*"
                                  r"(?:and|och|but|men|then|sen|so|sa|which|vilket)\b"
                                  # (not "(se bild) men det står Attestgräns överskriden": its words follow)
                                  r"(?![^\n]{0,80}(?:says|said|star|stod|shows|visar|[\"“”:]))")
# A message closed unread: "she closed it before reading it properly", "stängde den innan jag hann läsa".
_CLOSED_UNREAD = re.compile(r"(?i)\b(?:closed|dismissed|clicked\s+(?:it\s+)?away|stangde|klickade\s+bort)\s+(?:(?:it|the\s+\w+|den|det|rutan)\s+)?"
                            r"(?:before|innan)\s+(?:reading|seeing|(?:i|we|he|she|they|jag|vi|han|hon|de)\s+(?:\w+\s+)?(?:read|saw|las\w*|sag))\b")
# Who did not read it, just before "didn't catch": the customer ("I", "he", after a comma), not the
# system's own words ("Could not read the message header", "You cannot see it until ...").
_READER_BEFORE = re.compile(r"(?i)(?:\b(?:i|we|he|she|they|jag|vi|han|hon|de|but|men|and|och|sorry)|[,;(])\s*$")


# An error told in the customer's words, not copied: "something about the cost centre but I closed it".
# ("an error about his limits": the value read starts at "about")
_PARAPHRASE = re.compile(r"(?i)\s*(?:(?:something|sth|nagot|nat)\s+(?:(?:popped|came|comes|pops|kom|dok|dyker)\s+up(?:p)?\s+)?"
                         r"(?:about|like|with|regarding|om|med|i\s+stil\s+med)|"
                         r"about|regarding|concerning)\b")


# An arrow a customer starts an answer with.
_ARROW = re.compile(rf"^\s*(?:{_ARROWS})\s*")
# Our quoted question with the customer's answer after an arrow on the same line:
# "> Faktura-ID? --> 33122", "Vad står i kolumnen Överförd? -> Ja".
_ANSWERED_ON_LINE = re.compile(rf"(?P<question>[ \t>]*+[^\n \t][^\n]{{2,159}}?\?)[ \t]+(?:{_ARROWS})[ \t]*(?P<value>\S.*)")
# ... or in the next cell of our question's row: a tab or a wide gap after it (answered_in_cell).
_CELL_GAP = re.compile(r"\t+|[ ]{3,}")


def answered_in_cell(line: str) -> dict[str, str] | None:
    """Our question and the customer's answer in the next cell of its row ("Vad vill du
    göra?<tab>Ta bort rad 2"), found by the first gap after the question's words: one pass over the
    line (a regex of both parts backtracked for seconds over a line of spaces)."""
    lead = len(line) - len(line.lstrip(" \t>"))
    gap = _CELL_GAP.search(line, lead)
    if gap is None or not 3 <= gap.start() - lead <= 160:
        return None
    value = line[gap.end() :]
    return {"question": line[: gap.start()], "value": value} if value[:1] and value[0] not in " \t_" else None


def answer_below(lines: Sequence[str], index: int, last: bool = False) -> list[int]:
    """Unquoted lines typed below a quoted form line, up to a blank or quoted line: right below
    it, or after one blank line (a mail program's spacing around inline answers) when the quote
    goes on after them, so the sign-off under the last quoted line is no answer (`last`: it may be,
    for a caller that takes only labelled values from it)."""
    start = index + 1
    spaced = start + 1 < len(lines) and not lines[start].strip() and not is_quoted(lines[start + 1])
    start += spaced
    found = []
    for i in range(start, min(start + 5, len(lines))):
        if not lines[i].strip() or is_quoted(lines[i]):
            break
        found.append(i)
    if spaced and found:
        # (an answer above our own closing in an Outlook quote without '>': "Ja, ... står det "..."."
        # over "Med vänlig hälsning / Support"; a closing of the customer's own is no answer)
        after = next((line for line in lines[found[-1] + 1:found[-1] + 3] if line.strip()), "")
        closed = closes(after) and not any(closes(lines[i]) for i in found)
        return found if last or is_quoted(after) or closed else []
    return found


def extract(specs: Sequence[FieldSpec], source: Source) -> dict[str, str]:
    """Values of these fields found in the mail, as strings, keyed by field key."""
    return extract_candidates(specs, source)[0]


def extract_candidates(specs: Sequence[FieldSpec], source: Source) -> tuple[dict[str, str], dict[str, Candidate]]:
    """The values that count (best candidate at or above THRESHOLD) and, for fields without one,
    the best candidate below it: a value the customer can be asked to confirm."""
    out: dict[str, str] = {}
    unsure: dict[str, Candidate] = {}
    for spec in specs:
        if spec.key in out or spec.key in unsure:
            continue
        found = best_candidate(spec, source)
        if found and _PLACEHOLDER.fullmatch(found.value):
            found = None  # "Users TBC - I'll come back to you on that": none given yet
        elif found and spec.many and spec.kind == "name" and any(_PLACEHOLDER.fullmatch(x) for x in split_names(found.value)):
            kept = [x for x in split_names(found.value) if not _PLACEHOLDER.fullmatch(x)]  # "Company: N/A" beside Tom Reed
            found = replace(found, value=", ".join(kept)) if kept else None
        if found and spec.key == INVOICE_ID and found.evidence != "label" and _NO_ID.search(source.folded) \
                and called_a_number(found.value, source.folded):
            # "Jag hittar inget Faktura-ID, men det är fakturan ... med fakturanummer 10045": the
            # supplier's number, shown to be confirmed, never taken as the id
            found = replace(found, score=min(found.score, EVIDENCE["shape"]))
        if found and found.score >= THRESHOLD:
            out[spec.key] = found.value
        elif found:
            unsure[spec.key] = found
    said = source.answers.get(ERROR_TEXT, "")
    if said and ERROR_TEXT not in out and ERROR_SHOWN not in out and any(s.key == ERROR_SHOWN for s in specs) \
            and not _QUOTE_MARK.search(said) and (_ONLY_AN_ERROR.search(fold(said)) or _NOT_READ.search(fold(said))):
        # our error question answered "Det kom upp ett fel ... men jag hann inte läsa det": one was
        # shown, its text not given, so it is asked for (the error rule)
        out[ERROR_SHOWN] = "yes"
        unsure.pop(ERROR_SHOWN, None)
    out = without_person_in(out, specs, source.folded)
    out = with_company_in_passing(out, unsure, specs, source)
    companies_read = [s.key for s in specs if s.kind == "name" and not s.many and s.key in out]
    if companies_read and company_unsettled(source):
        # "Det gäller ett av dotterbolagen, jag återkommer om exakt vilket": the company is asked
        # for, not taken from the signature's group or a name in passing
        out = {k: v for k, v in out.items() if k not in companies_read}
    if (told := _SAYS_THEN.match(out.get(ERROR_TEXT, ""))) and words(told["text"]) >= 3 \
            and _SHOWER.search(out[ERROR_TEXT], 0, told.start("text")):
        out[ERROR_TEXT] = told["text"].strip()  # "No pop-up, but in the invoice history it says: Step skipped - ..."
    correcting = any(word in source.words[:CORRECTION_TEXT] for word in (" not ", " inte ", " ej ", "sorry", "oops",
                                                                            "ursakta", "forlat"))
    for spec in specs:
        if correcting and spec.kind in ("id", "number", "code") and spec.key in out and (
                fixed := corrected_id(out[spec.key], source.folded, invoice_id=spec.key == INVOICE_ID)):
            out[spec.key] = fixed  # "Note it's 2201-77, not 2201-71 as he wrote" above a forwarded mail
        if spec.kind == "id" and spec.key in out and theirs(out[spec.key], source.folded, labelled=spec.key == INVOICE_ID):
            del out[spec.key]  # "fakturanr 4410 på deras faktura": the supplier's number, not ours
        if spec.many and spec.kind == "name" and spec.key in out and source.voices:
            out[spec.key] = only_those_named_above(out[spec.key], source)  # "The others never had logins"
        if spec.kind == "rows" and spec.key in out and (fixed := corrected_rows(out[spec.key], source.folded)):
            out[spec.key] = fixed  # "rad 5 – förlåt, rad 6 menar jag", "I said rows 5 and 6, but I miscounted - it's rows 6 and 7"
        elif spec.kind == "rows" and spec.key in out and _ROW_LIST.fullmatch(out[spec.key]):
            out[spec.key] = with_more_rows(out[spec.key], source)  # "..., and row 3 should be deleted"
        if spec.key == INVOICE_ID and spec.key in out and (ours := our_id_beside(out[spec.key], source.folded)):
            out[spec.key] = ours  # "fakturanr 2024-0915 (ID 663019 i systemet)": the bracket gives our id
        if spec.many and spec.kind == "name" and spec.key in out and any(c.isdigit() for c in out[spec.key]):
            # "Elin Forsberg, Attestant, beloppsgräns 50 000 kr": the role's limit is no one it concerns
            kept = [x for x in split_names(out[spec.key]) if not _AMOUNT_ITEM.search(fold(x).strip())]
            if kept:
                out[spec.key] = ", ".join(kept)
    if out.get(ERROR_TEXT, "").endswith((" –", " —", " -")):
        out[ERROR_TEXT] = out[ERROR_TEXT].rstrip(" –—-")  # "får felet X – trots att ...": the dash is the sentence's
    out = anothers_erp_numbers(out, specs, source)
    companies = {fold(out[s.key]).lower() for s in specs if s.kind == "name" and not s.many and s.key in out}
    for spec in specs:
        if spec.many and spec.kind == "name" and spec.key in out and companies:
            # A company has its own field: "Region Sörmark" is not also whom the case concerns, and
            # "deactivate Anna in Cobalt Marine Services Ltd" concerns Anna.
            # ("South Wales" of "Brightwater Facilities (South Wales) Ltd" is the company's too, not
            # "Erik Sund" of "Erik Sund i Nordbygg Väst AB")
            kept = list(dict.fromkeys(without_company(x, companies, source) for x in split_names(out[spec.key])
                                      if not any(words_in(c, fold(x).lower()) and not c.startswith(f"{fold(x).lower()} i ")
                                                 and only_in_company(x, c, source.words) for c in companies)))
            if kept:
                out[spec.key] = ", ".join(kept)
            else:
                del out[spec.key]
        # Examples written out and no Invoice No singled out: each shows the problem, so the first
        # is the invoice to look at (a field counted with a list takes its first written item),
        # unless the customer says none of them is still in Verification, or that they do not know
        # its number ("I don't know the Invoice No of the one I had open ... five others: 31120, ...").
        for other in spec.count_with:
            if other not in out and spec.key in out and not _NONE_LEFT.search(source.folded) \
                    and not _NOT_KNOWN_ID.search(source.folded):
                if (first := first_written(out[spec.key])) and not other_number_first(first, source):
                    out[other] = first
                    unsure.pop(other, None)
        if spec.key not in out and any(key in out for key in spec.implied_by):
            out[spec.key] = "yes"  # "Fortnox: ver 812, serie A": it is in the financial system
            unsure.pop(spec.key, None)
        elif out.get(spec.key) == "no":
            # "not in Visma ... Invoice 30209 went through fine (ver A 1188 in Visma)": an invoice
            # not in the financial system has no numbers there; those read are another's
            for key in spec.implied_by:
                out.pop(key, None)
                unsure.pop(key, None)
    return out, unsure


# The writer says which company is not settled yet: "one of our subsidiaries", "ett av dotterbolagen",
# "I'll confirm the exact company name", "jag återkommer om vilket bolag".
_COMPANY_UNSETTLED = re.compile(
    r"(?i)\b(?:(?:one|any)\s+of\s+(?:our|the)\s+(?:other\s+)?(?:companies|subsidiaries|entities|group\s+companies)|"
    r"(?:ett|något|nagot)\s+av\s+(?:våra\s+|vara\s+|de\s+andra\s+)?(?:dotterbolag|bolag)(?:en)?)\b"
    r"(?![ \t]*[,:(–-]?[ \t]*(?-i:[A-ZÅÄÖ]))"  # ("one of our companies, Nordbygg AB" names it)
    r"|\b(?:i\W?ll|i\s+will|we\W?ll|we\s+will|jag|vi)\s+(?:confirm|let\s+you\s+know|come\s+back|get\s+back|check|"
    r"aterkommer|meddelar|bekraftar|kollar)\b[^.!?\n]{0,60}?\b(?:which\s+(?:company|one)|the\s+(?:exact\s+)?company(?:\W?s)?\s+name|"
    r"(?:om|med)\s+(?:exakt\s+)?vilket(?:\s+bolag)?|vilket\s+bolag|bolagets\s+namn)\b")
UNSETTLED_TEXT = 6_000
# Words one of _COMPANY_UNSETTLED's phrases holds, looked for first (most mails hold none).
_UNSETTLED_WORDS = ("compan", "bolag", "subsidiar", "entit", "which one")


def company_unsettled(source: Source) -> bool:
    """Whether the writer says which company is not settled yet (_COMPANY_UNSETTLED)."""
    head = source.words[:UNSETTLED_TEXT]
    return any(word in head for word in _UNSETTLED_WORDS) and _COMPANY_UNSETTLED.search(source.folded, 0, UNSETTLED_TEXT) is not None


def corrected_id(value: str, folded: str, invoice_id: bool = False) -> str | None:
    """The id the writer puts in place of the one read: "it's 2201-77, not 2201-71", "det är 4471-23,
    inte 4471-32" (the first such correction of `value` in the mail's first CORRECTION_TEXT characters)."""
    for fix in islice(_ITS_NOT.finditer(folded, 0, CORRECTION_TEXT), 5):
        if fix["bad"] == value and plausible("id", fix["good"]) \
                and _CORRECTING.search(folded, max(0, fix.start() - 40), min(len(folded), fix.end() + 40)):
            return fix["good"]
    # "transaction 55-0091... sorry, that's the wrong one, the transaction no. is 55-0118": the
    # number right before a "sorry", taken back; looked for from each "sorry" (a regex starting at
    # every number was quadratic on "111/111/...", the session's review)
    for sorry in islice(_SORRY.finditer(folded, 0, CORRECTION_TEXT), 5):
        before = folded[max(0, sorry.start() - len(value) - SORRY_GAP) : sorry.start()]
        if not re.search(rf"(?<![\w/-]){re.escape(value)}[.…,;:–\s-]*$", before):
            continue
        taken = _TAKEN_BACK.match(folded, sorry.end()) or (_ID_SAID.match(folded, sorry.end()) if invoice_id else None)
        if taken and taken["good"] != value and plausible("id", taken["good"]) \
                and (taken.re is not _TAKEN_BACK or taken["wrong"] or shape_of(taken["good"]) == shape_of(value)):
            return taken["good"]
    return None


def corrected_rows(value: str, folded: str) -> str | None:
    """The rows the writer puts in place of the rows read, right after them: "rad 5 – förlåt, rad 6
    menar jag", "Please change row 2 - sorry, I mean row 3", "I said rows 5 and 6, but I miscounted
    - it's rows 6 and 7", "Sorry - not row 5, I mean row 6" (the first such correction in the mail's
    first CORRECTION_TEXT characters; the rows taken back leave the rows read)."""
    have = rows_numbers(value)
    fixes = chain(islice(_ROWS_CORRECTED.finditer(folded, 0, CORRECTION_TEXT), 5),
                  islice(_ROWS_NOT_BUT.finditer(folded, 0, CORRECTION_TEXT), 5))
    for fix in fixes:
        bad = rows_numbers(fix["bad"])
        if set(bad) <= set(have) and (now := list(dict.fromkeys(
                [r for r in have if r not in bad] + rows_numbers(fix["good"])))) != have:
            return ", ".join(now)
    return None


_ROWS_CORRECTED = re.compile(
    r"(?i)\b(?:rows?|lines?|rad|raden|rader|raderna)[ \t]+(?P<bad>\d{1,3}(?:[ \t]*(?:,|and|och|&)[ \t]*\d{1,3}){0,4})"
    r"[ \t]*[,;:–—-]*[ \t]*(?:(?:but|men)[ \t]+)?(?:sorry|forlat|oops|ursakta|nej[ \t]+forresten|i[ \t]+mean|i[ \t]+meant|"
    r"jag[ \t]+menar|i[ \t]+miscounted|jag[ \t]+raknade[ \t]+fel|i[ \t]+was[ \t]+wrong)\b[^.!?\n\d]{0,30}?"
    r"\b(?:rows?|lines?|rad|raden|rader|raderna)[ \t]+(?P<good>\d{1,3}(?:[ \t]*(?:,|and|och|&|[-–])[ \t]*\d{1,3}){0,4})")


# ... or the rows taken back first: "not row 5, I mean row 6", "inte rad 5 utan rad 6".
_ROWS_NOT_BUT = re.compile(
    r"(?i)\b(?:not|inte|ej)[ \t]+(?:rows?|lines?|rad|raden|rader|raderna)[ \t]+(?P<bad>\d{1,3}(?:[ \t]*(?:,|and|och|&)[ \t]*\d{1,3}){0,4})"
    r"[ \t]*[,;:–—-]*[ \t]*(?:i[ \t]+mean|i[ \t]+meant|jag[ \t]+menar|but|utan)[ \t]+(?:it\W?s[ \t]+|det[ \t]+ar[ \t]+)?"
    r"(?:rows?|lines?|rad|raden|rader|raderna)[ \t]+(?P<good>\d{1,3}(?:[ \t]*(?:,|and|och|&|[-–])[ \t]*\d{1,3}){0,4})")


def theirs(value: str, folded: str, labelled: bool = False) -> bool:
    """An id said, where it is first written, to be the supplier's own number on their invoice; with
    `labelled`, also one written after "their invoice no." (the Invoice ID is ours; the Invoice No
    of an invoice in Verification is the supplier's number, and rightly so)."""
    at = next(written_at(value, folded), -1)
    return at >= 0 and (_ON_THEIR_INVOICE.match(folded, at + len(value)) is not None
                        or labelled and _THEIR_NUMBER.search(folded, max(0, at - 40), at) is not None) \
        and not _OUR_ID_LABEL.search(folded, max(0, at - 25), at)


def only_those_named_above(value: str, source: Source) -> str:
    """The people the writer names above a forwarded list, where they say the list's others are none
    of the case ("Please deactivate Claire Benton - she's on the list below. The others never had
    logins"); all of them otherwise, and where none is named above."""
    above = source.folded[: source.voices[0][0]]
    if not _OTHERS_NOT_CONCERNED.search(above):
        return value
    kept = [name for name in split_names(value) if next(written_at(fold(name), above), -1) >= 0]
    return ", ".join(kept) if kept else value


# "The others never had logins", "de andra har aldrig haft något konto", "the rest aren't users".
_OTHERS_NOT_CONCERNED = re.compile(
    r"(?i)\b(?:the[ \t]+others|the[ \t]+rest(?:[ \t]+of[ \t]+them)?|(?:all[ \t]+)?the[ \t]+other[ \t]+(?:names|people|ones|leavers|starters)|"
    r"de[ \t]+andra|de[ \t]+ovriga|resten|ovriga)[ \t]+(?:[\w-]+[ \t]+){0,2}?(?:never|don\W?t|do[ \t]+not|didn\W?t|aren\W?t|are[ \t]+not|"
    r"weren\W?t|were[ \t]+not|haven\W?t|have[ \t]+not|had[ \t]+no|har[ \t]+(?:aldrig|inte|inga|ingen|inget)|"
    r"hade[ \t]+(?:aldrig|inte|inga|ingen|inget)|finns[ \t]+inte|ar[ \t]+inte|berors[ \t]+inte)\b"
    # ... of what they had in the system ("the others don't need doing until Friday" is when)
    r"[ \t]+(?:[\w-]+[ \t]+){0,3}?(?:logins?|log[ \t]+in|accounts?|access|users?|konto\w*|inloggning\w*|behorighet\w*|"
    r"anvandare|i[ \t]+systemet|in[ \t]+the[ \t]+system)\b")


def with_more_rows(value: str, source: Source) -> str:
    """The rows read, and the rows a later request of the mail opens with ("dela rad 2 ... Rad 3 ska
    också till 420", "change the project on row 1 ..., and delete row 3 altogether"); never a row
    named only as what another is like ("a duplicate of row 2"), one said to stay ("Rad 3 ska inte
    ändras", "row 4 should stay as it is"), or any in a mail about one row ("bara rad 1 är fel").
    ("2. The project code on row 3 is wrong" opens with its project code: not read.)"""
    have = rows_numbers(value)
    more: list[str] = []
    if _JUST_ONE_ROW.search(source.folded, 0, MORE_ROWS_TEXT):
        return value
    for match in islice(_ANOTHER_ROW.finditer(source.folded, 0, min(source.content_end, MORE_ROWS_TEXT)), MAX_MORE_ROWS):
        row = match["row"]
        if row not in have and row not in more and not _ROW_LEFT_AS_IT_IS.match(source.folded, match.end("row")):
            more.append(row)
    return ", ".join([value, *more]) if more else value


# Where the later requests of a mail are looked for, and how many rows they may add.
MORE_ROWS_TEXT = 3_000
MAX_MORE_ROWS = 5
# A row opening a request: at a sentence's, item's or clause's start, or after a verb that acts on
# it, and followed by what should happen to it ("rad 3 ska också till 420", "Row 3 is a duplicate of
# row 2 and should be deleted", "delete row 4", "rad 2 till Johan Ek"); matched folded.
_ANOTHER_ROW = re.compile(
    r"(?i)(?:(?:^|[.!?;:\n]|\d\)|(?<![\w,])[-*•])[ \t]*|\b(?:and|och|also|aven|ocksa|then|sen|plus)[ \t]+|,[ \t]+)"
    r"(?:(?P<verb>delete|remove|drop|ta[ \t]+bort|radera|stryk)[ \t]+)?(?:(?:the|coding|den)[ \t]+)?"
    r"(?:row|line|rad|raden|konteringsrad(?:en)?|kodningsrad(?:en)?)[ \t]+(?P<row>\d{1,2})\b"
    r"(?![ \t]*(?:,|and|och|&|-|–|to|till|\+)[ \t]*(?:(?:rows?|rad|raden)[ \t]+)?\d)"
    r"(?(verb)|[ \t]+(?:(?:also|too|as[ \t]+well|ocksa|aven)[ \t]+)?(?:should|needs?|must|has[ \t]+to|ska|skall|behover|maste|bor|borde|"
    r"is[ \t]+(?:a[ \t]+)?(?:duplicate|wrong|incorrect)|ar[ \t]+(?:en[ \t]+)?(?:dubblett|fel)|(?:till|to)[ \t]+(?-i:[A-ZÅÄÖ])))")
# A row a later sentence leaves as it is: "row 4 should stay", "rad 3 ska vara kvar", "row 1 is fine".
_ROW_LEFT_AS_IT_IS = re.compile(r"(?i)[ \t]+(?:[\w-]+[ \t]+){0,3}?(?:stay|remain|be[ \t]+left|kvar|stanna|fine|ok|okay|"
                                r"(?:is|are|ar|was|var)[ \t]+(?:\w+[ \t]+)?(?:correct|ratt|right)|not|n\W?t|inte|ej|no|"
                                r"as[ \t]+(?:it[ \t]+is|before)|som[ \t]+(?:(?:den|det|de)[ \t]+ar|forut|nu|innan)|"
                                r"unchanged|oforandrad|untouched|orord)\b")
# "Det är bara rad 1 som är fel", "it's only row 3": one row, whatever else is named.
_JUST_ONE_ROW = re.compile(r"(?i)\b(?<!not )(?<!inte )(?:only|just|bara|endast|enbart)[ \t]+(?:on[ \t]+|pa[ \t]+)?(?:row|line|rad|raden)[ \t]+\d")


def our_id_beside(value: str, folded: str) -> str | None:
    """The id a bracket right after an invoice's number says it has in our system ("fakturanr
    2024-0915 (ID 663019 i systemet)", "invoice no. 2024-117 (ID 88213)"): the number before it is
    the one the supplier printed, unless it is labelled ours already."""
    at = next(written_at(value, folded), -1)
    if at < 0 or _OUR_ID_LABEL.search(folded, max(0, at - 25), at):
        return None  # "Invoice ID 663019 (our ID 4410)": ours already, theirs in the bracket
    beside = _OUR_ID_BESIDE.match(folded, at + len(value))
    return beside["id"] if beside and beside["id"] != value and plausible("id", beside["id"]) else None


# ("our ID", "vårt id", "hos oss" in the bracket are the customer's own system's: not read)
_OUR_ID_BESIDE = re.compile(r"(?i)[ \t]*\([ \t]*(?:invoice[ \t]+id|faktura-?id|id)[ \t.:#]*"
                            r"(?P<id>\d[\d-]{2,18}\d)[ \t]*(?:(?:i[ \t]+systemet|in[ \t]+(?:the|your)[ \t]+system|"
                            r"hos[ \t]+er)[ \t]*)?\)")


# ("fakturanr 4410 på deras faktura, 8 750 kr": the clause ends there; not "Invoice ID 88213 (on the
# supplier's invoice it says 2024-0117)", whose bracket gives their number)
_ON_THEIR_INVOICE = re.compile(r"(?i)[ \t]*(?:\(?[ \t]*(?:pa|on|i|in)[ \t]+(?:deras|leverantorens|their|the[ \t]+supplier\W?s)[ \t]+"
                               r"(?:faktura|invoice|papper|paper\s+copy)(?![\w-]))[ \t]*(?:[),.;:!?\n]|$)")
# ("deras fakturanr 7718820", "their invoice no. 9920113", "the supplier's invoice number 2024-117")
_THEIR_NUMBER = re.compile(r"(?i)\b(?:deras|leverantorens|their|the[ \t]+supplier\W?s|supplier\W?s)[ \t]+(?:own[ \t]+|egna[ \t]+)?"
                           r"(?:faktura[ \t-]*(?:nr|nummer|no)|invoice[ \t]*(?:no|nr|number|num|#|ref\w*))[ \t.:#]*$")
_OUR_ID_LABEL = re.compile(r"(?i)\b(?:invoice[ \t]+id|faktura-?id|id)[ \t.:#-]*$")


# Where someone has the role already, not where it is wanted: "Hon har den redan i Kronan Service AB",
# "she already has that role in Kestrel Ltd" (not "Hon finns redan i Kronan Service AB": a user there).
_HAS_IT_THERE = re.compile(r"(?i)\b(?:(?:har|has|have)[ \t]+(?:den|det|rollen|behorigheten|it|that(?:[ \t]+role)?|the[ \t]+(?:same[ \t]+)?role)"
                           r"[ \t]+(?:redan|already)|(?:redan|already)[ \t]+(?:har|has|have)[ \t]+(?:den|det|rollen|it|that(?:[ \t]+role)?|"
                           r"the[ \t]+(?:same[ \t]+)?role))[ \t]+(?:i|pa|in|at|on|for)[ \t]+(?:bolaget[ \t]+|the[ \t]+company[ \t]+)?$")


# The same wanted elsewhere too: "även i det andra bolaget", "in the other company as well" (not
# "Tom has the role already in Kestrel Ltd, please remove it": the company it is removed from).
_ALSO_ELSEWHERE = re.compile(r"(?i)\b(?:(?:det|the)[ \t]+(?:andra|other)[ \t]+(?:bolaget|company)|another[ \t]+company|ett[ \t]+annat[ \t]+bolag|"
                             r"(?:aven|ocksa)[ \t]+i\b|(?:too|as[ \t]+well)\b)")


# A number taken back right after it is written ("55-0091... sorry, ..."): what may stand between them.
SORRY_GAP = 6
_SORRY = re.compile(r"(?i)\b(?:sorry|oops|ursakta|forlat)\b")
# ... and the one put in its place: another of its shape right after ("sorry, 55-0118"), or after
# the writer says it was wrong ("sorry, that's the wrong one, the transaction no. is 55-0118").
_TAKEN_BACK = re.compile(rf"(?i)[,:;\s]{{0,4}}(?:(?P<wrong>(?:that\W?s|that\s+was|it\W?s|it\s+was|det\s+var|det\s+ar)\s+"
                         rf"(?:the\s+)?(?:wrong|fel)\b[^!?\n]{{0,60}}?\b(?:is|ar|should\s+be|ska\s+vara)[:\s]+)|(?:i\s+mean|jag\s+menar)\s+)?"
                         rf"(?P<good>{_ID})(?![\w-])")
# ... or, for the Invoice ID, the one named as it right after: "– sorry, the Invoice ID in the General section is 771204".
_ID_SAID = re.compile(rf"(?i)[,:;\s]{{0,4}}(?:the\s+|our\s+)?(?:invoice\s+id|faktura-?id|id)\b[^!?\n]{{0,40}}?\b(?:is|ar)[:\s]+"
                      rf"(?P<good>{_ID})(?![\w-])")


# Words that make "it's X, not Y" a correction, not which one went fine ("Den som gick igenom igår,
# det är 2201-77, inte 2201-71"): "Note it's ...", "as he wrote", "sorry", "typo", "rättelse".
_CORRECTING = re.compile(r"(?i)\b(?:note|obs|sorry|oops|correction|typo|my\s+mistake|i\s+mean|as\s+(?:he|she|they|i|we)\s+wrote|"
                         r"wrote|ursakta|forlat|rattelse|skrev|menade|jag\s+menar|felskrivning)\b")


_ITS_NOT = re.compile(rf"(?i)\b(?:it\W?s|it\s+is|that\W?s|det\s+ar|ratt\s+(?:id\s+)?ar|the\s+(?:right|correct)\s+(?:one|id)\s+is)"
                      rf"\s+(?P<good>{_ID}),?\s+(?:not|inte|ej)\s+(?P<bad>{_ID})\b")
CORRECTION_TEXT = 6_000


def only_in_company(name: str, company: str, words: str) -> bool:
    """A name written nowhere but inside the company's name ("South Wales" of "Brightwater Facilities (South
    Wales) Ltd"), not an owner named on their own too ("add Lars Persson ... in Lars Persson Åkeri AB").
    `words` is the mail's folded text in lowercase (Source.words)."""
    head = _REMARK_IN.sub("", company)  # "region sormark (bolagskod 01)" is written "Region Sörmark" too
    return words.count(fold(name).lower()) <= max(words.count(company), words.count(head))


_REMARK_IN = re.compile(r"\s*\([^()]*\)")


def words_in(whole: str, part: str) -> bool:
    """The words of `part` stand together in `whole` ("south wales" in "brightwater facilities (south wales) ltd")."""
    return bool(part) and f" {part} " in " " + _NOT_NAME_CHARS.sub(" ", whole) + " "


_NOT_NAME_CHARS = re.compile(r"[^\w&]+")


# A value that stands for one not known yet: "TBC", "N/A", "vet ej".
_PLACEHOLDER = re.compile(r"(?i)[\s(]*(?:tbc|tbd|tba|n/?a|unknown|not\s+known|okänt|okant|vet\s+(?:ej|inte)|\?+|-+)[\s).!]*")


def with_company_in_passing(out: dict[str, str], unsure: dict[str, Candidate], specs: Sequence[FieldSpec],
                            source: Source) -> dict[str, str]:
    """A company named in passing, without its legal form ("Det gäller Västkustens Logistik.", "I'm the
    system admin at Wyvern Print", "in the Tamar Valley Water company only"), for a company field the
    rules left empty: only a name holding a business word or followed by "company"/"tenant" (so never
    "This is Karin Holm"), and never the writer's, a country's or a system's."""
    for spec in specs:
        if spec.kind != "name" or spec.many or spec.key in out:
            continue
        for match in islice(_IN_PASSING.finditer(source.folded, 0, source.content_end), 5):
            name = source.text[match.start("value") : match.end("value")]
            key = fold(name).lower()
            business = any(w in _NOT_PERSON_WORDS or w in _COMPANY_WORDS for w in key.split())
            if not (business or match["tail"]):
                continue  # "This is Karin Holm, I look after ...": a name that may be a person's
            if key != fold(source.sender).lower() and not _ERP_NAME.fullmatch(key) \
                    and not no_one(name) and key not in _PLACES and len(key) > 3 and (len(key.split()) > 1 or match["tail"]):
                unsure.pop(spec.key, None)
                return {**out, spec.key: name}
    return out


# Words of a company's name besides those no person's name holds (_NOT_PERSON_WORDS), matched folded.
_COMPANY_WORDS = frozenset("""livsmedel plat mekaniska mek print care marine tra tradgard el energi vatten water foods
shipping hotels hotel dental medical health homes farms farm brewery bryggeri verkstad verkstader trust schools""".split())
# Where a company is named in passing: after "Det gäller", "This is for", "inom", "I'm ... at",
# "one of our clients,", or before "company", "tenant", "team" (matched on folded text).
_IN_PASSING = re.compile(
    r"(?:\b(?:det\s+galler|galler|this\s+is|it\W?s|it\s+is)\s+(?:bara\s+|only\s+|just\s+)?(?:for\s+|in\s+)?(?:the\s+)?|"
    r"\b(?:inom|within)\s+|\b(?:i\W?m|i\s+am|jag\s+ar|vi\s+ar|we\W?re|we\s+are)\b[^.\n]{0,40}?\b(?:at|pa|hos)\s+|"
    r"\bour\s+clients?,\s+|\b(?:in|for)\s+the\s+(?=[^.\n]{1,60}?\s(?:tenant|company|entity|finance\s+team)\b))"
    r"(?P<value>(?-i:[A-ZÅÄÖ][\w&\x27’-]+(?:[ ](?:&[ ])?[A-ZÅÄÖ][\w&\x27’-]+){0,3}))"
    r"(?=[ ]*(?:[.,;!?)]|$)|[ ](?P<tail>tenant|company|entity|bolaget|koncernen|finance\s+team|team)\b|"
    r"[ ](?:only|bara|om|sedan|since|and|och|inte|not)\b)", re.MULTILINE | re.IGNORECASE)


def without_person_in(out: dict[str, str], specs: Sequence[FieldSpec], folded: str) -> dict[str, str]:
    """A company read with its users before it ("för användaren Kristoffer Bäck i Österlins Åkeri AB",
    "remove Ken Doyle on Harbour Lane Bakery Ltd"): the company alone (a company's own name may hold
    an "i": "Frejd Bil i Örebro AB")."""
    for spec in specs:
        if spec.kind == "name" and not spec.many and spec.key in out:
            sep = _NAME_THEN_COMPANY.search(out[spec.key])
            at = folded.find(fold(out[spec.key]))
            if sep is None or at <= 0:
                continue
            head, rest = out[spec.key][: sep.start()], out[spec.key][sep.end() :]
            persons = split_names(head.replace(" och ", ", ").replace(" and ", ", "))
            if rest and all(_PERSON_RE.fullmatch(fold(x)) for x in persons) \
                    and (_USER_BEFORE.search(folded, max(0, at - 30), at) or named_alone(rest, folded)):
                out = {**out, spec.key: rest}
    return out


def named_alone(company: str, folded: str) -> bool:
    """The company named again on its own ("Jenny Falk i Lindö Marin AB ser inte alla bolag ... bara
    Lindö Marin"): the words before its "i" were a person's, not part of its name. Two words at
    least: a town alone is often in a company's name ("Svensson Bygg i Umeå AB", "... in Umeå")."""
    short = fold(_FORM_END.sub("", company)).strip()
    return " " in short and folded.count(short) >= 2


# What says the name after it is a user's: a user word, or what is done to a user ("remove", "ta bort").
_USER_BEFORE = re.compile(r"(?i)\b(?:anvandaren|anvandarna|anvandare|the\s+users?|users?|medarbetaren|medarbetarna|"
                          r"kollegan|kollegorna|colleagues?|remove|deactivate|disable|unlock|"
                          r"ta\s+bort|inaktivera|avaktivera)\s+$")
# The small word between a user's name and the company it is in: "Kristoffer Bäck i Österlins Åkeri
# AB", "remove Ken Doyle on Harbour Lane Bakery Ltd".
_NAME_THEN_COMPANY = re.compile(r" (?:i|on|på) ")


INVOICE_ID = "invoice_id"


def called_a_number(value: str, folded: str) -> bool:
    """The value written as an invoice number ("med fakturanummer 10045", "their invoice no. 4410"):
    the supplier's, where the customer says they have no Invoice ID."""
    at = folded.find(fold(value))
    return at > 0 and _OWN_NUMBER.search(folded, max(0, at - 25), at) is not None


# The customer says they have no Invoice ID to give.
_NO_ID = re.compile(r"(?i)\b(?:jag|vi|i|we)\s+(?:(?:hittar|ser|har)\s+(?:inget|inte\s+nagot)|(?:kan\s+inte\s+(?:hitta|se)|can\W?t\s+(?:find|see)|"
                    r"cannot\s+(?:find|see)|couldn\W?t\s+(?:find|see)|don\W?t\s+(?:have|see|know))\s+(?:nagot|any|the|an?))\s+"
                    r"(?:faktura-?id|invoice[ -]?id)\b")
# The customer says they do not know the invoice's own number: "I don't know the Invoice No of the
# one I had open", "jag vet inte fakturanumret på den", "har inte fakturans ID".
# (not "I didn't have the invoice number to hand when I called, but here they are: ...")
_NOT_KNOWN_ID = re.compile(r"(?i)\b(?:(?:i|we)\s+(?:don\W?t|do\s+not|can\W?t|cannot|couldn\W?t)\s+"
                           r"(?:know|have|find|see|remember)|(?:jag|vi)\s+(?:vet|har|hittar|minns|ser)\s+inte)\s+"
                           r"(?:the\s+|its\s+|fakturans\s+|dess\s+)?(?:invoice\s+(?:no\b|nr\b|number|id\b)|faktura-?id\b|id:?t\b|"
                           r"fakturanumret|fakturanummer|fakturanr)"
                           # "I'll send you its number once I'm back at my desk", "jag skickar numret i morgon"
                           r"|\b(?:i\W?ll|i\s+will|we\W?ll|we\s+will|jag|vi)\s+(?:send|give|forward|mail|email|skickar|mejlar|ger)\s+"
                           r"(?:you\s+|er\s+|dig\s+)?(?:its|the|that|dess|det)\s+(?:invoice\s+)?(?:number|no\b|id\b|nummer|numret|"
                           r"fakturanumret|fakturanummer)")
# "Ingen av dem ligger kvar i verifieringen", "None of them are in verification right now".
# Only words of being between ("Ingen har ändrat något i verifieringen" says nothing of where they are).
_NONE_LEFT = re.compile(r"(?i)\b(?:none\s+of\s+them|none|ingen\s+av\s+(?:dem|dom|fakturorna|dessa)|ingen)\s+"
                        r"(?:(?:is|are|was|were|remains?|still|left|stuck|sitting|currently|now|anymore|any\s+longer|"
                        r"ligger|finns|ar|kvar|star|langre|nu|syns|visas|appear|appears|show|shows|showing|up)\s+){1,3}"
                        r"(?:in|i)\s+(?:the\s+)?veri?fi(?!ed\b)")


def without_company(name: str, companies: set[str], source: Source) -> str:
    """A name without the company it was written in ("Anna in Cobalt Marine Services Ltd"), made
    whole as names are ("Anna Karlsson" below in the forwarded mail)."""
    folded = fold(name).lower()
    for company in companies:
        for word in (" in ", " i ", " at ", " pa "):
            if folded.endswith(word + company) and len(folded) > len(word + company):
                return full_name(name[: len(name) - len(word + company)].strip(), source.folded, source.text,
                                 source.writers)
    return name


def split_names(value: str) -> list[str]:
    """The names of a list value as many_names joined them (", "), brackets kept whole."""
    return [x.strip() for x in re.split(r",\s+(?![^()]*\))", value) if x.strip()]


def address_beside_name(value: str, people: set[str], folded: str) -> bool:
    """An address written right beside a name its local part holds a word of ("Hannah Price
    (hannah@baxterlowe.co.uk)"): that person again. Not one written elsewhere ("Jason Smith has
    left ... his replacement, jsmith@acme.com"), nor a name with it in one value."""
    if "@" not in value or " " in value.strip():
        return False
    local, low = fold(value.split("@", 1)[0]).lower(), folded.lower()
    at = low.find(fold(value).lower())
    before = low[max(0, at - 80) : at].rstrip(" \t(<,:-–") if at > 0 else ""
    return any(before.endswith(p) and any(len(word) >= 3 and word in local for word in p.split())
               for p in people if " " in p and "@" not in p)


# A login as the concerns pattern reads one: "jsv_ekon", "anna.b2", "jsmith2".
_HANDLE = re.compile(r"[a-z][a-z0-9]+(?:[._][a-z0-9]+)+|[a-z]{2,}\d{1,4}")


def first_written(items: str) -> str | None:
    """The first id of a list value that is not an attached file's name ("8812731, 8812764")."""
    first = items.split(",", 1)[0].strip()
    return first if _ID_CELL.fullmatch(first) and plausible("id", first) else None


def other_number_first(first: str, source: Source) -> bool:
    """Whether another id-shaped number is written before the first example, not another thing's
    (a PO, a customer number, a bankgiro): the invoice the mail singles out in words no rule reads
    ("Fakturan som är i verifieringen har nummer 40015. Andra med samma fel: 39988, ..."), or one
    read as a date ("Fakturanr 20240311 ligger kvar")."""
    text = source.new
    at = text.find(first)
    if at < 0:
        return False
    for match in islice(_BARE_ID.finditer(text, 0, at), MAX_NUMBERS_FIRST):
        before = source.folded[max(0, match.start() - 24) : match.start()]
        if match[1] != first and not _DATE_LIKE_WRITTEN.fullmatch(match[1]) and not _BANK_BEFORE.search(before) \
                and not _AMOUNT_BEFORE.search(before) and not _AMOUNT_AFTER.match(source.folded, match.end(1)) \
                and not owned_number(source.folded, match.start(1), match.end(1)) \
                and not _MISREAD_AFTER.match(source.folded, match.end(1)) and not _MISREAD_BEFORE.search(before):
            return True
    return False


MAX_NUMBERS_FIRST = 20
# A number the capture misreads, and what it reads: "5050-1055 blir 5050-7055", "read 4410 as 4470".
_MISREAD_AFTER = re.compile(r"(?i)[ \t]*(?:blir|becomes|became|is[ \t]+read[ \t]+as|was[ \t]+read[ \t]+as|read[ \t]+as|"
                            r"lases[ \t]+som|lastes[ \t]+som|tolkas[ \t]+som|turns[ \t]+into|->|→|=>)[ \t]*\d")
_MISREAD_BEFORE = re.compile(r"(?i)(?:\bblir|\bbecomes|\bbecame|\bread[ \t]+as|\blases[ \t]+som|\blastes[ \t]+som|\btolkas[ \t]+som|"
                             r"->|→|=>)[ \t]*$")
# A bank's, a phone's or an organisation's number: "bankgironumret (5012-3344)", "tel 08-123 456".
_BANK_BEFORE = re.compile(r"(?i)\b(?:bg|pg|bankgiro\w*|plusgiro\w*|iban|tel|telefon\w*|phone|mobil\w*|fax|org\.?\s*nr|orgnr|"
                          r"org(?:anisation|anization)?\w*)[\s.:#(-]*$")


# A date written with dashes is no invoice's number ("2024-03-11"); eight digits may be either.
_DATE_LIKE_WRITTEN = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])(?:-\d\d)?|(?:0[1-9]|[12]\d|3[01])-(?:0[1-9]|1[0-2])(?:-\d{2,4})?")
# An amount, by its word before or its currency after: "Totalbeloppet 12500 tolkas som 1250", "12500 kr".
_AMOUNT_BEFORE = re.compile(r"(?i)(?:belopp\w*|amount|total\w*|summa\w*|[£$€])[ \t:]*$")
_AMOUNT_AFTER = re.compile(r"(?i)[ \t]*(?:kr|sek|eur|gbp|usd|:-)(?!\w)")


# The field whose names are persons only (the users an approval case applies to), never a role.
PERSONS_ONLY = "users"


def best_candidate(spec: FieldSpec, source: Source) -> Candidate | None:
    """One field: its kinds of evidence tried strongest first; the first that gives a value wins.

    The steps are in falling order of EVIDENCE, so the first candidate is the best one; reading
    on would only cost time (a 30 KB mail has 20 fields to read).
    """
    if spec.kind == "ids":
        value = item_list(spec, source)
        return Candidate(value, "list", 1.0) if value else None
    m = matchers(spec)
    if spec.many and spec.kind == "name":
        # An answer under our question "Which user(s)?" that names the writer ("Me, and my deputy
        # Craig Whitaker") adds the writer to those the mail names; one naming someone the content
        # does not wins over names from the subject alone ("Coding suggestion Telia" under "The
        # coding suggestion for supplier Telia Sverige AB"). Not one in capitals ("MYSELF AND MY
        # MANAGER LINDA PARK"): its words are all alike.
        names = many_names(spec, m, source)
        answer = source.answers.get(spec.key, "")
        with_writer = bool(_SELF_WORD.search(answer) or _SELF_FIRST.match(answer))
        # (names of the writer alone, "Graham Tate (me)" of "then it should come to me", add to the
        # answer's others: "Nadia Karim in purchasing is meant to check it first")
        only_writer = bool(names) and all(_WRITER_MARK.search(x) for x in split_names(names or ""))
        if answer and not answer.isupper() and (with_writer or only_writer or names and only_in_subject(names, source)) \
                and (answered := form_value(spec, m, source)):  # (read only when it is taken)
            beside = split_names(names) if (with_writer or only_writer) and names and not only_in_subject(names, source) \
                else []
            names = ", ".join(dict.fromkeys([*split_names(answered), *beside]))
        if names:
            return Candidate(names, "names", EVIDENCE["pattern"])
        if spec.key == PERSONS_ONLY and (writer := writer_who_cannot(source)):
            return Candidate(writer, "names", EVIDENCE["pattern"])
    # A step gives a value, or a Candidate already scored (a ranked wish).
    steps: tuple[tuple[str, Callable[[], str | Candidate | None]], ...] = (
        ("label", lambda: labelled_value(spec, m, source)),
        ("form", lambda: form_value(spec, m, source)),
        ("label with a typo", lambda: typo_labelled_value(spec, m, source)),
        ("table", lambda: table_value(spec, source.tables)),
        ("column", lambda: column_value(spec, m, source.tables, source.folded)),
        ("prose", lambda: (prose_value(spec, m.prose, source) or phrase_labelled_value(spec, m, source))
                          if may_match(m.prose_triggers, source) else None),
        ("pattern", lambda: ranked_wish(spec, source) if ranks(spec.key) else pattern_value(spec, m.patterns, source)),
        ("weak prose", lambda: prose_value(spec, m.weak, source) if may_match(m.weak_triggers, source) else None),
        ("file name", lambda: file_value(spec, source.attachments, named=True, folded=source.folded)),
        ("first listed", lambda: first_listed(spec, source)),
        ("body", lambda: body_value(spec, source.new)),
        ("answer", lambda: shape_value(spec, source) if spec.key in source.asked else None),
        ("shape", lambda: shape_value(spec, source)),
        ("unnamed file", lambda: file_value(spec, source.attachments, named=False)),
    )
    if spec.kind == "rows" and source.tables:
        # A pasted coding table shows every row; the rows the customer names in words ("andra
        # raden", "row 3") are the ones the case is about, so prose is read before the table.
        steps = (*steps[:3], *steps[5:8], *steps[3:5], *steps[8:])
    for evidence, step in steps:
        found = step()
        if isinstance(found, Candidate):
            # A ranked wish is final, sure or unsure: the steps after it (body, shape, files)
            # give no wish, and a name's checks below are for names.
            return found
        value = found
        if value and spec.key == PERSONS_ONLY and (no_one(value) or _LEVEL.fullmatch(value.strip())
                                                   or fold(value.strip()).lower() in _STEP_WORDS):
            continue  # "New CFO can't approve": a title, not the user; "covering L2 approvals": a level;
            # "väntar på Beslutsattest": a step of the flow
        if value and spec.many and spec.kind == "name" and spec.key != PERSONS_ONLY and evidence == "pattern" \
                and not_concerned(value, source.folded):
            continue  # what many_names set aside is not read back by the patterns ("Ekonomichefen Ulf
            # Renberg har godkänt ändringen" alone: who agreed to it)
        if value:
            if spec.kind == "name" and not spec.many:
                value = with_code(value, source)
            return Candidate(value, evidence, EVIDENCE[evidence])
    return None


# An approval level, no person: "L2", "level 3", "nivå 2".
_LEVEL = re.compile(r"(?i)(?:l|level|niv[åa])[ ]*\d{1,2}")


def form_value(spec: FieldSpec, m: Matchers, source: Source) -> str | None:
    """The answer under our quoted question for the field; "Jag själv" is the sender."""
    value = accept(spec, m, source.answers.get(spec.key, ""))
    if value and spec.kind == "name" and spec.many and _SENTENCE_VERB.search(value):
        # "Attesten gick till Kjell Svensson men den ska till Anna Lindqvist" under "Användare:"
        value = sentence_persons(spec, value, as_prose=True)
    if value and spec.kind == "name" and spec.many and ", " in value:
        # "Me, Craig Whitaker": "Dave Morgan (me), Craig Whitaker"
        return ", ".join(filter(None, (self_named(x, source.sender) for x in split_names(value)))) or None
    if value and spec.kind == "name":
        return self_named(value, source.sender) or None
    if value and spec.key == ERROR_TEXT and not _QUOTE_MARK.search(value) and _NOT_READ.search(fold(value)):
        return None  # "Det kom upp ett fel ... men jag hann inte läsa det": no text; it is asked for
    return value


# A company's number or code in brackets right after its name: "Kestrel Lane Logistics (KLL-UK)",
# "Quillon Retail Group (company 20)", or the rest of a name read up to a bracket: "Shannonview Foods
# (Limerick) Ltd". An org number in brackets is not part of the name.
_CODE_AFTER = re.compile(r"[ \t]*\((?:(?:company|bolag|foretag|bolagskod|company\s+code|entity|co\.?)[ \t]*(?:nr\.?|no\.?)?[ \t]*\d{1,4}|"
                         r"(?-i:[A-Z][A-Z0-9]{1,5}(?:-[A-Z0-9]{1,5})?))\)"
                         r"|[ \t]*\((?-i:[A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2})\)[ \t]+(?-i:Ltd|Limited|AB|Oy|Inc|LLC|plc|GmbH|DAC)\b",
                         re.IGNORECASE)  # "Brightwater Facilities (South Wales) Ltd"


# ... or its number written before it: "bolag 3 (Mälardalens Energi Nät AB)", "Company 200 – Bellamy
# Foods Midwest LLC".
_CODE_BEFORE = re.compile(r"(?i)\b(?:company|bolag|foretag|bolagskod|company\s+code)[ \t]+(?:nr\.?[ \t]+|no\.?[ \t]+)?"
                          r"\d{1,4}[ \t]*(?:[–-][ \t]*|\([ \t]*)$")


def with_code(value: str, source: Source) -> str:
    """A company name with the code or number the customer wrote in brackets after it, or before it."""
    text, folded = source.text, source.folded
    at = text.find(value)
    if at < 0:
        return value
    before = _CODE_BEFORE.search(folded, max(0, at - 30), at)
    if before:
        end = at + len(value)
        closing = ")" if "(" in before.group() and text[end : end + 1] == ")" else ""
        return text[before.start() : at] + value + closing
    code = _CODE_AFTER.match(folded, at + len(value)) or _FORM_AFTER.match(folded, at + len(value))
    if code:
        return value + text[code.start() : code.end()]
    # "Meridian Dental Group - Leeds", "Region Nordanå – Primary Care": one of a group's companies
    branch = _BRANCH.match(text, at + len(value))
    return value + branch[0] if branch and not named_after(branch, text) else value


# A company's form after a comma, read up to it: "Bellmont Dental Group, Inc.", "Acme, LLC".
_FORM_AFTER = re.compile(r",?[ \t]+(?-i:Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Limited|Corp\.?|AB|DAC|plc|PLC|GmbH|Oy|AS|A/S|"
                         r"ek\.[ \t]?for\.?|ekonomisk[ \t]+forening)(?![\w])"  # (folded: "ek. för.")
                         r"(?![ \t]+(?-i:[A-ZÅÄÖ]))")  # "Brightwater Group, AB Volvo is another company": not its form


def many_names(spec: FieldSpec, m: Matchers, source: Source) -> str | None:
    """Every name the labels, prose labels and patterns find, in the order they are written."""
    found: list[tuple[int, str]] = []
    # Names taken as written: a quoted name ("El och värme") and a role ("rollen Attestant nivå 2")
    # are one name each, whatever words they hold.
    whole: set[str] = set()
    new_len = len(source.new)
    sentences = 0
    listed = False
    lines = m.lined.finditer(source.folded[:new_len]) if m.lined else ()
    for match in chain(m.labelled.finditer(source.folded[:new_len]), lines):
        written = original(match, source.text).strip(" .,;")
        if _ROLE_WORD.match(match["label"] + " ") and 2 < len(written) <= MAX_ROLE_ANSWER and "\n" not in written \
                and not _SENTENCE_VERB.search(written):
            # "Roll: Attestant nivå 2", "Role | AP Clerk – Read Only": the role's name, whole
            written = _WHERE_REMARK.sub("", written)  # "Attestant (kostnadsställe 300 och 310)": the role
            found.append((match.start(), written))
            whole.add(written)
            listed = True
            continue
        name_label = match.re is m.lined
        if name_label and (not _PERSON_RE.fullmatch(fold(written)) or _REQUESTER_HEAD.search(
                source.folded, max(0, source.folded.rfind("\n\n", 0, match.start()), match.start() - 200), match.start())):
            continue  # "Name: Left on" (a table's header row): no person; "Requested by: / Name: Claire Day"
        value = accept(spec, m, original(match, source.text))
        if value and _SENTENCE_VERB.search(value):
            # "Users: row 2 is being sent to the "Finance BP" role, but it should go to Claire
            # Dunn": a sentence after the label, read as the field's prose is (a few a mail; one
            # holding the label again only for its names: "User: User: ... is" read itself over and over).
            read = sentences < MAX_LABEL_SENTENCES and not m.labelled.search(fold(value))
            sentences += read
            value = sentence_persons(spec, value, as_prose=read)
        if value:
            found.append((match.start(), value))
            listed = listed or not name_label
    # Names the customer listed under a label are the answer; prose is read only without one. A
    # "Name: Aaron Mitchell" line of a new starter's details is one of them, not the list: the
    # prose around it may name others ("... move his approval rights to Olivia Grant").
    steps = ((m.prose, None, (), NAME_REACH), *zip(m.patterns, m.guards, m.triggers, m.reaches))
    for regex, guard, trigger, reach in () if listed else steps:
        if regex is None or "value" not in regex.groupindex or not may_match(trigger, source):
            continue
        for match in islice(hits_of(regex, guard, source.folded, reach, source.low, source.seen_at), MAX_NAME_HITS):
            if match["value"] is not None and not across_cells(source.text, match) and not denied(source, match):
                written = written_name(match, source.text)
                value = clean(spec, written)
                if source.folded[match.start("value") : match.start("value") + 1] not in "'\"”’»" and _ON_SCREEN.search(
                        source.folded, max(0, match.start("value") - SCREEN_REACH), match.start("value")):
                    continue  # "Hon får 'Approval limit exceeded for user KARLSSON_E'": the screen's words
                if not value or shouted(value) or role_they_have(value, source.folded, match.start()) or _MOVED_TO.search(
                        source.folded, max(0, match.start("value") - 40), match.start("value")) \
                        or spec.key != PERSONS_ONLY and aside_person(source.folded, match) \
                        or on_other_invoices(source.folded, match) \
                        or done_already(source.folded, match.start("value"), match.end("value")) \
                        or taken_back(source.folded, match.start("value"), match.end("value")) or _SELF.match(value) and \
                        (_ON_MY_OWN.search(source.folded, max(0, match.start("value") - ON_MY_OWN_REACH), match.end("value"))
                         or _WORKS_FOR_ME.match(source.folded, match.end("value"))
                         or _I_DID.search(source.folded, max(0, match.start("value") - 40), match.start("value"))):
                    continue  # "I couldn't find a way to change the approver myself": by myself, not whom;
                    # "Jag själv (som är admin) kan öppna den utan problem": the one it works for;
                    # "I even logged out myself in case it was me": what the writer did
                found.append((match.start("value"), value))
                if _ROLE_NAME.fullmatch(value) or _SUGGESTION_NAME.fullmatch(value) or quoted_name(written, source.text[match.end("value") : match.end("value") + 1]):
                    whole.add(value)
    # A name in the subject ("New users - Brightwater") counts only when the content names none.
    # Persons in a sentence with a cue word count next to what the patterns found: "goes back to
    # review and then to Anna Kowalska" after "approved by mistake by Piotr Nowak".
    found += cue_persons(m, source)
    if spec.many and spec.key != PERSONS_ONLY and (asks := _ASKS_FOR_ME.search(source.folded, 0, new_len)):
        # "Kan ni ge mig behörighet att attestera i Säffle Trä AB?": the writer is whom it concerns
        me = next(group for group in ("me", "me2", "me3", "me4", "me5") if asks[group])
        word = source.text[asks.start(me) : asks.end(me)]
        found.append((asks.start(me), "me" if word.lower() == "my" else "mig" if me == "me4" else word))
    end = source.content_end
    in_subject = [x for x in found if x[0] >= end]
    found = [x for x in found if x[0] < end]
    found += listed_persons(source) if m.cues is not None else []
    if source.tables and m.cues is not None:
        columns = column_persons(spec, m, source.tables, source.words)
        # A pasted flow table ("Reviewer | Approver") shows everyone on the invoice; when the
        # customer names persons in words, it adds only those the words name too. A column of the
        # wanted state ("Should be approved by") always counts; a row marked done ("1 | Lisa Berg
        # | Approved") only when the prose names its person in full.
        prose = "\n".join(x for x in source.text.split("\n") if "\t" not in x and "|" not in x) if columns else ""
        # What the patterns took from the table's own cells (the rows' addresses) is no naming in
        # words: the rows' persons stand for them.
        in_words = [(at, v) for at, v in found if not in_table_row(source.text, at)] if columns else found
        # ("Please remove the following users from the role ...": the table is the list it means)
        listed = _THE_FOLLOWING.search(fold(prose)) is not None if columns else False
        columns = [c for c in columns if c.wanted or named_in(c, prose) or (listed or not in_words) and not c.done]
        found = in_words + [(c.at, c.name) for c in columns] if columns else found
    found = found or in_subject
    names: dict[str, str] = {}
    heads: set[str] = set()
    if _SELF_NAMED.search(source.text):
        found = [(at, v) for at, v in found if not _SELF.match(v.strip())]
    # A hostile mail names the same person hundreds of times: each name is made whole once, and
    # reading stops at 20 names.
    whole_names: dict[str, str] = {}
    known = (*source.writers, *table_people(source))  # whom a first name alone may stand for
    signing = next(scan(_SIGNS_OFF, source.folded, source.low, source.seen_at), None) is not None  # most copy in no one
    for at, value in sorted(found):
        if len(names) >= 20:
            break
        if _LIKE_SOMEONE.search(source.folded, max(0, at - 40), at):
            continue  # "the same roles as Eva Lund": Eva is the model, not whom the case concerns
        if signing and at < len(source.folded) and only_signs_off(source.folded, at):
            continue  # "I've copied in my manager Sarah Cole, who has signed this off"
        # "myself (Raj Patel)": the name in brackets is the person.
        value = _SELF_NAMED.sub(lambda x: x["name"], value)
        as_written = value in whole
        for name in [value] if as_written else re.split(r"\s*(?:,|;|\band\b|\boch\b|&|\(|\))\s*", value):
            if not as_written:
                name = self_named(name_value(_HONORIFIC.sub("", name)) or "", speaker(source, at))
                if name not in whole_names and len(whole_names) < MAX_WHOLE_NAMES:
                    whole_names[name] = without_genitive(full_name(name, source.folded, source.text, known), source.folded)
                name = whole_names.get(name, name)
            # "coding suggestion for BT" after "coding suggestion for British Telecom": one thing
            # named twice; a value of three words and more is known by its first two.
            key = fold(_ROLE_WORD.sub("", name).lower())  # "role Budget Owner" is "Budget Owner" again
            # (words cut at 12 letters: "konteringsförslag för Telia" is "konteringsförslaget för ...")
            head = " ".join(w[:12] for w in key.split()[:2]) if len(key.split()) > 2 else key
            if name and key not in names and head not in heads and len(names) < 20:
                names[key] = name
                heads.add(head)
    if any(_PERSON_RE.fullmatch(fold(v)) or _SUGGESTION_NAME.fullmatch(v) for v in names.values()):
        # "nytt kostnadsställe 640 ... så att Lars Wikström attesterar": the persons are the case,
        # and "a new cost centre 330 ... the coding suggestion for Elektro Nord" the suggestion
        names = {k: v for k, v in names.items() if not _DIMENSION.match(k)}
    names = {k: v for k, v in names.items() if not left_out(v, source.folded) and not company_part(v, source.text)
             and not _ERP_NAME.fullmatch(fold(v)) and fold(v).lower() not in _STEP_WORDS}
    # ("Business Central will take over from Sage ...", "väntar på Beslutsattest", "between
    # Verification and Approval", "Both Accounts and I": a system, a step or a department)
    # "Hennes chef Tomas Brandt tar över", "vår controller Eva Nyström (kopia)": a person named by
    # their standing to the writer is background beside the others the case names
    around = {k for k, v in names.items() if spec.key != PERSONS_ONLY and bystander(v, source.folded)}
    # "Sarah Jones used to approve these", "Row 1 was approved by Mike without any issues": a user
    # of before, or of the part that went well, is background beside the others
    copied = {k for k, v in names.items() if spec.key != PERSONS_ONLY and copied_in(v, source.folded)}
    around |= {k for k, v in names.items() if (spec.key == PERSONS_ONLY and former_user(v, source.folded))
               or long_gone(v, source.folded, months=spec.key != PERSONS_ONLY) or only_said(v, source)
               or no_trouble(v, source.folded) or said_not(v, source.folded) or okayed_request(v, source.folded)
               or fine_for_them(v, source.folded) or decides(v, source.folded)
               or _WRITER_MARK.search(v) is not None and writer_can_do_it(source.folded)
               or on_a_fine_row(v, source.folded) or told_before(v, source.folded)
               or k in copied or renamed(v, source.folded)
               or _LOGIN.fullmatch(v) is not None}  # "users LGRANT and BOKAFOR" beside "Lucy Grant and Ben Okafor"
    # "The Directors role stays at £250,000": a role said to stay as it is, beside the one to change
    stays = {k for k, v in names.items() if _ROLE_NAME.fullmatch(v) and role_stays(v, source.folded)}
    if len(stays) < len(names):
        names = {k: v for k, v in names.items() if k not in stays}
    if any(k not in around and (_PERSON_RE.fullmatch(fold(v.split(" (")[0])) or _FIRST_NAME.fullmatch(v))
           for k, v in names.items()):  # ("Anna, Per" by first name are persons too)
        names = {k: v for k, v in names.items() if k not in around}  # (the writer named too: "Elin Ek (mig)")
    elif spec.key == PERSONS_ONLY and names and all(on_a_fine_row(v, source.folded) or no_trouble(v, source.folded)
                                                    or decides(v, source.folded) for v in names.values()):
        return None  # "Row 1 was approved by Jason last week with no issues": the one it went well for is no user
    if spec.key != PERSONS_ONLY:
        # Who agreed to a change ("Ekonomichefen Ulf Renberg har godkänt ändringen"), who decides it,
        # and a leaver already seen to are never whom it concerns; one only copied in ("our
        # facilities manager, Jane Ogden (cc)") is not, beside anything else the case names (a
        # coding suggestion or a role as well as a person).
        names = {k: v for k, v in names.items() if not not_concerned(v, source.folded)}
        copied &= names.keys()
        names = {k: v for k, v in names.items() if k not in copied} if len(copied) < len(names) else names
    people = set(names)
    # "Ms Priya Nair ... Ms Nair", "Fiona McAllister ... Fiona": a surname or a first name alone
    # beside the full name is the same person; "Read Only" beside "AP Clerk – Read Only" is that
    # role again.
    parts = {part for key in names if len(key.split()) > 1 for part in (key.split()[0], key.split()[-1])}
    # ("Karins användare" beside Karin Holm: her genitive)
    kept = [v for key, v in names.items() if not (same_person_address(v, people) and not named_as_new(v, source.folded))
            and not address_beside_name(v, people, source.folded)
            and not (" " not in key and (key in parts or key.endswith("s") and key[:-1] in parts))
            and not part_of_another(key, names)
            and not (spec.key == PERSONS_ONLY and not_a_person(v))]
    return ", ".join(once_each(kept)) or None


def once_each(names: Sequence[str]) -> list[str]:
    """Each person once: "Malin Åberg (jag)" and "Malin Åberg (jag själv)" are one, the first way it
    is written stays (not "Mark Dunne" and "Mark Dunn": "John Richard" and "John Richards" are two)."""
    seen: set[str] = set()
    out = []
    for name in names:
        base = fold(name.split(" (")[0]).lower()
        if base not in seen:
            seen.add(base)
            out.append(name)
    return out


# A limit read as one of the names: "beloppsgräns 50 000 kr", "limit £5,000" (the role's, no one it concerns).
_AMOUNT_ITEM = re.compile(r"(?i)^(?:(?:approval[ \t]+)?limit|beloppsgrans|attestgrans|grans)\b[^\n]{0,20}\d|"
                          r"^[£$€]?[ \t]*\d[\d \t.,]*(?:k|kr|sek|eur|gbp|usd|:-)?$")


# Inside a quoted text the screen showed, opened right after "gets"/"får"/"says" on the same line.
SCREEN_REACH = 120
_ON_SCREEN = re.compile(r"(?i)\b(?:far|fick|gets?|got|getting|says?|said|sager|star\s+det)\s+['\"“‘«][^'\"”’»\n]*$")
# The heading of a block of someone's details who is not whom the request is for.
_REQUESTER_HEAD = re.compile(r"(?im)^[ \t*]*(?:requested\s+by|requester|contact(?:\s+person)?|bestallare|kontaktperson|"
                             r"line\s+manager|manager|chef|narmaste\s+chef|approved\s+by|godkand\s+av)\b")
# Where a person went, not a person: "since he moved to Operations", "hon har gått över till Inköp".
_MOVED_TO = re.compile(r"(?i)\b(?:he|she|han|hon)\s+(?:has\s+|have\s+|had\s+|har\s+|hade\s+)?(?:moved|transferred|gone\s+over|"
                       r"went\s+over|flyttat|flyttade|gatt\s+over|gick\s+over|bytt)\s+(?:to|till)\s+(?:the\s+)?$")
# A remark in brackets after a role's name saying where it applies, not what it is called.
_WHERE_REMARK = re.compile(r"(?i)[ \t]*\([^()\n]{0,40}?\b(?:kostnadsst\w*|cost[ \t]+cent(?:re|er)s?|projekt\w*|projects?|"
                           r"avdelning\w*|departments?)\b[^()\n]{0,40}\)$")
# A cost centre or project named as new: what a case concerns only when it names no person.
_DIMENSION = re.compile(r"(?:kostnadsstallen?|cost\s+cent(?:re|er)s?|projekt|projects?|dimension\w*)\s+\d")
# A person the customer says the request leaves out ("Gary Holt won't need access", "Emma står bara
# med för info, hennes roll ska inte ändras"), after the name in its sentence (folded text) ...
_LEFT_OUT = re.compile(r"(?i)\b(?:won\W?t|will\s+not|doesn\W?t|does\s+not|don\W?t|do\s+not)\s+need\s+(?:access|anything|a\s+login|"
                       r"to\s+be\s+(?:on|in|involved|part\s+of)|"
                       r"any\s+changes?|changing|to\s+(?:change|be\s+changed))\b|"
                       r"\b(?:just|only)\s+(?:here\s+|listed\s+|included\s+|mentioned\s+|copied\s+(?:in\s+)?)?for\s+(?:info|information|reference)\b|"
                       r"\bfor\s+info(?:rmation)?\s+only\b|\b(?:stays?|remains?|should\s+(?:stay|remain))\s+(?:as\s+(?:is|it\s+is)|unchanged|the\s+same)\b|"
                       # "Grace should keep her role so she can come back to it", "Eva ska behålla sin roll"
                       r"\b(?:(?:should|will|can)\s+(?:still\s+)?keep|keeps)\s+(?:her|his|their)\s+(?:role|roles|access|rights)\b"
                       r"(?![^.!?\n]{0,60}\b(?:but|and)\s+(?:also|please|add)\b)|"
                       r"\b(?:ska|skall|kan|far)\s+(?:fa\s+)?behalla\s+(?:sin|sina)\b(?![^.!?\n]{0,60}\b(?:men|och)\s+(?:ocksa|aven|ska)\b)|"
                       r"\bstar\s+(?:bara|endast)\s+med\s+for\s+(?:info|kannedom)\b|\bfor\s+kannedom\b|"
                       r"\b(?:ska|skall)\s+inte\s+(?:andras|paverkas)\b|\bandras\s+inte\b|\b(?:ar|blir|forblir)\s+oforandrad\b|"
                       # "så honom ska ni inte ändra", "please don't change her", "is already set up - no change needed"
                       r"\b(?:honom|henne|dem|dom)\s+(?:ska|skall|behover)\s+(?:ni|du)\s+inte\s+(?:andra|rora|ta\s+bort)\b|"
                       r"\b(?:don\W?t|do\s+not)\s+(?:change|touch|remove)\s+(?:him|her|them)\b(?!\s+from\b)|"
                       r"\bno\s+changes?\s+(?:needed|required|for\s+(?:him|her|them))\b|\b(?:is|are)\s+already\s+set\s+up\b|"
                       r"\b(?:ar|finns)\s+redan\s+upplagd\w*\b|"
                       # "Lennart Sjö tar över, men honom har ni redan lagt upp"
                       r"\b(?:honom|henne|dem|dom)\s+har\s+(?:ni|du|vi)\s+redan\s+(?:lagt\s+(?:upp|in|till)|skapat|fixat)\b|"
                       # a table's cell or a remark: "Hannah Cole | AP clerk | No change (just checked ...)"
                       r"\bno\s+changes?\b[ \t]*(?=[(\-–.,;\n]|$)|\bingen\s+(?:andring|forandring)\b[ \t]*(?=[(\-–.,;\n]|$)|"
                       r"\bbehover\s+inte\s+(?:nagon\s+)?(?:behorighet|atkomst|andras|nagot)\b|"
                       # "så honom behöver ni inte bry er om", "Göran ska ligga kvar tills dess", "ta inte bort honom"
                       r"\bbehover\s+(?:ni|du)\s+inte\s+bry\s+(?:er|dig)\s+om\b|\b(?:ska|skall)\s+(?:ligga|vara)\s+kvar\b|"
                       r"\bta\s+inte\s+bort\s+(?:honom|henne|dem)\b|"
                       # "..., men det gäller inte just den här fakturan", "but that's not about this invoice"
                       r"\b(?:det|han|hon)\s+(?:galler|berors)\s+inte\s+(?:av\s+)?(?:just\s+)?(?:den\s+har|denna)\b|"
                       r"\b(?:is|are|that\W?s|it\W?s)\s+not\s+(?:about|part\s+of|involved\s+(?:in|with))\s+this\s+(?:invoice|one)\b")
# ... nor when the sentence goes on with what they get: "should keep his access ... but please add
# the Approver role", "ska behålla sin roll men också få attesträtt".
_AND_ALSO = re.compile(r"(?i)[^.!?\n]{0,80}?\b(?:(?:but|and|men|och)\s+(?:also|please|add|ocksa|aven|ska|fa|needs?|behover|should|must)|"
                       r"(?:but|men)\s+(?:he|she|they|han|hon|de)\s+(?:is|are|will|ar|ska)\b)\b")
# ... unless it is a removal ("doesn't need access any more", "behöver inte någon behörighet längre").
_ANY_MORE = re.compile(r"(?i)\b(?:any\s*more|any\s+longer|no\s+longer|langre)\b")
# What else a person has ("Tom's other roles remain unchanged", "Övriga roller för Emma ändras inte"):
# the sentence keeps those as they are, not the person out of the request.
_OTHER_OF = re.compile(r"(?i)\b(?:other|ovriga|andra)\b[^.\n]{0,25}\b(?:for|of|till)\s+$")


# How far after the name its leaving out is said: "Gary Holt, won't need access", not a remark
# about a company later in a long sentence ("(not the Danish company, that one stays as it is)").
LEFT_OUT_REACH = 60


_OWN_LOGIN = re.compile(r"['’]s[ \t]+(?:account|user|login|access|rights|roles?)\b")


def everywhere(key: str, folded: str, holds: Callable[[int], bool], limit: int = 5) -> bool:
    """The name `key` is written, and `holds` at each of the first `limit` places it is: what a
    mail says of a person wherever it names them ("only said", "copied in", "not X but Y")."""
    places = list(islice(written_at(key, folded), limit))
    return bool(places) and all(holds(at) for at in places)


def written_at(word: str, folded: str) -> Iterator[int]:
    """Where a name stands as a whole word, found with str.find (a regex per name was compiled on each call)."""
    at = folded.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not (is_word_char(folded[at - 1]) or folded[at - 1] == "-")) and \
                (end == len(folded) or not (is_word_char(folded[end]) or folded[end] == "-")):
            yield at
        at = folded.find(word, at + 1)


def left_out(name: str, folded: str) -> bool:
    """A person the mail names only to leave out of the request, by full or first name."""
    key = fold(name)
    if not _PERSON_RE.fullmatch(key):
        return False
    for word in dict.fromkeys((key, key.split()[0])):
        for at in islice(written_at(word, folded), 5):
            end_of_name = at + len(word)
            if folded[end_of_name : end_of_name + 1] in ("'", "’") and not _OWN_LOGIN.match(folded, end_of_name) \
                    or _OTHER_OF.search(folded, max(0, at - 40), at):
                continue  # "Tom's other roles", "övriga roller för Emma": what else the person has (not
                # "Daniel's account can stay as it is": the login itself left out)
            stop = sentence_end(folded, at, LEFT_OUT_REACH)
            row_end = folded.find("\n", at, at + LEFT_OUT_REACH)
            if "\t" in folded[at : row_end if row_end >= 0 else at + LEFT_OUT_REACH]:
                stop = row_end if row_end >= 0 else min(at + LEFT_OUT_REACH, len(folded))  # a table's row: its cells
            bracket = folded.find("(", at, stop)  # a remark in brackets is about something else
            stop = bracket if bracket >= 0 else stop
            found = _LEFT_OUT.search(folded, at, stop)
            if found and not _ANY_MORE.search(folded, at, stop + 20) \
                    and not _AND_ALSO.match(folded, found.end()):
                return True
    return False


# Labels' sentences read as prose in a mail.
MAX_LABEL_SENTENCES = 5
# A label's value that is a sentence rather than a list of names.
_SENTENCE_VERB = re.compile(r"(?i)\b(?:is|are|was|were|should|would|goes|went|gets|sent|ska|skall|skulle|borde|har|hade|"
                            r"gar|går|gick|fick|far|får|är|ar|var)\b")


# Names made whole (a first name's surname, an address's owner) in a mail: each looks through the
# mail once, and a flood of distinct names or addresses would cost a pass each.
MAX_WHOLE_NAMES = 100
# Hits of one name pattern read in a mail: a list value keeps 20 names, and a flood of "I'm on
# leave" or "approved by X" cost a name each (the session's review).
MAX_NAME_HITS = 40


# Words that make the next person a model to copy: "the same roles as", "samma behörighet som"
# (matched on folded text). "Same error as Per Holm" is not: Per has the error too.
# ("samma roll och beloppsgräns som Per Ek hade": two things named, joined by "och"/"and")
_LIKE_SOMEONE = re.compile(r"(?i)\b(?:same|samma)\s+(?:(?:[\w-]+\s+){0,2}?(?:roles?|roller|roll|rollerna|access|rights|"
                           r"permissions?|settings|limits?|behorighet\w*|rattighet\w*|installningar|attestgrans\w*|"
                           r"beloppsgrans\w*|grans\w*|setup|set-up|way|satt)\s+(?:(?:and|och|&)\s+(?:[\w-]+\s+){0,2}?)?)?(?:as|som)\s+(?:\w+\s+){0,2}?$")


# Single words that name a step of the flow or a department, which a first name alone never is.
_STEP_WORDS = frozenset("""verification verifiering approval approvals attest attestering beslutsattest granskning review
coding kontering transfer overforing queue kon accounts finance ekonomi ekonomiavdelningen purchasing inkop payroll lon
procurement it hr admin support""".split())
# An ERP system's name, which no person or role is.
_ERP_NAME = re.compile(rf"(?i)(?:{packaged_alternation('erp', 'systems')})")


def company_part(name: str, text: str) -> bool:
    """A name that is the head of a company the mail names: "Hallstaviks Golv" of "Hallstaviks Golv
    & Kakel AB", or a company named without its form after "i"/"in": "... i Kvarnbyn Mejeri?"."""
    if not _CAPITALISED_WORDS.fullmatch(name):
        return False
    # "Svensson Bygg" of "Svensson Bygg i Umeå AB": a business word's name goes on with its town
    business = any(word in _NOT_PERSON_WORDS for word in fold(name).lower().split())
    for at in islice(written_at(name, text), 5):
        if _COMPANY_TAIL.match(text, at + len(name)) or business and _TOWN_TAIL.match(text, at + len(name)) \
                or _IN_COMPANY.search(text, max(0, at - 12), at) \
                and not _PERSON_AFTER_IN.match(text, at + len(name)):
            return True
    return False


_CAPITALISED_WORDS = re.compile(r"[A-ZÅÄÖ][\w-]+(?:[ ]+[A-ZÅÄÖ][\w-]+){0,3}")
# What ends a company's name after its head: "& Kakel AB", "& VVS AB", " Ltd", " (Midlands) Ltd".
_COMPANY_TAIL = re.compile(r"(?:[ ]+(?:&|och|and)[ ]+[A-ZÅÄÖ][\w-]*)?(?:[ ]+[A-ZÅÄÖ][\w-]*){0,2}(?:[ ]+\([^()\n]{1,40}\))?[ ]+"
                           r"(?:AB|Ltd|Limited|Oy|Oyj|AS|ASA|ApS|Inc|Corp|GmbH|AG|BV|LLC|LLP|HB|KB|plc|Plc)\b")
_TOWN_TAIL = re.compile(r"[ ]+i[ ]+[A-ZÅÄÖ][\w-]*(?:[ ]+[A-ZÅÄÖ][\w-]*)?[ ]+(?:AB|Ltd|Limited|Oy|Oyj|AS|HB|KB)\b")
# "... med attesträtt i Kvarnbyn Mejeri?": a place or company, not a person ("i Eva Lunds lista" is one's).
_IN_COMPANY = re.compile(r"(?i)(?<![\w-])(?:i|inom|within|hos\s+bolaget|för\s+bolaget|for\s+the\s+company)[ ]+$")
_PERSON_AFTER_IN = re.compile(r"(?:['’]?s\b|s[ ]+(?:lista|kö|inkorg))")


def only_in_subject(names: str, source: Source) -> bool:
    """Names read from the subject alone, none written in the content."""
    return all(source.folded.find(fold(name)) >= source.content_end for name in split_names(names))


def bystander(name: str, folded: str) -> bool:
    """A person the mail first names by their standing to the writer or to another person ("our
    CFO Anna Berg", "hennes chef Tomas Brandt"), not as new ("our new controller Eva Lund"), as
    what a request is done to ("give my colleague Sarah Quinn the role", "reassigned to his
    manager, Rachel Stein"), nor as one who leaves ("Min chef Tomas Brandt har slutat")."""
    at = folded.find(fold(name))
    standing = _STANDING.search(folded, max(0, at - 40), at) if at > 0 else None
    return standing is not None and not _ACTED_ON.search(folded, max(0, standing.start() - 30), standing.start()) \
        and not _LEAVES.match(folded, at + len(name))


# "my manager", "vår IT-chef", "hennes chef", "our CFO", "his colleague", "vår revisor" before a name
_STANDING = re.compile(r"(?i)\b(?:our|my|her|his|their|var|vart|min|mitt|hennes|hans|deras)\s+(?!new\b|nya?\b|nytt\b)"
                       r"(?:[\w-]+\s+)?(?:manager|line\s+manager|boss|cfo|ceo|coo|fd|finance\s+director|director|head\s+of\s+\w+|"
                       r"controller|chef|[\w-]+chef|vd|supervisor|consultant|konsult|colleague|kollega|auditor|revisor)"
                       r"\s*,?\s*(?:\(\w+\)\s*)?$")
# A request or a destination right before the standing words: the person is what the case is about.
_ACTED_ON = re.compile(r"(?i)\b(?:to|till|for|give|grant|add|set\s+up|deactivate|remove|unlock|reset|make|appoint|"
                       r"ge|lagg\s+(?:till|upp|in)|lagga\s+(?:till|upp|in)|inaktivera|avaktivera|ta\s+bort|skapa|las\s+upp|"
                       r"tilldela|utse)\s+(?:\w+\s+)?$")
# ... or one who leaves: "Min chef Tomas Brandt har slutat".
_LEAVES = re.compile(r"(?i)\s+(?:has\s+left|left|is\s+leaving|har\s+slutat|slutar|gar\s+i\s+pension|has\s+retired|retires)\b")


def former_user(name: str, folded: str) -> bool:
    """A person the mail names as who approved before ("Sarah Jones used to approve these", "som
    brukade attestera") or who approved the part that went well ("Row 1 was approved by Mike this
    morning without any issues", "(88-1211, Mats Ek) är rätt"), at one of the first places the
    name is written (a pasted queue names them first in its table)."""
    key = fold(name)
    if not key:
        return False
    first = key.split()[0]
    full = list(islice(written_at(key, folded), 5))
    places = [(at, len(key)) for at in full] + [(at, len(first)) for at in islice(written_at(first, folded), 5)]
    if any(_TO_THEM.search(folded, max(0, at - 25), at) or _WITH_THEM.search(folded, max(0, at - 30), at)
           or _STILL_THEIRS.match(folded, at + n) for at, n in places):
        return False  # "... should also go to Mike Smith", "Karin ska ha dem igen": still whom it concerns
    # ("Row 1 went through Ken without a problem" beside "Ken Hughes" in a pasted table: by first name too)
    return any(_USED_TO.match(folded, at + len(key)) or _BEFORE_THAT.search(folded, max(0, at - 30), at)
               or _IS_RIGHT.match(folded, at + len(key)) for at in full[:3]) \
        or any(_APPROVED_BY.search(folded, max(0, at - 30), at) and _WENT_WELL.match(folded, at + n) for at, n in places[:6]) \
        or any(_IN_HISTORY.search(folded, max(0, at - 80), at) and not _YET_TROUBLE.match(folded, at + n)
               for at, n in places[:6]) \
        or any(already_done(folded, at, n) for at, n in places[:6]) \
        or any((done := _APPROVED_IT.match(folded, at + n)) and _WENT_WELL_LATER.match(folded, done.end())
               and not _OTHER_THINGS.match(folded, done.end()) for at, n in places[:6])


def fine_for_them(name: str, folded: str) -> bool:
    """A person named by their standing who did or can do the step without trouble ("Her manager,
    Craig Ellison, approved a similar one on Friday with no problems", "Hennes kollega Tobias Ring
    kan attestera samma typ av fakturor utan problem"): a comparison beside whom the case is about."""
    key = fold(name)
    def went_well(at: int) -> bool:
        did = _DOES_IT.match(folded, at + len(key))
        return did is not None and _WENT_WELL_LATER.match(folded, did.end()) is not None
    return bystander(name, folded) and everywhere(key, folded, went_well, limit=3)


_DOES_IT = re.compile(r"(?i),?[ \t]+(?:(?:was|were|has|have|had|har|hade|can|could|kan|kunde)[ \t]+)?(?:approves?|approved|"
                      r"reviews?|reviewed|signs?[ \t]+off|signed[ \t]+off|attesterar|attestera|attesterat|attesterade|godkanner|"
                      r"godkanna|godkant|godkande|granskar|granska|granskat|granskade)\b")


def not_concerned(name: str, folded: str) -> bool:
    """A person a set-up never concerns: who agreed to it, who decides it, a leaver already seen to."""
    return okayed_request(name, folded) or decides(name, folded) or done_with(name, folded)


def done_with(name: str, folded: str) -> bool:
    """A leaver the mail says is seen to already ("Jonas Berg slutade ... och IT har redan stängt
    hans konto, så med honom behöver ni inte göra något", "Gary Lunn left ... and IT have already
    disabled his login"), in the sentence where the name is first written."""
    at = next(written_at(fold(name), folded), -1)
    if at < 0:
        return False
    _, end = sentence_span(folded, at, at + len(name))
    return _SEEN_TO.search(folded, at, end) is not None


_SEEN_TO = re.compile(r"(?i)\b(?:already|redan)[ \t]+(?:(?:have|has|har)[ \t]+)?(?:disabled|closed|removed|deactivated|stangt|"
                      r"tagit[ \t]+bort|inaktiverat|avaktiverat|avslutat)[ \t]+(?:his|her|their|hans|hennes|deras)[ \t]+"
                      r"(?:login|account|user|access|konto|inloggning|anvandare|behorighet)\b|"
                      r"\b(?:med|for)[ \t]+(?:honom|henne|dem)[ \t]+behover[ \t]+(?:ni|du)[ \t]+inte[ \t]+gora[ \t]+(?:nagot|nagonting)\b")


def decides(name: str, folded: str) -> bool:
    """A person named as who decides a question beside the case ("Vår ekonomichef Anders Wik får
    avgöra vem som ska attestera sådana här framöver", "Ekonomichefen Camilla Rydén måste godkänna
    om attestflödet ska ändras permanent", "our FD will decide who approves these"): not whom the
    invoice or the change is about."""
    key = fold(name)
    return everywhere(key, folded, lambda at: _DECIDES.match(folded, at + len(key)) is not None, limit=3)


_DECIDES = re.compile(r"(?i)[ \t]+(?:far|ska|skall|maste|kommer[ \t]+att|will|must|has[ \t]+to|needs[ \t]+to|gets[ \t]+to|is[ \t]+going[ \t]+to)"
                      r"[ \t]+(?:avgora|besluta|bestamma|decide|godkanna[ \t]+om|approve[ \t]+whether|sign[ \t]+off[ \t]+on[ \t]+whether)\b")


def no_trouble(name: str, folded: str) -> bool:
    """A person said to have no problem ("The other approver on the invoice, Rob Kane, had no
    problem with row 2"; "Dave Marsh from our IT tried approving a test invoice and that works for
    him"): the one it works for, background beside the others."""
    key = fold(name)
    if not key:
        return False
    places = list(islice(written_at(key, folded), 3))
    if any(_NO_TROUBLE.match(folded, at + len(key)) for at in places):
        return True
    if not places:
        return False
    start, end = sentence_span(folded, places[0], places[0] + len(key))
    return _WORKS_FOR_THEM.search(folded, places[0] + len(key), end) is not None \
        and _TROUBLE_SAID.search(folded, start, end) is None


# ("... and that works for him", "det fungerar for henne", folded; not "even though it worked for her")
_WORKS_FOR_THEM = re.compile(r"(?i)\b(?:works|fungerar|funkar)(?:[ \t]+(?:fine|ok|bra|fint))?[ \t]+(?:for)[ \t]+"
                             r"(?:him|her|honom|henne)\b")
# ... in a sentence that tells no trouble of them ("Lucy can't approve row 2, though it works for her on row 1")
_TROUBLE_SAID = re.compile(r"(?i)\b(?:can\W?t|cannot|can\s+not|unable|not|kan\s+inte|inte|problem\w*|error|fel\w*)\b")


def writer_can_do_it(folded: str) -> bool:
    """The writer says they can do the step themself, and no trouble of theirs in that sentence ("Jag
    själv kan attestera dem men det ska ju inte jag göra"): background beside the one who cannot
    (not "I can approve row 1 but not row 2", "I can approve it but get an error")."""
    can = _WRITER_CAN.search(folded, 0, WRITER_CAN_TEXT)
    if can is None or _TO_THE_WRITER.search(folded, 0, WRITER_CAN_TEXT):
        return False  # ("... but should go to me. I can approve it as I'm the budget holder")
    _, end = sentence_span(folded, can.start(), can.end())
    return _WRITER_TROUBLE.search(folded, can.end(), end) is None


WRITER_CAN_TEXT = 6_000
# The writer is where it should go: "should go to me", "ska till mig", "move it over to me".
_TO_THE_WRITER = re.compile(r"(?i)\b(?:to|till)[ \t]+(?:me|mig|myself|mig[ \t]+sjalv)\b")
# "Jag själv kan attestera dem", "I can approve them myself", "but I can approve it" (opening a
# sentence or a clause: not "so I can approve", "Neither Harriet nor I can approve").
_WRITER_CAN = re.compile(r"(?im)(?:^|[.!?][ \t]+|\b(?:but|men|while|medan|although|fast)[ \t]+)(?:jag[ \t]+sjalv|jag|i[ \t]+myself|i)[ \t]+(?:kan|can|could|kunde|am[ \t]+able[ \t]+to|is[ \t]+able[ \t]+to)[ \t]+"
                         r"(?:attestera|godkanna|granska|approve|review|sign[ \t]+(?:it|them|these)?[ \t]*off)\b(?![ \t]+(?:inte|not)\b)")
# ... and yet trouble: "but not row 2", "men inte rad 2", "but get an error", "but it fails".
_WRITER_TROUBLE = re.compile(r"(?i)\b(?:(?:but|men)[ \t]+(?:not|inte)[ \t]+(?:rad|raden|row|line|on|pa|for|den|the)|error|felmeddelande|"
                            r"fails?|failed|misslyckas|gar[ \t]+inte|doesn\W?t|does[ \t]+not|won\W?t|fastnar|stuck)\b")


_NO_TROUBLE = re.compile(r"(?i)[ \t]*,?[ \t]+(?:had|has|hade|har)[ \t]+(?:no|inga|inget)[ \t]+(?:problems?|issues?|trouble|fel)\b")
# A first name alone: "Anna", "Per", "Anna-Karin".
_FIRST_NAME = re.compile(r"[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?")
# A login or a code written in capitals, one word: "LGRANT", "BOKAFOR_B".
_LOGIN = re.compile(r"[A-ZÅÄÖ][A-ZÅÄÖ0-9_.]{2,19}")


def renamed(name: str, folded: str) -> bool:
    """A person's new name, the same person as the one the case names ("Han har gift sig och heter nu
    Kristoffer Lindé", "she is now called Sarah Brook"): written first right after the renaming words."""
    at = folded.find(fold(name))
    return at > 0 and _NEW_NAME.search(folded, max(0, at - 40), at) is not None


_NEW_NAME = re.compile(r"(?i)\b(?:heter|kallas)\s+(?:numera\s+|nu\s+|sedan\s+\w+\s+)$|\b(?:is|are)\s+now\s+(?:called|named)\s+$|"
                       r"\b(?:new|nya)\s+(?:surname|last\s+name|name|namn|efternamn|efternamnet|namnet)\s*(?:is|är|ar|:)?\s*$|"
                       r"\b(?:changed|bytt|ändrat|andrat)\s+(?:(?:her|his|their|sitt)\s+)?(?:surname|last\s+name|name|namn|efternamn)\s+(?:to|till)\s+$")


def on_a_fine_row(name: str, folded: str) -> bool:
    """A person named only in a sentence about another row said to be right ("row 1 (cost centre
    610) correctly went to Mark Hollis", "Rad 2 ligger rätt hos Per Ahlgren så den är ok", "Rad 1
    och 2 attesterade Gunnar Ek igår utan problem"): the row beside the case's, not whom it concerns."""
    key = fold(name)
    return everywhere(key, folded, lambda at: fine_row_sentence(folded, at, at + len(key)), limit=3)


def fine_row_sentence(folded: str, start: int, end: int) -> bool:
    """Does the sentence around folded[start:end] name a row before it and say that row is right?"""
    begin = max(folded.rfind(stop, max(0, start - FINE_ROW_REACH), start) for stop in ".!?;\n") + 1
    stops = [at for stop in ".!?;\n" if (at := folded.find(stop, end, end + FINE_ROW_REACH)) >= 0]
    after = min(stops, default=min(len(folded), end + FINE_ROW_REACH))
    return _ROW_BEFORE.search(folded, begin, start) is not None and _RIGHT_ROW.search(folded, begin, after) is not None \
        and _ROW_TROUBLE.search(folded, begin, after) is None


FINE_ROW_REACH = 160
_ROW_BEFORE = re.compile(r"(?i)\b(?:rows?|lines?|rad|raden|rader|raderna)[ \t]+\d{1,2}\b")
_RIGHT_ROW = re.compile(r"(?i)\b(?:correctly|(?:approved|attesterad\w*|godkand\w*)\s+(?:fine|ok|okay|normally|utan\s+problem)\b|"
                        r"(?:which|that)\s+is\s+(?:right|correct|fine)|(?:is|was)\s+(?:right|correct|fine|ok)\b|"
                        r"already\s+approved|(?:has|have)\s+(?:already\s+)?approved\s+(?:it|them)|as\s+(?:it\s+)?should|"
                        r"without\s+(?:any\s+|a\s+)?(?:issues?|problems?|hitch)|"
                        r"utan\s+(?:nagra\s+)?problem|(?:ar|var)\s+(?:ok|okej|ratt|korrekt)\b|ligger\s+ratt|gick\s+ratt|helt\s+ratt)")
_ROW_TROUBLE = re.compile(r"(?i)\b(?:wrong|incorrect\w*|should(?:n\W?t)?|instead|but|error|fel|felet|ska|skall|skulle|istallet|men|"
                          r"can\W?t|cannot|unable|won\W?t|kan\s+inte|gar\s+inte|stuck|fastnat|fails?|failed)\b")


def copied_in(name: str, folded: str) -> bool:
    """A person named by their title and marked as only copied in, wherever named: "Kundens
    kontaktperson är ekonomichefen Gunilla Rask (cc)" (whom a set-up concerns; not "a user for Sara
    Holm (cc)", nor a user copied in who shares the problem: "Min kollega Sara Holm (kopia) har samma
    problem")."""
    key = fold(name)
    return everywhere(key, folded, lambda at: _CC_MARK.match(folded, at + len(key)) is not None
                      and _TITLE_BEFORE.search(folded, max(0, at - 40), at) is not None)


_CC_MARK = re.compile(r"(?i)[ \t]*\((?:cc|kopia|pa\s+kopia|copied(?:\s+in)?|in\s+copy)\)")
_TITLE_BEFORE = re.compile(r"(?i)\b(?:kontaktperson\w*|\w*chef\w*|manager|director|cfo|ceo|controller|vd|contact)\b[^.\n]{0,25}$")


def okayed_request(name: str, folded: str) -> bool:
    """A person who agreed to the request, not one it is about: "Vår ekonomichef Göran Lund har
    godkänt det", "our CFO Diane Kowalski has approved the change"."""
    places = list(islice(written_at(fold(name), folded), 5))
    if any(_WITH_THEM.search(folded, max(0, at - 30), at) for at in places):
        return False  # "has landed with Anna for approval ... Anna has already approved that part": hers still
    return any(_OKAYED.match(folded, at + len(name)) for at in places)


_OKAYED = re.compile(r"(?i)[ \t]+(?:har|has|have|had|hade)[ \t]+(?:redan[ \t]+|already[ \t]+|also[ \t]+|ocksa[ \t]+)?"
                     r"(?:(?:godkant|okat|approved|signed[ \t]+off|agreed[ \t]+to|ok\W?d|sagt[ \t]+ja[ \t]+till)[ \t]+"
                     r"(?:det|detta|det[ \t]+har|andringen|flytten|this|that|it|the[ \t]+(?:change|move|request))\b|"
                     # "Min chef Ingrid Sahlin har sagt ok via mejl", "has said OK by email"
                     r"(?:sagt|said)[ \t]+(?:ok|okay|ja|yes)\b|(?:okayed|ok\W?d|okejat|godkant)[ \t]+(?:that|att)\b)")


def only_said(name: str, source: Source) -> bool:
    """A person who only tells or asks something ("Vår ekonomichef Birgitta Lund sa att jag ska ha
    rätt att attestera", "Samuel Price in HR tells me there were three leavers"), wherever the
    name is written (at most five places). The Swedish "sa" is "said" only in a mail written with
    å, ä and ö: without them it is "så" ("Lisa Ek sa hon kan attestera")."""
    folded, key = source.folded, fold(name)
    return everywhere(key, folded, lambda at: _SAID_SO.match(folded, at + len(key)) is not None
                      or _SAID_SV.match(source.text, at + len(key)) is not None and _ACCENTED.search(source.text) is not None)


# (not the Swedish "sa": written without accents it is "så", "so")
_SAID_SV = re.compile(r"[ \t]+sa[ \t]+(?:att|till\s+mig|det)\b")
_ACCENTED = re.compile("[åäöÅÄÖ]")
_SAID_SO = re.compile(r"(?i)(?:[ \t]+(?:in|i|from|pa|fran)[ \t]+[\w&-]+)?[ \t]+(?:sade|sager|said|says|told\s+(?:me|us)|"
                      r"tells\s+(?:me|us)|asked\s+(?:me|us)|bad\s+(?:mig|oss)|mentioned|namnde)\b")


def role_stays(role: str, folded: str) -> bool:
    """A role the mail says stays as it is ("The Directors role stays at £250,000", "rollen
    Attestant 2 ligger kvar på 100 000 kr"), where its name is first written."""
    at = next(written_at(fold(role), folded), -1)
    return at >= 0 and _STAYS.match(folded, at + len(role)) is not None


_STAYS = re.compile(r"(?i)\s+(?:role\s+|rollen\s+)?(?:stays|remains|will\s+stay|should\s+stay|keeps|ligger\s+kvar|stannar|"
                    r"behaller|ar\s+kvar)\b(?:\s+(?:at|pa|as\s+it\s+is|the\s+same|unchanged|oforandrad|som\s+den\s+ar))?")


def long_gone(name: str, folded: str, months: bool = False) -> bool:
    """A person named as gone long ago ("the role was originally set up by Steve Jacobs, who left
    us back in 2019"), not as what a request is done to, at the first place the name is written.
    With `months` (whom a set-up concerns, not an approval's users: "it went to Mark who left in
    March" is the case), one gone in a month named too: "He replaces Jenny Cole who left in March"."""
    key = fold(name)
    at = next(written_at(key, folded), -1)
    return at >= 0 and (_GONE_SINCE.match(folded, at + len(key)) is not None
                        or months and _GONE_IN.match(folded, at + len(key)) is not None
                        or _SET_UP_BY.search(folded, max(0, at - 30), at) is not None)


def told_before(name: str, folded: str) -> bool:
    """A name written only in sentences about an earlier time: "Last time (Case #4388) you set up
    the Approver role for us", "Förra gången hjälpte ni Eva Ek" (unless it goes on to now; not "Last
    week Tom Reid joined ... Please give Tom Reid the approver role")."""
    key = fold(name)
    places = list(islice(written_at(key, folded), 3))
    return bool(places) and all(about_before(folded, *sentence_span(folded, at, at + len(key))) for at in places)


def about_before(folded: str, start: int, end: int) -> bool:
    """A sentence (folded[start:end]) about an earlier time that does not go on to now."""
    return _BEFORE_NOW.match(folded, start) is not None and not _SINCE_THEN.search(folded, start, end)


# "..., who left", "som gick i pension": then when (_GONE_SINCE long ago, _GONE_IN in a month named)
# ("Peter Gustavsson gick i pension 2019", not "Tom Reid left invoice 20415 unapproved")
_WHO_LEFT = r"(?i),?\s+(?:(?:who|som)\s+(?:left|retired|slutade|gick\s+i\s+pension)|retired|slutade|gick\s+i\s+pension|left\s+(?:us|the\s+company))"
_GONE_SINCE = re.compile(_WHO_LEFT + r"\b[^.!?\n]{0,30}?"
                         r"\b(?:(?:in\s+|ar\s+)?(?:19|20)\d\d(?!\d)|ages\s+ago|long\s+ago|years\s+ago|(?:for|för)\s+\w+\s+(?:sedan|ar\s+sedan))")
_GONE_IN = re.compile(_WHO_LEFT + r"\s+(?:in|i|at\s+the\s+end\s+of|(?:i\s+)?slutet\s+av)\s+(?:january|february|"
                      r"march|april|may|june|july|august|september|october|november|december|januari|februari|mars|maj|"
                      r"juni|juli|augusti|oktober)\b")
_SET_UP_BY = re.compile(r"(?i)\b(?:originally|first|once)\s+(?:set\s+up|created|built|configured)\s+by\s+$")
# The writer asks for something for themself: "give me access", "Kan ni ge mig behörighet".
_ASKS_FOR_ME = re.compile(r"(?i)\b(?:(?:give|grant|add|set\s+up|create|make)\s+(?P<me>me)\b(?!\s+(?:a\s+)?(?:call|ring|shout|hand|"
                          r"minute|moment|second|chance|list|copy|report|update|answer))|(?:ge|lagg\s+(?:till|upp)|lagga\s+(?:till|upp)|"
                          r"skapa)\s+(?P<me2>mig)\b(?!\s+(?:ett\s+)?(?:samtal|besked|svar|en\s+lista|en\s+kopia))|"
                          r"(?:access|rights|permissions?|behorighet\w*|tillgang|atkomst)\s+(?:for|till|at)\s+(?P<me3>me|mig)\b|"
                          # "Could you raise my own approval limit", "höja min attestgräns"
                          r"\b(?:raise|increase|lower|change|update|extend|hoj|hoja|sank|sanka|andra)\s+(?P<me4>my|min|mina|mitt)\s+"
                          r"(?:own\s+|egen\s+|egna\s+)?(?:approval\s+limit|limit|access|roles?|rights|attestgrans\w*|"
                          r"beloppsgrans\w*|behorighet\w*|roll\w*)\b|"
                          # "Jag behöver få administratörsbehörighet i Sjöviks kommun", "I need to get admin rights"
                          # "Would it be possible for me to get the administrator role"
                          r"\b(?P<me5>jag|i|me)\s+(?:behover|skulle\s+behova|vill|need|would\s+like|to)\s+(?:to\s+)?(?:fa|get|have|be\s+given)\s+"
                          r"(?:the\s+|an?\s+)?(?:(?:admin|administrator|full|approval|attest)\s+)?(?:\w*behorighet\w*|access|rights|"
                          r"permissions?|administratorsratt\w*|role)\b)")
# Where an invoice sits: "has landed with Anna for approval", "ligger hos Per": theirs now.
_WITH_THEM = re.compile(r"(?i)\b(?:landed|sits|sitting|stuck|ligger|hamnat|fastnat|fastnade|hamnade)\s+(?:with|hos)\s+$")
# Where an invoice should go, or who should have it again: not a user of before.
_TO_THEM = re.compile(r"(?i)\b(?:go|goes|going|gå|ga|gar|till|to|back\s+to)\s+(?:also\s+|ocksa\s+)?$")
_STILL_THEIRS = re.compile(r"(?i)[^.!?\n]{0,40}?\b(?:still\s+should|and\s+still\s+does|ska\s+ha\s+dem\s+igen|ska\s+ha\s+den\s+igen|"
                           r"should\s+have\s+(?:them|it)\s+(?:again|back))\b")
# "(before that Greg Olsen approved them)", "Tidigare var det Bengt Olsson som attesterade allt"
_BEFORE_THAT = re.compile(r"(?i)\b(?:tidigare|previously|before\s+that|forut|innan\s+dess)(?:\s+(?:var\s+det|was\s+it|it\s+was))?\s+$")
# "(88-1211, Mats Ek) är rätt": the row of someone else that is right
_IS_RIGHT = re.compile(r"(?i)[)\]]?[ \t]+(?:is|are|ar|var)[ \t]+(?:right|correct|fine|ok|ratt|korrekt)\b")
_USED_TO = re.compile(r"(?i),?\s+(?:(?:who|som)\s+)?(?:used\s+to|brukade|previously|tidigare)\s+(?:approve|review|sign|handle|"
                      r"attestera|granska|godkanna)\b")
_APPROVED_BY = re.compile(r"(?i)\b(?:(?:approved|signed\s+off|reviewed|attesterades|attesterad\w*|godkandes|godkand\w*|granskades)"
                          r"\s+(?:by|av)|(?:went|got|gick)\s+(?:through|igenom)|"
                          # "Rad 1 attesterade Lena Berg utan problem": the Swedish verb before its subject
                          r"(?:rad|raden|row)\s+\d{1,2}\s+(?:attesterade|godkande|granskade))\s+$")
def already_done(folded: str, at: int, length: int) -> bool:
    """A person whose own step is done: "Jonas Berg har redan godkänt sin del (rad 1)", "rad 1 har Jonas
    Berg redan godkänt" (the verb before its subject), "Paul Jensen
    approved row 1 yesterday", "the rest was approved by Ian already" (not past a "but")."""
    end = at + length
    done = _DONE_BEFORE.match(folded, end) or (_ALREADY.match(folded, end) if _APPROVED_BY.search(folded, max(0, at - 30), at)
                                               else None)
    return done is not None and not _YET_TROUBLE.match(folded, done.end())


# "... har redan godkänt", "... (controller) has already approved", "... approved row 1 yesterday"
_DONE_BEFORE = re.compile(r"(?i)[ \t]+(?:\([^()\n]{1,30}\)[ \t]+)?(?:(?:(?:has|have|had|har|hade)[ \t]+)?(?:already|redan)[ \t]+"
                          r"(?:approved|reviewed|signed\s+off|godkant|attesterat|granskat)\b|(?:already[ \t]+)?(?:approved|reviewed|"
                          r"signed\s+off|attesterade|godkande|granskade)[ \t]+(?:(?:his|her|their|sin|sitt)[ \t]+(?:part|del|row|rad)|"
                          r"rows?[ \t]+\d|rad(?:en)?[ \t]+\d)\b[^.!?\n]{0,30}?\b(?:already|yesterday|redan|igar|i\s+gar|"
                          r"this\s+morning|i\s+morse|last\s+week|forra\s+veckan)\b)")
_ALREADY = re.compile(r"(?i)[ \t]+(?:already|redan|yesterday|igar|i\s+gar)\b")
# A step the invoice's history shows done: "the history only shows it being reviewed by Josh".
_IN_HISTORY = re.compile(r"(?i)\b(?:history|historik\w*|log|logg\w*|audit\s+trail)\b[^.!?\n]{0,50}?\b(?:approved|reviewed|"
                         r"signed\s+off|attesterad\w*|granskad\w*|godkand\w*)\s+(?:by|av)\s+$")
# A person or row, then the step that went well: "Mark Dwyer approved row 1 (£3,400.00) yesterday
# without any issue", "Rad 1 attesterades av Anna Berg i måndags utan problem" (not past a "but").
_APPROVED_IT = re.compile(r"(?i)[ \t]+(?:(?:was|were|has|have|had|har|hade)[ \t]+)?(?:approved|signed\s+off|reviewed|attesterat|godkant|granskat|attesterade|attesterades|"
                          r"godkande|godkandes|granskade|granskades|went\s+through|gick\s+igenom)\b")
# ... but not other invoices approved before: "Både jag och Dan har attesterat liknande fakturor
# ... tidigare utan problem" (Dan is still whom this invoice concerns).
_OTHER_THINGS = re.compile(r"(?i)[ \t]+(?:liknande|andra|similar|other|such|earlier|previous|tidigare)\b")
# Words that say a step went well: "without any issue", "with no problems", "fine", "utan problem".
_WELL_WORDS = (r"without\s+(?:any\s+|a\s+)?(?:issues?|problems?|errors?|hitch)|with\s+no\s+(?:problems?|issues?|errors?)|"
               r"fine|utan\s+(?:problem|fel)")
_WENT_WELL_LATER = re.compile(rf"(?i)(?:(?!\b(?:but|men)\b)(?!(?<!\d )\b(?:and|och)\b)(?:[^.!?\n]|\.(?=\d))){{0,60}}?\b(?:{_WELL_WORDS}|"
                              r"utan\s+nagra\s+problem)\b")
_WENT_WELL = re.compile(rf"(?i)[^.!?\n]{{0,40}}?\b(?:{_WELL_WORDS})\b")


def only_signs_off(folded: str, at: int) -> bool:
    """A person whose sentence only says they are copied in or approve the request ("I've copied
    in my manager Sarah Cole who has signed this off", "Signed off by our CFO Martin Hughes", "Min
    chef Annika Ström ska godkänna beställningen, hon står på kopia"): not whom the case concerns."""
    start = max(0, at - SENTENCE_REACH, folded.rfind("\n", 0, at) + 1)
    start = max([m.end() for m in _SENTENCE_END.finditer(folded, start, at)], default=start)
    end_at = sentence_end(folded, at, SENTENCE_REACH)
    line_end = folded.find("\n", at, end_at)
    # (a hard-wrapped line goes on below: "Per Strand ska godkänna hela\nmånadens attester sen")
    wrapped = line_end >= 0 and wraps_on(folded[folded.rfind("\n", 0, at) + 1 : line_end], folded[line_end + 1 : line_end + 2])
    stop = line_end if line_end >= 0 and not wrapped else end_at
    # "I've copied in Sarah Cole, who needs the approver role": she is the case, copied in or not
    return _SIGNS_OFF.search(folded, start, stop) is not None and _WANTS.search(folded, start, stop) is None


_WANTS = re.compile(r"(?i)\b(?:(?<!n['’]t\s)(?<!nt\s)(?<!\bnot\s)(?<!\byou\s)needs?(?!\s+to\s+(?:sign|approve|ok|okay|agree|authori[sz]e)\b)|wants?|should\s+(?:get|have|be\s+given)|behover|ska\s+(?:ha|fa)|vill\s+ha)\b")
# ("Approved by Martin Greaves, our CFO" opening its sentence; not "if you need it")
_SIGNS_OFF = re.compile(r"(?i)\b(?:copied\s+in|cc\W?d|cc:?\s+(?:my|our)|signed\s+(?:this\s+|it\s+)?off|sign(?:ed|s)?[\s-]off\s+by|"
                        r"(?:(?<![\s\S])|(?<=\n)|(?<=[.!?]\s))(?:approved|authori[sz]ed|okayed|godkant|godkand)\s+(?:by|av)|"
                        r"(?:pa|i)\s+kopia|kopia\s+till|godkann\w*\s+(?:bestallningen|forfragan|andringen)|"
                        r"(?:har\s+)?godkant\s+(?:bestallningen|forfragan|andringen)|attester\w*\s+bestallningen|"
                        # the step after the one the case is about: "will sign off the quarter once it's
                        # through", "Min chef Kjell ska attestera efter mig"
                        r"will\s+(?:sign|approve)\s+(?:\w+\s+){0,3}?(?:off\s+)?(?:(?:\w+\s+){0,2}?(?:later|afterwards)|after\s+(?:me|that|him|her|them)|once\s+it)|"
                        r"ska\s+(?:attestera|godkanna|granska)\s+(?:\w+\s+){0,3}?(?:efter\s+(?:mig|henne|honom|det|dem)|sen|sedan|senare))\b")


# A lone short lowercase word is a piece of a sentence ("don" of "don't"), never a name (see `clean`).
_WORD_PIECE = re.compile(r"[a-zåäö]{1,4}")


def part_of_another(key: str, names: dict[str, str]) -> bool:
    """A name of two words and more written whole at the end of a longer one, or a name cut short
    at an apostrophe ("Liam O" beside "Liam O'Connor") or a surname at its hyphen ("Anna Lund" beside
    "Anna Lund-Berg"); a first name alone is someone else ("Per" beside "Per-Olof Lind")."""
    return any(other != key and (" " in key and other.endswith(" " + key)
                                 or other.startswith(key) and (other[len(key)] in "'’" or
                                                               other[len(key)] == "-" and " " in key))
               for other in names)


def not_a_person(value: str) -> bool:
    """A user read as a number or a sentence ("ID 5531-22", "Approved 1 of 2", "go to me first")."""
    if "@" in value or _ROLE_NAME.fullmatch(value):
        return False  # an address is someone, digits and all ("anna.lund2@kund.se"); a role is whom it waits on
    last = fold(value).lower().split()[-1:]
    return no_one(value) or any(c.isdigit() for c in value) or value[:1].islower() and not _SELF.match(value) \
        or bool(last) and (last[0] in _NOT_PERSON_WORDS and last[0] not in _FIRST_NAMES or last[0] in _PLACES)


# A user's name never ends in a country: "Bauhaus Sverige" is a supplier (as "Nordic Steel" ends in a
# business word).
_PLACES = frozenset("sverige sweden norge norway danmark denmark suomi finland nordic nordics scandinavia europe uk gb us usa "
                    "ireland england scotland wales britain".split())
# Words of _NOT_PERSON_WORDS that are first names too.
_FIRST_NAMES = frozenset("april june july august".split())


def no_one(value: str) -> bool:
    """ "New CFO", "vår VD", "Thursday", "Finance Team": a title or words that name no person
    (the person is named elsewhere, or not at all); "August" may be someone."""
    return all(w in _TITLE_WORDS or w in _NOT_PERSON_WORDS and w not in _FIRST_NAMES for w in fold(value).lower().split())


_TITLE_WORDS = frozenset("new ny nya our var cfo ceo cto coo cio vd md controller ekonomichef finance manager".split())


# A role as the customer names it: "rollen Granskare Ekonomi", "role Approver Level 2".
_ROLE_NAME = re.compile(r"(?:role|rollen|roll):?\s+\S.*|.*\S\s+role", re.IGNORECASE)  # not "i rollen, Anna Ljung"
# A coding suggestion is one thing with its supplier, bracketed name and all: "konteringsförslag för
# leverantör 30221 (Staples)".
_SUGGESTION_NAME = re.compile(r"(?:coding\s+suggestions?|(?:kodnings|konterings)f[öo]rslag\w*)\s+(?:for|f[öo]r)\s+\S.*",
                              re.IGNORECASE)
# A full stop ending a sentence (not "no." / "nr." before a number) and what follows it.
_NEXT_SENTENCE = re.compile(r"(?<![Nn]o)(?<![Nn]r)\.\s+\S.*$", re.DOTALL)
_ROLE_WORD = re.compile(r"^(?:role|rollen|roll)[,:]?\s+|\s+role$", re.IGNORECASE)
# "has the role", "har projektledarna rollen": the role named next is the one they have now.
# ("We need Tom Ellis to have the Administrator role", "ska ha rollen": the one wanted)
_HAS_ROLE = re.compile(r"(?<!\bto\s)(?<!\bska\s)(?<!\bskall\s)(?<!\bshould\s)(?<!\bwill\s)(?<!\bmust\s)(?<!\bmaste\s)"
                       r"(?<!\balso\s)(?<!\bocksa\s)(?<!\baven\s)\b(?:has|have|had|har|hade)\b"
                       r"(?:\s+\w+){0,2}\s+$", re.IGNORECASE)


def role_they_have(value: str, folded: str, at: int) -> bool:
    """ "Han har rollen Attestant idag": a role someone has now (`value` read at `at`) is
    background, not what the case concerns."""
    return _ROLE_NAME.fullmatch(value) is not None and _HAS_ROLE.search(folded, max(0, at - 40), at) is not None


def quoted_name(written: str, after: str) -> bool:
    """A name written in quotes ("El och värme"), not a stretch between two apostrophes ("'go to
    me first and then Liam O'Connor")."""
    return _QUOTED.fullmatch(written.strip()) is not None and not after.isalnum()


# A title before a name ("Ms Priya Nair", "Herr Lind"): not part of it.
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Herr|Fru)\.?\s+(?=[A-ZÅÄÖ])")


def written_name(match: re.Match[str], text: str) -> str:
    """The names a match wrote, without the one a line opens by addressing ("Rhys, I can't approve
    ..."); a name before its cue is the last sentence's ("... projekt Solbacken. Jag får inte
    attestera": "Jag")."""
    written = original(match, text)
    at = match.start("value")
    if at == match.start() and match.end("value") < match.end():
        written = _NAME_END.split(written)[-1]
    return _VOCATIVE.sub("", written) if at == 0 or text[at - 1] == "\n" else written


def header_over_row(text: str, match: re.Match[str]) -> bool:
    """A label that is a cell of a table's row (tab-separated, as blocks writes them) with its value
    on a later line: the column's head over the next row, whose first cell is another thing."""
    return "\n" in text[match.start() : match.start("value")] and in_table_row(text, match.start())


def across_cells(text: str, match: re.Match[str]) -> bool:
    """A match that runs from one table cell or paragraph into the next ("Attestant<tab>Status",
    a signature's "CFO" over a blank line): its cue and its name are not one phrase. Nor is a
    value that holds a cell break: a header row's "Roll<tab>Slutdatum" names no role."""
    return "\t" in text[match.start() : match.end()] or _BLANK_LINE.search(text, match.start(), match.end()) is not None


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def denied(source: Source, match: re.Match[str]) -> bool:
    """A name the customer says it is not: "det gäller inte Kustvik Energi AB utan Kustvik Nät AB",
    "the approver is Mark Dunne, not Mark Dunn" (a correction of what was written before)."""
    folded, at, end = source.folded, match.start("value"), match.end("value")
    return not_x_but(folded, at, end) or (_DENIED.search(folded, max(0, at - 12), at) is not None
                                           and _COMMA_NOT.search(folded, max(0, at - 12), at) is not None) \
        or _LEFT_ALONE_AFTER.match(folded, end) is not None or _LEFT_ALONE_BEFORE.search(folded, max(0, at - 50), at) is not None


# A name said to stay as it is: "the Swedish company Fernhill AB should not be changed", "Nordbygg AB
# ska inte ändras", "Anna Berg berörs inte" (on folded text; not "is not included in his companies,
# can you add it?": what is missing).
_LEFT_ALONE_AFTER = re.compile(r"(?i)[ \t]*[-–—,][ \t]*(?:that|this|it|den|det)[ \t]+(?:one[ \t]+)?(?:should|must|ska|skall)[ \t]+"
                               r"(?:stay|remain|be[ \t]+left|vara[ \t]+kvar|lamnas|forbli)\b"  # "... role - that one should stay as it is"
                               r"|,?[ \t]+(?:(?:should|shall|must|need|needs)[ \t]+not|shouldn['’]t|mustn['’]t|(?:is|are)[ \t]+not|isn['’]t|aren['’]t)"
                               r"[ \t]+(?:be[ \t]+)?(?:changed|touched|affected)\b"
                               r"|,?[ \t]+(?:ska|skall|behover)[ \t]+(?:inte|ej)[ \t]+(?:andras|paverkas|beroras|rora?s)\b"
                               r"|,?[ \t]+(?:berors|paverkas|andras)[ \t]+(?:inte|ej)\b"
                               # 'Rollen "Attest ekonomi" ska vara kvar som den är', "... should stay as it is",
                               # "Hans roll Attestant nivå 1 ska inte ges till någon annan"
                               r"|[\"”'’]?,?[ \t]+(?:ska|skall|should|must|will)[ \t]+(?:vara|finnas|ligga|stay|remain)[ \t]+(?:kvar[ \t]+)?"
                               r"(?:som[ \t]+(?:den|det)[ \t]+ar|as[ \t]+(?:it|they)[ \t]+(?:is|are)|unchanged|oforandrad)\b"
                               r"|,?[ \t]+(?:ska|skall)[ \t]+(?:inte|ej)[ \t]+(?:ges|tilldelas)[ \t]+(?:till[ \t]+)?(?:nagon|nagra)[ \t]+(?:annan|andra)\b")


# ... or before it: "To be clear: not the AP Manager role", "please don't change anything for the Approver
# role either", "please don't give Sam the Administrator role", "ändra inget för rollen Granskare" (a sentence that opens with the "not").
_LEFT_ALONE_BEFORE = re.compile(r"(?i)(?:(?:^|[.:;!?\n])[ \t]*(?:not|inte|ej)|\b(?:don\W?t|do[ \t]+not)[ \t]+(?:give|grant|assign)(?:[ \t]+[\w-]+){1,2}"
                                r"|\b(?:don\W?t|do[ \t]+not)[ \t]+(?:change|touch|alter)(?:[ \t]+anything"
                                r"[ \t]+(?:for|on|in|about|with))?|\b(?:andra|rora?)[ \t]+(?:inget|ingenting|inte)(?:[ \t]+(?:for|pa|i|med))?)"
                                r"[ \t]+(?:the[ \t]+|rollen[ \t]+|bolaget[ \t]+|company[ \t]+)?$")


def not_x_but(folded: str, at: int, end: int) -> bool:
    """The name at `at`..`end` in "inte X utan Y", "not X but Y"."""
    return _DENIED.search(folded, max(0, at - 12), at) is not None and _INSTEAD.match(folded, end) is not None


_DENIED = re.compile(r"(?i)\b(?:inte|not|ej)\s+(?:the\s+|bolaget\s+|company\s+)?$")

# ... and the right one after it ("inte X utan Y", "not X but Y"), or a correction after a comma ("Y, not X").
_INSTEAD = re.compile(r"(?i)[^.!?\n]{0,60}?\b(?:utan|but)\b")
_COMMA_NOT = re.compile(r"(?i),\s*not\s+(?:the\s+)?$")


def said_not(name: str, folded: str) -> bool:
    """A person the customer says it is not, wherever the name is written: "Det är inte Anna Berg
    utan Anna Bergqvist som ska attestera" (a correction of an earlier mail), "not Tom but Tim"."""
    key = fold(name)
    return _PERSON_RE.fullmatch(key) is not None and everywhere(key, folded, lambda at: not_x_but(folded, at, at + len(key)))


# "jag får felet ... när jag försöker godkänna", "I can't approve invoice 4410": the writer is the
# user the approval case is about (when the mail names nobody else).
# ... or without the "I" a hurried writer leaves out, opening a sentence: "Försöker godkänna fakturan
# [1100-25] men får ...", "Trying to approve 4410 and ...".
_I_CANNOT = re.compile(r"(?i)(?:\b(jag|i)(?:\s+|(?<=i)['’]m\s+)(?:(?:still|just|simply|really)\s+)?(?:kan\s+(?:fortfarande\s+|anda\s+|nu\s+)?inte|can\W?t|cannot|am\s+unable\s+to|am\s+not\s+able\s+to|"
                       r"far\s+inte|lyckas\s+inte|forsoker|try\s+to|tried\s+to|am\s+trying\s+to|trying\s+to|"
                       # "när jag ska attestera faktura 3819-20 får jag ...": the writer's attempt
                       r"(?<=\bnar jag )(?:ska|skulle)|(?<=\bwhen i )(?:go\s+to|went\s+to))|"
                       # "Cannot approve 4410", "Hej, kan inte godkanna faktura 70231": the writer who leaves out "I"
                       r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=\bhej,\s)|(?<=\bhi,\s)|(?<=\bhello,\s))(?:(?<=,\s)|(?=(?-i:[A-Z])))(?:kan\s+inte|"
                       r"can\W?t|cannot|unable\s+to|far\s+inte|lyckas\s+inte|forsoker|trying\s+to)"
                       # ... not a question to someone else: "Can't someone else approve", "Kan inte ni godkänna"
                       r"(?!\s+(?:you|someone|somebody|anyone|anybody|we|they|ni|du|nagon|vi|de)\b))"
                       r"\s+(?:\w+\s+){0,2}?(attestera|godkanna|granska|approve|review|ok|sign(?:\s+(?:it|this))?\s+off)\b"
                       # "I'm trying to OK invoice 66-4410": the writer approves; "I OK'd invoice 51730 on Friday
                       # and today it's back on my list" too
                       r"|\b(jag|i)\s+(?:have\s+|had\s+|har\s+|hade\s+)?(?:already\s+|redan\s+)?(approved|ok\W?d|okayed|"
                       r"signed\s+(?:it\s+)?off|attesterade|godkande)\s+(?:it|the\s+invoice|invoice|fakturan|faktura|den)\b")


def writer_who_cannot(source: Source) -> str | None:
    """The writer (the sender, or a forwarded mail's writer) who says they cannot approve."""
    # ("I approved the invoice but the second approver never got it": the writer's step went
    # well; "I OK'd invoice 51730 on Friday and today it's back on my list": the writer again)
    back = _BACK_TO_ME.search(source.folded, 0, len(source.new)) is not None
    found = next((m for m in islice(_I_CANNOT.finditer(source.folded, 0, len(source.new)), 5) if back or not m[3]), None)
    if not found:
        return None
    # named with the word the writer used, as "myself" is: "Johan Eriksson (jag)"; "jag" or "I" left out
    said = found[1] or found[3]
    word = source.text[found.start() : found.start() + len(said)] if said else \
        "jag" if found[2].lower() in ("attestera", "godkanna", "granska") else "I"
    return self_named(word, speaker(source, found.start())) or None


# The invoice back with the writer: "today it's back on my list", "ligger hos mig igen".
_BACK_TO_ME = re.compile(r"(?i)\b(?:back\s+(?:on|in)\s+my\s+(?:list|queue|inbox)|asking\s+me\s+again|came\s+back\s+to\s+me|"
                         r"ligger\s+(?:nu\s+)?hos\s+mig|is\s+(?:now\s+)?(?:with\s+me|in\s+my\s+(?:list|queue))|"
                         r"tillbaka\s+(?:hos|till)\s+mig|(?:igen|atter)\s+hos\s+mig|hos\s+mig\s+igen)")


def speaker(source: Source, at: int) -> str:
    """Who "I"/"jag" is at a place in the content: the sender, or a forwarded mail's writer."""
    who = source.sender
    for start, name in source.voices:
        if start <= at < len(source.new):
            who = name
    return who


def self_named(name: str, sender: str) -> str:
    """ "jag själv", "myself", "me" as the sender's name (kept with the words the customer used);
    a bare "me"/"mig" without a known sender is no name."""
    if not name or not _SELF.match(name):
        return name
    if sender:
        return f"{sender} ({name if name == 'I' else name.lower()})"  # "Jag" opening a sentence: "Per Ek (jag)"
    return "" if name.lower() in ("me", "mig", "i", "jag") else name


def sender_name(display: str) -> str:
    """The sender's display name when it is a person's ("Lena Holm"), else "" ("Support")."""
    name = display.strip().strip("\"'")
    return name if _PERSON_RE.fullmatch(fold(name)) and "@" not in name else ""


def table_people(source: Source) -> tuple[str, ...]:
    """Persons written whole in a table's cells ("Björn Wall" in an approval flow whose rows the
    prose cuts short): the full names a first name in the prose may stand for."""
    return tuple(dict.fromkeys(cell.strip() for table in source.tables for row in table[:MAX_TABLE_PEOPLE]
                               for cell in row if " " in cell.strip() and _PERSON_RE.fullmatch(fold(cell.strip()))))


# Rows of a table whose cells are looked at for a person's full name.
MAX_TABLE_PEOPLE = 100


def full_name(name: str, folded: str, text: str, writers: Sequence[str] = ()) -> str:
    """A first name alone ("went to Amy") as the full name the mail writes elsewhere ("Amy
    Turner"), or of a writer of the mail or a forwarded one ("hamnade hos Johan" below Johan
    Tell's forwarded mail), or in a table's cell, when there is exactly one; else the first name as it is."""
    if "@" in name:
        return address_owner(name, folded, text)
    if not name or " " in name or not name[:1].isupper():
        return name
    key = fold(name)
    # the surname maybe on the next line of a hard-wrapped mail: "went to Paul\nSimmons for approval"
    found = (m for m in re.finditer(rf"(?<![\w-]){re.escape(key)}(?:[ ]+|[ ]*\n[ ]*)[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?![\w-])", folded)
             if _PERSON_RE.fullmatch(one_line(m.group())) and m.group().split()[1].lower() not in NOT_NAMES
             and m.group().split()[1].lower() not in _NOT_PERSON_WORDS and ("\n" not in m.group() or soft_wrap(folded, m)))
    fulls = {one_line(text[m.start() : m.end()]) for m in found}
    fulls |= {w for w in writers if " " in w and fold(w.split()[0]) == key}
    return fulls.pop() if len(fulls) == 1 else name


def without_genitive(name: str, folded: str) -> str:
    """A Swedish genitive read as a name, "Annika Sjödins" of "Annika Sjödins kostnadsställe": the
    person, when the name is written before a noun of the case's own (a person's cost centre,
    project, role, invoices) and the -s follows a surname's own ending ("Sjödin-s", "Holm-s");
    "Per Lindfors behörighet", "Jonas Lindqvist har ..." and "Lars" alone stay as written."""
    if " " not in name or not name.endswith("s") or len(name.split()[-1]) < 4:
        return name
    stem = fold(name[:-1])
    if not _SURNAME_END.search(stem.lower()):
        return name
    written = f"{stem}s"
    owned = any(_OWNED.match(folded, at + len(written)) for at in islice(written_at(written, folded), 5))
    return name[:-1] if owned else name


# What a person's genitive names in a case: "Annika Sjödins kostnadsställe", "Per Holms attester".
_OWNED = re.compile(r"[ ]+(?:kostnadsstalle\w*|kst|projekt\w*|avdelning\w*|faktur\w*|attest\w*|konto\w*|roll\w*|behorighet\w*|"
                    r"ansvar\w*|grupp\w*|chef|vikarie|ersattare|inkorg\w*|lista\w*|ko|ko(?:n|er)|team\w*|kontering\w*|"
                    r"granskning\w*|godkannande\w*|anvandare|rakning|vagnar)\b")
# Endings of Swedish surnames, before a genitive -s.
_SURNAME_END = re.compile(r"(?:son|sson|strom|berg|lund|qvist|kvist|gren|holm|din|lin|man|ell|ling|quist|strand|dahl|dal|"
                          r"sjo|ek|aker|blad|back|borg|by|hed|mark|stam|stedt|vik|wall|ahl)$")


def soft_wrap(folded: str, match: re.Match[str]) -> bool:
    """A first name at the end of a long line and a surname opening the next, then a lowercase word
    or a stop: a hard-wrapped mail's line break inside a name ("went to Paul\\nSimmons for
    approval"), not a short line's name before a label ("Users: Tom\\nReason: ...") or a sentence."""
    line_start = folded.rfind("\n", 0, match.start()) + 1
    return folded.find("\n", match.start()) - line_start >= SOFT_WRAP and _WRAP_GOES_ON.match(folded, match.end()) is not None


def wraps_on(line: str, below: str) -> bool:
    """A long line that a hard-wrapping mail program broke: the text below it starts in lower case."""
    return len(line) >= SOFT_WRAP and below[:1].islower()


# A hard-wrapped mail's lines are at least this long before the break.
SOFT_WRAP = 55
_WRAP_GOES_ON = re.compile(r"(?:[ ]+(?-i:[a-zåäö])|[,.;!?)]|[ ]*$)", re.MULTILINE)


def one_line(name: str) -> str:
    """A name wrapped over two lines, on one."""
    return " ".join(name.split())


def address_owner(address: str, folded: str, text: str) -> str:
    """An address whose local part spells a name the mail writes as one ("priya.nair@..." in "(Priya
    Nair, priya.nair@...)", "her email is rachel.oneil@..." after "Rachel O'Neil"): the person's
    name, which is what the case is about; else the address as it is. Two addresses of one name
    ("anna.berg@solvik.se, not the Anna Berg we have, anna.berg@kund.se") stay addresses."""
    parts = [x for x in re.split(r"[._-]+", fold(address.split("@")[0]).lower()) if x]
    if len(parts) != 2 or min(map(len, parts)) < 2 or not all(x.isalpha() for x in parts):
        return address
    key = "".join(parts)
    namesakes = {m.group().lower() for m in islice(_ADDRESS.finditer(folded), MAX_ADDRESSES)
                 if re.sub(r"[\d._-]", "", fold(m["local"]).lower()) == key} if folded.count("@") > 1 else ()
    if len(namesakes) > 1:
        return address
    # "Priya Nair", "Rachel O'Neil": capitalised as a name, the rest of each word in any case
    first, last = (x[0].upper() + "['’]?(?i:" + "['’]?".join(map(re.escape, x[1:])) + ")" for x in parts)
    found = re.search(rf"(?<![\w@.'’-]){first}[ ]+{last}(?![\w@'’-])", folded)
    return text[found.start() : found.end()] if found else address


_ADDRESS = re.compile(r"(?<![\w.+-])(?P<local>[\w.+-]{1,64})@[\w-]+(?:\.[\w-]+)+")
# Addresses of a mail looked at for namesakes.
MAX_ADDRESSES = 50


_PERSON_RE = re.compile(_PERSON)
# A capitalised pair after these is a supplier or a company, not a person.
_NOT_PERSON_BEFORE = re.compile(r"(?i)\b(?:from|supplier|vendor|leverantoren|leverantor|fran|company|foretaget|"
                                r"bolaget|mr\.?|ms\.?|(?<!\bgiven\s)(?<!\bgive\s)(?<!\bit\s)(?<!\bthem\s)(?<!\bassigned\s)to)\s+$"
                                # a place or a body: "for the Elm Park site", "head of Riverside Primary"
                                r"|\bthe\s+$|\b(?:head|manager|director|principal|chef|rektor|forestandare)\s+(?:of|at|for|pa|over)\s+$"
                                # a place or a company someone left or joined: "who left Tern Valley"
                                r"|\b(?:who|has|have|had|som|har|hade)\s+(?:left|joined|lamnat|lamnade)\s+$"
                                # a supplier after an amount: "($31,200.00, Pacific Stainless - tank repair)"
                                r"|(?:[$£€][ \t]*\d[\d,. ]*|\d[\d, ]*\.\d\d|\d[\d ,.]*[ \t]*(?:kr|sek|eur|usd|gbp))[ \t]*,[ \t]*$"
                                # a cost centre's or project's name after its number: "kst 540 Butik Jönköping"
                                r"|\b(?:kst|kostnadsst\w*|cost\s+cent(?:re|er)s?|cc|ansvar|avdelning|department|dept|"
                                r"projekt|project)\s+[\w-]*\d[\w-]*\s+$"
                                # ... or after a code of letters and digits: "(P-2231 Kylrum Mölndal)", "FL200 - Fleet Glasgow"
                                # ("E1042 Anna Berg" is an employee number and the person)
                                r"|\([ \t]*[\w-]*\d[\w-]*[ \t]*(?:[-–:][ \t]*)?$|\b[a-z]{1,4}-?\d[\w-]*[ \t]*[-–:][ \t]*$"
                                # ... or in brackets after an invoice's number: "invoice 5521107 (Veritas Lab
                                # Equipment, row 1, 185,000.00)", "faktura 5583100 (Tetra Pak, rad 1, ...)"
                                r"|\b(?:invoices?|faktura\w*|id)[ \t]+[\w/-]*\d[\w/-]*[ \t]*\([ \t]*$"
                                # ... or in brackets after a supplier or a project: "the supplier (Datalink
                                # Cabling, acc no. 30218)", "hennes projekt (Brf Solbacken, projekt 1187)"
                                # (after a cost centre it is its owner: "kst 540 (Per Holm)")
                                r"|\b(?:supplier|vendor|leverantoren|leverantor|project|projekt|projektet|customer|kund|kunden)"
                                r"(?:[ \t]+(?:no\.?[ \t]*|nr\.?[ \t]*)?[\w-]*\d[\w-]*)?[ \t]*\([ \t]*$")
_NOT_PERSON_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april
june july august september october november december mandag tisdag onsdag torsdag fredag lordag sondag
best kind many regards thanks cost centre center general section invoice id services service department
team office finance accounts payable receivable ledger purchasing procurement support manager director head
supervisor officer clerk coordinator administrator controller accountant consultant auditor
ekonomi avdelning avdelningen inkop support
cleaning couriers courier roofing transport foods logistics supplies supply solutions systems consulting
construction catering electrical plumbing printing media energy engineering motors haulage freight security
facilities maintenance partners holdings insurance leasing rentals hire bygg bil frakt stad elektro maleri akeri
fastigheter konsult data cards material materials byggmaterial forvaltning logistik gruppen group holding kommun
steel metals metal timber paper packaging plastics chemicals textiles furniture tools electronics machinery
components industries industrial trading travel hotels dairy bakery waste recycling water retail wholesale
st street road rd avenue ave society association gatan vagen
primary academy school college skola skolan hospital clinic university
knappen knapp fliken menyn button tab menu
amount belopp energi labs marketing sales central centrum estates vast norr syd skotsel fastighetsskotsel
surgery depot warehouse""".split())


def listed_persons(source: Source) -> list[tuple[int, str]]:
    """Persons listed one a line under a line that ends in a colon, each maybe with a role after a
    dash ("Vi behöver lägga upp tre nya användare:" / "- Amir Haddad – Granskare" / "- Josefin Berg
    – Attestant (kst 300)"): the persons the list is about. Two such lines at least."""
    text = source.text[: source.content_end]
    if not _ANY_LISTED.search(text) and ":\n" not in text:
        return []  # most mails list no one
    out: list[tuple[int, str]] = []
    intro = of_persons = False
    at = 0
    # (matched on the folded text, as _PERSON is written for: "Lisa Nyström" is "Lisa Nystrom")
    for line in source.folded[: source.content_end].split("\n")[:MAX_NEW_LINES]:
        item = _LISTED_PERSON.match(line)
        if item is None and of_persons and len(line) <= MAX_BARE_LINE:
            # under a colon line about persons, a line that is only a name: "Karl-Erik Johansson"
            bare = _BARE_PERSON.fullmatch(line.strip())
            item = bare if bare and person_words(bare["person"].lower().split()) else None
            offset = len(line) - len(line.lstrip())
        else:
            offset = 0
        if item and (intro or out):
            start = at + offset + item.start("person")
            out.append((start, text[start : start + len(item["person"])]))
        elif line.strip():
            intro = line.rstrip().endswith(":")
            of_persons = intro and _PERSONS_INTRO.search(fold(line)) is not None and not _THINGS_INTRO.search(fold(line))
            if out and len(out) < 2:
                out = []
        at += len(line) + 1
    return out if len(out) >= 2 else []


# A colon line that introduces persons ("Följande personer har slutat ...:", "these users:"); a
# list of contacts, suppliers or departments under any other colon line is no list of persons.
_PERSONS_INTRO = re.compile(r"(?i)\b(?:users?|anvandar\w*|people|persons?|personer\w*|colleagues?|kollegor\w*|"
                            r"medarbetare\w*|anstallda|employees?|staff|approvers?|attestant\w*|granskare\w*|reviewers?|"
                            r"starters?|leavers?|nyanstallda)\b")
# ... and one whose list is of something else: "approver for these departments:".
_THINGS_INTRO = re.compile(r"(?i)\b(?:departments?|avdelning\w*|suppliers?|leverantor\w*|vendors?|cost\s+cent(?:re|er)s?|"
                           r"kostnadsstall\w*|compan(?:y|ies)|bolag\w*|contacts?|kontakt\w*|projects?|projekt\w*|sites?|"
                           r"locations?|regions?|teams?)\b")
# A line longer than this is a sentence, not a name on its own.
MAX_BARE_LINE = 120


_LIST_ITEM = r"[ \t]*(?:[-*•·▪]|\d{1,2}[.)])[ \t]+"  # a bullet or a number opening a list line
_ANY_LISTED = re.compile(rf"\n{_LIST_ITEM}\S")
_LISTED_PERSON = re.compile(rf"{_LIST_ITEM}(?P<person>{_PERSON})[ \t]*(?:[–—-][ \t]|,|\(|:|$)")
_BARE_PERSON = re.compile(rf"(?P<person>{_PERSON})(?:[ \t]+(?:[–—-][ \t]+[^\n]{{1,60}}|\([^()\n]{{1,60}}\)))?")


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence around text[start:end] begins and ends: at the last ".", "!", "?" or line
    break before it and the first after it (plain stops, unlike `sentence`, which knows "t.ex.")."""
    ends = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    return sentence_start(text, start), min(ends) if ends else len(text)


def sentence_start(text: str, at: int, reach: int | None = None) -> int:
    """Where the sentence holding `at` begins (see sentence_span), looked for at most `reach`
    characters back (there, without a stop, it is taken to begin)."""
    back = 0 if reach is None else max(0, at - reach)
    return max(text.rfind(c, back, at) for c in ".!?\n") + 1 or back


def sentence_end(text: str, at: int, reach: int) -> int:
    """Where the sentence holding `at` ends (at its _SENTENCE_END, which knows "t.ex." and "Co."),
    looked for at most `reach` characters on (there, without one, it is taken to end)."""
    stop = _SENTENCE_END.search(text, at, at + reach)
    return stop.start() if stop else min(len(text), at + reach)


def cue_persons(m: Matchers, source: Source) -> list[tuple[int, str]]:
    """Persons named in a sentence that holds one of the field's prose words (cues): "rows 2 and 4
    need to be approved by Maria Lind", "granskas av Eva Sund, sedan Johan Ek"."""
    if m.cues is None or not may_match(m.weak_triggers, source):
        return []
    text = source.folded
    out: list[tuple[int, str]] = []
    done = -1
    for cue in m.cues.finditer(text):
        if cue.start() < done:
            continue
        start, done = sentence_span(text, cue.start(), cue.end())
        if "\t" in text[start:done] or "|" in text[start:done]:
            continue  # a table's row ("1 | Lisa Mårtensson | Approved"): its columns say who is who
        for person in _PERSON_RE.finditer(text, start, done):
            words = person.group().lower().split()
            begin = person.start()
            if words[0] in NOT_NAMES and len(words) == 3:
                # "Both Anna Berg and ...": a sentence opener before a two-word name
                begin += len(words[0]) + 1
                words = words[1:]
            # "Roadchef Fuel Cards": a business word right after the pair makes it a supplier's name
            after = _NEXT_CAPITALISED.match(text, person.end())
            if _NOT_PERSON_BEFORE.search(text, max(0, begin - 25), begin) or not person_words(words) \
                    or after and after[1].lower() in _NOT_PERSON_WORDS or _SUPPLIERS_THING.match(text, person.end()) \
                    or _TELLS.match(text, person.end()) or _ASIDE_BEFORE.search(text, max(start, begin - 60), begin) \
                    or taken_back(text, begin, person.end()) or done_already(text, begin, person.end()) \
                    or _OUTSIDER_AFTER.match(text, person.end()) and _BY_BEFORE.search(text, max(start, begin - 10), begin):
                continue  # ("Lisa Park asked me to check ...", "Fredrik Alm på IT har tittat", "same rights as Ola Berg")
            out.append((begin, source.text[begin : person.end()]))
    return out


def aside_person(folded: str, match: re.Match[str]) -> bool:
    """A person the patterns found who only stands beside the case: whom a change is modelled on
    ("the same access as Tom Reid"), who tells of it or wants it done by a date."""
    start = match.start("value")
    says = _SAYS_OR_WANTS.match(folded, match.end("value"))
    # (after a comma only as an aside between commas, "Their account manager, Lucy Chambers, confirmed";
    # not "Please add Per Holm, mentioned in my previous email, as approver")
    if says and says.group().startswith(",") and not folded[max(0, start - 2) : start].strip().endswith(","):
        says = None
    return _ASIDE_BEFORE.search(folded, max(0, start - 60), start) is not None or says is not None


def taken_back(folded: str, start: int, end: int) -> bool:
    """A name (at folded[start:end]) the writer takes back: "ska attesteras av Jonas Ek (inte Jonas
    Eriksson som jag skrev först, förlåt)", "Tom Reed, not Tom Reid as I wrote"."""
    return _NOT_BEFORE.search(folded, max(0, start - 8), start) is not None \
        and _AS_I_WROTE.match(folded, end) is not None


_NOT_BEFORE = re.compile(r"(?i)\b(?:inte|not|ej)[ \t]+$")
_AS_I_WROTE = re.compile(r"(?i)[ \t,]+(?:som[ \t]+(?:jag|vi)[ \t]+(?:skrev|sa|angav|skrivit)|as[ \t]+(?:i|we)[ \t]+(?:wrote|said|put|had\s+it))\b")


def on_other_invoices(folded: str, match: re.Match[str]) -> bool:
    """A person the sentence puts on other invoices or a case of their own: not this case's."""
    start, end = match.start("value"), match.end("value")  # (a value may hold its sentence's stop: "Lars Wik.")
    return _ON_OTHER_INVOICES.search(folded, end, sentence_end(folded, start, end - start + OTHER_INVOICES_REACH)) is not None


def done_already(folded: str, start: int, end: int) -> bool:
    """A person the sentence says has done their part already, with no trouble after ("Rad 1 gick
    till Håkan och den har han redan attesterat"; not "Row 2 went to Tom, he has already approved it
    but it is still in his list"), or for whom nothing is to be done."""
    stop = sentence_end(folded, start, end - start + OTHER_INVOICES_REACH)
    if _LEAVE_BE.search(folded, end, stop):
        return True  # "Han ersätter Karin Ahl som slutar, men Karin ska ha kvar sin behörighet så rör inte henne"
    done = _DONE_ALREADY.match(folded, end, stop)
    return done is not None and _NOT_THEIRS.search(folded, end, done.end()) is None \
        and _STILL_TROUBLE.match(folded, done.end()) is None


# ... or for whom nothing is to be done: "så rör inte henne ännu", "sa inget behover goras for henne",
# "nothing needs to be done for him", "leave her as she is".
_LEAVE_BE = re.compile(r"(?i)\b(?:ror[ \t]+inte[ \t]+(?:henne|honom|dem)|inget[ \t]+(?:behover|ska|behovs)[ \t]+(?:goras|andras)[ \t]+"
                       r"(?:for|med|pa)[ \t]+(?:henne|honom|dem)|nothing[ \t]+(?:needs[ \t]+to[ \t]+|has[ \t]+to[ \t]+|should[ \t]+)?"
                       r"(?:be[ \t]+)?(?:done|changed)[ \t]+(?:for|to|with|about)[ \t]+(?:her|him|them)|(?:leave|don\W?t[ \t]+touch|"
                       r"do[ \t]+not[ \t]+touch)[ \t]+(?:her|him|them)|no[ \t]+changes?[ \t]+(?:for|to)[ \t]+(?:her|him|them))\b")
_DONE_ALREADY = re.compile(r"(?i)[^.!?\n]{0,40}?\b(?:redan|already)[ \t]+(?:har[ \t]+)?(?:attesterat|godkant|granskat|approved|"
                           r"signed[ \t]+off|reviewed)\b")
# ... said of them right after their name: not "... hos Jonas Ahl fast han redan har granskat den" (the
# trouble itself), nor "Roger Ekdahl attesterar de rader där jag redan har granskat" (another's part).
_NOT_THEIRS = re.compile(r"(?i)\b(?:fast|though|although|even|trots|but|men|jag|i|vi|we|dar|where|som|who)\b")


# A person with the same trouble on other invoices, or a case of their own: "Min kollega Nina Sund
# som sitter bredvid har samma problem på andra fakturor, men hon skickar ett eget ärende".
OTHER_INVOICES_REACH = 120
# (not "should go to Amir Haddad, who signs off on other invoices": whom it should go to)
_ON_OTHER_INVOICES = re.compile(r"(?i)\b(?:(?:samma|same)[ \t]+(?:problem|fel|issue|error|thing)[^.!?\n]{0,30}?[ \t]"
                                r"(?:pa|on|with|for|med|i)[ \t]+(?:andra|other|her|his|sina|hennes|hans)[ \t]+(?:own[ \t]+)?(?:fakturor|invoices)|"
                                r"(?:ett[ \t]+)?eget[ \t]+arende|(?:her|his|their)[ \t]+own[ \t]+(?:case|ticket)|a[ \t]+separate[ \t]+(?:case|ticket))\b")


# The verbs of someone telling of a case, after their name (_TELLS, _SAYS_OR_WANTS).
_TELLING = "asked|noticed|spotted|flagged|says|said|told|mentioned|reported|thinks"
# Who tells or wants it done, right after a name: "My manager Claire Dunn said I should email you",
# "Their account manager, Lucy Chambers, confirmed the invoices will look the same",
# "Ekonomichef Robert Lindh vill att det är klart innan bokslutet" (not "på inköp": where one works).
_SAYS_OR_WANTS = re.compile(rf"(?i),?[ \t]+(?:{_TELLING}|confirmed|suggested|"
                            r"agreed|explained|bekraftade|foreslog|"
                            r"vill[ \t]+att[ \t]+(?:det|detta|allt)[ \t]+(?:ar|blir|ska[ \t]+vara)[ \t]+(?:klart|fixat|gjort|lost)|"
                            r"wants?[ \t]+(?:it|this|everything)[ \t]+(?:done|sorted|fixed|finished|ready|in[ \t]+place))\b")


# Someone from outside who did something, said so in brackets: "raised last month by James Ortiz (the
# consultant from Ortiz & Lane who set up our approval rules)", "ändrad av Per Lind (vår revisor)"
# (not "James Ortiz (the consultant who runs our project) gets ...": the user).
_BY_BEFORE = re.compile(r"(?i)\b(?:by|av)[ \t]+$")
_OUTSIDER_AFTER = re.compile(r"(?i)[ \t]*\((?:the|our|their|a|an|var|vart|deras|er|en)?[ \t]*(?:[\w-]+[ \t]+)?"
                             r"(?:consultant|konsult\w*|auditor|revisor\w*|account[ \t]+manager|supplier\W?s|leverantorens)\b")


# Who tells, asks or notices beside an approval word: not whom the case concerns.
_TELLS = re.compile(rf"(?i)[ \t]+(?:{_TELLING}|forwarded|"
                    r"bad|sa(?![ \t]+att)|sager|markte|upptackte|tycker|har[ \t]+tittat|"
                    r"(?:pa|in|at|on|from|fran)[ \t]+(?:it|hr|purchasing|procurement|inkop)\b)\b")

# Whom the change is modelled on ("samma kostnadsställen som Peter Falk hade", "the same access as
# Tom Reid"), or whom the writer asked ("I checked with our IT manager, Raj Patel", "jag har
# pratat med Per Ek"): not whom the case concerns.
_ASIDE_BEFORE = re.compile(r"(?i)\b(?:same|samma)\b[^.!?\n]{0,40}?\b(?:as|som)[ \t]+$|\b(?:just|exactly|precis)[ \t]+(?:like|som)[ \t]+$"
                           r"|\b(?:checked|double-checked|spoke|spoken|talked|confirmed|kollat|dubbelkollat|pratat|stamt[ \t]+av)"
                           r"[ \t]+(?:it[ \t]+|this[ \t]+|det[ \t]+)?(?:with|to|med)[ \t]+(?:our|my|the|their|var|vart|min|mitt|er|ert|deras)"
                           r"\b[^.!?\n]{0,40}$"
                           # "jag kollar med vår CFO Mats Åberg och återkommer", "This came from our facilities manager, Jane Ogden"
                           r"|\b(?:check|checking|kollar|kolla|stammer[ \t]+av|stamma[ \t]+av)[ \t]+(?:with|med)[ \t]+"
                           r"(?:our|my|the|their|var|vart|min|mitt|deras)\b[^.!?\n]{0,40}$"
                           r"|\b(?:came|comes|kom|kommer)[ \t]+(?:from|fran)[ \t]+(?:our|my|their|var|vart|min|mitt|deras)\b[^.!?\n]{0,40}$"
                           # "His open invoices have already been moved over to Sunita Rao, so nothing else needs changing"
                           r"|\b(?:already|redan)[ \t]+(?:been[ \t]+|blivit[ \t]+)?(?:moved|transferred|reassigned|flyttade?|flyttats|"
                           r"overforda?|overflyttade?)[ \t]+(?:over[ \t]+)?(?:to|till)[ \t]+$"
                           # "Jag skriver åt vår controller Petra Nord som är på semester"
                           r"|\b(?:skriver|mejlar|writing|emailing)[ \t]+(?:at|for|on[ \t]+behalf[ \t]+of|pa[ \t]+uppdrag[ \t]+av)\b[^.!?\n]{0,30}$"
                           # whom to ask: "Hör av er till Gunilla (gunilla.berg@...) om något är oklart"
                           r"|\b(?:hor[ \t]+av[ \t]+(?:er|dig)[ \t]+till|kontakta|contact|get[ \t]+in[ \t]+touch[ \t]+with)\b[^.!?\n]{0,30}$")


_NEXT_CAPITALISED = re.compile(r"[ ]+([A-Z][a-z]+)\b")
# "approve the Ace Steel invoice": a pair before the supplier's document is the supplier.
_SUPPLIERS_THING = re.compile(r"(?i)[ ]+(?:invoices?|faktur(?:a|an|or|orna)|credit[ ]+notes?|statements?|orders?)\b")


def person_words(words: Sequence[str]) -> bool:
    """The lowercase words of a capitalised run may be a person's name: no sentence opener first
    ("Both", "Hej"), no calendar, team or business word ("Friday", "Finance", "Transport")."""
    return words[0] not in NOT_NAMES and not any(w in _NOT_PERSON_WORDS for w in words)


class ColumnPerson(NamedTuple):
    """A person in a table column: where (after the prose), who, whether the column says what is
    wanted ("should", "ska", "new", "correct"), and whether the row is done ("Approved")."""

    at: int
    name: str
    wanted: bool
    done: bool


def column_persons(spec: FieldSpec, m: Matchers, tables: Sequence[tuple[tuple[str, ...], ...]],
                   words: str) -> list[ColumnPerson]:
    """Persons in a table column headed by one of the field's words ("Should be approved by"), a
    route ("Went to") or a plain "Namn"; at most MAX_TABLE_PEOPLE of them. A row whose invoice the
    prose (`words`, the lowercase folded text) sets aside is done ("The first one (7718-31) is fine
    ... – ignore that")."""
    heads = header_regex((*spec.all_labels(), *spec.prose))
    out: list[ColumnPerson] = []
    for table in tables:
        for at, row in enumerate(table[:HEADER_ROWS]):
            cols = [i for i, cell in enumerate(row) if len(cell) < 40 and (heads.search(fold(cell))
                                                                            or _ROUTE_HEAD.search(fold(cell))
                                                                            or _NAME_HEAD.fullmatch(fold(cell).strip()))]
            wanted = {i: _WANTED_HEAD.search(fold(row[i])) is not None for i in cols}
            for n, body in enumerate(table[at + 1 : at + 101] if cols else ()):
                done = any(_DONE_CELL.fullmatch(fold(cell).strip().lower()) or _DONE_NOTE.search(fold(cell)) for cell in body) \
                    or any(id_set_aside(cell.strip(), words) for cell in body[:MAX_ID_CELLS] if _ID_CELL.fullmatch(cell.strip()))
                if any(_NO_CHANGE_CELL.match(fold(cell)) for cell in body):
                    continue  # "Hannah Cole | AP clerk | No change (just checked her access)": listed, not changed
                out += [ColumnPerson(10**9 + n, body[i].strip(), wanted[i], done) for i in cols
                        if i < len(body) and _PERSON_RE.fullmatch(fold(body[i].strip()))]
            if cols:
                break
    return out[:MAX_TABLE_PEOPLE]


# The cells of a row looked at for an invoice's id.
MAX_ID_CELLS = 4


def id_set_aside(value: str, words: str) -> bool:
    """An id the prose (`words`) sets aside where it writes it, at one of its first three places
    ("The first one (7718-31) is fine, Owen just hasn't got to it yet – ignore that")."""
    key = fold(value).lower()
    return any(set_aside(words, at + len(key)) for at in islice(written_at(key, words), 3))


_NO_CHANGE_CELL = re.compile(r"(?i)\s*(?:no\s+changes?|unchanged|(?:stays|remains)\s+(?:as\s+(?:is|it\s+is)|the\s+same)|"
                             r"ingen\s+(?:andring|forandring)|oforandrad|som\s+idag|as\s+today)\b")


def in_table_row(text: str, at: int) -> bool:
    """The line at `at` is a table row (its cells are tab-separated, as blocks writes them)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return "\t" in text[start : end if end >= 0 else len(text)]


# Words pointing at a list of persons below: "the following users", "följande användare".
_THE_FOLLOWING = re.compile(r"(?i)\b(?:the\s+following|the\s+users\s+below|these\s+(?:users|people|persons)|foljande|"
                            r"nedanstaende|anvandarna\s+nedan)\b")
# A column of where an invoice went or should go: "Should go to", "Went to", "Ska gå till".
_ROUTE_HEAD = re.compile(r"(?i)\b(?:go(?:es)?|went|gone|sent|routed|ga|gick|gatt|skickad\w*)\s+(?:to|till)\b")
def named_in(person: ColumnPerson, prose: str) -> bool:
    """The prose names a table's person in full, or, unless their row is done, by the first name
    alone ("Erik left us" for "Erik Dahl"; not "Area" of "Area Managers"). One search per person
    and MAX_TABLE_PEOPLE persons at most."""
    return re.search(rf"(?<![\w-]){re.escape(person.name)}(?![\w-])", prose) is not None or not person.done \
        and re.search(rf"(?<![\w-]){re.escape(person.name.split()[0])}(?![\w-])(?![ \t]+[A-ZÅÄÖ])", prose) is not None


# A flow table's cell saying the row is done.
_DONE_CELL = re.compile(r"approved|reviewed|done|completed|attesterad|attesterat|godkand|godkant|granskad|granskat|klar")
# ... or a note saying so: "Already done – ignore", "Redan klar, ignorera".
_DONE_NOTE = re.compile(r"(?i)\b(?:already\s+(?:done|set\s+up|added|exists)|ignore|redan\s+(?:klar\w*|upplagd|gjort|fixad)|ignorera)\b")
# A column of persons by its plain header: "Namn", "Name", "Employee" (not "Användarnamn", a login).
_NAME_HEAD = re.compile(r"(?i)(?:full\s+)?name|(?:fullstandigt\s+)?namn|employee|anstalld|person")
# A table column of the wanted state: "Should be approved by", "Ska attesteras av", "New approver".
_WANTED_HEAD = re.compile(r"(?i)\b(?:should|must|ska|skall|borde|new|ny|nya|correct|right|ratt|ratta|wanted|onskad)\b")


def named_as_new(address: str, folded: str) -> bool:
    """An address brought in as someone new ("his replacement, jsmith@acme.com", "efterträdaren
    jsmith@..."): another person than the namesake it spells, who is leaving."""
    at = folded.find(fold(address.lower()))
    return at >= 0 and _NEW_ONE.search(folded, max(0, at - NEW_ONE_REACH), at) is not None


NEW_ONE_REACH = 40
_NEW_ONE = re.compile(r"(?i)\b(?:replacement|replacing|successor|new\s+(?:user|colleague|starter|employee)|ersattare|"
                      r"eftertradare|ny\s+(?:anvandare|kollega|medarbetare)|nya\s+(?:anvandaren|kollegan))\b"
                      r"(?:(?!(?-i:[A-Z][a-z]+[ ]+[A-Z]))[^.!?\n]){0,25}$")  # ("new user for Jason Smith, jsmith@": him)


def same_person_address(value: str, people: set[str]) -> bool:
    """An address whose local part spells a name also read ("priya.shah@..." beside "Priya Shah",
    "a.rahman@..." beside "Ahmed Rahman", also when one value listed both; "johan.lind2@..." beside
    "Johan Lind": a number that tells namesakes apart; a login, "eva.berg" beside "Eva Berg"): one
    person, named once."""
    if "@" not in value and not _HANDLE.fullmatch(value):
        return False
    parts = re.split(r"[._-]+", re.sub(r"\d+$", "", fold(value.split("@")[0].lower())))
    local = " ".join(parts)
    people = {re.sub(r"['’]", "", p) for p in people}  # "rachel.oneil" is "Rachel O'Neil"
    if len(parts) == 2 and len(parts[0]) == 1:  # an initial and a surname
        return any(p.split()[-1] == parts[1] and p.startswith(parts[0]) for p in people if "@" not in p and " " in p)
    if len(parts) == 1:  # written together: "jsmith", "jasonsmith", "smithj" beside "Jason Smith"
        names = [p.split() for p in people if "@" not in p and " " in p]
        return any(local in (n[0][0] + n[-1], n[0] + n[-1], n[-1] + n[0][0]) for n in names)
    return any(p == local for p in people if "@" not in p)  # the keys are folded already


# A line opened by the name of the one a forwarded mail was written to: "Rhys, I can't approve ...";
# the subject is the writer ("I"), not Rhys.
_VOCATIVE = re.compile(r"^[A-Z][\w'-]+,[ \t]*(?=(?:I|jag|Jag|we|We|vi|Vi)$)")
# The writer's words for themself, written whole, first and after another name.
_SELF_WORDS = r"(?:jag\s+själv|mig\s+själv|jag\s+sjalv|mig\s+sjalv|myself|me|mig|i|jag)"
_SELF = re.compile(rf"(?i)^{_SELF_WORDS}$")
_SELF_AND = re.compile(rf"(?i)\s*{_SELF_WORDS}\s+(?:och|and|&)\s+\S")
_AND_SELF = re.compile(rf"(?i)\S\s+(?:och|and|&)\s+{_SELF_WORDS}\s*$")
# A name read as the writer's: "Graham Tate (me)", "(jag)", "myself".
_WRITER_MARK = re.compile(rf"(?i)\({_SELF_WORDS}\)$|^{_SELF_WORDS}$")
# (a name, not a remark: "myself (I'm the approver) and my deputy Rob Clarke")
_SELF_NAMED = re.compile(r"(?i)\b(?:myself|jag själv|mig själv)\s*\(\s*(?P<name>(?-i:[A-ZÅÄÖ][\w'’.-]+(?:[ ]+[A-ZÅÄÖ][\w'’.-]+){0,3}))\s*\)")


# A name is at most this long: a pattern "{name} should approve" is tried only this far before
# each "should approve" (a mail of 13,000 capitalised words took a second per such pattern).
NAME_REACH = 400
# Patterns that start with a name: their cue after it is searched first (see `hits_of`). Not {id}:
# its cue starts with "\s*", which a run of 10,000 spaces made quadratic (10 s for a 10 KB mail).
_LEADING_VALUES = ("{name}", "{person}")
# A person is two or three words or an address (a short list at most).
PERSON_REACH = 160


_LEADING = re.compile(r"^(?:\(\?[a-z-]+\))?\\b\(\?:")


# A cue that starts with whitespace ("\\s+should approve"): tried only where a run of whitespace
# starts. Leftmost matches are the same; without it a regex scan of 19,000 spaces before "is" tried
# the run from each of its places, one uninterruptible call of minutes (the per-mail budget's
# signal waits for it).
_LEADING_SPACE = re.compile(r"^\\s[*+?{]")


def at_run_start(pattern: str) -> str:
    """The pattern anchored to the start of a whitespace run when it opens with one."""
    return rf"(?<!\s){pattern}" if _LEADING_SPACE.match(pattern) else pattern


_LOOKBEHINDS = re.compile(r"^\\b(?:\(\?<[!=][^()]*\))+")


def triggers_of(pattern: str) -> tuple[str, ...]:
    """The first words a pattern can start with, when it starts with "\\b(?:word...|word...)":
    a text without a word starting so cannot match, and the pattern is not run at all.
    Python's re tries such an alternation at every position (~15 ms per 40 KB per pattern)."""
    if pattern.startswith("(?P<value>(?<![\\w.+-])[\\w.+-]+@"):
        return ("@",)
    # "\\b(?P<value>(?i:jag...", "(?P<no>\\b(?:kodnings...": the group wrappers start nothing, and
    # nor do lookbehinds ("\\b(?<!supplier\\s)(?:is|...").
    pattern = _LOOKBEHINDS.sub(r"\\b", pattern)
    unwrapped = re.sub(r"^(\\b)?(?:\(\?P<\w+>|\(\?i:|\(\?-i:)+(\\b)?", r"\\b", pattern)
    if unwrapped != pattern and (pattern.startswith("\\b") or unwrapped.startswith("\\b")):
        # The wrappers are groups: what follows them up to their end is an alternation, like
        # "(?:...)" ("(?i:jag\\s+själv|mig\\s+själv|myself)" starts with jag, mig or myself).
        pattern = "\\b(?:" + unwrapped[2:]
    lead = _LEADING.match(pattern)
    if not lead:
        single = re.match(r"^\\b([a-z]+)([?*{]?)", pattern)
        if not single:
            return ()
        word = single[1][:-1] if single[2] else single[1]
        return (word,) if word else ()
    depth, at, parts, start = 1, lead.end(), [], lead.end()
    shape = without_classes(pattern)
    while at < len(pattern) and depth:
        ch = shape[at]
        if ch == "\\":
            at += 2
            continue
        depth += ch == "("
        depth -= ch == ")"
        if depth == 1 and ch == "|" or depth == 0:
            parts.append(pattern[start:at])
            start = at + 1
        at += 1
    if pattern[at : at + 1] in ("?", "*"):
        return ()  # "\\b(?:the\\s+)?first": the group may be absent, so it starts nothing
    words: list[str] = []
    for part in parts:
        if part.startswith("(?:") and depth_of(part) >= 0:
            inner = triggers_of("\\b" + part)  # "(?:single|only)\\s+row": its own first words
            if not inner:
                return ()
            words += inner
            continue
        word = re.match(r"[a-z]+", part.lower())
        if not word:
            return ()  # an alternative that does not start with a plain word
        optional = len(part) > word.end() and part[word.end()] in "?*{"
        text = word.group()[:-1] if optional else word.group()
        if not text:
            return ()
        words.append(text)
    return tuple(dict.fromkeys(words))


def depth_of(part: str) -> int:
    """Unclosed groups at the end of a regex part (escaped brackets and classes not counted)."""
    plain = without_classes(part)
    return plain.count("(") - plain.count(")")


# An escaped character, or a character class ("[.,!?:;(]"), whose brackets are no group.
_INERT = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]")


def without_classes(pattern: str) -> str:
    """The pattern with escapes and character classes blanked, each to as many "_": its groups can be
    counted, and an index into it is an index into the pattern."""
    return _INERT.sub(lambda m: "_" * len(m[0]), pattern)


def guard_triggers(pattern: str) -> tuple[str, ...]:
    """For "{person}\\s+(?:has left|...)": the cue words after the leading name, which must be in
    the text for the pattern to match (its guard scans the whole text otherwise)."""
    for lead in ("{person}", "{name}"):
        if pattern.startswith(lead):
            rest = re.sub(r"^(?:,\?)?\\s[+*]", "", pattern[len(lead) :])
            return triggers_of("\\b" + rest) if rest.startswith("(?:") else ()
    return ()


def first_words(labels: Iterable[str]) -> tuple[str, ...]:
    """The first word of each label, folded, lowercased, without the letters a label may drop."""
    words = []
    for label in labels:
        word = re.match(r"[a-z]+", fold(label.lower()))
        if not word:
            return ()  # a label that starts with a sign: no cheap test
        words.append(word.group())
    return tuple(dict.fromkeys(words))


def may_match(triggers: tuple[str, ...], source: Source) -> bool:
    """False when no word of the text starts with one of the pattern's first words (a trigger
    "@" stands for an e-mail address: an "@" in the text)."""
    if not triggers:
        return True
    hit = source.seen.get(triggers)
    if hit is None:  # the same trigger words recur across fields and types: test them once a mail
        if triggers == ("@",):
            hit = "@" in source.text
        else:
            words = source.words
            hit = False
            for word in triggers:
                if word in words:
                    hit = True
                    break
        source.seen[triggers] = hit
    return hit


def hits_of(regex: re.Pattern[str], guard: re.Pattern[str] | None, text: str,
            reach: int = NAME_REACH, low: str | None = None,
            seen: dict[object, list[int] | None] | None = None) -> Iterator[re.Match[str]]:
    """Matches of a pattern; one that starts with {name} is tried only before its cue words.
    `low` is `scan_text(text)` and `seen` its positions found so far (see `scan`)."""
    if guard is None:
        yield from scan(regex, text, low, seen)
        return
    done = 0
    for cue in scan(guard, text, low, seen):
        start = max(done, cue.start() - reach)
        for match in regex.finditer(text, start, cue.end()):
            if match.end() == cue.end():
                done = match.end()
                yield match
                break


# Characters that an ASCII letter matches case-insensitively besides its own two cases (İ ı ſ K):
# a text holding one is scanned by the regex alone (see `scan`).
_CASE_ODD = re.compile("[\u0130\u0131\u017f\u212a]")


def scan_text(text: str) -> str | None:
    """`text` in lowercase for `scan`, or None when lowercase positions are not the text's."""
    return None if _CASE_ODD.search(text) else text.lower()


@dataclass(frozen=True, eq=False)
class Heads:
    """Where a match of a pattern can start: at one of `words` (lowercase), or before one of them
    behind a run of the pattern's leading optional characters (whitespace when `spaces`, `signs`).
    Compared and hashed by identity: one per pattern (literal_heads), a cheap key for `seen`."""

    words: tuple[str, ...]
    spaces: bool = False
    signs: str = ""
    bare: bool = True  # False when the lead is required ("\\s+"): never a start at a word itself
    # True when the pattern opens with "\\b": a head inside a word ("i" in "invoice") is no start.
    bounded: bool = False


@lru_cache(maxsize=1024)
def literal_heads(regex: re.Pattern[str]) -> Heads | None:
    """The literal strings one of which every match of `regex` starts with, or None.

    Read from the parsed pattern: "\\b(?:controller|colleague|...)\\s+..." starts with one of its
    words; a cue "\\s+(?:has\\s+left|left|...)" with one after whitespace. Python's re tries such
    an alternation at every position of the text; `scan` tries it only where a word is written."""
    items = list(_parser.parse(regex.pattern, regex.flags).data)
    if items and items[0][0] is _constants.ASSERT_NOT and items[0][1][0] == -1:
        items = items[1:]  # "(?<!\s)\s+should": the lookbehind starts nothing
    spaces, signs, at, bare = False, "", 0, True
    while at < len(items) and items[at][0] in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
        body = list(items[at][1][2])
        op, arg = body[0] if len(body) == 1 else (None, ())
        if op is _constants.IN and list(arg) == [(_constants.CATEGORY, _constants.CATEGORY_SPACE)]:
            spaces = True
        elif op is _constants.LITERAL and isinstance(arg, int) and _caseless(arg) and not chr(arg).isspace():
            signs += chr(arg)
        else:
            break  # "(?:also\\s+)?": a group, read by `_heads`
        bare = bare and items[at][1][0] == 0
        at += 1
    words = _heads(items[at:])
    bounded = at == 0 and bool(items) and items[0] == (_constants.AT, _constants.AT_BOUNDARY) \
        and all(w[:1].isalnum() for w in words)
    return Heads(tuple(sorted(words)), spaces, signs, bare or not at, bounded) if words and all(words) else None


def _caseless(code: object) -> bool:
    """A character that matches only itself with re.IGNORECASE: not a letter (nor a digit)."""
    return isinstance(code, int) and not chr(code).isalnum() and unicodedata.category(chr(code))[0] in "PSZ"


def _heads(items: Sequence[tuple[object, object]]) -> set[str]:
    """The literal prefixes a sequence of parsed regex items must start with ("" when none)."""
    head = ""
    for at, (op, arg) in enumerate(items):
        if op in (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT):
            continue  # zero-width: consumes nothing
        if op is _constants.LITERAL and isinstance(arg, int) and (arg < 128 or _caseless(arg)):
            head += chr(arg).lower()
            continue
        if op is _constants.IN and all(o is _constants.LITERAL and (a < 128 or _caseless(a))
                                       for o, a in arg):  # type: ignore[attr-defined]
            inner = {chr(a).lower() for _, a in arg}  # type: ignore[attr-defined]
            if len(inner) == 1:  # "[Vv]ad kostar": one letter in either case, and the head goes on
                head += inner.pop()
                continue
        elif op is _constants.SUBPATTERN:
            inner = _heads(arg[-1].data)  # type: ignore[index]
        elif op is _constants.BRANCH:
            inner = set().union(*(_heads(branch) for branch in arg[1]))  # type: ignore[index]
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
            inner = _heads(list(arg[2]))  # type: ignore[index]
            if arg[0] == 0:  # type: ignore[index]  # "(?:the\s+)?first": the rest may start
                inner |= _heads(items[at + 1 :])
        else:
            break
        return {head + x for x in inner} if inner and all(inner) else {head}
    return {head}


# Longest run of leading optional characters walked back over from a head; beyond it `scan`
# leaves the text to the regex alone.
MAX_LEAD = 200


def scan(regex: re.Pattern[str], text: str, low: str | None,
         seen: dict[object, list[int] | None] | None = None) -> Iterator[re.Match[str]]:
    """`regex.finditer(text)`, match for match, tried only where one of its literal heads is
    written (`low` is `scan_text(text)`; None scans with the regex alone). `seen` keeps the
    positions found in this `low` for the next pattern (Source.seen_at)."""
    heads = literal_heads(regex) if low is not None else None
    starts = None if heads is None or low is None else head_starts(heads, low, {} if seen is None else seen)
    if starts is None:
        yield from regex.finditer(text)
        return
    end = 0
    for at in starts:
        if at < end:
            continue
        match = regex.match(text, at)
        if match and match.end() > at:
            end = match.end()
            yield match
        elif match:  # an empty match (a pattern of optional parts only): let the regex scan
            yield from regex.finditer(text, at)
            return


def is_word_char(ch: str) -> bool:
    """A character "\\b" and "\\w" count as part of a word (alphanumeric or "_")."""
    return ch.isalnum() or ch == "_"


def head_starts(heads: Heads, low: str, seen: dict[object, list[int] | None]) -> list[int] | None:
    """Sorted positions where a match can start, or None when a lead run is too long. `seen`
    holds what earlier patterns found in `low`: by Heads, and each word's positions."""
    if heads in seen:
        return seen[heads]
    starts: set[int] = set()
    lead = heads.spaces or heads.signs
    for word in heads.words:
        where = seen.get(word)
        if where is None:
            where = []
            at = low.find(word)
            while at >= 0:
                where.append(at)
                at = low.find(word, at + 1)
            seen[word] = where
        if not where:
            continue
        if heads.bounded:
            # "\\b(?:i|we)...": only the heads that start a word; "i" stands in most words.
            key = ("\\b", word)
            bounded = seen.get(key)
            if bounded is None:
                bounded = seen[key] = [at for at in where if at == 0 or not is_word_char(low[at - 1])]
            where = bounded
        if heads.bare:
            starts.update(where)
        for at in where if lead else ():
            back = at
            while back > 0 and (low[back - 1] in heads.signs or heads.spaces and low[back - 1].isspace()):
                back -= 1
                if at - back > MAX_LEAD:
                    seen[heads] = None
                    return None
                starts.add(back)
    found = seen[heads] = sorted(starts)
    return found


def original(match: re.Match[str], text: str, group: str = "value") -> str:
    """A group of a match on folded text, cut from the original text (same positions)."""
    return text[match.start(group) : match.end(group)]


def labelled_value(spec: FieldSpec, m: Matchers, source: Source) -> str | None:
    """The first "Label: value" line with a usable value; a blank one may continue below."""
    text, folded = source.new, source.folded[: len(source.new)]
    if "\n" not in text and ":" not in text and "=" not in text and "-" not in text:
        return None
    lines = text.split("\n")
    for match in m.labelled.finditer(folded):
        value = original(match, text)
        inside = _IN_LABEL_BRACKET.search(folded, match.start(), match.start("value"))
        if spec.kind in ("id", "number") and inside and (found := accept(spec, m, text[inside.start(inside.lastindex or 1)
                                                                                      : inside.end(inside.lastindex or 1)])):
            # "Invoice (ID: 300457) - row 3 has the wrong project", "Invoice ID (4471-90): rows 1, 2 and 5
            # should carry PRJ-118": the id is in the label's brackets
            return found
        if _BLANK.match(value):
            index = text.count("\n", 0, match.start())
            value = " ".join(continuation(lines, index, m.labelled, many=spec.kind == "text"))
        found = accept(spec, m, value)
        if found:
            return found
    return None


# A value written in brackets inside a label: "Invoice (ID: 300457) - ...", "Invoice (ID 3345-90) - ...",
# "Invoice ID (4471-90): ..." (a number of three digits or more alone in them).
_IN_LABEL_BRACKET = re.compile(r"(?i)\((?:(?:[^()\n]{0,20}?[:#][ \t]*|(?:id|no|nr|number|nummer)\.?[ \t]+)([\w-]*\d[\w-]*)|"
                               r"[ \t]*([\w-]*\d{3}[\w-]*))[ \t]*\)")


# "Label: value" with any label: the label is compared word by word allowing one typo.
# Possessive blanks and a greedy value (trimmed by `accept`): with lazy ones, a line of 20,000
# spaces took 70 s of backtracking (the session 16 review).
_ANY_LABEL = re.compile(r"^[ \t>]*+(?:[-*•·][ \t]+)?\**(?P<label>[^\W\d_][\w .'/-]{2,40}?)[ \t]*+\??\**[ \t]*+[:=]"
                        r"[ \t]*+(?P<value>\S.*)$", re.MULTILINE)


def typo_labelled_value(spec: FieldSpec, m: Matchers, source: Source) -> str | None:
    """ "Invocie ID: 88213", "Fakturanumer: 4410": a label with one letter wrong, missing or extra."""
    if ":" not in source.new and "=" not in source.new:
        return None
    labels = tuple(x for x in (*spec.all_labels(), *spec.prose) if len(x) >= 5)
    if source.any_labels is None:  # the same lines for every field: found once a mail
        object.__setattr__(source, "any_labels",
                           tuple((x["label"], x["value"]) for x in _ANY_LABEL.finditer(source.new)))
    for label, value in source.any_labels or ():
        # "Faktura-ID 6610452: rad 1 och 2 ...": a label holding a number is a sentence that
        # starts with the value; what follows its colon is no answer to the label.
        if not any(c.isdigit() for c in label) and near_label(label, labels):
            found = accept(spec, m, value)
            if found:
                return found
    return None


def phrase_labelled_value(spec: FieldSpec, m: Matchers, source: Source) -> str | None:
    """ "Fakturanr som ligger i verifiering just nu: 5521980": a label followed by a few words,
    then a colon and one id alone on the line."""
    if spec.kind != "id" or ":" not in source.new:
        return None
    for line in _PHRASE_LABEL_LINE.finditer(source.new):
        label, value = line["label"], line["value"]
        if _LABEL_PHRASE.match(label):
            words_after = label.split()
            for n in range(1, min(3, len(words_after)) + 1):
                lead = fold(" ".join(words_after[:n]).lower())
                rest = fold(" ".join(words_after[n:]))
                if m.labelled.match(f"{lead}: {value}") and len(words_after) - n <= 6 \
                        and not _OTHER_SYSTEM.search(rest):
                    found = accept(spec, m, value)
                    if found and _ID_CELL.fullmatch(value.strip()):
                        return found
    return None


# "Fakturanr i Fortnox: 5521", "invoice no in the ledger / for the supplier": another system's number.
_OTHER_SYSTEM = re.compile(rf"(?i)\b(?:{packaged_alternation('other_numbers', 'systems')})\b")
_PHRASE_LABEL_LINE = re.compile(r"^[ \t>]*(?P<label>[^\W\d_][\w .'/-]{2,60}?)[ \t]*:[ \t]*(?P<value>[^\s:]+)[ \t]*$",
                                re.MULTILINE)
_LABEL_PHRASE = re.compile(r"[^\W\d_][\w.'/-]*(?:[ ]+[\w.'/-]+){1,8}$")


def continuation(lines: list[str], index: int, labelled: re.Pattern[str], many: bool) -> list[str]:
    """The value written on the line(s) after an empty "Label:" line."""
    out = []
    for line in lines[index + 1 : index + (6 if many else 2)]:
        if not line.strip() or labelled.match(fold(line)) or many and _OTHER_LABEL.match(line):
            break  # ("- Supplier: Grafton Supplies, supplier no. 50813" under the examples: not one)
        out.append(line.strip())
    return out


# A line of a list of "Label: value" lines: another label than the one continued ("- Supplier:
# ..."; not an item that names its invoice before a colon: "Invoice 7712004: VAT 0").
_OTHER_LABEL = re.compile(r"[ \t]*(?:[-*•·▪◦][ \t]*)?[^\W\d][^\W\d]*(?:[ .()/-]+[^\W\d]+){0,4}[ \t]*:(?:[ \t]|$)")
# A label the customer wrote again in front of an answer: "Rader: vet inte, de syns inte for mig".
_LEAD_LABEL = re.compile(r"^[^\W\d][\w-]{1,20}(?:[ ][\w-]{1,20})?[ \t]*:[ \t]*")
_UNSURE_ANSWER = re.compile(r"(?i)(?:not\s+sure|unsure|don\W?t\s+know|no\s+idea|vet\s+(?:ej|inte)|osäker|oklart)\b")
# An answer that the writer cannot say: "Det kan jag inte se från min vy", "I can't tell from here".
_CANNOT_TELL = re.compile(r"(?i)\W*(?:(?:det|that|this|it)\s+)?(?:kan\s+jag\s+inte|jag\s+kan\s+inte|kan\s+inte|i\s+can\W?t|i\s+cannot|"
                          r"i\s+can\s+not|can\W?t|cannot)\s+(?:se|see|tell|say|svara\s+p[aå]|answer|hitta|find|check|kolla)\b")
# An answer pointing back at an earlier mail: "As per my first email", "Se mitt förra mejl".
_POINTS_BACK = re.compile(r"(?i)\W*(?:as\s+(?:per|in|stated\s+in|said\s+in)|see|se|enligt|som\s+i|som\s+jag\s+skrev\s+i)\s+(?:my|mitt|min|the|det|our|vårt|vart)\s+"
                          r"(?:first|previous|earlier|last|original|initial|förra|forra|första|forsta|tidigare|ursprungliga)\s+"
                          r"(?:e-?mail|mail|mejl|mejlet|mailet|message|meddelande|meddelandet)\b(?:[^\w:]+\w+){0,3}[^\w:]*$")
# ... or down to a mail below ("se Anders mejl nedan", "See Tom's email below", "see below"): read there.
_POINTS_BELOW = re.compile(r"(?i)\W*(?:please\s+|pls\s+)?(?:see|se)\s+(?:(?:the\s+|[\w’'-]+\s+)?(?:e-?mail|mail|mejl|mejlet|mailet|message|"
                           r"meddelande|meddelandet|thread|tråden|traden)\s+)?(?:below|nedan|underneath|längre\s+ner|langre\s+ner)\W*")
# ... or in an attachment: "se bifogad lista", "see the attached spreadsheet".
_POINTS_ATTACHED = re.compile(r"(?i)\W*(?:please\s+)?(?:see|se)\s+(?:the\s+)?(?:attached|attachment|enclosed|bifogad\w*|"
                              r"bilaga\w*|listan|the\s+list)\b")
# An answer that is the writer talking rather than a value ("we have three in the system and I'm
# not sure which"), put off till later ("I'll check with Mark and come back to you", "återkommer").
_PUT_OFF = re.compile(r"(?i)[-–:\s]*(?:we|i|vi|jag|it|det|that|hmm|well)\b")
_LATER = re.compile(r"(?i)\b(?:(?:i|we)(?:\W?ll|\s+will)\s+(?:have\s+to\s+)?(?:check|come\s+back|get\s+back|confirm|find\s+out|let\s+you\s+know)|"
                    r"(?:i|we)\s+(?:need|have)\s+to\s+(?:check|confirm|find\s+out|ask)|"
                    r"(?:återkommer|aterkommer|återkomma|aterkomma)|(?:ska|måste|maste|behöver|behover)\s+(?:kolla|höra|hora|fråga|fraga)\b)\b")


def accept(spec: FieldSpec, m: Matchers, value: str) -> str | None:
    """A labelled or answered value made to fit the field's kind, or None when it does not."""
    value = value.strip().strip("*").strip()
    if not value or _BLANK.match(value):
        return None
    if spec.kind in ("id", "number", "code"):
        folded = fold(value)
        for found in m.shape.finditer(folded):
            if plausible(spec.kind, found["value"]):
                return original(found, value)
        return None
    if spec.kind == "flag":  # "Finns fakturan i ekonomisystemet? Nej": a no is an answer too
        if _UNSURE_ANSWER.match(value):
            return None  # "Not sure", "Vet inte": no answer, so nothing is decided by it
        return "no" if re.match(r"(?i)(?:no|nope|nej|nä|ej|not|inte|false|none|n/a)\b", value) else "yes"
    value = _SPACES.sub(" ", value).strip(" .;,")
    if _UNSURE_ANSWER.match(_LEAD_LABEL.sub("", value.lstrip("-–: "), count=1)) \
            or _PUT_OFF.match(value) and (_UNSURE_ANSWER.search(value) or _LATER.search(value)):
        return None  # "Rows - no idea, I can't see the coding", "Which company - we have three ... I'll check"
    if spec.kind == "rows" and _CANNOT_TELL.match(value):
        return None  # "--> Det kan jag inte se från min vy, får kolla med Malin": no rows named
    if _POINTS_BACK.match(value) or _POINTS_BELOW.fullmatch(value) or _POINTS_ATTACHED.match(value):
        # "--> As per my first email", "se Anders mejl nedan", "Användare: se bifogad lista (14 st)":
        # the value is elsewhere
        return None
    if spec.kind == "name" and spec.many and shouted(value):
        return name_answer(value, many=True)  # "IT WENT TO DANIEL MOORE BUT SHOULD HAVE GONE TO PRIYA SHAH"
    if spec.kind == "name":
        value = without_last_bracket(value, _REMARK) or without_long_remark(value) or value
        value = without_last_bracket(value, _TITLE_ASIDE) or value if spec.many else value  # "(General Manager, Windermere)"
        # ("Solvik Nät AB (inte Solvik Energi AB ...)", "Kestrel Ltd (company code 01 in your system, I believe)")
        # "Kristina Ahl – fakturan syns inte i hennes attestlista": the name, not the remark after it
        value = _DASH_REMARK.sub("", value, count=1)
    if spec.kind == "status" and not _DATE_IN_BRACKETS.search(value) \
            and (kept := without_last_bracket(value, _LAST_REMARK)) is not None:
        value = kept  # "2024-03-14 02:10 (that's what the column shows)"; not "Ja (2024-02-29)": the column's date
    if spec.kind == "status" and words(bare := _STATUS_LEAD.sub("", value, count=1)) > 4:
        # "It says Yes - that's what's odd, it's been sitting there for two days": what it says.
        # "there's a red cross in the column, and when I hover over it it says ...": the mark first
        # (what it says when that is a status: "No, it's not empty - it says Yes with 12/06/2024")
        said = _STATUS_SAID.search(value)
        said = said if said and _STATUS_WORD.fullmatch(said["value"]) else \
            _STATUS_WORD.match(value) or not_denied(_STATUS_MARK.search(value), value) or said
        return said["value"] if said else None
    if spec.kind == "status":
        value = bare or value  # "It says Yes, dated 11/03", "Överförd står som Ja": what it says
        value = answer[1] if (answer := _STATUS_THEN_PLACE.match(value)) else value  # "Ja, med datum 2025-04-17"
    if spec.kind == "text" and words(value) < min(2, spec.min_words):
        return None
    if spec.kind == "text":
        value = unquote_text(value)
    if spec.key == ERROR_TEXT and no_error_text(value):
        return None
    if spec.key == ERROR_TEXT:
        value = quoted_error(value) if _QUOTES.search(value) else without_remark(value)
    if spec.kind == "rows" and (kept := without_last_bracket(value, _LAST_REMARK)) and re.search(r"\d", kept):
        value = kept  # "4 (var rad 6 innan vi slog ihop två rader)", "5 (I wrote row 3 in my first mail)"
    if spec.kind == "rows" and _ROW_LIST.fullmatch(value) and re.search(r"\d", value):
        return ", ".join(rows_numbers(value))
    if spec.kind == "rows" and (every := _EVERY_ROW.match(value)) and not _NAMED_ROWS.search(value):
        # "All of them (there are 6 rows, all on cost centre 300)": every row; the 6 counts them
        return every.group().strip(" ,.-–(")
    if spec.kind == "rows" and len(value) < MAX_ROWS_ANSWER:
        # "Just row 4, the other rows approved fine": the rows the answer names, as prose names them
        named = best_candidate(spec, Source(new=value))
        return named.value if named is not None and re.search(r"\d", named.value) else value
    return value[:1000] or None


# A remark in lower case after a dash: "Kristina Ahl – fakturan syns inte ..." (not "Approver – Logistics").
_DASH_REMARK = re.compile(r"[ \t]+[–—-][ \t]+(?=[a-zåäö])(?![^\n\"“”]*[\"”])[^\n]*$")  # (not inside quotes: "Cleaning - clinics")
# An answer that every row is meant, up to where it goes on: "All of them", "Alla rader", "Both".
_EVERY_ROW = re.compile(r"(?i)\s*(?:all|alla|both|båda|bada|samtliga|every)\b(?:[ \t]+(?:of[ \t]+them|rows|the[ \t]+rows|lines|"
                        r"rader|raderna|three|four|five|tre|fyra|fem))?[ \t]*(?=$|[,.(–-])")
# Rows named by number after all: "ALL ROWS, 1-4", "all of them, rows 1 to 3".
_NAMED_ROWS = re.compile(r"(?i)\d[ \t]*(?:[-–]|to|till)[ \t]*\d|\b(?:rows?|rad|rader|raderna|lines?)[ \t]+\d")
# An answer about rows longer than this is kept as written (a paragraph, not a row number).
MAX_ROWS_ANSWER = 300


# The writer's remark after an unquoted error text: "Account 4010 is blocked for posting which is odd
# because ...", "Kontot är spärrat, vilket är konstigt": the text ends before it.
_ERROR_REMARK = re.compile(r"(?i)(?:,?[ \t]+(?:which|vilket)[ \t]+(?:is|was|seems|makes|är|var|känns|kanns)[ \t]+"
                           r"(?:(?:very|really|a\s+bit|quite|pretty|lite|väldigt|valdigt|jätte|jatte|helt)[ \t]+)?"
                           r"(?:odd|strange|weird|funny|annoying|confusing|silly|ironic|crazy|no\s+sense|"
                           r"konstigt|märkligt|markligt|underligt|galet|knasigt|irriterande|obegripligt)\b"
                           # "... – and there's no field for it", "... fast min gräns är 100 000", "... och sen går det inte"
                           r"|[ \t]+[-–—][ \t]+(?:and|but|so|och|men|så)\b|,?[ \t]+(?:trots[ \t]+att|even[ \t]+though|although|"
                           r"och[ \t]+sen|och[ \t]+sedan|and[ \t]+then|fast[ \t]+(?:min|mitt|hans|hennes|vi|jag|han|hon|den|det|"
                           r"beloppet|fakturan|gränsen|gransen))\b"
                           # "... when he tries to approve it anyway", "... när jag försöker spara": when it shows
                           r"|,?[ \t]+(?:when|whenever|every[ \t]+time|när|nar|varje[ \t]+gång|varje[ \t]+gang)[ \t]+"
                           r"(?:he|she|i|we|they|you|han|hon|jag|vi|de|man)[ \t]+(?:tries|try|tried|trying|clicks?|clicked|"
                           r"försöker|forsoker|försökte|forsokte|klickar|klickade|trycker|tryckte)\b"
                           # "... attestgräns (fast fakturan är bara på 8 200 kr)", "... (even though it's only £80)"
                           # "... (that's the account on row 2, no idea why)", "... (jag tror det är kontot)"
                           # (not "(that is, the posting date is before ...)": the system's own bracket)
                           r"|[ \t]*\([ \t]*(?:fast|trots|men|but|although|though|even[ \t]+though|yet|which[ \t]+is|that\W?s|"
                           r"no[ \t]+idea|ingen[ \t]+aning|i[ \t]+think|jag[ \t]+tror)\b)")
# Remarks are looked for in an error text this long at most (a pasted cell can be a page long).
MAX_REMARKED = 1_000


def without_remark(error: str) -> str:
    """An unquoted error text without the writer's remark after it (_ERROR_REMARK), unless a quote
    follows the remark (the words are the message's own). Quoted texts are never cut."""
    if len(error) > MAX_REMARKED or (remark := _ERROR_REMARK.search(error)) is None or _QUOTES.search(error, remark.start()):
        return error
    return error[: remark.start()]


_QUOTES = re.compile(r"[\"“”«»„]")
# A quote right before a value: the value is quoted, written as the screen shows it.
_QUOTE_BEFORE = re.compile(r"[\"“”«»„'‘’][ \t]*$")


# A word before a column's value that is no part of it: "just empty", "still blank", "bara tom".
_STATUS_HEDGE = re.compile(r"(?i)^(?:just|still|simply|fortfarande)[ \t]+(?=\S)")


def unquote_text(value: str) -> str:
    """An error text without the quotes around it: "'Approval limit exceeded'" -> the words;
    a quoted text followed by a remark ('"Project closed" - but P1162 is open!') is the quote."""
    pair = re.fullmatch(r"[\"“”'‘’«»„]+(.+?)[\"“”'‘’«»]+(?:[.!]?|\s*[-–—,;:(]\s.*)", value)
    return pair[1].strip() if pair else value


def quoted_error(value: str) -> str:
    """The error text quoted inside an answer that tells more ('När jag försöker skicka den till
    Camilla står det "Ingen attestant hittad"', 'when I change it I get "Account 6550 requires
    dimension Project" but ...'): the quote, when it is the answer's only one and has three words
    or more. A word quoted inside an error ('Field "Project" is mandatory') stays in it."""
    quotes = list(_DOUBLE_QUOTED.finditer(value[:MAX_ANSWER]))
    if len(quotes) != 1:
        return value
    # (two words when something is got or shown right before them: 'Erik får "Beloppsgräns överskriden"')
    said = _GETS_QUOTE.search(fold(value[: quotes[0].start()])) is not None
    return quotes[0][1].strip() if words(quotes[0][1]) >= (2 if said else 3) else value


# What shows the text, before that colon: not "Field message:" inside a screen's own text.
_SHOWER = re.compile(r"(?i)\b(?:it|det|den|systemet|the\s+system|history|historiken|log|loggen|screen|skärmen|rutan|the\s+box)\b")
# An error text told after what shows it and a colon: "... in the invoice history it says: Step skipped".
_SAYS_THEN = re.compile(r"(?i)[^\"“”«:\n]{0,100}?\b(?:says|said|shows|showed|reads|står\s+det|stod\s+det|det\s+står|"
                        r"säger|visar|message|meddelandet|felmeddelandet)[ \t]*:[ \t]*(?P<text>\S[^\n]{3,})")
_DOUBLE_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„\n]{3,200})[\"“”«»]")
_GETS_QUOTE = re.compile(r"(?i)\b(?:get|gets|got|getting|see|sees|saw|far|fick|ser|says|said|sager|star\s+det|det\s+star|shows|visar|"
                         r"error|fel|felet|felmeddelandet|message|meddelandet)\s*:?\s*$")


# A quoted word inside an error's text, the text going on after it: "Dimension 'Projekt' är obligatorisk"
# (a capitalised word of the text right before the quote; not 'I get "Locked" is what it says').
_WORD_BEFORE_QUOTE = re.compile(r"(?-i:[A-ZÅÄÖ][a-zåäö]+)[ \t]+['\"‘’“”«]$")
_TEXT_GOES_ON = re.compile(r"(?i)[ \t]+(?:är|ar|is|are|must|måste|maste|saknas|krävs|kravs|required|missing|not|inte|"
                           r"has|har|cannot|kan|can|does|should|ska)\b")


def plausible(kind: str, value: str) -> bool:
    """Dates and bare years are not invoice or verification numbers."""
    if _DATE.match(value):
        return False
    return not (kind == "id" and re.fullmatch(r"(?:19|20)\d\d", value))


def prose_value(spec: FieldSpec, regex: re.Pattern[str] | None, source: Source) -> str | None:
    """The first "label value" in running text ("invoice ID 77120", "company Acme AB")."""
    if regex is None:
        return None
    for match in scan(regex, source.folded, source.low, source.seen_at):
        if spec.many and spec.kind == "name" and match.start() >= source.content_end:
            break  # "User roles - Nordhav": a subject's words after a cue name no one by themselves
        if spec.kind == "name" and (across_cells(source.text, match) or denied(source, match)
                                    or _ANOTHER.search(source.folded, max(0, match.start() - 20), match.start())):
            continue  # "our sister company Pennine Print Ltd uses a different nominal": not this one
        if spec.kind == "id" and (other_documents_id(source.folded, match) or erp_document(source.folded, match)
                                  or suppliers_own(source.folded, match) or set_aside(source.folded, match.end())
                                  or other_document(source.folded, match.start("value"))
                                  or earlier_occurrence(source.folded, match.start(), match.end())):
            continue
        if spec.kind in ("id", "number", "code") and header_over_row(source.text, match):
            continue  # "Ver.nr\tSerie\tTransaktionsnr" over "80229\tJa\t...": a column's head, not a label
        if spec.kind == "code" and _SENTENCE_GAP.search(source.folded, match.start(), match.start("value")):
            continue  # "posted in the PI series. I can't see ...": the next sentence's "I" is no series
        if spec.kind in ("number", "code") and of_other_invoice(source.folded, match.start()):
            continue  # "For comparison, invoice 660218 ... is in NetSuite with voucher 88123": not this one's
        written = original(match, source.text)
        if spec.kind == "rows" and (row_went_well(source.folded, match) or set_aside(source.folded, match.end())):
            continue  # "Mark Dwyer approved row 1 yesterday without any issue, but ... row 2"; "Invoice
            # 3341002 row 1 had the same issue last month but that one got fixed, so please ignore it"
        if spec.kind == "rows" and (_SAID_FINE.match(source.folded, match.end()) or row_already_done(source.folded, match.end())):
            # "Rows 1 and 2 went through fine, it's only row 3 that fails": not these; "rad 1, rad 2
            # är rätt", "rad 1 och 3, rad 2 är redan attesterad": not the last one, named with its own row word
            last = _LAST_NAMED_ROW.search(written)
            if last is None or last.start() == 0 or not (
                    _ABOUT_BEFORE.search(source.folded, max(0, match.start() - 25), match.start())
                    or _CLOSED_LIST.search(written[: last.start()]) and last.group().lstrip()[:1] in ",;"):
                continue  # ("Rad 1 och rad 3, rad 2 är ok": a list closed by its "och", then what is fine)
            written = written[: last.start()]
        value = clean(spec, written)
        if value and spec.kind == "id":
            value = instead_of(value, source, match)
        if value and spec.kind == "name" and _SELF.match(value):
            # "when I click Approve" in Tom's forwarded mail: Tom; a bare "I" of no known writer is no one
            value = self_named(value, speaker(source, match.start()))
        if value:
            return value
    return None


_SENTENCE_GAP = re.compile(r"[.!?][ \t\n]+$")


def row_went_well(folded: str, match: re.Match[str]) -> bool:
    """Rows whose step the sentence says went well: approved before them ("approved row 1 ...
    without any issue") or after ("Rad 1 attesterades av Anna Berg ... utan problem")."""
    after = _APPROVED_IT.match(folded, match.end())
    before = _APPROVED_BEFORE.search(folded, max(0, match.start() - 20), match.start()) \
        or _OWN_PART.search(folded, max(0, match.start() - 30), match.start())
    if after is None and before is None:
        return False
    if after and _BUT_ROW_WAITS.match(folded, after.end()):
        return True  # "row 1 was approved by Ben Ward on Friday but row 2 is still waiting for Olivia"
    well = _WENT_WELL_LATER.match(folded, after.end() if after else match.end())
    # ("Row 2 was approved without any issue even though it is on the wrong cost centre",
    # "I approved row 2 fine but it never moved on": the trouble is that row's)
    return well is not None and not _YET_TROUBLE.match(folded, well.end())


# A row already through its step: "rad 2 är redan attesterad", "row 2 has already been approved".
_ALREADY_DONE = re.compile(r"(?i)[ \t]+(?:is|are|was|were|has|have|ar|var|har)[ \t]+(?:already|redan)[ \t]+(?:been[ \t]+)?"
                           r"(?:approved|signed\s+off|reviewed|attesterad\w*|attesterat|godkand\w*|godkant|granskad\w*|granskat)\b")


def row_already_done(folded: str, at: int) -> bool:
    """Rows said to be through their step already, and no trouble after: "rad 2 är redan attesterad"."""
    done = _ALREADY_DONE.match(folded, at)
    return done is not None and _YET_TROUBLE.match(folded, done.end()) is None \
        and _STILL_TROUBLE.match(folded, done.end()) is None


# Trouble after a row said to be approved: "men hamnar ändå hos Per", "yet it is still in his list".
_STILL_TROUBLE = re.compile(r"(?i)[^.!?\n]{0,80}?\b(?:but|men|yet|still|anda|keeps?|igen|again|kvar|though|fortfarande)\b")


_YET_TROUBLE = re.compile(r"(?i)[^.!?\n]{0,40}?\b(?:even\s+though|although|though|trots\s+att|fast\s+(?:den|det)|"
                          r"but\s+(?:it|then|the\s+invoice)|men\s+(?:den|det|sen|sedan|fakturan|gick|hamnade|fastnade)|"
                          r"and\s+(?:it\s+|then\s+)?(?:went|got\s+stuck|ended\s+up))\b")


# "Jonas Ek har attesterat sin del, rad 1, utan problem": the row that was someone's part, done.
_OWN_PART = re.compile(r"(?i)\b(?:attesterat|godkant|granskat|approved|signed\s+off|done)\s+(?:sin|hans|hennes|his|her|their)\s+"
                       r"(?:del|part|rad|row)\s*,\s*$")
_APPROVED_BEFORE = re.compile(r"(?i)\b(?:approved|signed\s+off|reviewed|attesterade|godkande|granskade)[ \t]+(?:the[ \t]+)?$")
# What is said of rows or ids that are not the case's: "Rows 1 and 2 on the same invoice went through fine",
# "Rad 1 och 2 är rätt" (not "row 2 is the right one to change").
_SAID_FINE = re.compile(r"(?i)[)\]]?[ \t]+(?:(?!(?:rows?|lines?|rad|raden|rader|raderna)\b)[^\W\d_]+[ \t]+){0,5}?"
                        r"(?:are|is|was|were|went\s+through|came\s+through|approved|ar|var|gick(?:\s+igenom)?|"
                        r"attesterades|godkandes)[ \t]+(?:(?:already|redan|all|both|helt|alla|bada)[ \t]+)?"
                        r"(?:fine|ok|okay|correct|correctly|right|ratt|bra|fint|okej)\b"
                        # ("Rad 2 är rätt konterad på kostnadsställe 410 och ska vara kvar", "Row 1 is correctly coded")
                        # (not "row 2 is correctly coded to 6110 but the cost centre should be 420": wrong in another way)
                        r"(?:[ \t]+(?:konterad|konterade|coded|booked|bokford)\b(?![^.!?\n]{0,80}?\b(?:but|men|except|utom)\b)"
                        r"(?:[ \t]+(?:pa|on|to|mot)[ \t]+[^.!?\n,]{0,40}?)?)?"
                        # ("rad 1 och 2 gick bra för honom i går": for whom and when)
                        r"(?:[ \t]+for[ \t]+(?:him|her|me|us|them|honom|henne|mig|oss|dem))?"
                        r"(?:[ \t]+(?:i[ \t]+gar|igar|yesterday|today|i[ \t]*dag|this\s+morning|i[ \t]+morse))?"
                        # ... said of them as they are, the clause ending there: not "Row 2 is not ok", "Row 3
                        # is right now on 4010", "were fine until yesterday", "Line 5 is correct except ..."
                        r"(?=[ \t]*(?:[,.;:!()–-]|$|\n|(?:but|men|and|och|as\s+(?:it|they)\s+(?:is|are)|som\s+(?:den|de)\s+ar)\b))")
# "Det gäller rad 1, rad 2 är rätt": the run says what the case is about, then what is right.
_ABOUT_BEFORE = re.compile(r"(?i)\b(?:galler|concerns|it\W?s\s+about|it\s+is\s+about|about)\s+(?:rows?|lines?|rad|raden|rader)?\s*$")
_CLOSED_LIST = re.compile(r"(?i)\b(?:and|och)\b|&")
_LAST_NAMED_ROW = re.compile(r"(?i)[ \t]*(?:,|;|and|och|&)?[ \t]*(?:rows?|lines?|rad|raden|rader)[ \t]+\d{1,3}$")
# "our sister company", "another company", "the parent company": a company other than the case's.
_ANOTHER = re.compile(r"(?i)\b(?:sister|other|another|parent|subsidiary|group)\s+$")
# The company a change is modelled on: "Samma roller som i moderbolaget Fastighets AB Kvarnen",
# "the same set-up as in our parent company X" (not "attestant i moderbolaget X": the one it is for).
_MODELLED_IN = re.compile(r"(?i)\b(?:same|samma)\b[^.!?\n]{0,40}?\b(?:as|som)[ \t]+(?:in|at|for|i|pa|hos|for)[ \t]+"
                          r"(?:(?:our|the|their|vart|var|deras)[ \t]+)?(?:[\w-]+[ \t]+){0,2}$")


def set_aside(folded: str, end: int) -> bool:
    """An invoice the sentence puts aside: "Jag skickade in faktura 10220 förra veckan men det var
    ett annat problem ..., så den är inte med här", "4410 was a different issue, ignore that"."""
    return _SET_ASIDE.search(folded, end, sentence_end(folded, end, SET_ASIDE_REACH)) is not None


SET_ASIDE_REACH = 160


def anothers_erp_numbers(out: dict[str, str], specs: Sequence[FieldSpec], source: Source) -> dict[str, str]:
    """Without the financial system's numbers said only of another invoice, which their sentence
    names by its number before them: "Samma sak hände med 90-1098 förra veckan, den fick
    verifikation C 332 till slut", "Last month 1187-196 did the same (verification 8810, series
    AP)", "Fakturorna 6610 och 6611 fick ver A 220 och A 221 ..., men inte den här" (the case being
    90-1127, 1187-220, 6612), or that are said to be another's right after them ("Transaktionsnr
    40012 var för den andra fakturan"). Another invoice is named as one ("fakturorna 6610") or by a
    number of the case's id's shape that is neither the case's id nor a value read (a 4-digit id's
    shape is any year or amount: only longer or hyphenated ids are looked for by shape), or as the
    last one that got through ("The last one that got through was verification 2231 in series B":
    so this one did not, whether or not the mail gives its id)."""
    erp = [key for spec in specs for key in spec.implied_by if key in out]
    if not erp:
        return out
    ours = {fold(value).lower() for value in out.values()}
    case_id = fold(out.get(INVOICE_ID, "")).lower()
    shape = id_shape(case_id) if case_id else None
    def of_another(at: int) -> bool:
        start = wrapped_sentence_start(source.folded, at, SET_ASIDE_REACH)
        if case_id and source.words.find(case_id, start, at) >= 0:
            return False  # "Invoice 881204 (the one after 881199) is in Fortnox, ver A 3312": this one's too
        # ("The previous one went through fine, but invoice 330096 was posted as voucher 10455": this one's)
        if (last := _LAST_THROUGH.search(source.words, start, at)) and not _BUT.search(source.words, last.end(), at):
            return True
        if not case_id:
            return False
        named = (m for m in islice(_INVOICES_NAMED.finditer(source.words, start, at), 5)
                 if any(n not in ours for n in _ANY_NUMBER.findall(m["numbers"])))
        shaped = (m for m in islice(shape.finditer(source.words, start, at), 5) if m[0] not in ours) if shape else ()
        return any(not _ERP_WORD_BEFORE.search(source.words, max(start, m.start() - 40), m.start())
                   for m in chain(named, shaped))
    def anothers(value: str) -> bool:
        def said_after(at: int) -> bool:
            return _FOR_ANOTHER.match(source.words, at + len(value)) is not None
        key = fold(value).lower()
        return everywhere(key, source.words, of_another) or everywhere(key, source.words, said_after)
    dropped = {key for key in erp if anothers(out[key])}
    # A series goes with its number: "verification A 3312", "ver 5470 i serie B"
    def places(key: str) -> list[int]:
        return list(islice(written_at(fold(out[key]).lower(), source.words), 5))
    near = [(at - SERIES_REACH, at + SERIES_REACH) for key in dropped for at in places(key)]
    codes = {s.key for s in specs if s.kind == "code"}
    dropped |= {key for key in erp if key in codes and any(start <= at <= end for at in places(key) for start, end in near)}
    return {k: v for k, v in out.items() if k not in dropped}


SERIES_REACH = 25
# "the last one that got through", "den senaste som gick igenom", "the previous invoice that went over"
_LAST_THROUGH = re.compile(r"\b(?:the[ \t]+(?:last|latest|previous)|den[ \t]+(?:senaste|sista|forra))[ \t]+(?:one|invoice|fakturan)?[ \t]*"
                           r"(?:that[ \t]+|which[ \t]+|som[ \t]+)?(?:got|went|made[ \t]+it|came|gick|kom)[ \t]+(?:through|igenom|over|fram)\b")


def wrapped_sentence_start(folded: str, at: int, reach: int) -> int:
    """Where the sentence holding `at` begins in text that may be wrapped at a line's width: after a
    stop before a capital letter, or a blank line ("e.g. 881199 got verification\\nA 3312" is one
    sentence)."""
    start = max(0, at - reach)
    for stop in _WRAPPED_SENTENCE_END.finditer(folded, start, at):
        start = stop.end()
    return start


# ... or said after it to be another's: "Transaktionsnr 40012 var för den andra fakturan 71-0411".
_FOR_ANOTHER = re.compile(r"[ \t]*(?:var|ar|is|was|belongs|belonged|hor|horde|tillhor|tillhorde)[ \t]+(?:to|till|for)[ \t]+"
                          r"(?:den[ \t]+andra|the[ \t]+other|another|en[ \t]+annan)[ \t]+(?:fakturan|faktura|invoice|one)\b")
_WRAPPED_SENTENCE_END = re.compile(r"[.!?](?=[ \t\n]+[A-ZÅÄÖ])|\n[ \t]*\n")
# Invoices named with their numbers: "fakturorna 6610 och 6611", "invoice 881199", "faktura nr 90-1098".
_INVOICES_NAMED = re.compile(r"\b(?:invoices?|fakturor(?:na)?|fakturan|faktura|fakt)\.?[ \t]+(?:(?:id|no|nr|number|nummer)\.?[ \t]*[:#]?[ \t]*)?"
                             r"(?P<numbers>\d[\w-]{2,}(?:[ \t]*(?:,|och|and|&)[ \t]*\d[\w-]{2,}){0,5})")
_ANY_NUMBER = re.compile(r"\d[\w-]{2,}")
# A number the financial system gave, by the words before it: "document no. (our verification number) 108233",
# "It's posted invoice 104552 in number series PINV".
_ERP_WORD_BEFORE = re.compile(r"\b(?:ver|verifikat\w*|verifikation\w*|verification|voucher|document|dokument\w*|"
                              r"transaction|transaktion\w*|journal|serie|series|lopnummer|lopnr|posted|booked|bokford\w*)\b[^.!?\n\d]{0,30}$")


def id_shape(invoice_id: str) -> re.Pattern[str] | None:
    """Numbers written like `invoice_id` ("90-1127": two digits, a dash, four), as a regex on the
    lowercase folded text; None for a short one (four digits or fewer, unhyphenated)."""
    value = fold(invoice_id).lower()
    if not any(c.isdigit() for c in value) or len(value) < 5 or len(value) > 20:
        return None
    pattern = re.sub(r"\d+", lambda m: rf"\d{{{len(m[0])}}}", re.escape(value))
    return re.compile(rf"(?<![\w-]){pattern}(?![\w-])")


def earlier_occurrence(folded: str, start: int, end: int) -> bool:
    """An invoice the sentence first sets at an earlier time when the same happened: "Förra månaden
    fastnade faktura 55-1902 på samma sätt", "Förra gången vi hade det så (faktura 61022) flyttade
    ni den åt oss", "Last month invoice 4471 got stuck the same way": not this one. Not where it
    still is or is again ("Last week I reported the same problem with 4471 and it is still stuck")."""
    first, last = sentence_start(folded, start, SET_ASIDE_REACH), sentence_end(folded, end, SET_ASIDE_REACH)
    return _EARLIER_TIME.search(folded, first, start) is not None and _SAME_AGAIN.search(folded, first, last) is not None \
        and _STILL_OR_AGAIN.search(folded, first, last) is None


_EARLIER_TIME = re.compile(r"(?i)\b(?:forra\s+(?:gangen|manaden|veckan|aret|kvartalet)|last\s+(?:time|month|week|year|quarter)|"
                           r"the\s+time\s+before|i\s+(?:varas|hostas|somras|vintras)|earlier\s+this\s+(?:year|month)|"
                           r"a\s+(?:few\s+|couple\s+of\s+)?(?:weeks?|months?)\s+ago|for\s+(?:en|ett|nagra)\s+(?:veckor?|manader?|ar)\s+sedan)\b")
_SAME_AGAIN = re.compile(r"(?i)\b(?:pa\s+samma\s+satt|samma\s+(?:sak|problem|fel)|likadant|hade\s+(?:vi\s+)?det\s+sa|"
                         r"(?:the\s+)?same\s+(?:way|thing|problem|issue|error)|like\s+this|did\s+the\s+same|"
                         # "I sorted a similar one myself last month, invoice 55120, but this time ..."
                         r"a\s+similar\s+(?:one|invoice|case|problem|issue)|en\s+liknande|liknande\s+(?:faktura|problem|fel|arende))\b")
_STILL_OR_AGAIN = re.compile(r"(?i)\b(?:still|again|fortfarande|igen|annu|not\s+(?:yet\s+)?(?:fixed|solved|resolved)|"
                             r"inte\s+(?:lost|fixat|atgardat)|since\s+then|sedan\s+dess|as\s+always|som\s+(?:vi\s+)?brukar|every\s+time|"
                             r"varje\s+gang|(?:can|could)\s+you|kan\s+(?:ni|du))\b")
_SET_ASIDE = re.compile(r"(?i)\b(?:(?:det|den|that|it)\s+(?:var|was)\s+(?:ett|a)\s+(?:annat|helt\s+annat|different|separate|other)\s+(?:problem|issue|arende|case)|"
                        r"(?:ar|is)\s+inte\s+med\s+(?:har|i\s+detta)|(?:is|was)\s+not\s+(?:part\s+of|related\s+to)\s+this|"
                        r"(?:isn\W?t|wasn\W?t)\s+(?:part\s+of|related\s+to)\s+this|(?:so\s+)?(?:please\s+)?(?:ignore|disregard)\s+(?:that|it|this)(?:\s+one)?|"
                        # "Invoice 3341002 row 1 had the same issue last month but that one got fixed, so please ignore it"
                        r"(?:but|men)\s+(?:that|den|det)\s+(?:one\s+)?(?:got|was|has\s+been|blev|har\s+blivit)\s+(?:fixed|solved|resolved|sorted|lost|fixad|fixat|atgardad))\b")


def other_documents_id(folded: str, match: re.Match[str]) -> bool:
    """A bare "ID"/"nr" that belongs to another thing named right before it ("transaction ID
    2024-0311-88", "kund-id 4410", "order no 5521"): not the invoice's id."""
    if not _BARE_ID_WORD.match(folded, match.start()):
        return False
    return _OTHER_OWNER.search(folded, max(0, match.start() - 30), match.start()) is not None


def erp_document(folded: str, match: re.Match[str]) -> bool:
    """ "posted purchase invoice 108844", "bokförd som faktura 5521": the number of the document
    the financial system made, not the invoice id in our system."""
    return _POSTED_BEFORE.search(folded, max(0, match.start() - 30), match.start()) is not None


def suppliers_own(folded: str, match: re.Match[str]) -> bool:
    """ "leverantörens eget fakturanummer 2024-1187", "their invoice number is KG/24/10932": the
    number the supplier printed, not the id the invoice has in our system."""
    owner = _SUPPLIERS_BEFORE.search(folded, max(0, match.start() - 30), match.start())
    # A name's plain "-s" before the supplier's own number ("Telias fakturanummer", "Siemens invoice
    # number"); before the invoice itself it names the supplier ("The Staples invoice 41187",
    # "Telias faktura 4410" are the invoice from Staples, from Telia).
    if _DUNNING.search(folded, max(0, match.start() - DUNNING_REACH), match.start()) \
            and _PAYMENT.search(folded, match.start(), match.start() + DUNNING_REACH):
        return True  # "Enligt vår reskontra är faktura 20240877 ... obetald": a supplier's reminder, forwarded
    at, end = match.span("value") if "value" in match.re.groupindex and match["value"] is not None else match.span()
    if _SUPPLIER_NUMBER_BEFORE.search(folded, max(0, at - 40), at):
        return True  # "I've searched on the supplier invoice no. (INV-22817)"
    if _FROM_THE_SUPPLIER.match(folded, end):
        return True  # "fakturanummer 55120 från leverantören men Faktura-ID 991023 hos er"
    return owner is not None and (owner["plain"] is None or _OWN_NUMBER.match(folded, match.start()) is not None)


# ... or said after it to be the supplier's, beside ours: "fakturanummer 55120 från leverantören men
# Faktura-ID 991023 hos er" (not "Faktura-ID 991023 från leverantören Kontorsgiganten har fel ...").
_FROM_THE_SUPPLIER = re.compile(r"(?i)[ \t]*\(?(?:fran|from|av|by)[ \t]+(?:the[ \t]+)?(?:leverantoren|supplier|vendor)\)?[ \t,]*"
                                r"(?:men|but)[ \t]+(?:(?:our|vart|the)[ \t]+)?(?:faktura-?id|invoice[ \t]+id|id)\b")
_SUPPLIER_NUMBER_BEFORE = re.compile(r"(?i)\b(?:supplier|vendor|leverantor\w*)(?:\W?s)?\s+(?:invoice|inv|faktura)\s*"
                                     r"(?:no|nr|number|nummer|#|ref\w*)?\.?\s*[(:#]?\s*$")


# A supplier's payment reminder speaking of its own invoice, in the sentence before the number.
DUNNING_REACH = 80
_DUNNING = re.compile(r"(?i)\b(?:enligt\s+(?:var|vart|vara)\s+(?:reskontra|bokforing|noteringar)|according\s+to\s+our\s+(?:records|ledger|books)|"
                      r"our\s+records\s+show|we\s+have\s+(?:not|yet\s+to)\s+receive[d]?\s+payment\s+(?:for|of)|"
                      r"vi\s+har\s+(?:inte|annu\s+inte)\s+(?:fatt|erhallit)\s+betalning\s+for)\b[^.!?\n]{0,60}$")


_PAYMENT = re.compile(r"(?i)\b(?:unpaid|overdue|outstanding|obetald\w*|forfallen|forfallodag\w*|payment|betalning\w*|betala\w*|"
                      r"reminder|paminnelse\w*|due)\b")
_OWN_NUMBER = re.compile(r"(?i)(?:fakturanummer|fakturanumret|fakturanr|invoice[ \t]+(?:number|no\b|nr\b|#))")


# ... or the supplier named in the genitive: "Telias fakturanummer är 8823451290", "Telia's invoice number".
_SUPPLIERS_BEFORE = re.compile(r"(?i)\b(?:leverantorens|supplier\W?s|suppliers\W|vendor\W?s|their|deras|"
                               r"(?!(?:it|that|here|there|what|who|where|this|let|he|she)['’]s\b)(?-i:[A-Z][a-z]+)(?:(?P<plain>s)|['’]s))"
                               r"\s+(?:own\s+|eg(?:en|et|na)\s+|riktiga\s+|real\s+|actual\s+|original\s+)?$")
_POSTED_BEFORE = re.compile(r"(?i)\b(?:posted|booked|bokford|bokfordes|bokforts)\s+(?:as\s+|som\s+)?(?:\w+\s+)?$")


_BARE_ID_WORD = re.compile(r"(?i)(?:id|nr|no|number|nummer|#)(?![^\W\d_])")
# ... or a number named by what it is, right before it: "PO 4500012345", "cost centre 730", "konto 2990".
_OWNERS = packaged_alternation('other_numbers', 'owners')
_DIMENSION_WORDS = r"cost\s+cent(?:re|er)|cc|kst|kostnadsstalle\w*|ansvar\w*"
_OWNED_NUMBER = re.compile(rf"(?i)\b(?:{_OWNERS}|{_DIMENSION_WORDS})[ \t]*(?:id|nr|no|number|nummer|#)?[ \t.:#-]*\Z")


def owned_number(folded: str, start: int, end: int) -> bool:
    """Another thing's number, here or where the mail first names it: "kostnadsställe 300 ... har
    ju alltid kunnat attestera 300 innan" (a short number only: a long one is no cost centre)."""
    if _OWNED_NUMBER.search(folded, max(0, start - 30), start):
        return True
    value = folded[start:end]
    return len(value) <= OWNED_DIGITS and any(_DIMENSION_NUMBER.search(folded, max(0, at - 30), at)
                                              for at in islice(written_at(value, folded), 5))


OWNED_DIGITS = 5
# Elsewhere only a dimension's number counts ("It says Document 4471 is locked" names the invoice).
_DIMENSION_NUMBER = re.compile(rf"(?i)\b(?:{_DIMENSION_WORDS}|projekt\w*|project|konto|account)[ \t]*(?:nr|no|number|nummer|#)?[ \t.:#-]*$")
# Other invoices as the clause's subject: "Andra fakturor från samma dag har gått över", "the
# other invoices from that batch are in Visma".
_OTHERS_BEFORE = re.compile(r"(?i)\b(?:andra|ovriga|alla\s+andra|resten\s+av\s+(?:fakturorna|dem)|other|all\s+the\s+other|the\s+other|"
                            r"the\s+rest\s+of\s+the)\s+(?:fakturor\w*|invoices|ones|bills)\b(?:[^.!?\n]|\n(?![ \t]*\n)|\b(?:t\.ex|e\.g|bl\.a|i\.e)\.){0,60}$"
                            # another document: "Kreditfakturan 66120 är överförd och finns i Visma, men själva fakturan ..."
                            # (as the clause's subject: not "matched against the credit note and posted in Visma")
                            r"|(?:^|[.!?;:\n(]|\b(?:men|but|and|och))[ \t]*(?:kreditfakturan|kreditnotan|the\s+credit\s+note|"
                            r"(?:forra|foregaende|nasta)\s+fakturan|the\s+(?:previous|next|earlier)\s+invoice|"
                            # "Den andra fakturan (90313) ligger i Fortnox med vernr B 223", "The other one (77121)
                            # went through to Xero fine, voucher 3341" (not "..., but this one is in Xero")
                            r"(?:den\s+)?andra\s+fakturan|the\s+other\s+(?:one|invoice))\b"
                            r"(?:[ \t]+(?:no\.?|nr\.?)?[ \t]*[\w-]*\d[\w-]*|[ \t]*\([ \t]*(?:id|no\.?|nr\.?)?[ \t:#]*[\w-]*\d[\w-]*[ \t]*\))?"
                            r"(?:[ \t]+(?:ar|is|was|har|has|finns|ligger|blev|got|went)\b"
                            r"(?:(?!\b(?:but|men|this|den\s+har|denna)\b)[^.!?\n;]){0,60})?[ \t]*$")
# A sentence set beside this invoice by its first words: "For comparison, invoice 660218 ... went
# through fine - that one is in NetSuite with voucher 88123", "Som jämförelse ligger faktura 4411 i
# Visma", "A similar invoice, 660218, is in Visma" ...
_COMPARED = re.compile(r"(?i)[ \t(]*(?:(?:for|by|in|as\s+a)\s+comparison|by\s+contrast|som\s+(?:en\s+)?jamforelse|i\s+jamforelse|"
                       r"jamfor(?:t)?\s+med|compare(?:d)?\s+(?:that\s+|this\s+)?(?:with|to)|(?:another|a\s+similar|a\s+different)\s+invoice|"
                       r"(?:en\s+)?(?:annan|liknande|likadan)\s+faktura|"
                       # "For reference, the previous one from the same supplier (invoice 330071) had ..."
                       r"(?:(?:(?:for|as\s+a)\s+reference|som\s+referens)[ \t,:]+)?(?:the\s+(?:previous|earlier|prior)\s+(?:one|invoice)|"
                       r"den\s+(?:forra|foregaende)|(?:forra|foregaende)\s+fakturan))\b")
# ... that names another invoice by its number before the words read ("Compared to yesterday it is
# in NetSuite with voucher 88123", "Som jämförelse: i Visma ligger just den här fakturan på ver A
# 1234" name none: this invoice's numbers).
_INVOICE_NAMED = re.compile(r"(?i)\b(?:invoice|faktura\w{0,3}|fakt)\.?[ \t]+(?:(?:id|no|nr|number|nummer)\.?[ \t]*[:#]?[ \t]*)?\(?\d[\w-]*")
# How far back a sentence's start is looked for.
SENTENCE_REACH = 400


def of_other_invoice(folded: str, at: int) -> bool:
    """Words at `at` about another invoice: other invoices or a credit note as the clause's subject
    (_OTHERS_BEFORE), or a sentence that opens by setting another invoice, named by its number,
    beside this one (_COMPARED)."""
    if _OTHERS_BEFORE.search(folded, max(0, at - 80), at) is not None:
        return True
    start = sentence_start(folded, at, SENTENCE_REACH)
    # (up to a "but": "The previous one went through fine, but invoice 330096 was posted as voucher 10455")
    return _COMPARED.match(folded, start) is not None and _INVOICE_NAMED.search(folded, start, at) is not None \
        and _BUT.search(folded, start, at) is None


_BUT = re.compile(r"(?i)\b(?:but|men)\b")


# Another document's id, named as such: "The credit note (ID 661203) went across", "kreditfakturan 66120".
_OTHER_DOCUMENT_ID = re.compile(r"(?i)\b(?:kreditfakturan|kreditnotan|kreditfaktura|kreditnota|credit[ \t]+note)[ \t]*\(?[ \t]*"
                                r"(?:id|no\.?|nr\.?|number|nummer)?[ \t:#]*$")
# ... in a mail that sets the invoice itself beside it ("the invoice it belongs to", "själva fakturan").
_THE_INVOICE_ITSELF = re.compile(r"(?i)\b(?:the[ \t]+(?:invoice[ \t]+it[ \t]+belongs[ \t]+to|invoice[ \t]+itself|original[ \t]+invoice)|"
                                 r"sjalva[ \t]+fakturan|originalfakturan|fakturan[ \t]+(?:den|som[ \t]+den)[ \t]+hor[ \t]+till|"
                                 r"(?:but|men)[ \t]+(?:the[ \t]+invoice|fakturan))\b")
# How far a mail is looked at for the invoice itself.
INVOICE_ITSELF_TEXT = 3_000


def other_document(folded: str, at: int) -> bool:
    """An id at `at` that a credit note has, where the mail tells the invoice itself apart from it
    ("The credit note (ID 661203) went across to Oracle fine, but the invoice it belongs to, ID
    661190, is not"); a case about a credit note ("Credit note 661203 is stuck in approval") keeps it."""
    return _OTHER_DOCUMENT_ID.search(folded, max(0, at - 40), at) is not None \
        and _THE_INVOICE_ITSELF.search(folded, 0, INVOICE_ITSELF_TEXT) is not None
# An indirect question just before a flag's words: "check if it's in Unit4", "vet inte om den finns i
# Visma" (not "Om jag attesterar kommer det upp ett felmeddelande", "Fakturan om 5000 kr finns i Visma").
_IF_BEFORE = re.compile(r"(?i)\b(?:check|know|see|tell|sure|confirm|find\s+out|ask|wonder(?:ing)?|kolla|veta|vet|se|undrar|osaker|"
                        r"kontrollera)\s+(?:\w+\s+)?(?:if|whether|om|huruvida)\s+(?:[\w'’-]+\s+){0,2}$")
# A time to come or a condition just before a flag's words: "Once it's in Fortnox we can pay it",
# "När den väl är i Visma vill vi ...", "if it is in Xero, ..." (not "When I checked, it's in Visma").
_WHEN_BEFORE = re.compile(r"(?i)\b(?:(?:once|when|whenever|as\s+soon\s+as|until|till|before|unless|nar|innan|sa\s+fort|tills|forran)\s+"
                          r"(?:(?:it|the\s+invoice|this\s+one|den|det|fakturan)\s+)?|(?:if|om)\s+(?:it|the\s+invoice|this\s+one|den|det|fakturan)\s+)"
                          r"(?:(?:val|finally|eventually|har|has|gets|got|kommer|hamnar)\s+)?$")
# A guess just before a flag's words: "maybe it is in Visma already?", "it may have been posted",
# "kanske finns den i Visma" (not "I think it's ended up in Business Central twice": said so).
_HEDGE_BEFORE = re.compile(r"(?i)\b(?:maybe|perhaps|possibly|kanske|mojligen|eventuellt)\s+(?:(?:that|att)\s+)?"
                           r"(?:(?:it|the\s+invoice|den|det|fakturan)\s+)?(?:(?:may|might|could|har|ha)\s+)?$"
                           r"|\b(?:it|the\s+invoice)\s+(?:may|might|could)\s+$")


def said_yes_not(folded: str, match: re.Match[str]) -> bool:
    """A yes of the in-the-ERP flag that is not said: asked ("Could it be that it is already in
    Visma?", "Har den bokförts?"), assumed ("I assume it is in Visma"), of something else ("has been
    transferred to Anna for approval", "in the ERP queue"), or taken back in its sentence ("har
    exporterats men syns inte i Visma")."""
    start, end = sentence_span(folded, match.start(), match.end())
    asked = end < len(folded) and folded[end] == "?" and _ASKS_IF.match(folded, start) is not None
    return asked or _ASSUMED_BEFORE.search(folded, max(start, match.start() - 40), match.start()) is not None \
        or (elsewhere := _ELSEWHERE_AFTER.match(folded, match.end())) is not None \
        and not (elsewhere["name"] and _ERP_NAME.match(elsewhere["name"])) \
        or _BUT_NOT_THERE.match(folded, match.end(), end) is not None


# A sentence that asks whether: "Could it be that ...", "Is it ...", "Har den ...", "Kan det vara så att ...".
_ASKS_IF = re.compile(r"(?i)[ \t]*(?:could|can|might|may|is|has|was|did|does|have|are|kan|kunde|ar|har|finns|var|blev|skulle|"
                      r"ligger|do\s+you\s+know\s+(?:if|whether))\b")
# What the writer only assumes: "I assume it is in Visma", "I guess", "antagligen", "förmodligen".
_ASSUMED_BEFORE = re.compile(r"(?i)\b(?:i\s+(?:assume|guess|suppose|presume|expect)|presumably|probably|antagligen|formodligen|"
                             r"troligen|troligtvis|jag\s+antar|jag\s+gissar)\b[^.!?\n]{0,30}$")
# Words right after "has been transferred" that send it elsewhere: "to Anna for approval", "queue".
_ELSEWHERE_AFTER = re.compile(r"(?i)[ \t]+(?:(?:to|till)[ \t]+(?P<name>(?-i:[A-Z][\w]*(?:[ \t]+[A-Z][\w]*){0,2}))|for[ \t]+(?:approval|review|attest)|"
                              r"(?:queue|integration|export|import|step|steget|steg|kon|ko)\b)")
# A "but not there" in the yes's own sentence: "har exporterats men syns inte i Visma".
_BUT_NOT_THERE = re.compile(r"(?i)[^.!?\n]{0,80}?\b(?:but|men|yet)\b[^.!?\n]{0,40}?\b(?:not|inte|ej|isn\W?t|can\W?t|cannot|"
                            r"doesn\W?t|syns\s+inte|finns\s+inte)\b[^.!?\n]{0,30}?\b(?:in|i|there|dar)\b")


# A row named after a "but" in the same sentence as every row: "all three rows on 4010 (...) but row 2".
_BUT_ROW = re.compile(r"(?i)(?:[^.!?\n]|\n(?![ \t]*\n)|\.(?=\d)){0,80}?\b(?:but|men|except|utom|only|bara)\b"
                      # (not a row that also needs something or keeps what it has: "but row 2 also needs project
                      # 7002", "but keep the VAT code on row 2")
                      r"(?!(?:[^.!?\n]){0,40}?\b(?:also|too|as\s+well|keep|ocksa|dessutom|aven|behall)\b)"
                      r"(?:[^.!?\n]|\n(?![ \t]*\n)){0,40}?"
                      r"\b(?:rows?|lines?|rad|raden)[ \t]+\d")
# ... and that other row still waits: "but row 2 is still waiting for Olivia Grant", "men rad 2 ligger kvar".
_BUT_ROW_WAITS = re.compile(_BUT_ROW.pattern + r"[^.!?\n]{0,40}?\b(?:still|waiting|stuck|pending|sitting|hasn\W?t|has\s+not|"
                            r"not\s+yet|fastnat|fast|vantar|ligger|kvar|har\s+inte|inte\s+an)\b")
# A step someone managed, right before its verb: "could approve", "kunde attestera" (not "who can
# approve 4410?", "Anna kan attestera 4410 men inte jag": what can be done is no other invoice).
_COULD_DO = re.compile(r"(?i)\b(?:could|was\s+able\s+to|managed\s+to|kunde|lyckades(?:\s+att)?)\s+$")
_OTHER_OWNER = re.compile(rf"(?i)\b(?:{_OWNERS})[ \t]*[-.]?[ \t]*$")

# "There's no error, she just can't see it even though it says it's waiting for her", "Inget
# felmeddelande, den bara står kvar som "Väntar"": what it says after no error is a state.
_NO_ERROR_BEFORE = re.compile(r"(?i)\b(?:no\s+error(?:\s+message)?s?|there\W?s\s+no\s+error|there\s+is\s+no\s+error|"
                              r"(?:doesn\W?t|does\s+not|didn\W?t|did\s+not)\s+(?:give|show|get)\s+(?:an?\s+|any\s+)?error|"
                              r"inget\s+(?:fel(?:meddelande)?|felmeddelande)|inga\s+fel(?:meddelanden)?)\b"
                              r"(?:(?!\b(?:but|men|except|utom|although|fast|however|then|today|idag|when|nar|sedan|sen)\b)[^.!?;\n]){0,100}$")
NO_ERROR_REACH = 160

# "invoice 7709123 (sorry, 7709132 – typo)", "faktura 5510 eller förlåt, 5511": the customer's own correction.
_CORRECTED = re.compile(r"[ \t]*[(,–-]?[ \t]*(?:sorry|sorry,?\s+I\s+mean|I\s+mean|I\s+meant|oops|forlat|ursakta|jag\s+menar|"
                        # "fakturanr 71502 men det var fel, rätt är 71520", "4471 but that was wrong, the right one is 4417"
                        r"(?:men|but)\s+(?:det|den|that|it)\s+(?:var|was)\s+(?:fel|wrong|incorrect)\s*[,.;–-]?\s*"
                        r"(?:(?:ratt|korrekt|the\s+(?:right|correct)(?:\s+one|\s+number|\s+id)?)\s+(?:ar|is)|(?:it|that)\s+should\s+be|"
                        r"det\s+ska\s+vara)|"
                        rf"rattelse)[ \t]*[,:]?[ \t]+(?:it\W?s[ \t]+|det\s+ar[ \t]+)?(?P<value>{_ID})(?![\w/-])"
                        r"(?![ \t]*(?:kr|sek|eur|usd|gbp|nok|dkk|€|\$|%|:-)(?!\w))", re.IGNORECASE)  # not "4000 SEK"
# "fakturanumret blev 7700112233445 i stället för 31190442": the number read instead of the real one.
_INSTEAD_OF = re.compile(r"[ \t]+(?:i[ \t]+stallet[ \t]+for|istallet[ \t]+for|instead[ \t]+of|rather[ \t]+than)[ \t]+"
                         r"(?:the[ \t]+|det[ \t]+)?(?:(?:correct|real|actual|right|ratta|riktiga)[ \t]+)?"
                         rf"(?P<value>{_ID})(?![\w/-])", re.IGNORECASE)
_SHOULD = re.compile(r"(?i)\b(?:should|must|needs?\s+to|ought|ska|skall|borde|maste|behover)\b")


def instead_of(value: str, source: Source, match: re.Match[str]) -> str | None:
    """An id followed by "instead of <id>": what was read in place of the real one, unless the
    sentence says it should be so ("should be 4471 instead of 4470")."""
    corrected = _CORRECTED.match(source.folded, match.end())
    if corrected and plausible("id", corrected["value"]):
        return original(corrected, source.text)
    other = _INSTEAD_OF.match(source.folded, match.end())
    if other is None:
        return value
    start = max(source.folded.rfind(c, 0, match.start()) for c in ".!?\n") + 1
    if _SHOULD.search(source.folded, start, match.end()):
        return value
    real = original(other, source.text)
    return real if plausible("id", real) else None


def pattern_value(spec: FieldSpec, patterns: Sequence[re.Pattern[str]], source: Source) -> str | None:
    """The earliest hit of the field's own patterns; text fields take the whole sentence."""
    best: tuple[int, str] | None = None
    content_end = source.content_end
    in_subject: str | None = None
    budget = MAX_FIELD_TRIES
    for _, regex, matches in pattern_matches(spec, patterns, source):
        if budget <= 0:
            break
        for match in islice(matches, min(MAX_HITS_TRIED, budget)):
            budget -= 1
            value = hit_value(spec, regex, match, source)
            if value:
                at = hit_at(match)
                if best is None or at < best[0]:
                    best = (at, value)
                break
        # Text and status patterns are listed strongest first ("we want to" before "we tried
        # to"; "Överförd = Ja" before "är överförd"); other kinds take the hit written first.
        # A text read only from the subject ("Kan inte spara konteringen") names the problem,
        # not the intent: any pattern's sentence in the content wins over it.
        if best and spec.kind == "text" and best[0] >= content_end:
            in_subject, best = in_subject or best[1], None
        if best and spec.kind in ("text", "status"):
            return best[1]
    return best[1] if best else in_subject


def ranked_wish(spec: FieldSpec, source: Source) -> Candidate | None:
    """The wish the model scores best; below its threshold, a value to confirm (docs/checklist.md).
    Wishes are ranked in the first WISH_TEXT characters (every pattern runs there, where the first
    that hit used to end the search); a mail with none there is read as the rules read it, so a
    request written below a pasted log is still found."""
    head = replace(source, new=source.new[:WISH_TEXT]) if len(source.new) > WISH_TEXT else source
    found = wishes(spec, head)
    # "We do NOT want the supplier deactivated", "Need this sorted before our payment run": what is
    # not wanted, or how soon, beside a sentence that says what is
    found = [w for w in found if not _NO_WISH.match(fold(w.value))] or found
    best = best_wish(found, len(matchers(spec).patterns), len(head.text))
    if best is None:
        value = pattern_value(spec, matchers(spec).patterns, source) if head is not source else None
        return Candidate(value, "pattern", EVIDENCE["pattern"]) if value else None
    wish, _, sure, also = best
    # "Please see the details below for a change we need": where the wish is, not the wish itself;
    # shown to be confirmed at most, whatever the model's score (it sat at its threshold)
    sure = sure and not points_on(wish.value) and not _NOT_SURE_WHAT.search(fold(wish.value)) \
        and not (_UNDECIDED.search(head.folded) and not _ASKED_FOR.search(fold(wish.value)))
    value = joined(*sorted((wish, also), key=lambda w: w.at)) if sure and also else wish.value
    return Candidate(value, "pattern" if sure else "unsure wish", EVIDENCE["pattern" if sure else "unsure wish"])


# The writer says what they want is not decided yet ("Not sure yet whether we want him removed or
# just changed, my manager will get back to me", "vi har inte bestämt oss"): any wish read is a guess.
# (not "we haven't decided who yet - probably Therese Wik" beside a clear request, nor beside a wish
# that asks: "Please remove John Webb ... Not sure yet whether we want to add someone else")
_UNDECIDED = re.compile(r"(?i)\b(?:not\s+sure\s+(?:yet\s+)?(?:whether|if)\s+we\s+(?:want|need|should)|(?:we|i)\s+(?:haven\W?t|have\s+not)\s+"
                        r"(?:yet\s+)?decided\s+(?:whether|if|what\s+we\s+want)|vet\s+inte\s+(?:an\s+|annu\s+)?om\s+vi\s+"
                        r"(?:vill|ska|behover)|(?:vi|jag)\s+har\s+inte\s+(?:bestamt|beslutat)\s+(?:oss\s+)?(?:an\s+|annu\s+)?(?:om|vad\s+vi\s+vill))\b")


_ASKED_FOR = re.compile(r"(?i)\b(?:please|pls|kindly|can\s+you|could\s+you|would\s+you|kan\s+(?:ni|du)|skulle\s+(?:ni|du)|"
                        r"snalla|vanligen)\b|^\W*(?:ta\s+bort|lagg\s+(?:till|in)|andra|flytta|byt|remove|add|change|move|"
                        r"deactivate|raise|set|give|ge)\b")


def joined(first: Wish, second: Wish) -> str:
    """Two wishes as one value, each its own sentence."""
    return f"{first.value}{'' if first.value[-1:] in '.?!:' else '.'} {second.value}"


# "something needs to change on her account, I'm not sure what exactly": a wish the writer cannot
# name yet, to be asked about
_NOT_SURE_WHAT = re.compile(r"(?i)\b(?:(?:i\W?m|i\s+am|we\W?re|we\s+are)\s+not\s+(?:sure|certain)|(?:i|we)\s+(?:don\W?t|do\s+not)\s+know|"
                            r"no\s+idea|(?:jag|vi)\s+vet\s+inte|(?:jag\s+ar|vi\s+ar)\s+(?:osaker|inte\s+saker))\s+"
                            r"(?:riktigt\s+|exakt\s+|precis\s+)?(?:what|vad)\b(?:\s+(?:exactly|exakt|precis|riktigt))?\s*(?:[.!?)]|$)")


def points_on(text: str) -> bool:
    """A short sentence that only points at where the facts are ("Please see below from HR"), naming
    no number and no person ("Please see the attached list with Gary Holt's details" names one)."""
    return _POINTS_ON.match(fold(text)) is not None and words(text) <= POINTER_WISH \
        and not any(c.isdigit() for c in text) and _TWO_CAPITALS.search(text) is None


# A sentence that says what is not wanted, only how soon, or only what the writer is at: no wish
# when another sentence is one.
_NO_WISH = re.compile(r"(?i)\W*(?:(?:we|i)\s+(?:do\s+not|don\W?t|really\s+don\W?t)\s+want|please\s+(?:do\s+not|don\W?t)|"
                      # the error shown, not the change: "Felmeddelande när jag försöker ändra själv: Kostnadsbärare ..."
                      r"(?:felmeddelande\w*|error\s+message|error)(?:\s+(?:nar|when)\b|(?=\s*:))|"
                      r"(?:vi|jag)\s+vill\s+(?:inte|absolut\s+inte)|(?:snalla\s+)?(?:ta|andra|radera)\s+inte|"
                      r"(?:(?:we|i)\s+)?need\s+(?:this|it)\s+(?:sorted|fixed|resolved|solved|done)\s+(?:before|by|asap|today|urgently)|"
                      r"(?:vi|jag)\s+behover\s+(?:detta|det|den)\s+(?:lost|fixat|klart)\s+(?:innan|fore|till|idag|snarast)|"
                      # what the writer is at, not the change: "I'm trying to recode invoice ID 5521873 (...) and I'm stuck"
                      r"(?:i\W?m|i\s+am|we\W?re|we\s+are)\s+trying\s+to\s+(?:re-?code|code|fix\s+the\s+coding\s+(?:on|of)|approve)\s+"
                      r"(?:the\s+|this\s+|an\s+)?invoice)\b"
                      # (not "Vi vill inte radera fakturan, bara ta bort rad 5": the want after "only", nor
                      # "Vi vill inte att Anna attesterar längre, lägg in Tom Reid", "I need this fixed today,
                      # row 2 should go to 5420": the want after a comma or a dash)
                      r"(?![^.!?\n]{0,200}?(?:\b(?:bara|endast|only|just|utan|but|instead|istallet)\b|"
                      r"[,;:–-][ \t]*(?:please[ \t]+|snalla[ \t]+|and[ \t]+|och[ \t]+)?(?:lagg|add|put|change|andra|flytta|move|set|"
                      r"satt|ta[ \t]+bort|remove|give|ge|byt|byta|swap|switch)\b|\b(?:should|ska|skall|needs?[ \t]+to)[ \t]+"
                      r"(?:go|be|ga|vara|till|to|ligga|sta)\b))")


POINTER_WISH = 12
_TWO_CAPITALS = re.compile(r"[A-ZÅÄÖ][a-zåäö]+[ \t]+[A-ZÅÄÖ][a-zåäö]+")
# ("Please could you make the following change in the admin tool": the change is in the table below)
_POINTS_ON = re.compile(r"(?i)\W*(?:please\s+|pls\s+|snalla\s+)?(?:see|se)\s+(?:the\s+)?(?:details|below|attached|detaljer\w*|nedan|"
                        r"bifogad\w*)\b|"
                        # a colleague asked to take it to us: "Per, kan du kolla med leverantören av systemet?"
                        r"[^.!?\n]{0,40}?\b(?:kolla|fraga|check|ask|raise\s+it)\s+(?:med|with)\s+(?:the\s+)?(?:leverantoren|vendor|"
                        r"system\s+vendor|software\s+vendor|supplier\s+of\s+the\s+system)\b|[^.!?\n]{0,60}?\b(?:the\s+following|foljande)\s+(?:changes?|andring(?:ar|en|arna)?|"
                        r"updates?|uppdatering(?:ar|en|arna)?)\b")


# Content read for wishes: what a customer wants done is said early (see ranked_wish).
WISH_TEXT = 6_000
# Hits of a pattern looked at, and of all patterns in a mail, whether they give a wish or not: a
# flood of rejected requests ("... I can't do it myself") cost a sentence each (the session's review).
MAX_PATTERN_TRIES = 3 * MAX_PER_PATTERN
MAX_TRIES = 2 * MAX_CANDIDATES


def wishes(spec: FieldSpec, source: Source) -> list[Wish]:
    """Every sentence the field's patterns find, each once (at its strongest pattern), the content's
    only when it has any: a wish read only from the subject names the problem, not the intent."""
    found: dict[str, Wish] = {}
    subject: dict[str, Wish] = {}
    tried = 0
    for index, regex, matches in pattern_matches(spec, matchers(spec).patterns, source):
        taken = 0
        for n, match in enumerate(matches):
            if taken >= MAX_PER_PATTERN or n >= MAX_PATTERN_TRIES or tried >= MAX_TRIES:
                break
            tried += 1
            value = hit_value(spec, regex, match, source)
            if value:
                taken += 1
                at = hit_at(match)
                (found if at < source.content_end else subject).setdefault(value, Wish(index, at, value))
        if len(found) >= MAX_CANDIDATES or tried >= MAX_TRIES:
            break
    return list(found.values())[:MAX_CANDIDATES] or list(subject.values())[:MAX_CANDIDATES]


# Hits tried for a value, of one pattern and of all a field's: each costs its sentence, and a flood
# of requests the rules reject ("... I can't do that myself") took seconds (the session's review).
MAX_HITS_TRIED = 20
MAX_FIELD_TRIES = 60


def pattern_matches(spec: FieldSpec, patterns: Sequence[re.Pattern[str]],
                    source: Source) -> Iterator[tuple[int, re.Pattern[str], Iterator[re.Match[str]]]]:
    """Each of the field's patterns that may match (its trigger words are in the mail), by its
    place in the list, with its matches (lazily: a caller stops at the first it takes)."""
    m = matchers(spec)
    guards = m.guards or (None,) * len(patterns)
    triggers = m.triggers or ((),) * len(patterns)
    reaches = m.reaches or (NAME_REACH,) * len(patterns)
    for index, (regex, guard, trigger, reach) in enumerate(zip(patterns, guards, triggers, reaches)):
        if may_match(trigger, source):
            yield index, regex, hits_of(regex, guard, source.folded, reach, source.low, source.seen_at)


def hit_at(match: re.Match[str]) -> int:
    r"""Where a match's words start: "(?:^|[.!?]\s+)kan inte ..." starts at the full stop that
    ends the content when its words are the subject's."""
    return match.end() - len(match[0].lstrip(".!?;:-– \t\n"))


def hit_value(spec: FieldSpec, regex: re.Pattern[str], match: re.Match[str], source: Source) -> str | None:
    """The value one match of a field's pattern gives, or None when the match is no value."""
    text = source.text
    if "value" in regex.groupindex and match["value"] is None:
        return None  # an alternative that only consumes a decoy ("leverantören X AB")
    if spec.kind == "name" and "value" in regex.groupindex and (across_cells(text, match) or denied(source, match)
                                                                or spec.many and spec.key != PERSONS_ONLY
                                                                and aside_person(source.folded, match)
                                                                or spec.many and shouted(match["value"] or "")):
        return None
    if spec.kind in ("number", "code") and of_other_invoice(source.folded, match.start()):
        return None  # "Kreditfakturan 66120 är överförd och finns i Visma (ver B 78)": another document's numbers
    if spec.kind == "name" and not spec.many and "value" in regex.groupindex and (_HAS_IT_THERE.search(
            source.folded, max(0, match.start("value") - 50), match.start("value"))
            and _ALSO_ELSEWHERE.search(source.folded, 0, UNSETTLED_TEXT)
            or _MODELLED_IN.search(source.folded, max(0, match.start("value") - 80), match.start("value"))):
        # "ge Lisa rollen ... även i det andra bolaget? Hon har den redan i Kronan Service AB",
        # "Samma roller som i moderbolaget Fastighets AB Kvarnen": not the company the case is for
        return None
    if spec.kind == "text" and "value" in regex.groupindex and _STATE_SHOWS.search(
            source.folded, max(0, match.start() - STATE_REACH), match.start("value")):
        return None  # 'the invoice status says "Awaiting approval"', "the status in the list says": a state, not an error
    if spec.kind == "id" and "value" in regex.groupindex and (
            owned_number(source.folded, match.start("value"), match.end("value"))
            or other_document(source.folded, match.start("value"))):
        return None  # "PO 4500012345 has been stuck", "cost centre 730 went to", "the credit note (ID 661203)": another thing's number
    if spec.kind == "rows" and "value" in regex.groupindex and _COUNTED_ROWS.fullmatch(match["value"] or "") \
            and counted_not_all(source.folded, match):
        return None  # "rad 4, 5 och 6 – alla 3 rader", "All 3 rows with 12% VAT", "not all 4 rows": not rows 1 to 3
    if spec.kind == "rows" and "value" in regex.groupindex and _EVERY_WORD.search(match["value"]) \
            and _BUT_ROW.match(source.folded, match.end()):
        return None  # "put all three rows on 4010 ... but row 2 is lab fees": the row named after the "but"
    if spec.kind == "id" and _COULD_DO.search(source.folded, max(0, match.start() - 25), match.start()):
        return None  # "kollegan Peter kunde attestera 812230 alldeles nyss": the one that worked
    if spec.key == ERROR_TEXT and "value" in regex.groupindex and (
            reported(source, match.start("value")) or not_read(source, match) or header_row(source.text, match)
            or _NO_ERROR_BEFORE.search(source.folded, max(0, match.start() - NO_ERROR_REACH), match.start("value"))
            or _ON_THE_INVOICE.match(source.folded, match.end("value")) or earlier_error(source.folded, match)
            or words(match["value"]) <= 1 and _TEXT_GOES_ON.match(source.folded, match.end())
            and _WORD_BEFORE_QUOTE.search(source.folded, max(0, match.start("value") - 40), match.start("value")) is not None):
        # ('det står "Omvänd betalningsskyldighet för byggtjänster" på fakturan': the invoice's words)
        # "Karen (her manager) says Aisha should be ...": a person's words; "didn't catch what it
        # said"; "hamnat hos fel granskare:" over a pasted table: its header row is no error text
        return None
    if "value" in regex.groupindex:
        value = clean(spec, written_name(match, text) if spec.kind == "name" else original(match, text))
        if value and spec.key == ERROR_TEXT and not _QUOTE_BEFORE.search(text, max(0, match.start("value") - 3), match.start("value")):
            value = without_remark(value)  # "Account 4010 is blocked for posting which is odd because ..."
            if no_error_text(value):
                return None  # "he gets an error message pop up and then nothing happens": the box, no text
        value = self_named(value, speaker(source, match.start())) if value and spec.kind == "name" else value
        if value and spec.kind == "name" and role_they_have(value, source.folded, match.start()):
            return None
        return value
    if spec.kind == "flag" and (_IF_BEFORE.search(source.folded, max(0, match.start() - 40), match.start())
                                or _HEDGE_BEFORE.search(source.folded, max(0, match.start() - 30), match.start())
                                or _WHEN_BEFORE.search(source.folded, max(0, match.start() - 30), match.start())):
        # "I can't check if it's in Unit4", "vet inte om den finns i Visma", "maybe it's in Visma",
        # "it may have been posted", "Once it's in Fortnox we can pay it": not said either way
        return None
    if spec.kind == "flag" and not ("no" in regex.groupindex and match["no"] is not None) and said_yes_not(source.folded, match):
        return None  # (a yes only asked, guessed, of another thing, or taken back in the same sentence)
    if spec.kind == "flag" and of_other_invoice(source.folded, match.start()):
        return None  # "Andra fakturor från samma dag har gått över som vanligt": other invoices, not this one
    if spec.kind == "flag" and "no" in regex.groupindex:
        return "no" if match["no"] is not None else "yes"  # "we cannot find it in Navision"
    if spec.kind != "text":
        return clean(spec, text[match.start() : match.end()])
    # (from where its words start: a subject's "Kan inte lägga ..." is not the content's last sentence's)
    value = clean(spec, with_follow_up(text, with_antecedent(text, hit_at(match), match.end()), match.end()))
    return None if value and no_wish(fold(value)) else value


# A group's company named by its place or part after a dash, up to where the sentence goes on:
# "for the Redfield Hotels LLC - Austin entity?", "i bolaget Region Nordanå – Primary Care (bolag 12)".
_BRANCH = re.compile(r"[ \t]+[-–][ \t]+((?:[A-ZÅÄÖ][\w&'-]*)(?:[ \t]+[A-ZÅÄÖ][\w&'-]*){0,2})"
                     r"(?=[ \t]*[?,(]|[ \t]+(?:entity|company|site|bolag\w*|företag\w*)\b)")


def named_after(branch: re.Match[str], text: str) -> bool:
    """Whether a company's dash leads to a new sentence or to a person, not to a part of the group:
    "Acme Ltd - Please help", "a new user for Aldgate Marine plc - Sarah Pemberton (sarah@...).
    ... go to Sarah" (an address after it, or its first word alone elsewhere: a first name)."""
    named = branch[1].split()
    if set(fold(branch[1]).lower().split()) & _NOT_BRANCH or _ADDRESS_IN_BRACKETS.match(text, branch.end()):
        return True
    return len(named) == 2 and re.search(rf"\b{re.escape(named[0])}\b(?![ \t]+{re.escape(named[1])})", text) is not None


_ADDRESS_IN_BRACKETS = re.compile(r"[ \t]*\([^()\n]{0,80}@")


# Words after a company's dash that start a new sentence, not a part of its name.
_NOT_BRANCH = frozenset("please thanks thank tack hi hej hello urgent asap bradskande viktigt regards mvh "
                        "cheers best kind help hjalp fyi ps obs note sorry ursakta question fraga re fw fwd sv vb "
                        "ekonomi finance accounts ap ar it hr support inkop purchasing payroll lon".split())


# What follows a quoted text printed on the invoice itself, not shown by the system.
# ("... on invoice 1188203" names the invoice the error came on: not that)
_ON_THE_INVOICE = re.compile(r"(?i)[\"”»'’]?[ \t]*(?:pa|on|i|in)[ \t]+(?:the[ \t]+|their[ \t]+)?(?:fakturan|invoice|pdf\w*|"
                             r"fakturabilden|invoice[ \t]+image)\b(?![ \t]*(?:[\w#(-]*\d|id\b|no\b|nr\b|number\b))")


def earlier_error(folded: str, match: re.Match[str]) -> bool:
    """An error the customer saw before and says is not today's: "Last month we saw "Supplier
    blocked" for this supplier, but that was fixed ..., so ignore that", "Förra månaden fick vi ..."."""
    start = max(folded.rfind(c, 0, match.start()) for c in ".!?\n") + 1
    end = _SENTENCE_END.search(folded, match.end(), match.end() + 200)
    stop = end.end() if end else min(len(folded), match.end() + 200)
    ignored = _IGNORE_IT.search(folded, match.end(), stop)
    return about_before(folded, start, match.start()) \
        or ignored is not None and not _THOUGHT.search(folded, match.end(), ignored.start()) \
        and not _BUT_BACK.search(folded, ignored.end(), stop)


# A sentence about an earlier time, and a remark to leave what it said aside.
_BEFORE_NOW = re.compile(r"(?i)\s*(?:(?:last|previous)\s+(?:month|week|year|time|quarter)|a\s+(?:few\s+)?(?:weeks?|months?)\s+ago|"
                         r"forra\s+(?:manaden|veckan|aret|gangen)|for\s+(?:en|ett|nagra)\s+(?:manad|manader|vecka|veckor|ar)\s+sedan)\b")
# ... unless it goes on to now ("Last month we changed the limits and since then Erik gets ..."),
# or the error was only thought fixed ("we thought that was fixed but it's back").
_SINCE_THEN = re.compile(r"(?i)\b(?:since\s+then|now|still|again|sedan\s+dess|nu|fortfarande|igen)\b")
_THOUGHT = re.compile(r"(?i)\b(?:thought|hoped|believed|trodde|trott|hoppades)\b")
_BUT_BACK = re.compile(r"(?i)\b(?:but|men)\b")
_IGNORE_IT = re.compile(r"(?i)\b(?:(?:so\s+)?(?:please\s+)?ignore\s+(?:that|it|this)|bortse\s+fran\s+(?:det|den)|"
                        r"that\s+(?:was|has\s+been|got)\s+(?:fixed|sorted|solved)|det\s+(?:ar|blev)\s+(?:fixat|lost|atgardat))\b")


def no_wish(folded: str) -> bool:
    """A sentence the wish patterns find that says nothing of what is wanted done: why they write
    ("I don't have the rights to create users myself"), what failed ("När jag försöker spara
    kommer ...", unless a request follows: "..., kan ni göra det?"), the case's type ("please
    change it to Type: Administration": read as the type), or a request whose "this" is in another
    paragraph or mail ("Can you set this up please?")."""
    failed = _ONLY_TRIED.match(folded)
    return bool(_ON_MY_OWN.search(folded) or failed and not _REQUEST_WORD.search(folded, failed.end())
                or _TYPE_SET.search(folded) or _BARE_REQUEST.fullmatch(folded) or _NOT_ASKED.search(folded)
                or _BY_HAND.search(folded) and not _REQUEST_WORD.search(folded)
                or _ONLY_LOOK.search(folded) is not None and not _CHANGE_WORD.search(folded)
                or _CODE_CALL.search(folded) is not None)  # a stack trace's "at Coding.RowSplitter.Split(...)"


# A dotted call of program code: "System.Linq.Enumerable.First[TSource](", "Coding.Services.Split(".
_CODE_CALL = re.compile(r"(?i)\b[a-z_]\w*(?:\.[a-z_]\w*){2,}(?:\[[^\]\n]{0,40}\])?\((?![^)\n]{0,4}\)\.\w{2,4}\b)")


# A request only to look ("Konteringen ... ser konstig ut pa rad 1 och 4. Kan ni kolla pa det?",
# "can you have a look?"): what is wrong, not what is wanted done; the wish is asked for.
_ONLY_LOOK = re.compile(r"(?i)\b(?:can|could|would|kan|kunde|skulle)\s+(?:you|someone|somebody|ni|du|nagon)\s+(?:please\s+|snalla\s+)?"
                        r"(?:check|look\s+(?:at|into)|have\s+a\s+look|take\s+a\s+look|kolla|titta|se\s+over|undersoka)"
                        r"(?:\s+(?:on|at|into|pa|over|upp))?(?:\s+(?:it|this|that|det|den|detta|dem|them|these|dessa|the\s+invoice|fakturan))?"
                        r"(?:\s+(?:please|tack|for\s+me|for\s+oss|at\s+oss|at\s+mig))?\s*[?.!]*\s*$")
_CHANGE_WORD = re.compile(r"(?i)\b(?:change|move|split|add|remove|delete|set|correct|fix|reset|switch|update|should|must|instead|"
                          r"andra|byta|byt|flytta|dela|lagga|ta\s+bort|ratta|fixa|ska|skall|borde|istallet|stallet|"
                          r"wants?|needs?|like|vill|behover|onskar)\b")


# The work done by hand today, told: "so every single one has to be changed by hand", "måste
# ändras manuellt varje månad" (a request in the same sentence still counts: "..., please fix").
_BY_HAND = re.compile(r"(?i)\b(?:has|have|had|must|maste|behover)\s+(?:to\s+)?(?:be\s+)?\w+\s+(?:\w+\s+)?(?:by\s+hand|manually|manuellt|for\s+hand)\b"
                      r"(?!\s+(?:till|to)\s+(?:\w+\s+){0,2}\S*\d)")  # ("måste ändras manuellt till 420": a wish with its value)


# A complaint, a rule or a proposal told, not a request: "Varför ska rad 2 delas ...?", "The rule is
# that ...", "The proposal said it should be on 4010", "Row 2 already needs project 7002".
_NOT_ASKED = re.compile(r"(?i)^\W*(?:(?:varfor|why)\s+(?:ska|skall|should|must|would|does|do|is|has)|how\s+come)\b|\b(?:the\s+rule\s+is|regeln\s+ar)\b|"
                        # ("... 410 i stället för 420 som förslaget säger": what the proposal says is the old value)
                        r"\b(?:the\s+proposal\s+(?:said|says)|forslaget\s+(?:sa|sager))\b(?=[^.!?]{0,40}\b(?:should|ska|skall|borde)\b)|"
                        r"^\W*(?:the\s+proposal|forslaget)\s+(?:said|says|sa|sager)\b|\balready\s+needs\b")


# "jag har inte behörighet att skapa användare själv", "he can't change this himself": who can do
# it, not what is wanted.
# How far before "myself" its "can't ..." is looked for.
ON_MY_OWN_REACH = 80
_WORKS_FOR_ME = re.compile(rf"(?i)(?:[ \t]*\([^()\n]{{1,40}}\))?[ \t]+(?:kan|can|could|kunde)\b[^.!?\n]{{0,40}}?\b(?:{_WELL_WORDS})\b")
# ("When I try to reassign the rows myself I get ...", "I'd rather fix it myself")
_I_DID = re.compile(r"(?i)\bi(?:\W?d)?\s+(?:even\s+|also\s+|just\s+|rather\s+)?(?:logged|checked|tried|tested|did|cleared|restarted|looked|"
                    r"closed|reopened|refreshed|sent|set|forwarded|asked|went|try|tries|trying|attempted|fix|fixed|"
                    r"change|changed|move|moved|reassign\w*|do)\b[^.!?\n,]{0,30}$")
_ON_MY_OWN = re.compile(r"(?i)\b(?:can\W?t|cannot|couldn\W?t|could\s+not|unable|not\s+able|don\W?t\s+have|doesn\W?t\s+have|kan\s+inte|har\s+inte|"
                        r"saknar|inte\s+kan)\b[^.!?\n]{0,60}\b(?:myself|himself|herself|themselves|ourselves|själv|sjalv|själva|sjalva)\b")
# A failed attempt at saving or approving, or at nothing named: "När jag försöker får jag felet ...",
# "when I try to save the coding I get this error", "I can't save the coding on invoice 6612-08".
# An attempt at a change ("När jag försöker byta kostnadsställe till 310 får jag felet ...") names
# what the customer wants done.
_ONLY_TRIED = re.compile(r"(?i)(?:(?:when|whenever|every\s+time|each\s+time|nar|varje\s+gang)\s+(?:i|we|jag|vi)\s+"
                         r"(?:try|tried|attempt|attempted|forsoker|forsokte)\s+(?:to\s+|att\s+)?"
                         r"|(?:i|we|jag|vi)\s+(?:can\W?t|cannot|can\s+not|kan\s+inte|lyckas\s+inte)\s+)"
                         r"(?:(?:save|approve|send|submit|post|open|spara|attestera|godkanna|skicka|oppna)\b|"
                         # ("När jag försöker ändra får jag ...": a change with nothing said of what to)
                         r"(?:change|edit|andra|byta|redigera)\s+(?:it\s+|them\s+|den\s+|det\s+|dem\s+)?,?\s*"
                         r"(?:(?:i|we|jag|vi)\s+)?(?:get|got|far|fick|kommer)\b|"
                         r",|(?:(?:i|we|jag|vi)\s+)?(?:get|got|far|fick|kommer|it|the|det|den)\b)")
# A request of a verb and a pronoun only, maybe with where ("Kan ni lägga in det i Mälarplast AB?").
_BARE_REQUEST = re.compile(r"(?i)\s*+(?:hi\s*+,\s*+|hej(?:\s*+,)?\s*+|[^.?!\n]{0,40}\s[-–]\s+|"
                           # "See below from our CFO, can you set this up please?": what "this" is, is below
                           r"(?:please\s+)?(?:see|se)\s+(?:below|nedan)\b[^.?!\n,]{0,40},\s*+)?(?:please\s+|snalla\s+)?(?:can|could|would|will|kan|kunde|skulle)\s+"
                           r"(?:you|ni|du|someone|nagon)\s+(?:please\s+)?(?:(?:\w+\s+){1,3}?(?:this|that|it|these|them|det(?:\s+har)?|detta|den|"
                           # ... or a verb with no object at all: "Kan ni hjälpa oss att ändra?"
                           r"dessa|dem)|(?:help\s+(?:us|me)\s+(?:to\s+)?|hjalpa\s+(?:oss|mig)\s+(?:att\s+)?)?\w+(?=\s*+(?:please|tack)?\s*+[?.!]))"
                           r"(?:\s+(?:up|in|out|through|sorted|ordnat|set\s+up|done|fixed|changed|sorted\s+out|added|removed))?(?:\s+(?:for\s+us|at\s+oss|for\s+mig|for\s+me))?"
                           r"(?:\s+(?:please|tack))?(?:\s+(?:i|in|pa|on|at|with|med)\s+[^?.!\n\d]{1,40})?\s*+(?:please|tack)?\s*+[?.!]*\s*+")
# The case's type set by the customer: "... please change it to Type: Administration", "Ärendetyp:
# Kontering", "ändra ärendetypen" (not "set the VAT type: reverse charge", "the type of cost").
_TYPE_SET = re.compile(r"(?i)(?:^|\b(?:to|till)\s+)(?:case\s+type|type|typ|arendetyp\w*)[ \t]*[:=]|"
                       r"\b(?:case\s+type|arendetyp\w*|type\s+of\s+(?:the\s+|this\s+)?case)\b")
# A request after what failed: "I can't save, please change row 2 ...", "..., kan ni göra det?".
_REQUEST_WORD = re.compile(r"(?i)\b(?:please|pls|can\s+you|could\s+you|would\s+you|kan\s+(?:ni|du)|kunde\s+(?:ni|du)|"
                           r"garna|tack|(?:i|we)\s+(?:want|need|would\s+like)|(?:jag|vi)\s+(?:vill|behover|onskar))\b")
# A status or a column showing a text: what the invoice's state is, not an error message.
# How far before an error pattern's match its words may say that a state is shown.
STATE_REACH = 40
# ("The status in the list just says Waiting for approval", 'The comment on the invoice says "Freight as agreed"';
# not "när hon loggar in och öppnar fakturan står det ...": she logs in)
_STATE_SHOWS = re.compile(r"(?i)\b(?:status|statusen|state|column|kolumn\w*|history|historik\w*|log|logg\w*(?<!loggar)(?<!loggade)|comment|kommentar\w*)\s+(?:\w+\s+){0,4}?"
                          r"(?:says|said|shows|showed|reads|visar|visade|sager|star)\b[^\n]*$|"
                          # "rows 2 and 3 show status 'Awaiting approval'", "har status 'Väntar på attest'"
                          r"\b(?:show|shows|showed|showing|visar|visade|has|have|har|with|med)\s+(?:the\s+|a\s+)?"
                          r"(?:status|statusen|state)\b[^\n]*$")
# Someone's words reported without quotes: "Karen (her manager) says Aisha should be ...", "he said Monday".
_REPORTED = re.compile(r"(?:\b(?:he|she|they|han|hon|de|manager|chef|chefen|colleague|kollegan|controller|director|boss|"
                       r"consultant|konsult|konsulten|auditor|revisor|revisorn|accountant)|\b(?P<name>(?-i:[A-Z][a-z]+)))"
                       # ("Steve, our Financial Controller (cc), says I should be the approver")
                       r"(?:[ \t]*\([^()\n]{1,40}\))?,?[ \t]+(?:says|said|sager|sa)[ \t]*:?[ \t]*$", re.IGNORECASE)
# Capitalised words before "says" that are no speaker: "It says Approval limit exceeded".
_NO_SPEAKER = frozenset({"it", "this", "that", "which", "what", "det", "den", "detta", "vilket", "error", "message", "screen",
                         "fel", "felet", "felmeddelandet", "meddelandet", "warning", "varningen", "box", "window", "fonstret",
                         "system", "systemet", "popup", "rutan", "then", "sedan", "och", "and", "but", "men"})


# A table's row of numbers, under the header a pattern took for a text: "1 5410 3200 480.00 Helen Carter".
_NUMBERS_ROW = re.compile(r"[ \t]*\d[\d.,]*(?:[ \t]+[\d.,]+){2,}")


def header_row(text: str, match: re.Match[str]) -> bool:
    """A pasted table's header row taken for a text: cells split by tabs ("Faktura-ID<tab>Leverantör
    <tab>Belopp"), or words without a digit over a row of numbers ("Row Account Cost centre Amount"
    over "1 5410 3200 480.00"). "Account 4010 is blocked for posting" over a row is an error."""
    value = match["value"]
    return value.count("\t") >= 2 or not any(c.isdigit() for c in value) and \
        _NUMBERS_ROW.match(text, match.end("value") + 1) is not None


def not_read(source: Source, match: re.Match[str]) -> bool:
    """An error's text the customer says they did not read, in the value or just before it: "It
    said something about permissions, sorry I didn't write it down", "didn't catch what it said.
    Can u check?". A quoted text is the text, whatever is said around it."""
    value = source.folded[max(0, match.start("value") - 1) : match.end("value") + 1]
    return not _QUOTE_MARK.search(value) and _NOT_READ.search(
        source.folded, max(0, match.start("value") - NOT_READ_REACH), match.end("value")) is not None


# How far before an error's text its not being read is looked for ("didn't catch what it said").
NOT_READ_REACH = 40


def reported(source: Source, at: int) -> bool:
    """An error text not quoted, after a person's "says": what they say, not what the screen says.
    A capitalised word is a person when an aside follows it ("Karen (her manager) says") or the
    mail writes it with a surname ("Alan says" beside "Alan Whitby"); "Fortnox says", "Chrome says"
    are the program speaking."""
    folded = source.folded
    if at and folded[at - 1] in "\"“”'‘’«»„":
        return False
    said = _REPORTED.search(folded, max(0, at - 60), at)
    if said is None or said["name"] is None:
        return said is not None
    name = said["name"]
    if name.lower() in _NO_SPEAKER or name.lower() in NOT_NAMES:
        return False
    return "(" in said.group() or any(w.split()[0] == name for w in source.writers if " " in w) or any(
        person_words(p.group().lower().split()) for p in islice(
            re.finditer(rf"(?<![\w-]){re.escape(name)}[ ]+(?-i:[A-Z][a-z]+)(?![\w-])", folded), 5))


# A status answered in one word, then where it shows: "Yes in the overview", "Nej i listan".
_STATUS_THEN_PLACE = re.compile(r"(?i)(yes|no|ja|nej|tomt?|blank|empty|\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d)?|\d{1,2}/\d{1,2}/\d{2,4})"
                                r"(?:\s+(?:in|i|under|on|at|pa|på)\b|,?\s+(?:med\s+datum|dated|with\s+(?:the\s+)?date)\b)")
# ("2024-06-03 i kön": the date, not where it shows; "Ja, med datum 2025-04-17": the answer, then its date)
_SPACES = re.compile(r"\s+")
# "Tom Reilly. Rows 2": a sentence ends after a word of two letters and more.
_NAME_END = re.compile(r"(?<=\w\w)\.\s")


def clean(spec: FieldSpec, value: str) -> str | None:
    """A value found in prose, trimmed and checked against its kind."""
    quoted = spec.kind == "name" and _QUOTED.fullmatch(value.strip())
    if quoted and (value.strip()[1:2].islower() or value.strip()[1:2].isspace()):
        return None  # "'Awaiting approval' but there's": the stretch between two apostrophes, no name
    value = _SPACES.sub(" ", value).strip(" .,;:\"“”'«»‘’")
    if spec.kind == "name" and not spec.many and _SELF.match(value):
        return None  # "Which company - I need to check first": the writer is no company
    if spec.kind == "name" and (_WORD_PIECE.fullmatch(value) and not _SELF.match(value)):
        return None  # "don" of "we don't": a piece of a sentence
    if spec.kind == "name" and _SUGGESTION_NAME.fullmatch(value):
        return _NEXT_SENTENCE.sub("", value)  # "... for supplier no. 30221 Staples AB": to its sentence's end
    if quoted or spec.kind == "name" and _ROLE_NAME.fullmatch(value):
        return value or None  # "the role 'Invoice Reviewer'", "rollen Granskare": taken as written
    if spec.kind == "name" and spec.many and _COMPANY.fullmatch(value):
        return None  # a company has its own field: it is not the user or role the case concerns
    if spec.kind in ("id", "number", "code"):
        return value if plausible(spec.kind, value) else None
    if spec.kind == "flag":
        return "yes"
    if spec.kind == "name":
        return name_value(value)
    if spec.kind == "status" and _NOT_A_STATUS.match(fold(value)):
        return None  # "what the Transferred column says as I don't have access"
    if spec.kind == "status" and (answer := _STATUS_THEN_PLACE.match(value)):
        return answer[1]  # "Yes in the overview": the answer, not where it shows
    if spec.kind == "status":
        value = _STATUS_HEDGE.sub("", value) or value  # "Transferred is just empty": empty
        if mark := _STATUS_MARK.match(value):
            return mark["value"]  # "has a red cross against it": the mark
    if spec.key == ERROR_TEXT and no_error_text(value):
        return None
    if spec.kind == "text":
        value = strip_greeting(value)
        return value[:1000] if words(value) >= max(spec.min_words, 1) else None
    if spec.kind == "rows" and _ORDINALS.search(fold(value)) and not re.search(r"\d", value):
        # "rad två till fyra": the rows from two to four
        numbers = rows_numbers(_ORDINALS.sub(lambda w: str(_ORDINAL_NUMBER[w[1]]), fold(value.lower())))
        if len(numbers) > 1 or not re.search(r"(?i)\b(?:last|sista|all|alla|both|båda|every|each|samtliga)\b", value):
            return ", ".join(dict.fromkeys(numbers))
    if spec.kind == "rows" and _ONLY_ROW.search(fold(value)) and not re.search(r"\d", value):
        return "1"
    if spec.kind == "rows" and (shares := _TWO_SHARES.fullmatch(value)) and int(shares[1]) + int(shares[2]) == 100:
        return None  # "split the second and third line 50/50": how, not which rows
    if spec.kind == "rows" and (counted := _COUNTED_ROWS.fullmatch(value)):
        # "all 4 rows", "alla 3 rader": every row, the number counts them (rows 1 to 4)
        return ", ".join(str(n) for n in range(1, int(counted[1]) + 1)) if 2 <= int(counted[1]) <= MAX_COUNTED_ROWS else None
    if spec.kind == "rows" and re.search(r"\d", value):
        return ", ".join(rows_numbers(value))
    if spec.kind == "rows" and not _EVERY_WORD.search(value):
        return None  # "the last line": which one is told by its number ("line 5 of 5"), or asked for
    return value or None


_EVERY_WORD = re.compile(r"(?i)\b(?:all|alla|both|båda|bada|samtliga|every|each|varje)\b")
_COUNTED_ROWS = re.compile(r"(?i)\s*(?:all|alla|both|båda|bada|samtliga)\s+(\d{1,2})\s+(?:coding\s+|konterings)?(?:rows?|lines?|rader|raderna)\s*")
MAX_COUNTED_ROWS = 20


def counted_not_all(folded: str, match: re.Match[str]) -> bool:
    """"all 3 rows" that are not rows 1 to 3: its sentence names rows by number, or says how many
    the invoice has, a qualifier follows ("with 12% VAT", "som har moms") or a "not" comes before."""
    start, end = sentence_span(folded, match.start(), match.end())
    sentence = folded[start:end]
    return _NAMED_ROWS.search(sentence.replace(match.group(), " ")) is not None \
        or _ROWS_QUALIFIED.match(folded, match.end()) is not None \
        or re.search(r"(?i)\b(?:not|inte|ej|has|har)\b[^.!?\n]{0,20}$", folded[start : match.start()]) is not None


_ROWS_QUALIFIED = re.compile(r"(?i)[ \t]+(?:with|med|som|that|which|where|dar|on\s+which)\b")
# Two shares of a split, when they make 100: "50/50", "60 / 40".
_TWO_SHARES = re.compile(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*")


# A remark in brackets closing a value (see without_last_bracket).
_LAST_REMARK = re.compile(r"\([^()\n]{1,80}\)[ \t.]*")
_DATE_IN_BRACKETS = re.compile(r"\([ \t]*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ \t]+\d{1,2}[:.]\d\d)?[ \t]*\)[ \t.]*$")
# What a column "says" in a longer answer about it.
# ... or the plain word it opens with: "No. There's a red cross next to it as well."
_STATUS_WORD = re.compile(r"\s*(?P<value>(?i:yes|no|ja|nej|empty|blank)|tom|tomt)\b(?=\s*[.,;!–-]|\s*$)")  # ("Tom, our controller": a name)


def not_denied(mark: re.Match[str] | None, value: str) -> re.Match[str] | None:
    """A mark the answer does not deny: "there is no red cross any more" shows none."""
    return mark if mark and not _NO_MARK.search(value, max(0, mark.start() - 12), mark.start()) else None


_NO_MARK = re.compile(r"(?i)\b(?:no|not|inte|ingen|inget|ett\s+inte)\s+(?:an?\s+|ett\s+|en\s+)?$")
_STATUS_MARK = re.compile(r"(?i)\b(?:an?\s+|ett\s+|en\s+)?(?P<value>(?:(?:little|small|litet|liten)\s+)?(?:red|green|grey|gray|yellow|rött|rott|"
                          r"röd|rod|grön|gron|gul|gult)\s+(?:cross|x|tick|check\s*mark|mark|dot|icon|circle|kryss|bock|prick|markering))\b")
_STATUS_SAID = re.compile(r"(?i)\b(?:says|shows|reads|står(?:\s+det)?|visar)\s+(?:som\s+|as\s+)?[\"“'«]?(?P<value>\w+)")
# An answer's lead-in before what the column shows: "It says Yes, dated 11/03", "Överförd står som
# Ja", "shows a green tick with 03/07/2024" (a label's value). Only the column or "it" may come first.
_STATUS_LEAD = re.compile(r"(?i)^(?:(?:(?:it|det|den|där|dar|there|the|column|kolumnen|transferred|överförd|overford|status|field|"
                          r"fältet|faltet)[ \t]+){0,3}(?:says|shows|reads|står(?:[ \t]+det)?|visar|säger)[ \t]+(?:som[ \t]+|as[ \t]+)?)?"
                          # "Där står ett datum, 2024-09-03": the date
                          r"(?:(?:a|an|ett|the)[ \t]+(?:date|datum|datumet)[ \t]*[,:–-]?[ \t]*(?=\d))?")
# A status read from prose starts with what the column shows, not with a clause of the sentence.
_NOT_A_STATUS = re.compile(r"(?i)(?:as|because|since|so|that|what|which|if|when|i|we|it|there|this|"
                           r"eftersom|sa|att|som|vad|om|nar|jag|vi|det|den|har)\b")
_QUOTED = re.compile(r"[\"“”„'‘«][^\"“”'‘’«»\n]{2,60}[\"”'’»]")
# A company name: capitalised words ending in a company form ("Oakridge Estates Ltd").
_COMPANY = re.compile(r"(?:[A-ZÅÄÖ][\w&.-]*[ ]+){1,6}(?:AB|Ltd|Limited|Oy|Oyj|AS|ASA|ApS|Inc|Corp|GmbH|AG|BV|LLC|"
                      r"LLP|HB|KB|Ab|plc|Plc|Group|Trust)")


# "the single line", "den enda raden": an invoice with one coding row.
_ONLY_ROW = re.compile(r"(?i)\b(?:single|only|one|enda)\b")
# "the second and third lines", "andra och tredje raden": row numbers in words.
_ORDINAL_NUMBER = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
                   "forsta": 1, "andra": 2, "tredje": 3, "fjarde": 4, "femte": 5,
                   # "row two", "rad tre": a number in words after the row word
                   "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "tva": 2, "tre": 3, "fyra": 4, "fem": 5}
_ORDINALS = re.compile(r"(?i)\b(" + "|".join(_ORDINAL_NUMBER) + r")\b")


# "1-3", "1 to 3", "rad 2 till 4": every row from the first to the last (a short range only).
_ROW_RANGE = re.compile(r"(\d{1,3})[ \t]*(?:-|–|to|till|through|thru|till[ \t]+och[ \t]+med|t\.o\.m\.?)[ \t]*(?:(?:rows?|lines?|rad|raden|rader)[ \t]+)?"
                        rf"(\d{{1,3}})(?!{_DATE_OR_PERIOD})")
MAX_ROW_RANGE = 30
# A number this high after "rad 2 till" is an account or a cost centre, no row.
CHANGED_TO = 100


def rows_numbers(value: str) -> list[str]:
    """Row numbers of "1 och 3" / "1, 2 and 4" / "2+3" / "1 to 3" as a list."""
    out: list[str] = []
    at = 0
    for span in _ROW_RANGE.finditer(value):
        out += re.findall(r"\d+", value[at : span.start()]) + range_rows(span)
        at = span.end()
    out += re.findall(r"\d+", value[at:])
    return list(dict.fromkeys(out))


def range_rows(span: re.Match[str]) -> list[str]:
    """The rows of "1 to 3" / "2-4"; both ends of a range too long for rows ("Rows 10 to 41"), but
    not an account's or a cost centre's number after "till" / "to" ("rad 3 till 450": what the
    rows change to)."""
    low, high = int(span[1]), int(span[2])
    if 0 < high - low <= MAX_ROW_RANGE:
        return [str(n) for n in range(low, high + 1)]
    if (high >= CHANGED_TO or high == 0) and _WORD_TO.match(span[0]):
        return [span[1]]  # ("byta momskoden på rad 1 till 0": the code it changes to; no row is 0)
    return [span[1], span[2]]


_WORD_TO = re.compile(r"(?i)\d+[ \t]*(?:to|till)\b")


# Words for a person's standing, written small before their name: "my deputy Rob Clarke".
_STANDING_WORDS = frozenset("deputy substitute backup stand-in colleague manager boss supervisor "
                            "kollega chef ersättare vikarie".split())


# The small words a name may hold between its capitalised words ("Frejd Bil i Örebro AB"), never
# the first word of one.
_NAME_JOINERS = frozenset({"i", "on", "of", "upon", "och", "and", "&", "på"})


def name_value(value: str) -> str | None:
    """A capitalised name without the sentence opener it may have caught ("The", "Jag")."""
    # "Tom Reilly. Rows 2": a sentence ends after a word of two letters and more; "Ms. Priya Shah"
    # is a title's full stop (the title goes: the name is the person).
    # "HR. Gäller Solvik Vård AB": a company's name is the sentence its company form ends, when that
    # opens like a sentence (not "Nordic Bygg. Telia AB invoices ...", "Smith & Co. Sweden AB").
    if _SELF_AND.match(value) or _AND_SELF.search(value):
        return value.strip()  # "jag själv och Petra Holmgren", "Sofia Berglund och mig": split by the caller
    pieces = _NAME_END.split(_HONORIFIC.sub("", value.strip()))
    last = pieces[-1].split()
    value = (pieces[-1] if len(pieces) > 1 and _FORM_END.search(pieces[-1]) and last[0].lower() in NOT_NAMES
             else pieces[0]).strip()
    if _SELF.match(value):
        return value
    parts = value.split()
    while parts and (parts[0].lower().strip(",.") in NOT_NAMES
                     or parts[0] in _STANDING_WORDS and len(parts) > 1 and parts[1][:1].isupper()):
        parts.pop(0)  # "The", "Jag"; "deputy Rob Clarke" (of "my deputy Rob Clarke")
    while len(parts) > 1 and parts[0] in _NAME_JOINERS:
        parts.pop(0)  # "Both on Harbour Lane Bakery Ltd": the joiner the opener left is no part of it
    if len(parts) > 1 and parts[-1] in ("I", "jag", "Jag"):
        parts.pop()  # "Since Monday I can't approve": the writer's "I" is no part of a name
    # "You cannot approve", "Rad 2 ska attesteras": a pronoun or a row word standing alone or
    # before a number is no person; before a capitalised word it may be one ("Line Berg", "Du Wei").
    if parts and parts[0].lower() in _NOT_A_PERSON and (len(parts) == 1 or not parts[1][:1].isupper() or
                                                         all(w.lower().strip(".") in _NOT_A_PERSON for w in parts)):
        return None
    if len(parts) == 1 and _DEFINITE_TITLE.fullmatch(fold(parts[0])):
        return None  # "Tandläkaren kan inte attestera": the dentist, a title opening the sentence
    # "remove Robert's access": the person, not their possessive.
    value = _POSSESSIVE.sub("", " ".join(parts).strip(" .,;:"))
    return value if len(value) > 1 else None


_POSSESSIVE = re.compile(r"(?<=[a-zåäö])['’]s$")
# A Swedish title in its definite form, one word of eight letters and more: "Tandläkaren",
# "Controllern", "Ekonomichefen", "Handläggaren" (not "Karen", "Sören", "Lindgren").
_DEFINITE_TITLE = re.compile(r"(?i)\w{4,}(?:aren|eren|oren|chefen|ansvarige|llern)")
_FORM_END = re.compile(r"[ \t](?:AB|Ltd|Limited|Oy|Oyj|AS|ASA|A/S|ApS|Inc|Corp|GmbH|AG|BV|LLC|LLP|HB|KB|plc|PLC)\.?$")
# (nor a number's abbreviation: "Company No. 07781234" in a signature names no company)
_NOT_A_PERSON = frozenset("you du ni dig er row rows line lines rad raden rader i'm i’m i've i’ve i'd i’d i'll i’ll "
                          "no no. nr nr. number nummer id reg reg. registration org org.nr orgnr".split())


def sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match: from the last sentence end before it to the next one, at most
    SENTENCE_REACH characters either side (a pasted log has no sentence ends: each of a mail's wish
    candidates took 15 ms to cut out of 25 KB)."""
    low = max(0, start - SENTENCE_REACH)
    before = [m.end() for m in _SENTENCE_END.finditer(text, low, start)]
    begin = before[-1] if before else low
    # A short line ends its sentence before a capital: a pasted form's "Cost centre: 310" lines
    # are not one sentence with the "Needs to be able to code ..." below them.
    line = text.rfind("\n", begin, start)
    if line >= 0 and text[line + 1 : line + 2].isupper() and line - text.rfind("\n", 0, line) <= SHORT_LINE:
        begin = line + 1
    after = _SENTENCE_END.search(text, end, end + SENTENCE_REACH)
    return text[begin : after.end() if after else min(len(text), end + SENTENCE_REACH)]


# A line this short that ends a run of text is its own sentence (see `sentence`).
SHORT_LINE = 40


# How far a sentence reaches from its match: longer than any sentence a customer writes.
SENTENCE_REACH = 300


# A sentence that points back ("Can you change this?", "Jag vill byta till 450.") is read with the
# sentence before it in its paragraph: that one says what "this" is.
_REFERS_BACK = re.compile(r"(?i)(?:\w+\s+){0,2}?(?:this|that|these|those|it|them|him|her|det|detta|dessa|den|dem|honom|henne)\b")
SHORT_SENTENCE = 6


def with_antecedent(text: str, start: int, end: int) -> str:
    """The sentence around a match, and the one before it (same paragraph) when this one is short
    or its verb is followed by "this"/"it"/"det"."""
    own = sentence(text, start, end)
    if words(own) >= SHORT_SENTENCE and not _REFERS_BACK.match(text[end : end + 40].lstrip()):
        return own
    ends = list(_SENTENCE_END.finditer(text, max(0, start - 600), start))
    if not ends or "\n" in ends[-1].group() or "\t" in ends[-1].group():
        return own  # the first sentence of its paragraph, or after a table cell
    earlier = text[ends[-2].end() if len(ends) > 1 else max(0, start - 600) : ends[-1].end()]
    if "\n\n" in earlier or words(earlier) < 3 or points_on(earlier):
        return own  # ("Please see below from HR. Can you deactivate Gary's user?": a pointer, no antecedent)
    return f"{earlier.strip()} {own.strip()}"



# A next sentence that goes on with the same request: "Hans pågående attester ska gå över till mig",
# "Also, while you're in there, could you check he still has the Admin role?".
_FOLLOW_UP = re.compile(r"(?i)(?:also|and\s+also|additionally|plus|dessutom|ocksa|aven)\b|(?:den|det|de|han|hon|hans|it|"
                        r"hennes|deras|he|she|they|his|her|their|rollen|the\s+role)\b(?:[ \t]+[\w-]+){0,3}?[ \t]+"
                        r"(?:ska|skall|should|must|needs?\s+to|maste|behover)\b"
                        # (not what should have been, nor an aside: "It should have been fixed last time",
                        # "It should be noted that ...")
                        r"(?![ \t]+(?:have[ \t]+been|be[ \t]+noted|work|not|inte|ha[ \t]+varit)\b)")


def with_follow_up(text: str, own: str, end: int) -> str:
    """A request and the sentence right after it (in its paragraph or the next) when that one
    goes on with the request: both are what the customer wants done."""
    after = _SENTENCE_END.search(text, end, end + SENTENCE_REACH)
    if after is None:
        return own
    rest = text[after.end() : after.end() + 400]
    start = len(rest) - len(rest.lstrip())
    if rest.count("\n", 0, start) > 2 or not _FOLLOW_UP.match(fold(rest[start : start + 60])):
        return own
    follow = sentence(text, after.end() + start, after.end() + start + 1).strip()
    return f"{own.strip()} {follow}" if follow and follow not in own else own


def body_value(spec: FieldSpec, text: str) -> str | None:
    """The whole new text as the description, for fields that take it (problem_description).

    Sentences that only point elsewhere ("Se bifogade skärmdumpar.", "Five examples: 1, 2, 3",
    "Gäller faktura 66120") describe nothing: the rest must still make a description."""
    if not spec.body:
        return None
    value = clean(spec, text)
    if value is not None and not _NAMES_WHAT.search(_NOT_WHAT.sub(" ", fold(value))):
        return None  # "Same issue as last time with these, can you check? 88-1204 is still in verification"
    if value is None or words(value) >= POINTER_WORDS:
        return value  # a long text says more than where to look: not worth the three passes
    rest = _POINTING_WORDS.sub(" ", _POINTER.sub(" ", _SENTENCE_SPLIT.sub("\n", fold(strip_greeting(text)))))
    # ... and a short text must say what is wrong, not only where to look ("Could someone have a
    # look at Invoice No 6120044 please? It's still in Verification. I've attached it ...")
    return value if words(_ID_WORDS.sub(" ", rest)) >= max(spec.min_words, 1) \
        and _SOMETHING_WRONG.search(fold(text)) else None


# Words that say what is wrong in a short description: "wrong", "fel", "read as", "tolkas som",
# "instead of", "missing", "saknas", a negation, ...
_SOMETHING_WRONG = re.compile(r"(?i)\b(?:wrong\w*|incorrect\w*|error\w*|fel\w*|felaktig\w*|not|n\W?t|no(?![\s.:#]*\d)|inte|ej|ingen|inget|"
                              r"never|aldrig|missing|saknas|blank|empty|tom|tomt|instead|istallet|stallet|as|som|read|reads|"
                              r"reading|picks?|picked|picking|takes?|took|taking|laser|lases|laste|tolka\w*|blir|becomes?|"
                              r"swapp?\w*|double\w*|dubbl\w*|twice|shows?|showing|visar|gets?|getting|far|fick|comes?|"
                              r"coming|kommer|drops?|dropped|rounds?|rounded|avrund\w*|mixes|mixed|blandar|problem\w*|issue\w*|"
                              r"strul\w*|funkar|fungerar|works?|working|broken|merged?|merging|split\w*|hamnar|hamnat|ends?\s+up|"
                              r"ended\s+up|utan|without|only|bara|alls|at\s+all|\w+n\W?t|stuck|fastn\w*|hanger|hangs|hanging)\b")
# What a description names as wrong: a part of the invoice or what reading did with it ("the delivery
# date", "momsbeloppet", "the supplier", "read as", "tolkas som", "upside down", "dubbletter"). A
# text naming none only says that something is wrong ("These are wrong again: 1020-55, 1020-61").
_NAMES_WHAT = re.compile(r"(?i)\b(?:\w*dat(?:e|es|um|umet|umen|et)|due|\w*forfall\w*|\w*amount\w*|\w*belopp\w*|total\w*|"
                         r"summ\w*|net|netto|gross|brutto|vat|\w*moms\w*|tax|skatt\w*|ocr\w*|\w*referen\w*|\w*order\w*|po|"
                         r"\w*nummer\w*|\w*numret|\w*number|sort\s+code|bankgiro\w*|plusgiro\w*|iban|currency|valuta\w*|"
                         r"decimal\w*|comma|komma\w*|cents?|ore|address\w*|adress\w*|\w*namn\w*|name|credit\w*|kredit\w*|"
                         r"discount\w*|rabatt\w*|freight|frakt\w*|pages?|sid(?:a|an|or|orna)|logo\w*|header|footer|fields?|"
                         r"falt\w*|duplicat\w*|dubbl\w*|dublett\w*|twice|missing|saknas|blank|empty|tom|tomt|swap\w*|instead|"
                         r"istallet|stallet|(?:read|reads|picked\s+up|picks\s+up|taken|tas|lases(?:\s+in)?|lasts(?:\s+in)?|"
                         r"tolkas)\s+(?:as|som)|open|oppna\w*|snurrar|hang\w*|crash\w*|e-?invoice|e-?faktura\w*|split\w*|"
                         r"merg\w*|supplier\w*|leverantor\w*|upside|match\w*|kopplas|picks|valjer|thinks|\w*avrundning\w*|"
                         r"rounding|\w*rad(?:en|er|erna)?|lines?|rows?|digits?|siffr\w*|stuck|fastn\w*|hanger|language|sprak\w*|unreadable|"
                         r"blurry|olasli\w*|suddig\w*|validation|valider\w*|reject\w*|avvis\w*|kommer\s+inte\s+in|"
                         r"(?:wrong|fel|another|annat|andra|other)\s+(?:company|bolag\w*|account\w*|konto\w*|cost\s+cent\w*|kostnadsst\w*))\b")
# ... left out first: numbers, the labels of the invoice's own number, the examples and the step.
_NOT_WHAT = re.compile(r"(?i)(?<![\w/-])[\w/-]*?\d[\w/-]*|\b(?:(?:invoice\s+(?:no|number|id|nr)|faktura(?:nr|nummer|-id|\s+nr))"
                       r"[\s.:#(]*(?=\d)|examples?|exempel|verification|verifiering\w*)\b")
# A text of this many words is a description whatever pointers it holds.
POINTER_WORDS = 40
# A sentence that points to attachments, to examples or to the invoice it is about.
_POINTER = re.compile(r"(?im)^[ \t]*(?:(?:please\s+)?see\s+(?:the\s+)?(?:attached|attachment|below|enclosed)|"
                      r"se\s+(?:bifogad|bilaga|nedan)|"
                      # "Please see answers in blue below", "Svar nedan", "Replies in line": where the answers are
                      r"(?:please\s+)?(?:see|se)\s+(?:my\s+|the\s+|mina\s+)?(?:answers?|replies|comments?|svar|svaren|kommentarer)\b|"
                      r"(?:my\s+|mina\s+)?(?:answers?|replies|svar|svaren)\s+(?:are\s+|finns\s+)?(?:below|inline|in\s+line|nedan)\b|"

                      r"(?:\w+\s+)?(?:examples?|exempel)\b[^\n]*:)[^\n]*$"
                      # "Bifogar en faktura från Ramirent där totalbeloppet läses in som momsbelopp": only
                      # the attaching goes, what is wrong with the attached invoice stays
                      r"|^[ \t]*(?:i\s+)?(?:attach\w*|bifogar|bifogat|bifogade)\b(?:(?!\b(?:dar|where|which|som|that|men|but)\b)[^\n])*"
                      # "Gäller faktura 66120 som ligger i verifieringen": only the pointing words go
                      r"|^[ \t]*(?:it\s+)?(?:concerns|galler|regarding|re)\s+(?:the\s+)?(?:invoice|faktura|fakturan)\s+\S+"
                      r"(?:\s+(?:som|which|that)\s+(?:ligger|is|sits)\s+(?:i|in)\s+\w+)?"
                      # "Same issue as last time with Fastenal.", "Samma problem med tolkningen som förra
                      # gången": it points back at an earlier case, it describes nothing new
                      r"|^[ \t]*(?:(?:it\W?s|this[ \t]+is|we[ \t]+have|we\W?ve[ \t]+got|vi[ \t]+har|det[ \t]+ar)[ \t]+)?(?:the[ \t]+)?"
                      r"(?:same|samma)[ \t]+(?:\w+[ \t]+){0,1}(?:issue|problem|thing|error|sak|fel|visa)\b"
                      r"(?=[^\n:]{0,200}\b(?:again|igen|as[ \t]+(?:last[ \t]+time|before|usual)|som[ \t]+(?:forra[ \t]+gangen|sist|tidigare|vanligt)))[^\n:]*"
                      # "Samma som sist (ni vet ärendet i mars).": only the pointing back, and its remark
                      r"|^[ \t]*(?:(?:it\W?s|det[ \t]+ar)[ \t]+)?(?:the[ \t]+)?(?:same|samma)[ \t]+(?:as|som)[ \t]+(?:last[ \t]+time|before|usual|"
                      r"sist|forra[ \t]+gangen|tidigare|vanligt)(?:[ \t]+(?:igen|again))?"
                      r"(?:[ \t]*\((?:ni[ \t]+vet|you[ \t]+know|see|se|som[ \t]+i|as[ \t]+in|arende|case|ticket)\b[^()\n]{0,60}\))?[ \t.!]*$"
                      # "Fakturanr 55102 ligger i verifieringen nu", "Invoice 4410 is still in Verification"
                      r"|^[ \t]*(?:the[ \t]+)?(?:invoice|faktura|fakturan|fakturanr|fakturanummer)(?:[ \t]?(?:no|nr|id))?\.?[ \t]?:?[ \t]?\S{1,30}[ \t]+"
                      r"(?:ligger|is|sits|finns|ar)[ \t]+(?:(?:kvar|still|fortfarande)[ \t]+){0,2}(?:i|in)[ \t]+(?:the[ \t]+)?verif\w*"
                      r"(?:[ \t]+(?:nu|now|just[ \t]+nu|right[ \t]+now|at[ \t]+the[ \t]+moment|currently|for[ \t]+tillfallet))?"
                      # "..., bifogar 4 till", "..., och här är fler: 77098, 77101"
                      r"(?:[ \t]*,[ \t]*(?:(?:och|and)[ \t]+)?(?:(?:bifogar|i[ \t]+attach|attaching)(?:[ \t]+[\w-]+){0,3}|"
                      r"(?:here[ \t]+are|har[ \t]+ar)(?:[ \t]+\w+)?[ \t]*:?(?:[ \t]*(?:,|och|and)?[ \t]*\d[\w-]*)+))?[ \t.]*$")
# Words that say something happened and where, not what: "Nu har det hänt igen, se fakturorna ...
# 310499 ligger kvar i verifieringen", "It's happened again".
_POINTING_WORDS = re.compile(r"(?i)\b(?:(?:nu\s+)?har\s+det\s+hant\s+igen|here\s+you\s+go|here\s+they\s+are|har\s+kommer\s+(?:de|dom|dem|fakturorna)|it\W?s\s+happened\s+again|it\s+happened\s+again|same\s+thing\s+again|"
                    r"se\s+(?:fakturorna|fakturan|faktura)|see\s+(?:the\s+|these\s+|those\s+)?(?:\w+\s+)?invoices?|(?:ligger|star)\s+kvar\s+i\s+verif\w*|"
                    # "The one in Verification now is 8801-44", "Den som ligger i verifieringen nu är 4410"
                    r"(?:the\s+one|den)\s+(?:(?:that|which|som)\s+)?(?:(?:is|ligger|ar|sits)\s+)?(?:still\s+|kvar\s+)?(?:in|i)\s+(?:the\s+)?"
                    r"verif\w*(?:\s+(?:now|right\s+now|nu|just\s+nu))?\s+(?:is|ar)|"
                    r"is\s+still\s+in\s+(?:the\s+)?verif\w*)\b")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
_ID_WORDS = re.compile(r"\b(?:invoice|faktura|fakturan|id|nr|no)?\W*\d[\w-]*")


def words(text: str) -> int:
    """Words of at least two letters: "Hi", "help" and "?" do not make a description."""
    return len(_WORD.findall(text))


def table_value(spec: FieldSpec, tables: Sequence[tuple[tuple[str, ...], ...]]) -> str | None:
    """A table whose header row names the field's columns (a coding-rows table) as "a | b; c | d"."""
    if not spec.table_headers:
        return None
    heads = header_regex(spec.table_headers)
    for table in tables:
        # The header is one of the first rows; the body may be hundreds of rows long.
        for at, row in enumerate(table[:HEADER_ROWS]):
            if at + 1 < len(table) and sum(1 for cell in row if heads.search(fold(cell))) >= 2:
                body = [r for r in table[at + 1 :] if any(c.strip() for c in r)]
                if body and spec.kind == "rows" and (numbers := row_column(row, body)):
                    return numbers  # a queue row pasted with its "Rad" column: those rows
                if body:
                    return "; ".join(" | ".join(c.strip() for c in r) for r in body)[:1000]
    return None


def row_column(header: Sequence[str], body: Sequence[Sequence[str]]) -> str | None:
    """The numbers under a column headed as rows are ("Rad", "Row", "Line no"), when every cell of
    it is one and it is not the first column: "1, 2" of a pasted approval queue that opens with
    its invoice id. A coding table that opens with its rows' numbers is given whole ("1 | 5410 |
    200; 2 | 5420 | 300"): staff see each row's coding."""
    for col, cell in enumerate(header[1:], start=1):
        if _ROW_HEAD.fullmatch(fold(cell).strip().lower()):
            cells = [r[col].strip() for r in body[:MAX_ROW_CELLS] if col < len(r)]
            if cells and all(c.isdigit() and len(c) <= 3 for c in cells):
                return ", ".join(dict.fromkeys(cells))
    return None


_ROW_HEAD = re.compile(r"(?:coding\s+)?(?:rad|row|line|konteringsrad)(?:\s*(?:nr|no\.?|number|#))?|radnr|#")
MAX_ROW_CELLS = 200


@lru_cache(maxsize=64)
def header_regex(headers: tuple[str, ...]) -> re.Pattern[str]:
    """Column names of a field's table, compiled once."""
    return re.compile(fold_pattern(rf"(?<!\w)(?:{label_regex(headers)})"), re.IGNORECASE)


def column_value(spec: FieldSpec, m: Matchers, tables: Sequence[tuple[tuple[str, ...], ...]],
                 folded: str) -> str | None:
    """A pasted grid row: the cell under a column named like the field ("Invoice ID", "Överförd"),
    in the first row that is not of an invoice the mail says is fine ("6620011 is fine, the
    problem is 6620014"). An error's text too, under "Felmeddelande" in our own form filled in as a
    grid; other text is prose, not a cell."""
    if spec.kind == "flag" or spec.kind == "text" and spec.key != ERROR_TEXT or not tables:
        return None
    labels = {norm_label(x) for x in spec.all_labels()}
    for table in tables:
        for at, row in enumerate(table[: min(HEADER_ROWS, len(table) - 1)]):
            columns = [col for col, cell in enumerate(row[:MAX_HEADER_CELLS]) if norm_label(cell) in labels]
            if not columns:
                continue
            rows = table[at + 1 : at + 6]
            kept = [r for r in rows if not any(_ID_CELL.fullmatch(c.strip()) and said_fine(c.strip(), folded)
                                               for c in r[:MAX_ID_CELLS])] or list(rows[:1])
            named = [r for r in kept if named_twice(r, folded)]
            for col in columns:
                below = kept[0]
                cells = {r[col].strip() for r in rows if col < len(r) and r[col].strip()}
                # (an empty cell is a value of a status column, and only a row's continuation of an id's)
                shown = {r[col].strip() if col < len(r) else "" for r in kept}
                if len(shown - {""} if spec.kind in ("id", "number", "code") else shown) > 1:
                    # rows that differ in this column: the one whose id the prose names too ("Pasted
                    # from the queue below. It's 71-44021 that won't go"), else none of them
                    if len(named) != 1:
                        continue
                    below = named[0]
                    cells = {below[col].strip()} if col < len(below) else cells
                if spec.kind in ("id", "number", "code") and len(cells) > 1:
                    continue  # a column of several ids is a list (examples), not the one id
                if col < len(below):
                    found = accept(spec, m, below[col])
                    if found:
                        return found
    return None



def named_twice(row: Sequence[str], folded: str) -> bool:
    """Whether an id cell of a table row is written once more in the mail, as a whole word: the
    prose names it ("4410" inside "44101" is not it)."""
    return any(_ID_CELL.fullmatch(c.strip()) and len(list(islice(written_at(fold(c.strip()), folded), 2))) > 1
               for c in row[:MAX_ID_CELLS])


# Cells of a row looked at for ids, and of a header row for the field's column names.
MAX_ID_CELLS = 12
MAX_HEADER_CELLS = 50


# An id in a file name: "Faktura_778812.pdf", "invoice-4471-22.pdf", "INV 903311 scan.png".
_FILE_ID = re.compile(r"(?<![A-Za-z0-9])((?:[A-Z]{1,3}-)?\d{2,}(?:-\d+)*)(?![A-Za-z0-9])")  # "DE-4471930"
_INVOICE_WORD = re.compile(r"(?i)faktur|invoice|inv(?![a-z])|fakt(?![a-z])")


# Ids written out beside which a numberless attached file is one of them (4 and the invoice make 5).
WRITTEN_EXAMPLES = 4


def names_an_id(filename: str) -> bool:
    """A file name that holds an invoice's id ("Faktura_44120.pdf", "INV 903311 scan.png"), not a
    scanner's counter or a date ("scan_0012.pdf", "scan_20240530_1058.pdf")."""
    ids = [x for x in _FILE_ID.findall(filename) if plausible("id", x)]
    return any(_INVOICE_WORD.search(filename) or sum(c.isdigit() for c in x) >= 5 and not x.startswith("00") for x in ids)


def file_value(spec: FieldSpec, attachments: Sequence[Attachment], named: bool, folded: str = "") -> str | None:
    """An invoice id only given as an attachment's file name. With the word invoice/faktura in
    the name it counts; a bare number is only a value to confirm. Of several files, the first
    or the last counts when the mail singles it out ("The first attachment is still in Verification")."""
    if spec.kind != "id" or not attachments:
        return None
    found = []
    for attachment in attachments[:50]:
        name = attachment.filename
        if _SIGNATURE_IMAGE.match(name) or bool(_INVOICE_WORD.search(name)) != named:
            continue
        found += [x for x in _FILE_ID.findall(name.rsplit(".", 1)[0])
                  if len(x.replace("-", "")) >= 4 and plausible("id", x)]
    unique = list(dict.fromkeys(found))
    if len(unique) > 1 and (which := _FIRST_FILE.search(folded[:FIRST_FILE_TEXT])):
        return unique[-1] if (which["ord"] or which["ord2"]).lower() in ("last", "sista") else unique[0]
    return unique[0] if len(unique) == 1 else None


# The first or last attached file said to be the invoice still in Verification, or the one the
# case is about: "The first attachment is still in Verification", "Attached 5 examples, the last one
# is still in Verification", "Den första bilagan ligger kvar i verifieringen", "(den första pdf:en)".
_FILE_WORDS = r"(?:attachment|attached\s+(?:file|pdf|invoice)|pdf|file|one|one\s+attached|bilagan?|bifogade\s+(?:filen|fakturan)|pdf(?::|-)?en|filen)"
_FIRST_FILE = re.compile(
    rf"(?i)\b(?:the\s+|den\s+)?(?P<ord>first|1st|forsta|last|sista)\s+{_FILE_WORDS}\b"
    r"(?![^.\n]{0,60}?\b(?:inte|ej|not|no\s+longer|isn\W?t)\b)(?:[^.\n]{0,60}\bveri?fi(?!ed\b)|[^.\n]{0,20}\b(?:is\s+the\s+one|ar\s+den)\b)"
    rf"|\bveri?fi(?!ed\b)\w*\s*\((?:the\s+|den\s+)?(?P<ord2>first|forsta|last|sista)\s+{_FILE_WORDS}\)")
# How far into the mail `_FIRST_FILE` looks (bounded: a hostile mail is long).
FIRST_FILE_TEXT = 6_000


# A bare id in running text: hyphenated, or five digits and more; not a phone or an org number.
_BARE_ID = re.compile(r"(?<![\w+/.,:-])(\d{2,}-\d{2,}|\d{5,})(?![\w/-]|[.,:]\d)")
_NOT_ID_BEFORE = re.compile(r"(?i)(?:tel|phone|mob|mobil\w*|cell|tfn|telefon|fax|ring|call|org|orgnr|org\.nr|nr|bg|pg|bankgiro|plusgiro|"
                            r"ocr|konto|account|kr|sek|eur|ver|ver\.?nr)[\s.:#-]*$")


def shape_value(spec: FieldSpec, source: Source) -> str | None:
    """One id-shaped number in the content and nothing said about it: a value to confirm only."""
    if spec.kind != "id":
        return None
    first = None
    for match in _BARE_ID.finditer(source.new):
        value = match[1]
        before = source.new[max(0, match.start() - 12) : match.start()]
        after = source.new[match.end() : match.end() + 6]
        if not plausible("id", value) or _NOT_ID_BEFORE.search(before) or re.match(r"[ \t]*(?:kr|sek|:-|%)", after):
            continue
        if first is not None and value != first:
            return None  # two numbers: neither is shown as the one (a set rebuilt per match was quadratic)
        first = value
    return first


def item_list(spec: FieldSpec, source: Source) -> str | None:
    """A list field: ids from labelled lines, "invoices 1, 2 and 3", bullet lists, and files."""
    m = matchers(spec)
    items: list[str] = []
    text, folded = source.new, source.folded[: len(source.new)]
    lines = text.split("\n")
    for match in m.labelled.finditer(folded):
        index = text.count("\n", 0, match.start())
        joined = " ".join([original(match, text), *continuation(lines, index, m.labelled, many=True)])
        items += [t["value"] for t in _ID_SHAPE.finditer(joined) if plausible("id", t["value"])]
    if m.prose is not None:
        for match in m.prose.finditer(folded):
            items += [t["value"] for t in _ID_SHAPE.finditer(original(match, text))]
    items += listed_ids(text)
    items += id_runs(text)
    if spec.key in source.answers:
        items += [t["value"] for t in _ID_SHAPE.finditer(source.answers[spec.key])]
    items += column_ids(spec, source.tables)
    # Files count as examples; beside the four ids written out that make five with the invoice
    # itself, a file without an id in its name is one of those invoices attached ("8812764, 8812790,
    # 8813011 and 8813250 ... scans attached"), not one more.
    files = [a.filename for a in source.attachments if counts(spec, a)]
    if files and _PICTURES_ATTACHED.search(folded, 0, FIRST_FILE_TEXT):
        # "Bifogar skärmdumpar på tre till": the pictures attached are screenshots, whatever their names
        files = [f for f in files if not _PICTURE_FILE.search(f) or _INVOICE_FILE.search(fold(f))]
    if len(files) == 1 and not names_an_id(files[0]) and _COPY_OF_IT.search(folded, 0, FIRST_FILE_TEXT):
        files = []  # "I've attached a scan of 5520113 as well": the invoice named, not one more example
    written = len(set(items))
    items += [f.replace(",", " ") for f in files if written < WRITTEN_EXAMPLES or names_an_id(f)]
    # (a date is no example: "It did the same on 2024-03-12 and 2024-03-14")
    unique = list(dict.fromkeys(x.strip() for x in items if x.strip() and not _DATE_WRITTEN.fullmatch(x.strip())))
    # "the one from last week (88-1150) came through fine": not an example of the problem (the
    # first MAX_FINE_CHECKS ids are looked up: a list of thousands is no list of examples anyway)
    fine = fine_runs(folded) if len(unique) >= 2 else set()
    return ", ".join(x for n, x in enumerate(unique) if n >= MAX_FINE_CHECKS or not said_fine(fold(x), folded)
                     and x not in fine and not owned_everywhere(x, source.words)) or None


# The writer calls the attachments screenshots or photos: "Bifogar skärmdumpar på tre till", "photos attached".
_PICTURES_ATTACHED = re.compile(r"(?i)\b(?:bifogar|bifogat|bifogade|attached|attaching|attach|enclosed|skickar|sending)\b[^.!?\n]{0,40}?"
                                r"\b(?:skarmdump\w*|skarmbild\w*|screenshots?|screen[ \t]+shots?|photos?|pictures?|bilder|foton?)\b|"
                                r"\b(?:skarmdump\w*|skarmbild\w*|screenshots?|photos?|pictures?|bilder|foton?)\b[^.!?\n]{0,20}?"
                                r"\b(?:bifogad\w*|attached|enclosed)\b")
_PICTURE_FILE = re.compile(r"(?i)\.(?:png|jpe?g|gif|bmp|heic)$")
_INVOICE_FILE = re.compile(r"(?i)faktur|invoice|inv[ _-]?\d|bill")


def owned_everywhere(item: str, words: str) -> bool:
    """An id written only as another thing's number: "samma sak som Peter hade i ärende 3981", "PO 4410"."""
    return everywhere(fold(item).lower(), words, lambda at: _OWNED_NUMBER.search(words, max(0, at - 30), at) is not None)


def fine_runs(folded: str) -> set[str]:
    """Ids of a list said to be fine as a whole right after it: "Invoices 5520087, 5520090 and
    5520101 from the same supplier were read correctly", "De tidigare, 4401, 4402 och 4403, gick bra"."""
    out: set[str] = set()
    for run in islice(_ID_RUN.finditer(folded), MAX_FINE_RUNS):
        if _RUN_FINE.match(folded, run.end()):
            out.update(t["value"] for t in _ID_SHAPE.finditer(run.group()))
    return out


MAX_FINE_RUNS = 20
_RUN_FINE = re.compile(r"(?i)[)\]]?[^.!?\n]{0,60}?\b(?:were|was|are|is|got|came\s+through|went\s+through|gick|blev|ar|var|lastes|tolkades)"
                       r"[ \t]+(?:(?:all|alla|read|lasta|tolkade|scanned)[ \t]+)?(?:correctly|right|fine|ok|okay|bra|ratt|korrekt\w*|riktigt)\b"
                       r"(?![^.!?\n]{0,40}\b(?:but|men|until|tills|except|utom)\b)")


MAX_FINE_CHECKS = 50
_DATE_WRITTEN = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4}")
# The one file said to be a copy of the invoice the mail is about.
_COPY_OF_IT = re.compile(r"(?i)\b(?:attached|attaching|attach|enclosed|bifogar|bifogat|bifogas|skickar\s+med)\s+(?:is\s+|are\s+|here\s+|har\s+)?"
                         r"(?:a\s+|the\s+|en\s+)?(?:scan|copy|pdf|kopia|skanning|bild)\s+(?:of|av|pa)\s+(?:it|the\s+invoice|this\s+invoice|"
                         r"that\s+one|fakturan|den|denna|the\s+one|(?:invoice\s+|faktura\s+|nr\s+)?\d[\w-]*)\b")


def said_fine(item: str, folded: str) -> bool:
    """An id the mail says went well, or is to be left out ("The 302188 row is a credit note I put
    in by mistake, please ignore it"), where it is first written as a whole word."""
    at = next(written_at(item, folded), -1)
    return at >= 0 and (_SAID_FINE.match(folded, at + len(item)) is not None
                        or _LEAVE_OUT_ID.match(folded, at + len(item)) is not None
                        or _BRACKET_FINE.match(folded, at + len(item)) is not None)


# A remark in brackets after an id that sets it aside: "5529981 (this one we fixed ourselves last
# week, so you can ignore it, it is fine now)".
_BRACKET_FINE = re.compile(r"(?i)[ \t]*\((?:[^()\n]|\n(?![ \t]*\n)){0,160}?\b(?:ignore|ignorera|bortse|"
                           r"(?:it|this\s+one)\s+is\s+fine)\b")


_LEAVE_OUT_ID = re.compile(r"(?i)[)\]]?(?:[ \t]+(?:row|line|raden))?[ \t]+(?:is|was|ar|var)[ \t]+(?:a|an|en)[ \t]+"
                           r"(?:credit[ \t]+note|kreditfaktura|kreditnota)\b")


def column_ids(spec: FieldSpec, tables: Sequence[tuple[tuple[str, ...], ...]]) -> list[str]:
    """Ids in a table column headed like an invoice number ("Invoice No", "Faktura-ID", also two
    names in one, "Invoice No / ID"): a list of examples pasted as a table (`table_headers`)."""
    if not spec.table_headers or not tables:
        return []
    heads = header_regex(spec.table_headers)
    out: list[str] = []
    for table in tables:
        for at, row in enumerate(table[:HEADER_ROWS]):
            cols = [i for i, cell in enumerate(row) if len(cell) < 40 and any(
                heads.fullmatch(fold(_HEAD_REMARK.sub("", name).strip(" .:#"))) for name in cell.split("/", 3))]
            if not cols:
                continue
            rows = table[at + 1 : at + 201]
            fine = [any(_FINE_CELL.search(fold(cell)) for cell in body) for body in rows]
            for body, went_well in zip(rows, fine):
                if any(_IGNORED_ROW.search(fold(cell)) for cell in body):
                    continue  # "302188 | ... | credit note, ignore": not an example
                if went_well and not all(fine):
                    continue  # "18790 | ... | OK – denna blev rätt" below rows marked "Fel": a comparison
                cells = [body[i].strip() for i in cols if i < len(body)]
                out += [c for c in cells if _ID_CELL.fullmatch(c) and plausible("id", c)]
            break
    return out


_ID_CELL = re.compile(_ID)
# A row's cell saying it went well: "OK", "OK – denna blev rätt", "correct (for comparison)".
_FINE_CELL = re.compile(r"(?i)^\s*(?:ok|okay|fine|correct|ratt|korrekt)\s*(?:[-–,.;:(!]|$)|\b(?:blev|was|is|ar|var)\s+(?:ratt|right|correct|fine|ok)\b|"
                        r"\b(?:jamforelse|comparison)\b")
_IGNORED_ROW = re.compile(r"(?i)\b(?:ignore|ignorera|credit[ \t]+note|kreditfaktura|kreditnota)\b")
# A remark in brackets in a column header: "Invoice No (Verification)".
_HEAD_REMARK = re.compile(r"\s*\([^()]{1,25}\)")


# Three or more ids in a row in prose: "8812731, 8812764, 8812790 och 8813250", "a few: 1, 2, 3".
_ID_RUN = re.compile(rf"(?<![\w+/.,-]){_ID}(?:(?:"
                     # ("2203980 2204012 2204100 och 2204305": ids of five digits and more, one space apart;
                     # an OCR number's or a bank account's groups are none: _OTHER_LIST)
                     r"(?<=\d{5})[ ](?=\d{5})|"
                     # (blanks possessive: "4410" and 20,000 spaces was read from each of them again, 6 s)
                     r"[\])]?[ \t]*+(?:\((?:[^()\n]|\n(?![ \t]*\n)){0,120}\)[ \t]*+)?"
                     # ("the other four are 7702, 7715, 7733\nand 7760": a list wrapped before its "and")
                     r"(?:,(?:[ \t]*+(?:and|och|samt|&)\b)?\n?|;\n?|and|och|samt|&|\n(?:[ \t]*+(?:and|och|samt|&)\b)?)[ \t]*+(?:[-*•][ \t]*+)?[\[(]?|"
                     rf"\][ \t]+\[){_ID}){{2,}}", re.IGNORECASE)  # "30-5512, och 30-5471", "[32877] [32901]"


_ID_SHAPE = re.compile(SHAPES["id"], _FLAGS)
# What a run of ids is said to be, just before it: "3 invoices stuck since yesterday - ", "A few
# of them: ", "fakturorna ".
_LIST_INTRO = re.compile(r"(?i)\b(?:invoices|fakturor|fakturorna|them|dem|examples|exempel|ones|these|dessa|"
                         r"the\s+following|foljande|alla|all|samtliga)\b[^\n.]{0,100}$")


def first_listed(spec: FieldSpec, source: Source) -> str | None:
    """Several invoices listed alike and none singled out ("A few of them: 3340981, 3340992 and
    3341007"): each shows the problem, so the first is the invoice to look at."""
    if spec.kind != "id":
        return None
    if source.listed is None:
        object.__setattr__(source, "listed", (first_of_runs(source),))
    return source.listed[0]  # type: ignore[index]


# A run of numbers named as something else right before it: "split across departments 410, 420
# and 430", "kostnadsställe 100, 200 och 300".
_OTHER_RUN = re.compile(r"(?i)\b(?:departments?|cost\s+cent(?:re|er)s?|accounts?|konto|konton|kostnadsst\w*|kst|"
                        r"avdelning\w*|rows?|rader|raderna|lines?|projects?|projekt\w*|orders?|po)[\s:#]*$")


def first_of_runs(source: Source) -> str | None:
    """The first id of the first run of ids said to be invoices, unless none is left in Verification."""
    if _NONE_LEFT.search(source.folded):
        return None
    for run in _ID_RUN.finditer(source.folded, 0, len(source.new)):
        if _LIST_INTRO.search(source.folded, max(0, run.start() - 120), run.start()) \
                and not _OTHER_RUN.search(source.folded, max(0, run.start() - 30), run.start()):
            if before := singled_before(source.new, source.folded, run.start()):
                return before  # "The one I noticed first was 5530021. Other examples: 5530048, ..."
            first = _ID_SHAPE.search(run.group())
            if first and plausible("id", first["value"]):
                return source.text[run.start() + first.start("value") : run.start() + first.end("value")]
    return None


def singled_before(text: str, folded: str, at: int) -> str | None:
    """The invoice singled out before a list of "other examples" ("Mest bråttom är 901144 ...
    Andra exempel (Faktura-ID): 901187, 901203, ..."): the last id in the SINGLED_REACH characters
    before the list's words, not another thing's number. None when no such words open the list."""
    intro = _OTHER_EXAMPLES.search(folded, max(0, at - OTHER_EXAMPLES_REACH), at)
    if intro is None:
        return None
    first = _ID_SHAPE.search(folded, at)
    ids = [m for m in islice(_ID_SHAPE.finditer(folded, max(0, intro.start() - SINGLED_REACH), intro.start()), MAX_SINGLED)
           if plausible("id", m["value"]) and not _DATE_WRITTEN.fullmatch(m["value"])
           and not owned_number(folded, m.start("value"), m.end("value")) and not _AMOUNT_AFTER.match(folded, m.end("value"))
           and not _NOT_ID_BEFORE.search(folded, max(0, m.start("value") - 12), m.start("value"))
           and not _OTHER_LIST.search(folded, max(0, m.start("value") - OTHER_LIST_REACH), m.start("value"))
           # (singled out as the invoice: "The one I noticed first was", "Mest bråttom är", "Faktura 4410")
           and _SINGLED_CUE.search(folded, max(0, m.start("value") - SINGLED_CUE_REACH), m.start("value"))]
    # (written as the list's are: "5530021" beside "5530048, ...", not a bankgiro's "5050-1055")
    return text[ids[-1].start("value") : ids[-1].end("value")] \
        if ids and first and shape_of(ids[-1]["value"]) == shape_of(first["value"]) else None


def shape_of(value: str) -> str:
    """How an id is written: its digits as 9s, its letters as a ("88-1204" is "99-9999")."""
    return re.sub(r"[^\W\d_]", "a", re.sub(r"\d", "9", value))


# Words opening a list of examples beside one named before: "Other examples:", "Andra exempel (Faktura-ID):".
_OTHER_EXAMPLES = re.compile(r"(?i)\b(?:other|more|further|additional|andra|fler|ytterligare|ovriga)[ \t]+"
                             r"(?:examples?|exempel|invoices|fakturor|ones)\b[^\n.]{0,40}$")
OTHER_EXAMPLES_REACH = 60
SINGLED_CUE_REACH = 60
_SINGLED_CUE = re.compile(r"(?i)\b(?:invoices?|faktura\w*|the\s+one|den\s+(?:som|jag)|first|forsta|urgent|bratt\w*|noticed|"
                          r"stuck|fastnat|fast|it\W?s|it\s+is|det\s+ar)\b[^.!?\n]*$")
SINGLED_REACH = 300
MAX_SINGLED = 20


def id_runs(text: str) -> list[str]:
    """Ids listed three or more in a row, anywhere in the content."""
    out: list[str] = []
    for run in _ID_RUN.finditer(text):
        if _OTHER_LIST.search(text, max(0, run.start() - OTHER_LIST_REACH), run.start()):
            continue  # "For reference the PO numbers on them are 4500098812, ...": another document's
        values = [t["value"] for t in _ID_SHAPE.finditer(run.group())]
        # "20231190, 20231204, 20231211 and 20231215": eight digits beside one that is no date are
        # ids of one series, not dates
        series = any(len(v) == 8 and v.isdigit() and not _DATE.match(v) for v in values)
        out += [v for v in values if plausible("id", v) or series and len(v) == 8 and v.isdigit()]
    return out


# The numbers of another document named right before a run of them (in its sentence).
OTHER_LIST_REACH = 60
_OTHER_LIST = re.compile(r"(?i)\b(?:po|purchase[ \t]+order|order|delivery[ \t]+note|följesedel\w*|foljesedel\w*|customer|kund|"
                         r"supplier|vendor|leverantör\w*|leverantor\w*|ocr|bankgiro|order)(?:['’]?s)?[ \t]*(?:numbers?|nos?\.?|nr|"
                         r"nummer|nummren|numren|numret|refs?|references?|ids?)\b[^.!?\n]{0,40}$|"
                         r"\b(?:ocr|bank\s+account|bankkonto|account\s+(?:no|number)|bankgiro|plusgiro|iban)\b[^.!?\n]{0,20}$")


# An id alone on its line, maybe bulleted (Outlook's "·"), in brackets or with a short remark:
# "3341019 (this one is still in Verification)".
_LISTED_ID = re.compile(rf"[ \t]*(?:[-*•·▪◦][ \t]*|\d{{1,2}}[.)][ \t]+)?\[?({_ID})\]?[ \t]*[,;.]?[ \t]*"
                        rf"(?:/[ \t]*({_ID})[ \t]*)?(?:\([^()\n]{{1,50}}\)[ \t]*)?"  # "20871 / 20872": a pair
                        r"(?:[–—-][ \t]+[^\n]{1,80})?")  # "- 61230 – OCR ska vara 612300045581": a remark after a dash


def listed_ids(text: str) -> list[str]:
    """Ids written one per line (a bullet list), when at least two lines in a row are ids; blank
    lines between them do not end the list (Outlook writes each line as its own paragraph)."""
    found: list[str] = []
    run: list[str] = []
    for line in text.split("\n") + ["end"]:
        if not line.strip():
            continue
        hit = _LISTED_ID.fullmatch(line) if len(line) < 80 else None
        if hit and plausible("id", hit[1]):
            run += [x for x in hit.groups() if x and plausible("id", x)]
            continue
        if len(run) >= 2:
            found += run
        run = []
    return found


def counts(spec: FieldSpec, attachment: Attachment) -> bool:
    """An attachment that is an invoice: a listed content type or file ending, not a logo."""
    if not spec.attachments or _SIGNATURE_IMAGE.match(attachment.filename) or _SCREENSHOT.search(attachment.filename):
        return False
    name, kind = attachment.filename.lower(), attachment.content_type.lower()
    return any(name.endswith(t) if t.startswith(".") else kind.startswith(t) for t in spec.attachments)


def tables_in(text: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Tables in text: runs of lines with tab- or '|'-separated cells (HTML tables render so)."""
    tables: list[tuple[tuple[str, ...], ...]] = []
    run: list[tuple[str, ...]] = []
    for line in text.split("\n") + ["end"]:
        if not line.strip():
            continue  # HTML rows often render with blank lines between them
        cells = _cells(line) if "\t" in line or "|" in line or "   " in line else ()
        if len([c for c in cells if c]) >= 2:
            run.append(cells)
            continue
        if len(run) >= 2:
            tables.append(tuple(run))
        run = []
    return tuple(tables)


# Rows of a wide table kept in the prose text: the header and a row or two tell the type and
# hold a pasted grid row; the rest is read as a table only (a 400-row table would otherwise be
# searched by every prose pattern of every field).
PROSE_TABLE_ROWS = 3


_CELL_SPLIT = re.compile(r"\t|\|| {3,}")


def _cells(line: str) -> tuple[str, ...]:
    """A row's cells. A leading tab is an empty first cell (a header over a column of row
    numbers: "<tab>Invoice No<tab>Date" above "1<tab>77120-B<tab>..."), not indentation."""
    cells = tuple(c.strip() for c in _CELL_SPLIT.split(line.strip(" \r\n\f\v").rstrip().strip("|")))
    # Outlook writes a bullet as its sign, a run of spaces and the item: one line, not two cells.
    return (line.strip(),) if cells[0] in _BULLETS else cells


_BULLETS = frozenset("·•▪◦‣-*o§")


def prose_of(text: str) -> str:
    """The text the prose rules read: long tables cut to their first rows, and two-cell rows
    ("Faktura-ID | 4471-22", a Word key-value table) written as "Faktura-ID: 4471-22" lines. A
    header row seen before is left out: "how it looks today" and "how it should be" pasted one
    under the other name their columns ("Row Account Cost center Tax code") once, not twice over."""
    if "\t" not in text and "|" not in text and "   " not in text:
        return text
    out: list[str] = []
    headers: set[tuple[str, ...]] = set()
    run = 0
    for line in text.split("\n"):
        cells = [c for c in _cells(line) if c] if line.strip() else []
        if len(cells) < 2:
            run = 0 if line.strip() else run
            out.append(line)
            continue
        run += 1
        if len(cells) > 2 and not any(c.isdigit() for c in line):
            if (key := tuple(cells)) in headers:
                continue
            headers.add(key)
        if len(cells) == 2 and not re.search(r"[:=]\s*$", cells[0]):
            out.append(f"{cells[0]}: {cells[1]}")
        elif run <= PROSE_TABLE_ROWS:
            out.append(line)
    return "\n".join(out)
