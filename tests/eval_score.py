"""Score the reading of a folder of mails against its expect.json: the blind evaluation (issue 14).

`make eval` scores tests/eval (aggregates only: nobody reads those mails), `make eval-dev` scores
tests/realmail and prints, per mail, what was expected and what was read. Every mail goes through
the real functions in-process: parse -> automatic? -> read_mail (quote stripping, type, fields,
attachments) -> the type's `missing`. The comparison rules per kind of field are in
docs/checklist.md ("The blind evaluation").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python tests/eval_score.py` as well as `python -m tests.eval_score`
    sys.path.insert(0, str(ROOT))

from core.casetypes import CaseType, parse_case_types  # noqa: E402
from core.settings import AutomaticSettings  # noqa: E402
from ingest.automatic import automatic_reason  # noqa: E402
from ingest.blocks import split_blocks  # noqa: E402
from ingest.classify import Reading, body_text, read_mail  # noqa: E402
from ingest.parse import parse  # noqa: E402

OWN_DOMAINS = ("support.example.com",)
# The auto-reply subjects and first lines filing holds by default ([automatic] subjects).
AUTO_SUBJECTS = AutomaticSettings().subjects
# An expected flag written as a no ("in_financial_system": "no"): nothing to read.
NO_FLAG = frozenset({"no", "nej", "false"})
# A text value counts when the read text holds this share of the expected phrase's words.
TEXT_OVERLAP = 0.6
# An error text or a name is a phrase taken nearly verbatim: most words, and not much more.
EXACT_OVERLAP = 0.8
ID_KINDS = frozenset({"id", "number", "code"})
LIST_KINDS = frozenset({"ids", "name"})
_WORD = re.compile(r"[^\W_]+")
# Words for an empty Transferred column: the writers normalise to "empty"/"tom", customers don't.
# The sender's own words for themself, as expected values of a person field.
SELF_WORDS = frozenset({"myself", "me", "i", "jag sjalv", "mig sjalv", "jag", "mig"})
# Facts the reader keeps for the checklist's own rules that the writers were never asked for
# (error_shown: an error was mentioned, so its text is required). Never judged as values.
READER_ONLY = frozenset({"error_shown"})
# Words compared texts leave out (see words_of).
KIND_WORDS = frozenset({"the", "role", "rollen", "roll", "user", "anvandaren",
                        "dr", "mr", "mrs", "ms", "miss", "prof"})  # a title: "Dr Paul Hewitt" is "Paul Hewitt"
EMPTY = frozenset({"empty", "blank", "tom", "tomt", "nothing", "ingenting", "inget", "none"})
# A yes or no in either language: a writer may translate the column's "Ja" to "Yes".
YES_NO = {"yes": "yes", "ja": "yes", "no": "no", "nej": "no"}
# Row words that stand for "every row" of a list of at least two.
ALL_ROWS = re.compile(r"(?i)\b(?:all|both|every|each|alla|båda|bada|samtliga)\b")
# Writers name rows as words too: "the second line", "andra raden", "rows 1 to 3", "rad 2-4".
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "forsta": 1, "andra": 2,
            "tredje": 3, "fjarde": 4, "femte": 5}
_ROW_RANGE = re.compile(r"(\d+)\s*(?:-|–|to|till)\s*(\d+)")
_ROW_CONTEXT = re.compile(r"(?i)\b(?:konto|account|cost\s+cent(?:re|er)|kostnadsstalle|kst|ansvar|projekt|project|"
                          r"moms|vat|momskod)\b[\s:]*[\w-]*\d[\d\s,.-]*|\d[\d\s,.]*\s*(?:kr|sek|%)")
_ONLY_ROW = re.compile(r"(?i)\b(?:only|single|one|enda|bara\s+en)\s+(?:coding\s+)?(?:row|line|rad|raden|konteringsrad\w*)\b")


@dataclass
class Tally:
    """Counts for one field: expected values, right, wrong (a different value), unexpected."""

    expected: int = 0
    right: int = 0
    wrong: int = 0
    unexpected: int = 0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        given = self.right + self.wrong + self.unexpected
        return self.right / given if given else 1.0


@dataclass
class Score:
    """Everything `make eval` prints, summed over a folder."""

    fields: dict[str, Tally] = field(default_factory=dict)
    types: dict[str, Counter[str]] = field(default_factory=dict)   # language -> right/total
    complete: Counter[str] = field(default_factory=Counter)
    automatic: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)   # (expected, read) types
    # Where missed values were: in the content the reader kept, only in the whole body, nowhere.
    misses: Counter[str] = field(default_factory=Counter)
    slowest: tuple[float, str] = (0.0, "")
    mails: int = 0

    def tally(self, key: str) -> Tally:
        return self.fields.setdefault(key, Tally())


@dataclass(frozen=True)
class Verdict:
    """One field of one mail: right, wrong, missed or unexpected, with both values."""

    key: str
    outcome: str
    expected: Any
    got: str | None


def fold(text: str) -> str:
    """Lowercase without accents: "Överförd" and "overford" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The folded words of a text, without the words that only say what kind of thing a name
    is ("the role Budgetansvarig", "rollen Budgetansvarig" and "Budgetansvarig" name one role)."""
    return [w for w in _WORD.findall(fold(text)) if w not in KIND_WORDS]


def norm_id(value: object) -> str:
    """An id as compared: folded, without spaces, '#' and surrounding punctuation."""
    return re.sub(r"[\s#]+", "", fold(str(value))).strip(".,;:()[]\"'")


def as_list(value: object) -> list[str]:
    """Expected list values may be written as a list or as one comma-separated string."""
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return [v for v in re.split(r"\s*(?:,|;|\band\b|\boch\b|&)\s*", str(value)) if v.strip()]


def overlap(expected: str, got: str) -> float:
    """Share of the expected phrase's words that the read text holds."""
    want = words_of(expected)
    have = set(words_of(got))
    return sum(1 for w in want if w in have) / len(want) if want else 0.0


def rows_of(value: str) -> set[str] | str:
    """Row numbers of a read coding_rows value; a table value gives its first cells; "both rows"
    stays a word for the caller to judge."""
    if ";" in value or "|" in value:
        first = [r.split("|")[0].strip() for r in value.split(";")]
        return {c for c in first if c.isdigit()} or {str(i + 1) for i in range(len(first))}
    rows = expected_rows(value)  # read as the writers' values are: "rows (1-3)" is rows 1, 2 and 3
    return rows if isinstance(rows, set) else value


def expected_rows(value: object) -> set[str] | str:
    """Row numbers of an expected coding_rows value as the writer wrote it: "rad 3 och 4",
    "rows 1 to 3", "the second line", [2, 4]; "both rows" / "alla rader" stays "all"."""
    text = fold(", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
    # Writers add what a row holds: "row 2 (cost centre 4410, account 5120)", "rad 1, konto 5460".
    text = _ROW_CONTEXT.sub(" ", text)
    rows: set[int] = set()
    for low, high in _ROW_RANGE.findall(text):
        rows.update(range(int(low), int(high) + 1))
    rows.update(int(n) for n in re.findall(r"\d+", _ROW_RANGE.sub(" ", text)))
    rows.update(n for word, n in ORDINALS.items() if re.search(rf"\b{word}\b", text))
    if rows:
        return {str(n) for n in rows}
    if _ONLY_ROW.search(text):
        return {"1"}  # "the only coding row"
    return "all" if ALL_ROWS.search(text) else text


def same_rows(expected: object, got: str) -> bool:
    """The same set of row numbers; "both"/"all" rows match any read list of two or more."""
    want, have = expected_rows(expected), rows_of(got)
    if isinstance(want, str):
        return want == "all" and (len(have) >= 2 if isinstance(have, set) else bool(ALL_ROWS.search(fold(have))))
    if isinstance(have, str):
        return bool(ALL_ROWS.search(fold(have))) and len(want) >= 2
    return {str(int(x)) for x in have} == want


def list_items(got: str) -> list[str]:
    # A slash between digits is part of an id ("7702/25"), elsewhere it separates ("Anna / Bo").
    return [x for x in re.split(r"\s*(?:,|;|\band\b|\boch\b|&|(?<!\d)/|/(?!\d))\s*", got) if x.strip()]


def item_matches(want: str, have: str, kind: str) -> bool:
    """One listed item: an id (maybe inside a file name), or a name/address."""
    if kind == "ids":
        w = norm_id(want)
        return w == norm_id(have) or w in re.findall(r"[\w-]+", fold(have)) or \
            re.search(rf"(?<![\d]){re.escape(w)}(?![\d])", fold(have)) is not None
    if fold(want.strip()) in SELF_WORDS and any(re.search(rf"\(\s*{re.escape(w)}\s*\)", fold(have).lower()) for w in SELF_WORDS):
        return True  # "Amelia Hart (myself)", "Per Ek (mig)": the reader names the sender, who wrote "myself"
    return overlap(want, have) >= EXACT_OVERLAP and overlap(have, want) >= 0.5


def compare_list(expected: object, got: str, kind: str) -> str:
    """right: every item read and nothing else; missed: some read, nothing extra; else wrong.
    A read value that is one expected item as written is that item: "El och värme" is one name."""
    want = as_list(expected)
    have = [got] if fold(got.strip()) in {fold(w.strip()) for w in want} else list_items(got)
    found = [w for w in want if any(item_matches(w, h, kind) for h in have)]
    extra = [h for h in have if not any(item_matches(w, h, kind) for w in want)]
    if extra:
        return "wrong"
    return "right" if len(found) == len(want) else "missed"


def compare_examples(expected: object, got: str, in_verification: object) -> str:
    """`invoice_examples` with or without the invoice still in Verification: the checklist counts
    `invoice_number` among the five (docs/checklist.md), and writers list it or leave it out."""
    outcome = compare_list(expected, got, "ids")
    if outcome == "right" or not in_verification:
        return outcome
    number = norm_id(in_verification)
    others = [x for x in as_list(expected) if norm_id(x) != number]
    extra = [x for x in as_list(expected) if norm_id(x) == number] or [str(in_verification)]
    for variant in (others, others + extra):
        if variant and compare_list(variant, got, "ids") == "right":
            return "right"
    return outcome


def compare(key: str, kind: str, expected: object, got: str) -> str:
    """right / wrong / missed for one expected value against the read value."""
    if isinstance(expected, bool):
        return "right" if expected else "wrong"
    if kind in ID_KINDS and isinstance(expected, list):
        # The writer lists every invoice the case is about: the one read must be one of them.
        return "right" if norm_id(got) in {norm_id(x) for x in expected} else "wrong"
    if kind in ID_KINDS:
        return "right" if norm_id(expected) == norm_id(got) else "wrong"
    if kind == "rows":
        return "right" if same_rows(expected, got) else "wrong"
    if kind in LIST_KINDS and (isinstance(expected, list) or key in ("users", "invoice_examples")):
        return compare_list(expected, got, "ids" if kind == "ids" else "name")
    if kind == "status":
        want, have = ([YES_NO.get(w, w) for w in words_of(x)] for x in (str(expected), got))
        if want and have and set(want) <= EMPTY and set(have) <= EMPTY:
            return "right"  # an empty column, in any words: "empty", "blank", "tom", "nothing"
        return "right" if want == have or (want and set(want) <= set(have) and len(have) <= 4) else "wrong"
    if kind == "text" and key != "error_message":
        return "right" if overlap(str(expected), got) >= TEXT_OVERLAP else "wrong"
    # error texts, company and concern names: nearly verbatim, not a whole paragraph around it
    near = overlap(str(expected), got) >= EXACT_OVERLAP and len(words_of(got)) <= 2 * len(words_of(str(expected))) + 3
    return "right" if near else "wrong"


def field_kinds(types: Iterable[CaseType]) -> dict[str, str]:
    return {f.key: f.kind for t in types for f in t.fields}


def judge(expect: dict[str, Any], reading: Reading, types: tuple[CaseType, ...]) -> list[Verdict]:
    """Every field of one mail: expected values against read ones, and values read unasked."""
    kinds = field_kinds(types)
    wanted = {k: v for k, v in (expect.get("fields") or {}).items()
              if v not in (None, "", [], False) and not (kinds.get(k) == "flag" and str(v).lower() in NO_FLAG)}
    verdicts = []
    for key, value in wanted.items():
        got = reading.fields.get(key)
        if key == "in_financial_system":
            outcome = "missed" if not got else "wrong" if got.lower() in NO_FLAG else "right"
        elif key == "invoice_examples" and got:
            outcome = compare_examples(value, got, (expect.get("fields") or {}).get("invoice_number"))
        else:
            outcome = compare(key, kinds.get(key, "text"), value, got) if got else "missed"
        verdicts.append(Verdict(key, outcome, value, got))
    by_key = {t.key: t for t in types}
    own = by_key.get(expect.get("case_type") or "")
    judged = {f.key for f in own.fields} if own else set()
    for key, got in reading.fields.items():
        if key in wanted or key in READER_ONLY or kinds.get(key) == "flag" and got.lower() in NO_FLAG:
            continue  # a flag read as "no" is what a writer's "no" or nothing says
        # Read but not expected: a wrong value if the expected type has that field (the writer lists
        # every fact the mail gives), or if the writer marks it missing.
        if key in judged or key in (expect.get("missing") or ()):
            verdicts.append(Verdict(key, "unexpected", None, got))
    return verdicts


@dataclass(frozen=True)
class Result:
    """One mail read: held or read, and how long reading took."""

    held: str | None
    reading: Reading | None
    missing: list[str]
    seconds: float
    body: str = ""
    content: str = ""


def where_missed(value: object, raw_text: str, content: str) -> str:
    """Was a missed value in the content the reader kept, only elsewhere in the mail, or nowhere?"""
    items = as_list(value) if isinstance(value, list) else [str(value)]
    def holds(text: str) -> bool:
        have = set(words_of(text))
        return all(all(w in have for w in words_of(i)) for i in items if words_of(i))
    if holds(content):
        return "in kept content"
    return "elsewhere in the mail" if holds(raw_text) else "not in the text"


def read_one(raw: bytes, types: tuple[CaseType, ...], known_type: str | None = None) -> Result:
    """The pipeline's pure steps on one mail."""
    start = time.process_time()
    mail = parse(raw)
    held = automatic_reason(mail, None, OWN_DOMAINS, AUTO_SUBJECTS)
    if held:
        return Result(held, None, [], time.process_time() - start)
    reading = read_mail(mail, types, known_type, OWN_DOMAINS)
    seconds = time.process_time() - start
    case_type = {t.key: t for t in types}.get(reading.case_type or "")
    missing = case_type.missing(reading.fields) if case_type else ["case_type"]
    body = body_text(mail)
    content = split_blocks(body, OWN_DOMAINS, sender=mail.from_name).content
    names = " ".join(a.filename for a in mail.attachments)
    return Result(None, reading, missing, seconds, f"{mail.subject}\n{body}\n{names}",
                  f"{mail.subject}\n{content}\n{names}")


def load_expectations(folder: Path) -> list[dict[str, Any]]:
    """expect.json as a list of entries (or a {file: entry} table, or expect.jsonl)."""
    path = folder / "expect.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            if all(isinstance(v, dict) for v in data.values()):
                return [{"file": k, **v} for k, v in data.items()]
            data = next(v for v in data.values() if isinstance(v, list))
        return list(data)
    jsonl = folder / "expect.jsonl"
    return [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_folder(folder: Path, types: tuple[CaseType, ...], show: bool) -> Score:
    """Read every listed mail of a folder and add it up; `show` prints each mail's differences."""
    total = Score()
    for expect in load_expectations(folder):
        raw = (folder / expect["file"]).read_bytes()
        # Read twice, time the second: the first mail of a run pays for compiling the vocabulary.
        read_one(raw, types, expect.get("known_type"))
        result = read_one(raw, types, expect.get("known_type"))
        total.mails += 1
        if result.seconds > total.slowest[0]:
            total.slowest = (result.seconds, expect["file"] if show else "")
        lines = score_mail(total, expect, result, types)
        if show and lines:
            print(f"--- {expect['file']} [{expect.get('language')}] {', '.join(expect.get('categories') or [])}")
            print("\n".join(f"    {line}" for line in lines))
    return total


def score_mail(total: Score, expect: dict[str, Any], result: Result, types: tuple[CaseType, ...]) -> list[str]:
    """Add one mail to the totals; the lines say what differed (printed only for the dev half)."""
    lines: list[str] = []
    if expect.get("automatic"):
        total.automatic["expected"] += 1
        total.automatic["held"] += result.held is not None
        if result.held is None:
            lines.append(f"auto-reply NOT held (read as {result.reading and result.reading.case_type})")
        return lines
    if result.held is not None:
        total.automatic["wrongly held"] += 1
        lines.append(f"held as automatic: {result.held}")
        return lines
    reading = result.reading
    assert reading is not None
    language = expect.get("language") or "?"
    counter = total.types.setdefault(language, Counter())
    counter["total"] += 1
    want_type = expect.get("case_type")
    if reading.case_type != want_type:
        total.confusion[(str(want_type), str(reading.case_type))] += 1
    if reading.case_type == want_type:
        counter["right"] += 1
    else:
        lines.append(f"type: expected {want_type}, read {reading.case_type} ({reading.reason})")
    content = result.content
    for verdict in judge(expect, reading, types):
        if verdict.outcome == "missed" and not isinstance(verdict.expected, bool):
            where = where_missed(verdict.expected, result.body, content)
            total.misses[where + (" (type wrong)" if reading.case_type != want_type else "")] += 1
        tally = total.tally(verdict.key)
        tally.expected += verdict.outcome != "unexpected"
        tally.right += verdict.outcome == "right"
        tally.wrong += verdict.outcome == "wrong"
        tally.unexpected += verdict.outcome == "unexpected"
        if verdict.outcome != "right":
            lines.append(f"{verdict.key}: {verdict.outcome}: expected {verdict.expected!r}, read {verdict.got!r}")
    lines += completeness(total, expect, reading, result.missing)
    return lines


def completeness(total: Score, expect: dict[str, Any], reading: Reading, missing: list[str]) -> list[str]:
    """Complete cases recognised; cases called complete that are not (a wrong type counts too)."""
    want_missing = list(expect.get("missing") or [])
    complete = expect.get("case_type") is not None and not want_missing
    called = not missing
    total.complete["complete"] += complete
    total.complete["recognised"] += complete and called and reading.case_type == expect.get("case_type")
    wrongly = called and (not complete or reading.case_type != expect.get("case_type"))
    total.complete["called complete wrongly"] += wrongly
    if complete and not called:
        return [f"complete, but read as missing {missing}"]
    if wrongly:
        return [f"called complete, but expected missing {want_missing}"]
    if expect.get("case_type") is not None and set(missing) != set(want_missing):
        return [f"missing: expected {sorted(want_missing)}, read {sorted(missing)}"]
    return []


def report(score: Score) -> str:
    """The aggregate table `make eval` prints (nothing that names a mail)."""
    out = [f"mails: {score.mails}", "", f"{'field':24} {'expected':>8} {'right':>6} {'wrong':>6} "
           f"{'unasked':>7} {'recall':>7} {'precision':>9}"]
    all_ = Tally()
    for key in sorted(score.fields):
        t = score.fields[key]
        for name in ("expected", "right", "wrong", "unexpected"):
            setattr(all_, name, getattr(all_, name) + getattr(t, name))
        out.append(f"{key:24} {t.expected:8} {t.right:6} {t.wrong:6} {t.unexpected:7} "
                   f"{t.recall:7.1%} {t.precision:9.1%}")
    out.append(f"{'ALL FIELDS':24} {all_.expected:8} {all_.right:6} {all_.wrong:6} {all_.unexpected:7} "
               f"{all_.recall:7.1%} {all_.precision:9.1%}")
    out.append("")
    for language in sorted(score.types):
        c = score.types[language]
        out.append(f"case type right, {language}: {c['right']}/{c['total']} = {c['right'] / max(c['total'], 1):.1%}")
    for (want, got), n in sorted(score.confusion.items()):
        out.append(f"  type {want} read as {got}: {n}")
    c = score.complete
    out.append(f"complete cases recognised as complete: {c['recognised']}/{c['complete']} = "
               f"{c['recognised'] / max(c['complete'], 1):.1%}")
    out.append(f"called complete while a required field is absent (or the type is wrong): "
               f"{c['called complete wrongly']}")
    out.append("missed values: " + ", ".join(f"{k} {n}" for k, n in sorted(score.misses.items())))
    a = score.automatic
    out.append(f"auto-replies held: {a['held']}/{a['expected']} = {a['held'] / max(a['expected'], 1):.1%}; "
               f"person mail held as automatic: {a['wrongly held']}")
    out.append(f"slowest mail to read (CPU): {score.slowest[0] * 1000:.1f} ms {score.slowest[1]}".rstrip())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("folder", nargs="?", type=Path, default=ROOT / "tests" / "eval")
    options.add_argument("--dev", action="store_true",
                         help="print each mail's differences (only for the development half)")
    args = options.parse_args(argv)
    if args.dev and args.folder.resolve() == (ROOT / "tests" / "eval").resolve():
        options.error("per-mail details of the evaluation half are never shown; score it without --dev")
    if not args.folder.exists() or not any(args.folder.glob("expect.json*")):
        print(f"no expect.json in {args.folder}", file=sys.stderr)
        return 66
    types = parse_case_types(None, "")
    print(report(score_folder(args.folder, types, args.dev)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
