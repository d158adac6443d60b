"""The README documents every command and every setting (a new one fails here until it is)."""

from dataclasses import fields
from pathlib import Path

import pytest

from redraft.cli import main
from redraft.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command):
    assert f"`redraft {command}" in README


@pytest.mark.parametrize("setting", [f.name for f in fields(Settings) if f.name != "source"])
def test_every_setting_is_in_the_readme(setting):
    assert f"| `{setting}` |" in README


def test_the_ci_script_runs_the_readme_test_command():
    command = next(
        line
        for line in README.splitlines()
        if line.startswith("python3 -m venv") and "pytest" in line
    )
    ci = (Path(__file__).resolve().parents[1] / ".ci/run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == command
