"""Extract a case type's checklist fields from a mail's text: labelled lines, prose, tables, files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from casedesk.casetypes import FieldSpec
from ingest.parse import Attachment
from ingest.quoting import Reply, is_quoted, strip_greeting

_FLAGS = re.IGNORECASE | re.MULTILINE
_ID = r"(?:[A-Za-z]{1,4}[-/]?)?\d{3,}(?:[-/]\d+)*"
# A capitalised name (up to 7 words), an e-mail address or something in quotes: a person, role
# or company. Each starts where a word starts and is bounded: otherwise a pasted 40 KB token, or
# thousands of capitalised words in a row, is read to its end again from every position in it
# (seconds to minutes of filing time for one mail).
_NAME = (r"(?:(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\"“'][^\"”'\n]{2,60}[\"”']"
         r"|(?<![\w&'.-])[A-ZÅÄÖÉ][\w&'.-]*(?:[ \t]+(?:[A-ZÅÄÖÉ0-9][\w&'.-]*|&)){0,6})")
# What a value of each kind looks like; every shape is one (?P<value>...) group.
SHAPES = {
    "id": rf"(?P<value>(?<![\w+/.,]){_ID})(?![\w/]|[.,:]\d)"
          r"(?![ \t]*(?:kr|sek|eur|usd|nok|dkk|€|\$|:-|%|st|pcs|pieces|stycken)\b)",
    "ids": rf"(?P<value>(?<![\w+/.,]){_ID}(?:[ \t]*(?:,|;|and|och|&|/|\n)[ \t]*(?:[-*•][ \t]*)?{_ID})+)"
           r"(?![\w/]|[.,:]\d)",
    "number": r"(?P<value>(?<![\w+/.,])(?:[A-Za-z]{1,4}[-/]?)?\d+(?:[-/.]\d+)*)(?![\w/])",
    "code": r"(?P<value>(?-i:[A-Z]{1,3}\d{0,3})|\d{1,3})(?![\w-])",
    "rows": r"(?P<value>(?<![\w.,])\d{1,3}(?:[ \t]*(?:,|&|\+|/|and|och|to|till|-|–)[ \t]*\d{1,3})*)"
            r"(?!\d|[.:/,]\d)",
    "status": r"[\"“'«]?(?P<value>[^\W_][\w/-]*(?:[ \t][\w/-]+){0,3}?)[\"”'»]?(?=[ \t]*(?:[.,;!?)\"”'»]"
              r"|$|[ \t](?:and|but|och|men|since|sedan|for|för|when|när|after|efter|on|på)\b))",
    "name": rf"(?P<value>(?-i:{_NAME}(?:[ \t]*(?:,|and|och|&|/)[ \t]*{_NAME}){{0,9}}))",
    "text": r"(?P<value>[^\n]+)",
    "flag": r"(?P<value>\S+)",
}
# Kinds whose label in prose is followed by the value ("invoice ID 77120", "company Acme AB").
_PROSE_KINDS = frozenset({"id", "ids", "number", "code", "rows", "name"})
# A name follows its label closely ("approver Anna Lund"); never across a sentence end.
_NAME_CONNECT = r"[ \t]*[:=\-–]?[ \t]*"
# Words between a label and its value in prose: "invoice ID is 88213", "fakturan med nummer 12345".
_CONNECT = (r"(?:[ \t]*\(\w{1,3}\))?[\s:#=.\-–]*"
            r"(?:(?:is|are|är|was|var|with|med|number|nummer|nr|no|id|#)(?![\w])[\s:#=.\-–]*){0,3}")
# A form answer left blank: "Invoice ID: ____", "Faktura-ID: ...".
_BLANK = re.compile(r"^[\s_.\-–…?]*$")
_DATE = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}[/.]\d{1,2}[/.]\d{1,2}"
                   r"|\d{8})$")
# "rows 1 and 3", "rad 2 och 4", "1, 2": plain row numbers, stored as "1, 3".
_ROW_LIST = re.compile(r"(?i)(?:(?:coding|konterings)?\s*(?:rows?|lines?|rad|rader|raderna|raden)\s*)?"
                       r"\d{1,3}(?:\s*(?:,|&|\+|/|and|och)\s*\d{1,3})*")
_WORD = re.compile(r"[^\W\d_]{2,}")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|:(?=[ \t]*\n)|\n[ \t]*\n|\n(?=[^\n]*[\t|])|\t")
# Sentence openers that a capitalised-name pattern must not take for a name.
NOT_NAMES = frozenset("""
the this that it we i he she they our my your hi hello hey dear please can could would should
when if so but and also then thanks invoice invoices det den detta jag vi han hon de vår vårt
min mitt din hej kan om när så men och också sedan tack fakturan faktura fakturor
""".split())
# Inline images of a signature (Outlook's image001.png) are not invoices.
_SIGNATURE_IMAGE = re.compile(r"^image\d{3}\.\w+$", re.IGNORECASE)
# Labels our request mail uses for the case type question, answered like any form line.
CASE_TYPE_LABELS = ("case type", "type of case", "ärendetyp", "typ av ärende")


@dataclass(frozen=True)
class Source:
    """What the extractor reads from one mail."""

    new: str                                   # the customer's new text
    subject: str = ""                          # the subject, without Re:/SV: and [CASE-n]
    answers: dict[str, str] = field(default_factory=dict)   # filled form lines, by field key
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()    # tables: rows of cells
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Matchers:
    """The compiled regexes of one field, built once per FieldSpec."""

    labelled: re.Pattern[str]
    prose: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]
    shape: re.Pattern[str]


def label_regex(labels: Iterable[str]) -> str:
    """Labels as one alternation: spaces, dots and hyphens optional, "(s)" and "?" ignored."""
    out = []
    for label in labels:
        words = re.split(r"[\s.\-_]+", re.sub(r"\(\w{1,3}\)|\?", "", label.lower()).strip())
        out.append(r"[\s.\-_]*".join(re.escape(w) for w in words if w))
    return "|".join(sorted(set(out), key=len, reverse=True))


def labelled_regex(labels: Iterable[str]) -> re.Pattern[str]:
    """A "Label: value" line, maybe quoted, bulleted, numbered or *bold*."""
    return re.compile(
        r"^(?P<quote>(?:[ \t]*>)*)[ \t]*(?:[-*•·][ \t]+)?(?:\d{1,2}[.)][ \t]+)?\**"
        rf"(?P<label>{label_regex(labels)})(?:[ \t]*\(\w{{1,3}}\))?[ \t]*\??\**[ \t]*"
        r"(?:[:=]|[ \t][-–][ \t])\**[ \t]*(?P<value>.*?)[ \t]*$",
        _FLAGS,
    )


def expand(pattern: str) -> str:
    """A config pattern with its {kind} placeholders replaced by the value shapes."""
    for kind, shape in SHAPES.items():
        pattern = pattern.replace("{" + kind + "}", shape)
    return pattern


@lru_cache(maxsize=256)
def matchers(spec: FieldSpec) -> Matchers:
    """Compile a field's regexes once; FieldSpec is frozen, so it is its own cache key."""
    shape = SHAPES[spec.kind]
    prose = weak = None
    if spec.kind in _PROSE_KINDS:
        connect = _NAME_CONNECT if spec.kind == "name" else _CONNECT
        prose = re.compile(rf"(?<![\w-])(?:{label_regex(spec.all_labels())}){connect}{shape}", _FLAGS)
        if spec.prose:
            weak = re.compile(rf"(?<![\w-])(?:{label_regex(spec.prose)}){connect}{shape}", _FLAGS)
    return Matchers(
        labelled=labelled_regex((*spec.all_labels(), *spec.prose)),
        prose=prose, weak=weak,
        patterns=tuple(re.compile(expand(p), _FLAGS) for p in spec.patterns),
        shape=re.compile(shape, _FLAGS),
    )


@lru_cache(maxsize=64)
def form_of(specs: tuple[FieldSpec, ...]) -> tuple[dict[str, str], re.Pattern[str]]:
    """Form labels (both languages) -> field key, and the regex for form lines, built once."""
    by_label = {norm_label(x): s.key for s in specs for x in (s.label, s.label_sv)}
    by_label.update({norm_label(x): "case_type" for x in CASE_TYPE_LABELS})
    return by_label, labelled_regex(tuple(sorted(by_label)))


def norm_label(label: str) -> str:
    """A label as compared between the form and a customer's line."""
    return re.sub(r"[\s.\-_]+", " ", re.sub(r"\(\w{1,3}\)|\?|\*", "", label.lower())).strip()


def form_answers(reply: Reply, specs: Sequence[FieldSpec]) -> tuple[dict[str, str], frozenset[int]]:
    """Values typed into the quoted fill-in form, and the answer lines they used.

    Our request mails carry "Label: ____" lines. Quoted back, a line still blank is no value; a
    filled one is (also inside an Outlook quote without '>'), and so are the customer's own lines
    typed just below a '>'-quoted blank line.
    """
    by_label, regex = form_of(tuple(specs))
    answers: dict[str, str] = {}
    used: set[int] = set()
    lines = reply.lines
    for index, line in enumerate(lines):
        if not reply.is_history(index):
            continue
        match = regex.match(line)
        key = by_label.get(norm_label(match["label"])) if match else None
        if not match or key is None or key in answers:
            continue
        value = match["value"]
        if _BLANK.match(value):
            below = answer_below(lines, index) if is_quoted(line) else []
            used.update(below)
            value = " ".join(lines[i].strip() for i in below)
        if value and not _BLANK.match(value):
            answers[key] = value.strip()
    return answers, frozenset(used)


def answer_below(lines: Sequence[str], index: int) -> list[int]:
    """Unquoted lines typed right below a quoted form line (up to a blank or quoted line)."""
    found = []
    for i in range(index + 1, min(index + 6, len(lines))):
        if not lines[i].strip() or is_quoted(lines[i]):
            break
        found.append(i)
    return found


def extract(specs: Sequence[FieldSpec], source: Source) -> dict[str, str]:
    """Values of these fields found in the mail, as strings, keyed by field key."""
    out: dict[str, str] = {}
    for spec in specs:
        if spec.key in out:
            continue
        value = extract_one(spec, source)
        if value:
            out[spec.key] = value
    return out


def extract_one(spec: FieldSpec, source: Source) -> str | None:
    """One field: the first source that gives a plausible value, most explicit first."""
    if spec.kind == "ids":
        return item_list(spec, source)
    m = matchers(spec)
    # The subject goes last: "Invoice 88213 stuck" counts, but the body's own words come first.
    text = f"{source.new}\n\n{source.subject}" if source.subject else source.new
    steps = (
        lambda: labelled_value(spec, m, source.new),
        lambda: accept(spec, m, source.answers.get(spec.key, "")),
        lambda: table_value(spec, source.tables),
        lambda: prose_value(spec, m.prose, text),
        lambda: pattern_value(spec, m.patterns, text),
        lambda: prose_value(spec, m.weak, text),
        lambda: body_value(spec, source.new),
    )
    for step in steps:
        value = step()
        if value:
            return value
    return None


def labelled_value(spec: FieldSpec, m: Matchers, text: str) -> str | None:
    """The first "Label: value" line with a usable value; a blank one may continue below."""
    if "\n" not in text and ":" not in text and "=" not in text and "-" not in text:
        return None
    lines = text.split("\n")
    for match in m.labelled.finditer(text):
        value = match["value"]
        if _BLANK.match(value):
            index = text.count("\n", 0, match.start())
            value = " ".join(continuation(lines, index, m.labelled, many=spec.kind == "text"))
        found = accept(spec, m, value)
        if found:
            return found
    return None


def continuation(lines: list[str], index: int, labelled: re.Pattern[str], many: bool) -> list[str]:
    """The value written on the line(s) after an empty "Label:" line."""
    out = []
    for line in lines[index + 1 : index + (6 if many else 2)]:
        if not line.strip() or labelled.match(line):
            break
        out.append(line.strip())
    return out


def accept(spec: FieldSpec, m: Matchers, value: str) -> str | None:
    """A labelled or answered value made to fit the field's kind, or None when it does not."""
    value = value.strip().strip("*").strip()
    if not value or _BLANK.match(value):
        return None
    if spec.kind in ("id", "number", "code"):
        for found in m.shape.finditer(value):
            if plausible(spec.kind, found["value"]):
                return found["value"]
        return None
    if spec.kind == "flag":
        return "yes" if not re.match(r"(?i)(?:no|nej|not|inte|false)\b", value) else None
    value = re.sub(r"\s+", " ", value).strip(" .;,")
    if spec.kind == "text" and words(value) < min(2, spec.min_words):
        return None
    if spec.kind == "rows" and _ROW_LIST.fullmatch(value) and re.search(r"\d", value):
        return ", ".join(rows_numbers(value))
    return value[:1000] or None


def plausible(kind: str, value: str) -> bool:
    """Dates and bare years are not invoice or verification numbers."""
    if _DATE.match(value):
        return False
    return not (kind == "id" and re.fullmatch(r"(?:19|20)\d\d", value))


def prose_value(spec: FieldSpec, regex: re.Pattern[str] | None, text: str) -> str | None:
    """The first "label value" in running text ("invoice ID 77120", "company Acme AB")."""
    if regex is None:
        return None
    for match in regex.finditer(text):
        value = clean(spec, match["value"])
        if value:
            return value
    return None


def pattern_value(spec: FieldSpec, patterns: Sequence[re.Pattern[str]], text: str) -> str | None:
    """The earliest hit of the field's own patterns; text fields take the whole sentence."""
    best: tuple[int, str] | None = None
    for regex in patterns:
        for match in regex.finditer(text):
            if "value" in regex.groupindex and match["value"] is not None:
                value = clean(spec, match["value"])
            elif spec.kind != "text":
                value = clean(spec, match.group())
            else:
                value = clean(spec, sentence(text, match.start(), match.end()))
            if value:
                if best is None or match.start() < best[0]:
                    best = (match.start(), value)
                break
    return best[1] if best else None


def clean(spec: FieldSpec, value: str) -> str | None:
    """A value found in prose, trimmed and checked against its kind."""
    value = re.sub(r"\s+", " ", value).strip(" .,;:\"“”'«»")
    if spec.kind in ("id", "number", "code"):
        return value if plausible(spec.kind, value) else None
    if spec.kind == "flag":
        return "yes"
    if spec.kind == "name":
        return name_value(value)
    if spec.kind == "text":
        value = strip_greeting(value)
        return value[:1000] if words(value) >= max(spec.min_words, 1) else None
    if spec.kind == "rows" and re.search(r"\d", value):
        return ", ".join(rows_numbers(value)) if "-" not in value else value
    return value or None


def rows_numbers(value: str) -> list[str]:
    """Row numbers of "1 och 3" / "1, 2 and 4" / "2+3" as a list."""
    return re.findall(r"\d+", value)


def name_value(value: str) -> str | None:
    """A capitalised name without the sentence opener it may have caught ("The", "Jag")."""
    parts = value.split()
    while parts and parts[0].lower().strip(",.") in NOT_NAMES:
        parts.pop(0)
    value = " ".join(parts).strip(" .,;:")
    return value if len(value) > 1 else None


def sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match: from the last sentence end before it to the next one."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0 : after.end() if after else len(text)]


def body_value(spec: FieldSpec, text: str) -> str | None:
    """The whole new text as the description, for fields that take it (problem_description)."""
    if not spec.body:
        return None
    return clean(spec, text)


def words(text: str) -> int:
    """Words of at least two letters: "Hi", "help" and "?" do not make a description."""
    return len(_WORD.findall(text))


def table_value(spec: FieldSpec, tables: Sequence[tuple[tuple[str, ...], ...]]) -> str | None:
    """A table whose header row names the field's columns (a coding-rows table) as "a | b; c | d"."""
    if not spec.table_headers:
        return None
    heads = re.compile(rf"(?<!\w)(?:{label_regex(spec.table_headers)})", re.IGNORECASE)
    for table in tables:
        for at, row in enumerate(table[:-1]):
            if sum(1 for cell in row if heads.search(cell)) >= 2:
                body = [r for r in table[at + 1 :] if any(c.strip() for c in r)]
                if body:
                    return "; ".join(" | ".join(c.strip() for c in r) for r in body)[:1000]
    return None


def item_list(spec: FieldSpec, source: Source) -> str | None:
    """A list field: ids from labelled lines, "invoices 1, 2 and 3", bullet lists, and files."""
    m = matchers(spec)
    items: list[str] = []
    id_token = re.compile(SHAPES["id"], _FLAGS)
    for match in m.labelled.finditer(source.new):
        lines = source.new.split("\n")
        index = source.new.count("\n", 0, match.start())
        text = " ".join([match["value"], *continuation(lines, index, m.labelled, many=True)])
        items += [t["value"] for t in id_token.finditer(text) if plausible("id", t["value"])]
    if m.prose is not None:
        for match in m.prose.finditer(source.new):
            items += [t["value"] for t in id_token.finditer(match["value"])]
    items += listed_ids(source.new)
    if spec.key in source.answers:
        items += [t["value"] for t in id_token.finditer(source.answers[spec.key])]
    items += [a.filename.replace(",", " ") for a in source.attachments if counts(spec, a)]
    unique = list(dict.fromkeys(x.strip() for x in items if x.strip()))
    return ", ".join(unique) or None


def listed_ids(text: str) -> list[str]:
    """Ids written one per line (a bullet list), when at least two lines in a row are ids."""
    found: list[str] = []
    run: list[str] = []
    for line in text.split("\n") + [""]:
        hit = re.fullmatch(rf"[ \t]*(?:[-*•][ \t]*|\d{{1,2}}[.)][ \t]+)?({_ID})[ \t]*[,;.]?[ \t]*", line)
        if hit and plausible("id", hit[1]):
            run.append(hit[1])
            continue
        if len(run) >= 2:
            found += run
        run = []
    return found


def counts(spec: FieldSpec, attachment: Attachment) -> bool:
    """An attachment that is an invoice: a listed content type or file ending, not a logo."""
    if not spec.attachments or _SIGNATURE_IMAGE.match(attachment.filename):
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
        cells = tuple(c.strip() for c in re.split(r"\t|\|| {3,}", line.strip().strip("|")))
        if len([c for c in cells if c]) >= 2:
            run.append(cells)
            continue
        if len(run) >= 2:
            tables.append(tuple(run))
        run = []
    return tuple(tables)
