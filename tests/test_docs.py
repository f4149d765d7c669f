"""What a user can see is documented: config keys, CLI commands, the two commands."""

from __future__ import annotations

import re

from casedesk.cli import parser
from core.schema import known_keys
from core.settings import TABLES
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "config.toml").read_text(encoding="utf-8")


def test_two_commands() -> None:
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# Arrays of tables have no defaults to show: config.toml carries a commented example block and
# their own page documents every key.
EXAMPLE_TABLES = {"imap": ROOT / "docs" / "imap.md"}


def test_every_config_key_is_in_the_readme_and_in_config_toml_with_its_default() -> None:
    for table, model in TABLES.items():
        keys = known_keys(model)
        if table in EXAMPLE_TABLES:
            page = EXAMPLE_TABLES[table].read_text(encoding="utf-8")
            assert f"[[{table}]]" in CONFIG and f"`[[{table}]]`" in README
            for key in keys:
                assert re.search(rf"^# {key} = ", CONFIG, re.MULTILINE), f"config.toml example lacks {key}"
                assert f"`{key}`" in page, f"{EXAMPLE_TABLES[table].name} does not document {key}"
            continue
        assert f"[{table}]" in CONFIG
        for key in keys:
            line = re.search(rf"^{key} = .*# .*\(default .+\)$", CONFIG, re.MULTILINE)
            assert line, f"config.toml [{table}] {key} is not shown with its default"
            assert re.search(rf"`\[{table}\] {key}`|`\[{table}\] [^`]*` / `{key}`", README), \
                f"README does not document [{table}] {key}"


def test_every_cli_command_is_in_the_readme() -> None:
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"`casedesk {name}" in README, f"README does not document casedesk {name}"


def test_make_run_installs_the_runtime_dependencies_only(tmp_path) -> None:
    """`make run` on a fresh machine: no test tools; `make test` adds them (dry runs of make)."""
    import subprocess

    def installs(target: str) -> list[str]:
        dry = subprocess.run(["make", "-n", f"VENV={tmp_path / 'venv'}", target], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return [line for line in dry.stdout.splitlines() if "pip install" in line and "--upgrade pip" not in line]

    assert installs("run") == [f"{tmp_path / 'venv'}/bin/python -m pip install -q -e ."]
    assert installs("bench") == installs("run")
    assert any("'.[test]'" in line for line in installs("test"))
    assert any("'.[test]'" in line for line in installs("lint"))
