"""The GitHub Actions workflows: linted by actionlint, audited by zizmor, every action pinned to
a commit, and the deploy workflow and Dependabot settings identical to the ones `redraft init`
writes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

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


def test_this_repository_has_the_dependabot_settings_init_writes():
    shipped = files("redraft").joinpath("dependabot.yml").read_bytes()
    assert (REPO / ".github" / "dependabot.yml").read_bytes() == shipped
    ecosystems = {u["package-ecosystem"] for u in yaml.safe_load(shipped)["updates"]}
    assert ecosystems == {"github-actions", "pip"}


def test_every_action_is_pinned_to_a_commit_with_its_version_named():
    texts = [p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.yml"))]
    uses = [line.strip() for text in texts for line in text.splitlines() if "uses:" in line]
    assert len(uses) > 10
    pinned = re.compile(r"(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+")
    assert [line for line in uses if not pinned.fullmatch(line)] == []


def test_the_release_publishes_with_trusted_publishing_and_least_privilege():
    release = yaml.safe_load((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    assert release[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    assert release["permissions"] == {}
    jobs = release["jobs"]
    granted = {name: job.get("permissions") for name, job in jobs.items()}
    assert granted["publish"] == {"id-token": "write"}
    assert granted["github-release"] == {"contents": "write"}
    others = [name for name in jobs if name not in ("publish", "github-release")]
    assert all(granted[name] in ({}, {"contents": "read"}) for name in others), granted
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert any("gh-action-pypi-publish@" in s.get("uses", "") for s in jobs["publish"]["steps"])
