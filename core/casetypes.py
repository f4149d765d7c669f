"""The case types and their checklists, as data read from config.toml [[case_types]].

Pydantic models like the settings (core/schema.py validates both and words the errors); the
value functions below keep this table's own wording ("x.fields.a.kind: 'blob' is not one of ...").
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, model_validator

from core.schema import FROZEN, ConfigError, Invalid, typed, validate

DEFAULTS = Path(__file__).with_name("case_types.toml")

# What a field's value looks like; ingest/checklist.py holds the matching grammar for each kind.
KINDS = ("id", "ids", "number", "code", "rows", "status", "name", "text", "flag")
# Placeholders a field pattern may use for "a value of this kind" (each is a (?P<value>...) group).
PLACEHOLDERS = tuple("{" + kind + "}" for kind in KINDS)
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# The checklist entry of a case whose type is not known yet: asked for like a missing field.
UNKNOWN_TYPE = "case_type"
# Reserved key in a case's fields: values read below the threshold, by field key, for the fields
# still missing. The request mail shows each ("we read 4471-22 in your mail") and a "yes" on its
# line makes it the field's value (docs/checklist.md, "Candidates").
UNSURE = "_unsure"


# A value as a mail or page shows it: one line, at most this long.
MAX_SHOWN = 160


def shown_value(value: object) -> str:
    """A stored value as one short line: how mails and pages show it, and how a "yes" to a value
    our mail showed is matched back to the value."""
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1].rstrip() + "…"


def with_guess(label: str, guesses: dict[str, str], key: str) -> str:
    """A missing field's label with the value read to confirm: "Invoice ID (4471-22?)"."""
    return f"{label} ({shown_value(guesses[key])}?)" if guesses.get(key) else label


def facts_of(fields: dict[str, Any] | None) -> dict[str, Any]:
    """A case's field values without the reserved UNSURE entry."""
    return {k: v for k, v in (fields or {}).items() if k != UNSURE}


def to_confirm(fields: dict[str, Any] | None) -> dict[str, str]:
    """The values a case shows the customer to confirm ({} when none): `fields[UNSURE]`."""
    shown = (fields or {}).get(UNSURE)
    return {str(k): str(v) for k, v in shown.items() if v} if isinstance(shown, dict) else {}


# -- value functions: the TOML value (or the typed value) -> typed value, or ValueError -------------

def label(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def optional_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a non-empty string")
    return value


def type_key(value: object) -> str:
    if not _KEY.match(label(value)):
        raise ValueError("use lowercase letters, digits and _")
    return str(value)


def strings(value: object) -> tuple[str, ...]:
    """A list of strings (absent = empty)."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def number(value: object) -> int:
    """A non-negative integer (absent = 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a whole number >= 0")
    return int(value)


def kind(value: object) -> str:
    if value not in KINDS:
        raise ValueError(f"{value!r} is not one of {', '.join(KINDS)}")
    return str(value)


def check_regex(pattern: str) -> str:
    """Compile a pattern with its placeholders filled in, to refuse a broken one at start-up."""
    probe = pattern
    for placeholder in PLACEHOLDERS:
        probe = probe.replace(placeholder, "(?P<value>x)")
    try:
        re.compile(probe)
    except re.error as exc:
        raise ValueError(f"not a valid regex: {exc}: {pattern!r}") from None
    return pattern


def patterns(value: object) -> tuple[str, ...]:
    return tuple(check_regex(p) for p in strings(value))


def pattern(value: object) -> str:
    return check_regex(optional_text(value)) if value else optional_text(value)


def one_and_many(value: object) -> tuple[str, ...]:
    """["1 more invoice example", "{n} more invoice examples"]: the singular and plural wording."""
    found = strings(value)
    if found and (len(found) != 2 or "{n}" not in found[1]):
        raise ValueError('expected ["one ...", "{n} ..."] (singular, then plural with {n})')
    return found


def keyword_weights(value: object) -> tuple[tuple[str, int], ...]:
    """keywords = { "coding row" = 4, ... }: phrase -> positive integer weight."""
    if isinstance(value, tuple):
        return value
    if not isinstance(value, dict):
        raise ValueError('expected a table of "phrase" = weight')
    for phrase, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise Invalid(phrase, "weight must be a positive integer")
    return tuple((phrase.lower(), weight) for phrase, weight in value.items())


def conditions(value: object) -> Any:
    """required_when: one {field, matches?} table or a list of them."""
    value = [value] if isinstance(value, dict) else value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (dict, Condition)) for v in value):
        raise ValueError("expected a list of { field = ..., matches = ... } tables")
    return value


def field_tables(value: object) -> Any:
    if not isinstance(value, (list, tuple)):
        raise ValueError("expected a list of tables")
    return value


def swedish_label(data: object) -> object:
    """Without label_sv, the Swedish label is the English one."""
    if isinstance(data, dict) and "label_sv" not in data and isinstance(data.get("label"), str):
        return {**data, "label_sv": data["label"]}
    return data


Label = Annotated[str, typed(label)]
Text = Annotated[str, typed(optional_text)]
Strings = Annotated[tuple[str, ...], typed(strings)]
Flag = Annotated[bool, typed(flag)]
Number = Annotated[int, typed(number)]
Kind = Annotated[str, typed(kind)]
Patterns = Annotated[tuple[str, ...], typed(patterns)]
Pattern = Annotated[str, typed(pattern)]
OneAndMany = Annotated[tuple[str, ...], typed(one_and_many)]



class Condition(BaseModel):
    """`field` has a value (matching `matches`, a case-insensitive regex, when given), and field
    `unless` has no value matching `unless_matches` ("Transferred: Yes", unless the customer says
    the invoice is not in the ERP)."""

    model_config = FROZEN
    TOML_KEYS: ClassVar[tuple[str, ...]] = ("field", "matches", "unless", "unless_matches")

    field: Label = Field("", validate_default=True)
    matches: Pattern = ""
    unless: Text = ""
    unless_matches: Pattern = ""

    def holds(self, values: dict[str, str]) -> bool:
        """True when the merged values satisfy this condition."""
        value = values.get(self.field)
        if not value or self.matches and compiled(self.matches).search(value) is None:
            return False
        other = values.get(self.unless, "") if self.unless else ""
        return not other or bool(self.unless_matches) and compiled(self.unless_matches).search(other) is None


class FieldSpec(BaseModel):
    """One checklist field: a fixed key, labels in both languages, whether it must be given.

    The rest says how to find it in a mail (see docs/checklist.md): `labels` are label variants for
    "Label: value" lines and for "label 12345" in prose; `prose` are weaker words used in prose only
    ("invoice 12345"); `patterns` are regexes with a `value` group or a `{kind}` placeholder.
    """

    model_config = FROZEN

    key: Label = Field("", validate_default=True)
    label: Label = Field("", validate_default=True)
    label_sv: Text = ""
    required: Flag = True
    kind: Kind = "text"
    labels: Strings = ()
    prose: Strings = ()
    # Labels read only as "Label: value" lines, never in prose: "Name: Aaron Mitchell" among a new
    # starter's details is one of the persons, not the list (the prose around it may name more).
    line_labels: Strings = ()
    patterns: Patterns = ()
    # Free text only counts with at least this many words: "Hi" or "help" is not a description.
    min_words: Number = 0
    # Lists ("ids") only count with this many distinct items, optionally counting other fields too.
    min_items: Number = 0
    count_with: Strings = ()
    # Attachments whose content type starts with one of these count as items of an "ids" field.
    attachments: Strings = ()
    # Column headers that make a table (HTML or tab-separated) a value of this field.
    table_headers: Strings = ()
    # Without a pattern hit, the mail's description itself is the value (problem descriptions).
    body: Flag = False
    # A flag that is "yes" when the mail gives any of these fields and says nothing of the flag
    # itself: "Fortnox: ver 812, serie A" says the invoice is in the financial system.
    implied_by: Strings = ()
    # Required also when any of these holds: "ask if it applies" made explicit.
    required_when: Annotated[tuple[Condition, ...], BeforeValidator(conditions)] = ()
    # Where the customer finds the value ("in the General section of the invoice"): our request
    # mails print it under the field's fill-in line, so the ask says where to look, not only what.
    hint: Text = ""
    hint_sv: Text = ""
    # For a list with min_items: how to say what remains, as (one, many) with {n} for the count
    # ("1 more invoice example", "{n} more invoice examples").
    more: OneAndMany = ()
    more_sv: OneAndMany = ()
    # A list of names: every value the labels and patterns find counts ("went to Anna Berg but
    # should go to Lars Ek" gives both users), not only the first.
    many: Flag = False

    @model_validator(mode="before")
    @classmethod
    def _swedish_label(cls, data: object) -> object:
        return swedish_label(data)

    @property
    def confirmable(self) -> bool:
        """A value read below the threshold may be shown to the customer and confirmed with a
        "yes"; not a status's or a flag's, whose "Yes" is a value ("Transferred: Yes")."""
        return self.kind not in ("status", "flag")

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


class CaseType(BaseModel):
    """One of the vendor's case types with the fields support needs for it.

    `names` are explicit type names (a subject naming one wins); `keywords` are weighted words
    that point at the type in a body. A trailing `*` in either matches any word ending.
    """

    model_config = FROZEN

    key: Annotated[str, typed(type_key)] = Field("", validate_default=True)
    label: Label = Field("", validate_default=True)
    label_sv: Text = ""
    fields: Annotated[tuple[FieldSpec, ...], BeforeValidator(field_tables)] = ()
    names: Strings = ()
    keywords: Annotated[tuple[tuple[str, int], ...], typed(keyword_weights)] = ()

    @model_validator(mode="before")
    @classmethod
    def _swedish_label(cls, data: object) -> object:
        return swedish_label(data)

    @model_validator(mode="after")
    def fields_agree(self) -> CaseType:
        """Each field key once; a condition names a field of this type."""
        seen = [spec.key for spec in self.fields]
        for spec in self.fields:
            if seen.count(spec.key) > 1:
                raise Invalid(f"fields.{spec.key}", "defined twice")
            for cond in spec.required_when:
                if cond.unless_matches and not cond.unless:
                    raise Invalid(f"fields.{spec.key}.required_when", "unless_matches needs unless (the field it reads)")
                for named in filter(None, (cond.field, cond.unless)):
                    if named not in seen:
                        raise Invalid(f"fields.{spec.key}.required_when", f"no field {named!r}")
            if spec.implied_by and spec.kind != "flag":
                raise Invalid(f"fields.{spec.key}.implied_by", "only a flag is implied by other fields")
            for named in spec.implied_by:
                if named not in seen:
                    raise Invalid(f"fields.{spec.key}.implied_by", f"no field {named!r}")
        return self

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


@lru_cache(maxsize=32)
def packaged_patterns(table: str, key: str) -> tuple[str, ...]:
    """Patterns or words of a table only case_types.toml has ([auto_reply], [closing], [not_a_case],
    [other_numbers], [erp], [speller]): reading's own vocabulary, kept as data beside the case types."""
    found = tomllib.loads(DEFAULTS.read_text(encoding="utf-8")).get(table, {})
    return tuple(found.get(key, ()))


def packaged_alternation(table: str, key: str) -> str:
    """The patterns of table.key as one regex alternation. An empty list matches nothing: an
    empty alternation would match everywhere."""
    return "|".join(f"(?:{p})" for p in packaged_patterns(table, key)) or "(?!)"


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


def parse_case_types(raw: object, where: str) -> tuple[CaseType, ...]:
    """Validate [[case_types]]; None means the packaged defaults. Raises ConfigError naming the key."""
    if raw is None:
        raw = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))["case_types"]
        where = str(DEFAULTS)
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where} [case_types]: expected one or more [[case_types]] tables")
    types = validate(CaseTypes, raw, f"{where} [case_types]", locate).root
    keys = [t.key for t in types]
    for key in keys:
        if keys.count(key) > 1:
            raise ConfigError(f"{where} [case_types] {key}.key: defined twice")
    return types


class CaseTypes(RootModel[tuple[CaseType, ...]]):
    """[[case_types]] as a whole: what `validate` runs."""

    model_config = ConfigDict(frozen=True)


def locate(loc: tuple[int | str, ...], raw: object) -> str:
    """(2, "fields", 0, "kind") -> "coding.fields.invoice_id.kind": a type or a field by its key
    ("#n" while the key is missing), other list positions left out."""
    parts: list[str] = []
    node, previous = raw, None
    for step in loc:
        if isinstance(step, int):
            node = node[step] if isinstance(node, (list, tuple)) and step < len(node) else None
            key = node.get("key") if isinstance(node, dict) else None
            name = key if isinstance(key, str) and key.strip() else None
            if previous is None:
                parts.append(name or f"#{step + 1}")
            elif previous == "fields":
                parts[-1] = f"fields.{name}" if name else f"fields #{step + 1}"
        else:
            parts.append(step)
            node = node.get(step) if isinstance(node, dict) else None
        previous = step
    return ".".join(parts)
