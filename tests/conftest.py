"""Fixtures: throwaway git repositories with controlled dates, and a parser for built pages."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from redraft import build_site

SETTINGS = """\
[tool.redraft]
title = "Test notebook"
author = "Ada Tester"
base_url = "https://example.org/"
timezone = "UTC"
"""


@dataclass
class Blog:
    """A git repository holding a blog, driven the way a writer drives it: write, commit, build."""

    root: Path
    author: str = "Ada Tester"
    email: str = "ada@example.org"

    def git(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **_GIT_ENV, **(env or {})},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def write(self, path: str, text: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def commit(
        self,
        message: str,
        date: str = "2024-01-01T10:00:00+00:00",
        *,
        committer_date: str | None = None,
        author: str | None = None,
        email: str | None = None,
        paths: tuple[str, ...] = (),
    ) -> str:
        """Commit everything (or `paths`) with the given author date; returns the commit id."""
        self.git("add", "-A", *paths)
        env = {
            "GIT_AUTHOR_NAME": author or self.author,
            "GIT_AUTHOR_EMAIL": email or self.email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": committer_date or date,
        }
        self.git("commit", "-q", "--allow-empty-message", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()

    def build(self, **options) -> Path:
        options.setdefault("output", self.root / "_site")
        return build_site(self.root, **options).output


_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.org",
}


def new_blog(root: Path) -> Blog:
    """An empty blog repository at `root` with settings committed on 1 January 2024."""
    root.mkdir(parents=True)
    made = Blog(root)
    made.git("init", "-q", "-b", "main")
    made.write("pyproject.toml", SETTINGS)
    made.write(".gitignore", "_site/\n.redraft-cache/\n")
    made.commit("Start the blog", "2024-01-01T09:00:00+00:00")
    return made


@pytest.fixture
def blog(tmp_path: Path) -> Blog:
    return new_blog(tmp_path / "blog")


@dataclass
class Page:
    """What a parsed HTML page offers to assertions."""

    links: list[dict] = field(default_factory=list)  # <link> attributes
    anchors: list[dict] = field(default_factory=list)  # <a> attributes
    times: list[str] = field(default_factory=list)  # <time datetime>
    sources: list[str] = field(default_factory=list)  # src attributes
    json_ld: list[dict] = field(default_factory=list)
    text: str = ""
    elements: list[tuple[str, dict]] = field(default_factory=list)
    tag_text: dict[str, list[str]] = field(default_factory=dict)

    def link(self, rel: str) -> str | None:
        return next(
            (ln.get("href") for ln in self.links if rel in (ln.get("rel") or "").split()), None
        )

    def texts(self, tag: str) -> list[str]:
        return self.tag_text.get(tag, [])


class _PageParser(HTMLParser):
    _CAPTURE = {"ins", "del", "h1", "h2", "title", "time", "li", "p"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script_type: str | None = None
        self._script = ""
        self._text: list[str] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        self.page.elements.append((tag, values))
        if tag == "link":
            self.page.links.append(values)
        elif tag == "a":
            self.page.anchors.append(values)
        elif tag == "time" and "datetime" in values:
            self.page.times.append(values["datetime"])
        elif tag == "script":
            self._script_type, self._script = values.get("type"), ""
        if "src" in values:
            self.page.sources.append(values["src"])
        if tag in self._CAPTURE:
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_type == "application/ld+json":
            self.page.json_ld.append(json.loads(self._script))
        if tag == "script":
            self._script_type = None
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                name, parts = self._open.pop(index)
                self.page.tag_text.setdefault(name, []).append("".join(parts))
                break

    def handle_data(self, data: str) -> None:
        if self._script_type is not None:
            self._script += data
            return
        self._text.append(data)
        for _, parts in self._open:
            parts.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join("".join(self._text).split())


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its relative path, with its bytes: two sites compare equal
    exactly when they are byte for byte the same."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def parse_html(path: Path) -> Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


@pytest.fixture
def read_page():
    return parse_html
