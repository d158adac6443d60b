"""The GitHub Actions workflows: linted by actionlint, audited by zizmor, and the deploy workflow
identical to the one `redraft init` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"


def _tool(name: str) -> str:
    """The tool from the test environment (beside this Python) or PATH; a missing tool fails the
    test, since a skipped audit would let a finding through unnoticed."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_actionlint_finds_nothing():
    workflows = sorted(str(p.relative_to(REPO)) for p in WORKFLOWS.glob("*.yml"))
    assert workflows, "no workflows found"
    result = _run([_tool("actionlint"), "-format", "{{json .}}", *workflows])
    findings = json.loads(result.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=2)
    assert result.returncode == 0, result.stderr


def test_zizmor_finds_nothing():
    result = _run([_tool("zizmor"), "--offline", "--format", "json", str(WORKFLOWS)])
    findings = json.loads(result.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=2)
    assert result.returncode == 0, result.stderr


def test_this_repository_publishes_with_the_workflow_init_writes():
    shipped = files("redraft").joinpath("deploy.yml").read_bytes()
    assert (WORKFLOWS / "deploy.yml").read_bytes() == shipped
