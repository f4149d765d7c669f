"""The case types and their checklists, as data read from config.toml [[case_types]]."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULTS = Path(__file__).with_name("case_types.toml")

# What a field's value looks like; ingest/checklist.py holds the matching grammar for each kind.
KINDS = ("id", "ids", "number", "code", "rows", "status", "name", "text", "flag")
# Placeholders a field pattern may use for "a value of this kind" (each is a (?P<value>...) group).
PLACEHOLDERS = tuple("{" + kind + "}" for kind in KINDS)
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Condition:
    """`field` has a value (matching `matches`, a case-insensitive regex, when given)."""

    field: str
    matches: str = ""

    def holds(self, values: dict[str, str]) -> bool:
        """True when the merged values satisfy this condition."""
        value = values.get(self.field)
        if not value:
            return False
        return not self.matches or compiled(self.matches).search(value) is not None


@dataclass(frozen=True)
class FieldSpec:
    """One checklist field: a fixed key, labels in both languages, whether it must be given.

    The rest says how to find it in a mail (see docs/checklist.md): `labels` are label variants for
    "Label: value" lines and for "label 12345" in prose; `prose` are weaker words used in prose only
    ("invoice 12345"); `patterns` are regexes with a `value` group or a `{kind}` placeholder.
    """

    key: str
    label: str
    label_sv: str
    required: bool = True
    kind: str = "text"
    labels: tuple[str, ...] = ()
    prose: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    # Free text only counts with at least this many words: "Hi" or "help" is not a description.
    min_words: int = 0
    # Lists ("ids") only count with this many distinct items, optionally counting other fields too.
    min_items: int = 0
    count_with: tuple[str, ...] = ()
    # Attachments whose content type starts with one of these count as items of an "ids" field.
    attachments: tuple[str, ...] = ()
    # Column headers that make a table (HTML or tab-separated) a value of this field.
    table_headers: tuple[str, ...] = ()
    # Without a pattern hit, the mail's description itself is the value (problem descriptions).
    body: bool = False
    # Required also when any of these holds: "ask if it applies" made explicit.
    required_when: tuple[Condition, ...] = ()
    # Where the customer finds the value ("in the General section of the invoice"): our request
    # mails print it under the field's fill-in line, so the ask says where to look, not only what.
    hint: str = ""
    hint_sv: str = ""
    # For a list with min_items: how to say what remains, as (one, many) with {n} for the count
    # ("1 more invoice example", "{n} more invoice examples").
    more: tuple[str, ...] = ()
    more_sv: tuple[str, ...] = ()
    # A list of names: every value the labels and patterns find counts ("went to Anna Berg but
    # should go to Lars Ek" gives both users), not only the first.
    many: bool = False

    def all_labels(self) -> tuple[str, ...]:
        """The English and Swedish labels plus their variants, without duplicates."""
        return tuple(dict.fromkeys(x.lower() for x in (self.label, self.label_sv, *self.labels)))

    def is_required(self, values: dict[str, str]) -> bool:
        """Required by the checklist, or because a `required_when` condition holds."""
        return self.required or any(c.holds(values) for c in self.required_when)

    def is_given(self, values: dict[str, str]) -> bool:
        """Has a value, and enough items when the field is a list with a minimum."""
        value = values.get(self.key)
        if not value:
            return False
        if not self.min_items:
            return True
        items = {*split_items(value)}
        for other in self.count_with:
            items.update(split_items(values.get(other, "")))
        return len(items) >= self.min_items


@dataclass(frozen=True)
class CaseType:
    """One of the vendor's case types with the fields support needs for it.

    `names` are explicit type names (a subject naming one wins); `keywords` are weighted words
    that point at the type in a body. A trailing `*` in either matches any word ending.
    """

    key: str
    label: str
    label_sv: str
    fields: tuple[FieldSpec, ...] = ()
    names: tuple[str, ...] = ()
    keywords: tuple[tuple[str, int], ...] = ()

    def missing(self, values: dict[str, str]) -> list[str]:
        """Required fields that have no value yet, in checklist order."""
        return [f.key for f in self.fields if f.is_required(values) and not f.is_given(values)]

    def merge(self, old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
        """A mail's values over the case's: a later value wins, but list fields ("ids") add up,
        so invoice examples sent over two replies all count."""
        merged = {**old, **new}
        for spec in self.fields:
            if spec.kind == "ids" and old.get(spec.key) and new.get(spec.key):
                first: dict[str, str] = {}
                for item in f"{old[spec.key]},{new[spec.key]}".split(","):
                    if item.strip():
                        first.setdefault(item.strip().lower(), item.strip())
                merged[spec.key] = ", ".join(first.values())
        return merged

    def all_names(self) -> tuple[str, ...]:
        """Both labels plus the configured names, lowercased, without duplicates."""
        return tuple(dict.fromkeys(x.lower() for x in (self.label, self.label_sv, *self.names)))

    def field(self, key: str) -> FieldSpec | None:
        """The field with this key, if the type has one."""
        return next((f for f in self.fields if f.key == key), None)


@lru_cache(maxsize=1)
def auto_reply_markers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The packaged [auto_reply] subject and first-line patterns (English and Swedish)."""
    table = tomllib.loads(DEFAULTS.read_text(encoding="utf-8")).get("auto_reply", {})
    return tuple(table.get("subjects", ())), tuple(table.get("first_lines", ()))


def case_type_of(case_types: tuple[CaseType, ...], key: str | None) -> CaseType | None:
    """The configured case type with this key (None for no type, or one no longer configured)."""
    return next((t for t in case_types if t.key == key), None)


def split_items(value: str) -> list[str]:
    """Items of a list value as stored by the extractor: comma-separated."""
    return [item.strip().lower() for item in value.split(",") if item.strip()]


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """A case-insensitive compiled regex, compiled once per process."""
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


def parse_case_types(raw: Any, where: str) -> tuple[CaseType, ...]:
    """Validate [[case_types]]; None means the packaged defaults. Raises ValueError naming the key."""
    if raw is None:
        raw = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))["case_types"]
        where = str(DEFAULTS)
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where} [case_types]: expected one or more [[case_types]] tables")
    types = tuple(case_type(t, f"{where} [case_types]", i) for i, t in enumerate(raw))
    keys = [t.key for t in types]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"{where} [case_types] {key}.key: defined twice")
    return types


def case_type(table: Any, where: str, index: int) -> CaseType:
    """One [[case_types]] table -> CaseType."""
    if not isinstance(table, dict):
        raise ValueError(f"{where} #{index + 1}: expected a table")
    key = text(table, "key", f"{where} #{index + 1}")
    if not _KEY.match(key):
        raise ValueError(f"{where} {key}.key: use lowercase letters, digits and _")
    at = f"{where} {key}"
    known = {"key", "label", "label_sv", "names", "keywords", "fields"}
    unknown_keys(table, known, at)
    fields = table.get("fields", [])
    if not isinstance(fields, list):
        raise ValueError(f"{at}.fields: expected a list of tables")
    specs = tuple(field_spec(f, at, i) for i, f in enumerate(fields))
    seen = [s.key for s in specs]
    for spec in specs:
        if seen.count(spec.key) > 1:
            raise ValueError(f"{at}.fields.{spec.key}: defined twice")
        for cond in spec.required_when:
            if cond.field not in seen:
                raise ValueError(f"{at}.fields.{spec.key}.required_when: no field {cond.field!r}")
    label = text(table, "label", at)
    return CaseType(
        key=key, label=label, label_sv=text(table, "label_sv", at, label), fields=specs,
        names=strings(table, "names", at), keywords=keywords(table.get("keywords", {}), at),
    )


def field_spec(table: Any, at: str, index: int) -> FieldSpec:
    """One field table of a case type -> FieldSpec, every regex compiled once to check it."""
    if not isinstance(table, dict):
        raise ValueError(f"{at}.fields #{index + 1}: expected a table")
    key = text(table, "key", f"{at}.fields #{index + 1}")
    where = f"{at}.fields.{key}"
    unknown_keys(table, set(FieldSpec.__dataclass_fields__), where)
    kind = text(table, "kind", where, "text")
    if kind not in KINDS:
        raise ValueError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
    patterns = strings(table, "patterns", where)
    for pattern in patterns:
        check_regex(pattern, f"{where}.patterns")
    label = text(table, "label", where)
    return FieldSpec(
        key=key, label=label, label_sv=text(table, "label_sv", where, label),
        required=flag(table, "required", where, True), kind=kind,
        labels=strings(table, "labels", where), prose=strings(table, "prose", where),
        patterns=patterns, min_words=number(table, "min_words", where),
        min_items=number(table, "min_items", where), count_with=strings(table, "count_with", where),
        attachments=strings(table, "attachments", where),
        table_headers=strings(table, "table_headers", where), body=flag(table, "body", where, False),
        required_when=conditions(table.get("required_when", []), f"{where}.required_when"),
        hint=text(table, "hint", where, ""), hint_sv=text(table, "hint_sv", where, ""),
        more=one_and_many(table, "more", where), more_sv=one_and_many(table, "more_sv", where),
        many=flag(table, "many", where, False),
    )


def one_and_many(table: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    """["1 more invoice example", "{n} more invoice examples"]: the singular and plural wording."""
    value = strings(table, name, where)
    if value and (len(value) != 2 or "{n}" not in value[1]):
        raise ValueError(f'{where}.{name}: expected ["one ...", "{{n}} ..."] (singular, then plural with {{n}})')
    return value


def check_regex(pattern: str, where: str) -> None:
    """Compile a pattern with its placeholders filled in; a one-line error names the key."""
    probe = pattern
    for placeholder in PLACEHOLDERS:
        probe = probe.replace(placeholder, "(?P<value>x)")
    try:
        re.compile(probe)
    except re.error as exc:
        raise ValueError(f"{where}: not a valid regex: {exc}: {pattern!r}") from None


def conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    """required_when: a list of {field, matches?} tables; any one holding makes the field required."""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of {{ field = ..., matches = ... }} tables")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a list of {{ field = ..., matches = ... }} tables")
        unknown_keys(item, {"field", "matches"}, where)
        cond = Condition(text(item, "field", where), text(item, "matches", where, ""))
        if cond.matches:
            check_regex(cond.matches, f"{where}.matches")
        out.append(cond)
    return tuple(out)


def keywords(raw: Any, where: str) -> tuple[tuple[str, int], ...]:
    """keywords = { "coding row" = 4, ... }: phrase -> positive integer weight."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}.keywords: expected a table of \"phrase\" = weight")
    for phrase, weight in raw.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise ValueError(f"{where}.keywords.{phrase}: weight must be a positive integer")
    return tuple((phrase.lower(), weight) for phrase, weight in raw.items())


def unknown_keys(table: dict[str, Any], known: set[str], where: str) -> None:
    """Typos in config must not pass silently."""
    for name in table:
        if name not in known:
            raise ValueError(f"{where}.{name}: unknown key (known: {', '.join(sorted(known))})")


def text(table: dict[str, Any], name: str, where: str, default: str | None = None) -> str:
    """A required (or defaulted) string value."""
    value = table.get(name, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ValueError(f"{where}.{name}: expected a non-empty string")
    return value


def strings(table: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    """A list of strings (absent = empty)."""
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where}.{name}: expected a list of strings")
    return tuple(value)


def flag(table: dict[str, Any], name: str, where: str, default: bool) -> bool:
    """A boolean value."""
    value = table.get(name, default)
    if not isinstance(value, bool):
        raise ValueError(f"{where}.{name}: expected true or false")
    return value


def number(table: dict[str, Any], name: str, where: str) -> int:
    """A non-negative integer (absent = 0)."""
    value = table.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}.{name}: expected a whole number >= 0")
    return value
