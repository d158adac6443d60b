"""The code itself: typed (mypy strict, 0 errors), lint-clean and formatted (ruff), and each
pipeline stage importable alone, in the order of the pipeline."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_finds_no_errors():
    report, errors, status = mypy.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, report + errors


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    ruff = [sys.executable, "-m", "ruff", *command, "src", "tests", "bench"]
    result = subprocess.run(ruff, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# Each stage may import the stages before it, never one after it.
_ORDER = ["urls", "config", "history", "content", "markdown", "diffs", "views", "feeds", "pages"]


@pytest.mark.parametrize("stage", _ORDER)
def test_a_stage_imports_no_later_stage(stage):
    source = (ROOT / "src/redraft" / f"{stage}.py").read_text(encoding="utf-8")
    later = _ORDER[_ORDER.index(stage) + 1 :] + ["build", "cli", "serve"]
    imported = {
        name.strip()
        for line in source.splitlines()
        if line.startswith("from . import")
        for name in line.removeprefix("from . import").split(",")
    } | {
        line.split()[1].removeprefix(".")
        for line in source.splitlines()
        if line.startswith("from .") and not line.startswith("from . import")
    }
    assert not imported & set(later), f"{stage} imports {sorted(imported & set(later))}"


def test_only_urls_spells_a_site_address():
    """Every address lives in urls.py: a page or feed path spelled anywhere else is a second
    home for the URL scheme."""
    literals = ('"feed.xml"', '"history/"', '"tags/"', '"sitemap.xml"', '"static/', '"404.html"')
    for module in sorted((ROOT / "src/redraft").glob("*.py")):
        if module.name == "urls.py":
            continue
        # Template names ('404.html') are theme files, not addresses.
        text = re.sub(r'_template\("[^"]*"\)', "", module.read_text(encoding="utf-8"))
        found = [literal for literal in literals if literal in text]
        assert not found, f"{module.name} spells {found}: ask urls.py"
