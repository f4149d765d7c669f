"""Where mail templates come from: `[outbound] templates` first, file by file, then the shipped ones.

The shipped templates are the top-level `templates/mail/` folder of this source tree, found from
this file's own location, so casedesk finds them whatever the current directory is. An override
folder holds only the files an operator wants to change (`first.en.txt`, `_ask.sv.html`, ...);
every other file, and every `{% include %}` of one, still comes from the shipped folder.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError
from jinja2 import select_autoescape

SHIPPED = Path(__file__).resolve().parents[1] / "templates" / "mail"
# Template files an override folder may hold; anything else there is ignored (README, backups).
SUFFIXES = (".txt", ".html")
# A folder of templates is small; a mistaken path to a huge tree must not stall start-up.
MAX_FILES = 200
# The languages every mail template comes in; anything else is written to in English.
LANGUAGES = ("en", "sv")
# Singular and plural of each unit, per language ("the link works for 24 hours").
UNITS = {
    "en": ((86400, "day", "days"), (3600, "hour", "hours"), (60, "minute", "minutes"), (1, "second", "seconds")),
    "sv": ((86400, "dag", "dagar"), (3600, "timme", "timmar"), (60, "minut", "minuter"), (1, "sekund", "sekunder")),
}


@lru_cache(maxsize=8)
def environment(override: Path | None = None) -> Environment:
    """The Jinja2 environment for mail: HTML autoescaped (subjects, names, labels and values come
    from customers and config); an undefined name fails loudly instead of mailing a blank."""
    folders = ([FileSystemLoader(override)] if override is not None else []) + [FileSystemLoader(SHIPPED)]
    return Environment(loader=ChoiceLoader(folders), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                       lstrip_blocks=True)


def duration_words(span: timedelta, language: str) -> str:
    """2 days -> "2 days" / "2 dagar": the largest unit that divides the span evenly."""
    units = UNITS.get(language, UNITS["en"])
    seconds = max(int(span.total_seconds()), 1)
    for size, one, many in units:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {one if count == 1 else many}"
    return f"{seconds} {units[-1][2]}"


def override_files(folder: Path) -> list[Path]:
    """The template files in an override folder, at most MAX_FILES, sorted by name."""
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    return found[:MAX_FILES]


def broken_templates(folder: Path) -> list[tuple[str, str]]:
    """(file name, error) for each override that does not compile or is not UTF-8 text."""
    env = environment(folder)
    broken = []
    for path in override_files(folder):
        try:
            env.parse(path.read_text(encoding="utf-8"))
        except (TemplateSyntaxError, UnicodeDecodeError) as exc:
            line = f" (line {exc.lineno})" if isinstance(exc, TemplateSyntaxError) else ""
            broken.append((path.name, f"{exc}{line}".splitlines()[0][:200]))
    return broken
