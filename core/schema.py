"""The value types of config.toml and the one validator that turns a mistake into one line.

Settings (core/settings.py) and case types (core/casetypes.py) are pydantic models, frozen and
with `extra="forbid"`, whose fields are these types. Each type is a plain function from the TOML
value to the typed value that raises ValueError with the operator's wording ("expected a
duration like ..."), wrapped as a pydantic `PlainValidator`, so pydantic's own lax coercion
("yes" -> True, 1 -> 1 second) never applies. Each function also accepts its already-typed value,
so code and tests build models from Python values. `validate` runs a model over TOML data and
raises ConfigError with `where`, the path to the key (named by the caller's `locate`) and the
message: the same line whichever model failed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic_core import ErrorDetails


class ConfigError(ValueError):
    """A config problem, worded for the operator: file, table, key and what is wrong."""


class Invalid(ValueError):
    """A check across keys of one table, blamed on `key` ("tls_key: tls_cert and tls_key go together")."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key


# Every model of the config: immutable, and a key nobody knows is an error, not a silent default.
FROZEN = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, arbitrary_types_allowed=True)

Model = TypeVar("Model", bound=BaseModel)
# Names one error's location for the message, e.g. ("web", "secret") -> "[web] secret".
Locate = Callable[[tuple[int | str, ...], Any], str]


def validate(model: type[Model], data: Any, where: str, locate: Locate) -> Model:
    """`model` from TOML `data`, or ConfigError "<where> <location>: <message>" (one line)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc, cause = tuple(error["loc"]), (error.get("ctx") or {}).get("error")
        if isinstance(cause, Invalid):
            loc += (cause.key,)
        raise ConfigError(f"{where} {locate(loc, data)}: {message(error, model)}") from None


def message(error: ErrorDetails, model: type[BaseModel]) -> str:
    """Our wording: the ValueError a value function raised, or one for pydantic's own checks."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, Exception):
        return str(cause)
    if error["type"] == "extra_forbidden":
        table = owner(model, tuple(error["loc"][:-1]))
        return f"unknown {getattr(table, 'TOML_NOUN', 'key')} (known: {', '.join(known_keys(table))})"
    if error["type"] == "missing":
        return "required"
    if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "expected a table"
    return error["msg"]


def owner(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose field `loc` points into (list positions skipped)."""
    for step in ("root", *loc) if "root" in model.model_fields else loc:
        if isinstance(step, str) and by_alias(model, step) in model.model_fields:
            model = inner_model(model.model_fields[by_alias(model, step)].annotation) or model
    return model


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as `tuple[FieldSpec, ...]`, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(inner_model, getattr(annotation, "__args__", ()))), None)


def by_alias(model: type[BaseModel], key: str) -> str:
    """The attribute a TOML key sets (`from` sets `from_`)."""
    return next((name for name, info in model.model_fields.items() if (info.alias or name) == key), key)


def known_keys(model: type[BaseModel]) -> list[str]:
    """The TOML keys of a model: its own list, else its keys in alphabetical order."""
    keys = getattr(model, "TOML_KEYS", None)
    return list(keys) if keys is not None else sorted(info.alias or name for name, info in model.model_fields.items())


def typed(parse: Callable[[Any], Any]) -> PlainValidator:
    """A field validator that is exactly `parse`."""
    return PlainValidator(parse)


# -- value functions: TOML value (or the typed value) -> typed value, or ValueError ------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3}


def duration(value: object) -> timedelta:
    """'90s', '5m', '2h', '2d' (also '250ms') -> timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a duration like \"90s\", \"5m\", \"2h\" or \"2d\", got {value!r}")
    return timedelta(seconds=float(match[1]) * _DURATION_UNITS[match[2]])


def positive_duration(value: object) -> timedelta:
    """A duration above zero."""
    if not duration(value):
        raise ValueError(f"expected a duration above zero, got {value!r}")
    return duration(value)


def size(value: object) -> int:
    """'512KB', '25MB' -> bytes (decimal units, as MTAs count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a size like \"512KB\" or \"25MB\", got {value!r}")
    return int(float(match[1]) * _SIZE_UNITS[(match[2] or "B").upper()])


def text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def nonempty_text(value: object) -> str:
    if not text(value).strip():
        raise ValueError("must not be empty")
    return str(value)


def count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return int(value)


def port(value: object) -> int:
    number = count(value)
    if number > 65535:
        raise ValueError(f"expected a port number, got {value!r}")
    return number


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def strings(value: object) -> tuple[str, ...]:
    """A list of non-empty strings, as written."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def lower_list(value: object) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in strings(value))


def phrases(value: object) -> tuple[str, ...]:
    """A list of phrases, compared case-folded."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(" ".join(v.casefold().split()) for v in value)


def networks(value: object) -> tuple[str, ...]:
    """A list of IP addresses or networks ("10.0.0.0/8"); [] allows nobody."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of addresses or networks, got {value!r}")
    for item in value:
        try:
            ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise ValueError(f"expected an address or network like \"10.0.0.0/8\", got {item!r}") from None
    return tuple(v.strip() for v in value)


def address_list(value: object) -> tuple[str, ...]:
    """A list of plain mail addresses, lowercased; [] is allowed (the feature is off)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list of addresses, got {value!r}")
    found = []
    for item in value:
        plain = parseaddr(item)[1] if isinstance(item, str) else ""
        if not plain or plain != item.strip() or plain.count("@") != 1:
            raise ValueError(f"expected plain addresses like \"team@example.com\", got {item!r}")
        found.append(plain.lower())
    return tuple(found)


def one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
        return str(value)

    return check


def subset_of(choices: Sequence[str]) -> Callable[[Any], tuple[str, ...]]:
    """A list whose items are each one of `choices` (duplicates dropped, order kept)."""
    def check(value: object) -> tuple[str, ...]:
        if not isinstance(value, (list, tuple)) or not all(v in choices for v in value):
            raise ValueError(f"expected a list of {', '.join(map(repr, choices))}, got {value!r}")
        return tuple(dict.fromkeys(value))

    return check


def mailbox(value: object) -> str:
    if "@" not in parseaddr(text(value))[1]:
        raise ValueError(f"expected an address like \"Support <support@example.com>\", got {value!r}")
    return str(value)


def path(value: object) -> Path:
    """A non-empty file path."""
    return value if isinstance(value, Path) else Path(nonempty_text(value))


def optional_path(value: object) -> Path | None:
    """A file path; "" means not set."""
    if value is None or isinstance(value, Path):
        return value
    return Path(text(value)) if text(value) else None


def env_table(value: object) -> tuple[tuple[str, str], ...]:
    """{user = "ENV_VAR"}: secrets stay in the environment, not in config.toml."""
    if isinstance(value, tuple):
        return value
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                              for k, v in value.items()):
        raise ValueError(f"expected a table of user = \"ENVIRONMENT_VARIABLE\", got {value!r}")
    return tuple(sorted(value.items()))


Duration = Annotated[timedelta, typed(duration)]
PositiveDuration = Annotated[timedelta, typed(positive_duration)]
Size = Annotated[int, typed(size)]
Count = Annotated[int, typed(count)]
Port = Annotated[int, typed(port)]
Flag = Annotated[bool, typed(boolean)]
Text = Annotated[str, typed(text)]
NonEmpty = Annotated[str, typed(nonempty_text)]
Strings = Annotated[tuple[str, ...], typed(strings)]
LowerList = Annotated[tuple[str, ...], typed(lower_list)]
Phrases = Annotated[tuple[str, ...], typed(phrases)]
Networks = Annotated[tuple[str, ...], typed(networks)]
Addresses = Annotated[tuple[str, ...], typed(address_list)]
Mailbox = Annotated[str, typed(mailbox)]
FilePath = Annotated[Path, typed(path)]
OptionalPath = Annotated[Path | None, typed(optional_path)]
EnvTable = Annotated[tuple[tuple[str, str], ...], typed(env_table)]
