"""Fixtures: throwaway git repositories with controlled dates, and a parser for built pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from redraft import build_site
from redraft.cli import main

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

    def git_input(self, text: str, *args: str) -> str:
        """Run git with `text` on its standard input."""
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **_GIT_ENV},
            input=text,
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


def git_follow_dates(root: Path, path: str) -> tuple[datetime, datetime]:
    """(published, updated) as git answers them: `git log --follow --no-merges` for `path`,
    its oldest commit, and its newest one that is neither [minor] nor a pure rename."""
    out = subprocess.run(
        ["git", "log", "--follow", "--no-merges", "-M", "--name-status", "-z",
         "--format=%H%x00%aI%x00%s%x00", "--", path],
        cwd=root, env={**os.environ, **_GIT_ENV}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # NUL-separated: a commit's id, date and subject (which may hold any other character), then
    # its status letters, each followed by one path (two for a rename).
    tokens = iter(out.split("\0"))
    commits: list[tuple[datetime, str, bool]] = []
    for token in tokens:
        token = token.strip("\n")
        if re.fullmatch(r"[0-9a-f]{40}", token):
            date, subject = next(tokens), next(tokens)
            commits.append((datetime.fromisoformat(date), subject, False))
        elif token and commits:
            paths = 2 if token[0] in "RC" else 1
            for _ in range(paths):
                next(tokens)
            if token == "R100":
                commits[-1] = (*commits[-1][:2], True)
    counting = [d for d, subject, rename in commits if "[minor]" not in subject and not rename]
    return commits[-1][0], counting[0]


def dates_everywhere(root: Path, site: Path, url: str, source: str) -> dict[str, tuple]:
    """(published, updated) of one post as every output states it: its page (JSON-LD and
    <time>), the site feed, its own feed, the sitemap and `redraft history`."""
    from click.testing import CliRunner

    from redraft.cli import main

    found: dict[str, tuple] = {}
    page = parse_html(site / url / "index.html")
    data = page.json_ld[0]
    published = datetime.fromisoformat(data["datePublished"])
    found["json-ld"] = (published, datetime.fromisoformat(data["dateModified"]))
    assert page.times[0] == data["datePublished"], "the visible date is the JSON-LD date"
    site_feed = feedparser.parse((site / "feed.xml").read_bytes())
    entry = next((e for e in site_feed.entries if e.link.rstrip("/").endswith("/" + url)), None)
    if entry is None:
        # The site feed holds the newest `feed_limit` (20) posts: an older one is left out.
        assert len(site_feed.entries) == 20, f"{url} is missing from a feed that is not full"
    else:
        found["site feed"] = (
            datetime.fromisoformat(entry.published),
            datetime.fromisoformat(entry.updated),
        )
    own = feedparser.parse((site / url / "feed.xml").read_bytes())
    stamps = sorted(datetime.fromisoformat(e.updated) for e in own.entries)
    found["post feed"] = (stamps[0], stamps[-1])
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    lastmod = re.search(rf"/{re.escape(url)}/</loc><lastmod>([^<]+)<", sitemap)
    assert lastmod, f"{url} is not in the sitemap"
    found["sitemap"] = (published, datetime.fromisoformat(lastmod.group(1)))
    result = CliRunner().invoke(main, ["history", "-C", str(root), source])
    assert result.exit_code == 0, result.output
    summary = re.search(r"published (.+?), updated (.+)$", result.stderr.strip())
    assert summary, result.stderr
    found["redraft history"] = tuple(
        datetime.strptime(text, "%Y-%m-%d %H:%M %z") for text in summary.groups()
    )
    return found


def same_minute(found: dict[str, tuple], published: datetime, updated: datetime) -> None:
    """Every output's dates equal git's (the terminal shows minutes)."""
    for where, (first, last) in found.items():
        if where == "redraft history":
            first, last = first.replace(second=0), last.replace(second=0)
            published, updated = published.replace(second=0), updated.replace(second=0)
        assert (first, last) == (published, updated), where


def revision_lines(stdout: str) -> list[str]:
    """The lines of `redraft history` that are revisions (its last line counts them)."""
    return [line for line in stdout.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]


def expect_error(root: Path, *args: str, command: str = "build") -> str:
    """Run `redraft COMMAND --root ROOT --quiet ARGS`, expect one clean error line, return it."""
    extra = ["--quiet"] if command == "build" else []
    result = CliRunner().invoke(main, [command, "--root", str(root), *extra, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"redraft {command} crashed instead of explaining:\n{crash}")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0].removeprefix("Error: ")
