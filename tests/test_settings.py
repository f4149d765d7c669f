"""config.toml: defaults, units, and one clear line naming file, table and key on any mistake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core import settings
from core.schema import size
from core.settings import ConfigError, load
from conftest import ROOT, run_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_config_equals_the_built_in_defaults() -> None:
    shipped = load(ROOT / "config.toml")
    built_in = settings.Settings(path=shipped.path, case_types=shipped.case_types)
    assert shipped == settings.with_secret(settings.resolve_paths(built_in))


def test_units() -> None:
    assert settings.duration("90s") == timedelta(seconds=90)
    assert settings.duration("5m") == timedelta(minutes=5)
    assert settings.duration("2h") == timedelta(hours=2)
    assert settings.duration("2d") == timedelta(days=2)
    assert settings.duration("250ms") == timedelta(milliseconds=250)
    assert size("512KB") == 512_000
    assert size("25MB") == 25_000_000


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, '[database]\nurl = "sqlite:///var/x.db"\n[outbound]\nmaildir = "out"\n'))
    assert loaded.database.url == f"sqlite:///{tmp_path}/var/x.db"
    assert loaded.outbound.maildir == tmp_path / "out"


@pytest.mark.parametrize(("text", "message"), [
    ('[followup]\nreminder_every = "soon"\n', "[followup] reminder_every: expected a duration"),
    ('[smtp]\nmax_message_size = "big"\n', "[smtp] max_message_size: expected a size"),
    ('[smtp]\nlisten = "nowhere"\n', "[smtp] listen: expected \"host:port\""),
    ('[smtp]\ndomains = "one.example"\n', "[smtp] domains: expected a list of strings"),
    ('[smtp]\nlisten_on = "x"\n', "[smtp] listen_on: unknown key"),
    ('[outbound]\ntransport = "pigeon"\n', "[outbound] transport: expected one of"),
    ('[outbound]\nfrom = "nobody"\n', "[outbound] from: expected an address"),
    ('[database]\nurl = "mysql://x"\n', "[database] url: expected sqlite"),
    ('[followup]\nmax_reminders = -1\n', "[followup] max_reminders: expected a whole number"),
    ('[filing]\npreparers = "many"\n', '[filing] preparers: expected "auto" or a whole number'),
    ('[filing]\npreparers = -2\n', '[filing] preparers: expected "auto" or a whole number'),
    ('[mystery]\nx = 1\n', "[mystery]: unknown table"),
    # Issue 12: the old sample secret and short ones sign nothing; links live at most a day.
    ('[web]\nsecret = "change-me"\n', "[web] secret: must be at least 32 characters"),
    ('[web]\nsecret = "0123456789abcdef0123456789abcde"\n', "[web] secret: must be at least 32 characters"),
    ('[web]\nlink_ttl = "7d"\n', '[web] link_ttl: must be more than 0 and at most "24h"'),
    ('[web]\nlink_ttl = "0s"\n', '[web] link_ttl: must be more than 0 and at most "24h"'),
    ('[automatic]\nsubjects = "away"\n', "[automatic] subjects: expected a list of strings"),
    ('[web]\ntimezone = "Mars/Olympus"\n', '[web] timezone: expected a time zone name like "Europe/Stockholm"'),
    ('[web]\ntimezone = "../../etc/passwd"\n', "[web] timezone: expected a time zone name"),
    ('[outbound]\nsignature = ""\n', "[outbound] signature: must not be empty"),
    ('[outbound]\nsignature = "a\\nb\\nc\\nd\\ne\\nf\\ng"\n', "[outbound] signature: at most 500 characters on at most 6 lines"),
    ('[outbound]\nsignature = "Support\\u0007"\n', "[outbound] signature: control characters are not allowed"),
    ('[outbound]\ntemplates = "no-such-folder"\n', "[outbound] templates: no such folder"),
    ('[smtp\n', "not valid TOML"),
])
def test_a_wrong_key_or_value_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    result = run_cli(path, "tickets")
    assert result.returncode == 78
    [line] = result.stderr.decode().strip().splitlines()
    assert message in line and "Traceback" not in line


def test_outbound_templates_resolve_against_the_config_folder_and_must_compile(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "first.en.txt").write_text("Hello {{ ref }}\n", encoding="utf-8")
    loaded = load(write(tmp_path, '[outbound]\ntemplates = "mail"\nsignature = "Acme Support\\n08-123"\n'))
    assert loaded.outbound.templates == tmp_path / "mail" and loaded.outbound.signature == "Acme Support\n08-123"
    (tmp_path / "mail" / "_ask.sv.html").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[outbound\] templates: _ask.sv.html: .*line 1"):
        load(tmp_path / "config.toml")


def test_web_timezone_default_and_value(tmp_path: Path) -> None:
    assert load(write(tmp_path, "")).web.timezone == "Europe/Stockholm"
    assert load(write(tmp_path, '[web]\ntimezone = "America/New_York"\n')).web.timezone == "America/New_York"


def test_config_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[followup]\nmax_reminders = 5\n')
    monkeypatch.setenv("CASEDESK_CONFIG", str(path))
    assert load().followup.max_reminders == 5
    monkeypatch.setenv("CASEDESK_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="no such config file"):
        load()


def test_without_a_secret_one_is_generated_once_into_the_data_folder(tmp_path: Path) -> None:
    """Issue 12: no guessable default; the first start writes var/secret (0600) and every later
    start, and every other process on this config, reads the same one."""
    path = write(tmp_path, '[followup]\nmax_reminders = 3\n')
    first = load(path).web.secret
    file = tmp_path / "var" / "secret"
    assert file.stat().st_mode & 0o777 == 0o600
    assert len(first) >= 32 and first != "change-me" and file.read_text().strip() == first
    assert load(path).web.secret == first
    assert load(write(tmp_path / "other" if (tmp_path / "other").mkdir() is None else tmp_path, "")).web.secret != first
    # The command line works with no set-up (what `make run` relies on).
    result = run_cli(path, "tickets")
    assert result.returncode == 0, result.stderr.decode()


def test_a_configured_long_secret_is_used_and_nothing_is_generated(tmp_path: Path) -> None:
    value = "x" * 32
    assert load(write(tmp_path, f'[web]\nsecret = "{value}"\n')).web.secret == value
    assert not (tmp_path / "var" / "secret").exists()


def test_the_sample_config_carries_the_shipped_checklist() -> None:
    """config.toml's [[case_types]] is what `make run` reads: it must be the shipped checklist,
    or a vocabulary change in core/case_types.toml never reaches a running casedesk."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    sample = tomllib.loads((root / "config.toml").read_text(encoding="utf-8"))["case_types"]
    shipped = tomllib.loads((root / "core" / "case_types.toml").read_text(encoding="utf-8"))["case_types"]
    assert sample == shipped
