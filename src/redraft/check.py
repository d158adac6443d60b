"""`redraft check`: what would break or mislead on the published site, found before publishing.

Looks at the posts and pages as `redraft serve` shows them (the working tree: what you are about to
commit), or at the committed posts and pages (the HEAD tree, what a build publishes) for front matter a
build refuses, files that are not UTF-8, two posts on one URL, relative links and images that
lead nowhere on the site, images without alt text and formulas that do not convert; at the
clone itself, which must hold the history the dates come from; and at the posts' trails as the
build reads them (through the same cache). Reports every problem of every file in one run.
Renders no pages, so it is fast enough to run before every build and in an editor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import git
import mistune

from . import history, urls
from ._text import plural
from ._version import __version__
from .cache import DATABASE, Cache, Finding, Markup, cache_key
from .cache import folder as cache_folder
from .config import load_settings
from .content import (
    Post,
    ReadPosts,
    Source,
    active_file_problem,
    read_copied_files,
    read_inventory,
    read_post,
)
from .errors import RedraftError
from .history import Trail
from .markdown import PLUGINS, RENDERER_VERSION, tex_problem
from .pages import outputs
from .site_files import committed_site_files
from .trails import post_trails, redirects

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding; `line` is 0 when it concerns the whole file."""

    path: str
    line: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "warning: " if self.severity == WARNING else ""
        return f"{where}: {label}{self.message}"


@dataclass(frozen=True)
class Checked:
    """What a check looked at, and what it found."""

    problems: list[Problem]
    posts: int
    commit: str | None  # the commit checked; None for the working tree
    untracked: list[str]  # posts checked that are not committed (working tree only)
    modified: list[str]  # posts checked with their uncommitted changes (working tree only)
    # Posts dated later than the check's `now`, soonest first: the first build on or after
    # their date publishes them.
    scheduled: list[Post] = field(default_factory=list)

    def scope(self) -> str:
        """Which posts were checked, in words: '3 posts in the working tree (not committed:
        posts/new.md)' or '3 posts of commit 1a2b3c4'."""
        if self.commit is not None:
            return f"{plural(self.posts, 'post')} of commit {self.commit[:7]}"
        notes = [
            f"{label}: {', '.join(paths)}"
            for label, paths in (("not committed", self.untracked), ("modified", self.modified))
            if paths
        ]
        return f"{plural(self.posts, 'post')} in the working tree" + (
            f" ({'; '.join(notes)})" if notes else ""
        )


def check_site(root: Path, *, committed: bool = False) -> list[Problem]:
    """Every problem in the blog at `root`, sorted by file and line (see `check`)."""
    return check(root, committed=committed).problems


def committed_problems(root: Path) -> list[Problem]:
    """What `check(root, committed=True)` finds, from the cache when a check of the same
    commit by the same engine left it there: a build ends with this check, and the deploy
    workflow runs the same check just before the build."""
    root = root.resolve()
    repo, head = history.open_for_build(root, drafts=False, allow_shallow=True)
    assert repo is not None and head is not None  # open_for_build raises instead
    found = _cache(_cache_folder(root)).findings(_findings_key(repo, head))
    if found is not None:
        return [Problem(*finding) for finding in found]
    return check(root, committed=True).problems


def _cache_folder(root: Path) -> Path | None:
    """The build's cache folder, when a build made one: a check never creates it (`build
    --no-cache` runs a check too, and must leave no cache behind)."""
    folder = cache_folder(root)
    return folder if folder is not None and folder.is_dir() else None


def _cache(folder: Path | None) -> Cache:
    return Cache(folder / DATABASE if folder else None)


def _findings_key(repo: git.Repo, head: str) -> str:
    """What a committed check's problems depend on: the commit (posts, settings and theme are
    read from it), the engine, and whether the clone holds the history."""
    return cache_key(
        "check-findings", __version__, RENDERER_VERSION, head, history.is_shallow(repo)
    )


def check(root: Path, *, committed: bool = False, now: dt.datetime | None = None) -> Checked:
    """Every problem in the blog at `root`, sorted by file and line, every file and as much of
    each file as can be read: the working tree as `redraft serve` shows it (uncommitted posts,
    edits and drafts included), or with `committed` the HEAD commit as a build publishes it.

    A RedraftError still stops the check when there is nothing to look at: settings that
    cannot be read, a folder that is not a git repository, a repository without commits (for
    `committed`). With `now`, the posts dated later are listed as scheduled.
    """
    root = root.resolve()
    if committed:
        repo, head = history.open_for_build(root, drafts=False, allow_shallow=True)
        assert repo is not None and head is not None  # open_for_build raises instead
        # What a plain build publishes: the committed settings, like the committed posts.
        settings = load_settings(root, files=committed_site_files(repo, head).settings)
    else:
        repo = history.open_repo(root)
        head = history.head_commit(repo)
        settings = load_settings(root)  # the preview's: the working tree's
    problems = _clone_problems(repo)
    inventory = read_inventory(repo, head, settings, drafts=not committed)
    standalone = read_inventory(repo, head, settings, drafts=not committed, folder=settings.pages)
    cache_dir = _cache_folder(root)
    cache = _cache(cache_dir)
    known = ReadPosts(cache_dir, settings.zone)
    read = []
    for source in inventory.sources + standalone.sources:
        post, errors = known.known(source, now=now), list[RedraftError]()
        if post is None:
            post, errors = read_post(source, zone=settings.zone, now=now)
        problems += [_from_error(source.path, error) for error in errors]
        if post is not None and source in standalone.sources:
            post = replace(post, url=urls.page(source.path, settings.pages), is_page=True)
        if post is not None:
            read.append((source, post))
    # A preview shows drafts; a build publishes none of them.
    shown = [(source, post) for source, post in read if not (committed and post.draft)]
    posts = [post for _, post in shown]
    if head is not None:
        trails = post_trails(repo, head, settings, [p.source for p in posts], cache_dir)
        problems += _history_problems(trails, settings.pages)
    problems += _shared_urls(posts)
    if not settings.raw_html:
        problems += [
            Problem(asset.path, 0, problem)
            for asset in inventory.assets + standalone.assets
            if (problem := active_file_problem(asset.path))
        ]
    files = [asset.path for asset in inventory.assets + standalone.assets]
    copied = read_copied_files(repo, head, settings, drafts=not committed)
    targets = _site_paths(posts, files + [item.address for item in copied])
    for source, post in shown:
        links, formulas = _markup(post.body, cache)
        problems += _link_problems(source, post, links, targets, settings.pages)
        problems += _maths_problems(source, post, formulas)
    problems.sort()
    if committed and head is not None:
        findings: list[Finding] = [astuple(problem) for problem in problems]
        cache.put_findings(_findings_key(repo, head), findings)
    cache.save()
    return Checked(
        problems=problems,
        posts=len(read),
        commit=head if committed else None,
        untracked=[] if committed else inventory.untracked + standalone.untracked,
        modified=[] if committed else inventory.modified + standalone.modified,
        scheduled=sorted(
            (post for post in posts if post.scheduled and not post.draft),
            key=lambda post: (post.published, post.source),
        ),
    )


def _clone_problems(repo: git.Repo) -> list[Problem]:
    if not history.is_shallow(repo):
        return []
    # The build's own refusal, without its `--allow-shallow` way out: a check has no such flag.
    return [Problem(".git", 0, history.SHALLOW_MESSAGE)]


def _from_error(path: str, error: RedraftError) -> Problem:
    """A Problem from a parse error, whose message starts with 'path:' or 'path:line:'."""
    message = str(error)
    located = re.match(re.escape(path) + r"(?::(\d+))?: (.*)", message, re.DOTALL)
    if located is None:
        return Problem(path, 0, message)
    return Problem(path, int(located.group(1) or 0), located.group(2))


def _history_problems(trails: dict[str, Trail], pages: str) -> list[Problem]:
    """What the build will warn about the history: commits where git gave up pairing renames,
    and former addresses two posts had (the build redirects each to the one that had it last)."""
    lines = history.rename_warnings(trails.values()) + redirects(trails, pages).shared
    return [Problem(".git", 0, line, WARNING) for line in lines]


def _shared_urls(posts: list[Post]) -> list[Problem]:
    by_url: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        by_url[post.url].append(post.source)
    return [
        Problem(later, 0, f"{first} and {later} would both be published at /{url}; rename one")
        for url, (first, *others) in sorted(by_url.items())
        for later in others
    ]


def _site_paths(posts: list[Post], files: list[str]) -> set[str]:
    """Site paths a relative link in a post may lead to, spelled as `urls.link_target` returns
    them: every site page, and each post's pages and tags."""
    # A link to the front page ('../../') comes out of link_target as '.'.
    paths = {output.address() or "." for output in outputs("site")}
    paths |= set(files)
    for post in posts:
        paths |= {output.address(post.url) for output in outputs("post")}
        paths |= {output.address(tag) for tag in post.tags for output in outputs("tag")}
    return paths


def _markup(body: str, cache: Cache) -> Markup:
    """The links, images and formulas that do not convert of a post's Markdown, read once per
    distinct text: a check after a one-post commit reads one post's Markdown, not all."""
    key = cache_key("check-markup", __version__, RENDERER_VERSION, body)
    found = cache.markup(key)
    if found is None:
        tokens = _tokens(body)
        problems = ((tex, tex_problem(tex)) for tex in _formulas(tokens))
        found = tuple(_walk(tokens)), tuple((tex, why) for tex, why in problems if why)
        cache.put_markup(key, found)
    return found


def _link_problems(
    source: Source,
    post: Post,
    links: tuple[tuple[str, str, str], ...],
    targets: set[str],
    pages: str,
) -> list[Problem]:
    text = source.data.decode("utf-8").removeprefix("\ufeff")
    lines = _LineFinder(text, start=len(text) - len(post.body))
    problems = []
    for kind, url, alt in links:
        line = lines.find(url)
        target = urls.link_target(url, post.source, pages)
        # A link to a page written without its final slash is served (Pages redirects it).
        if target is not None and target not in targets and target + "/" not in targets:
            problems.append(
                Problem(post.source, line, f"{kind} {url} leads nowhere: nothing is at /{target}")
            )
        if kind == "image" and not alt.strip():
            problems.append(
                Problem(
                    post.source,
                    line,
                    f"image {url} has no alt text: describe it for readers who cannot see it",
                    WARNING,
                )
            )
    return problems


def _maths_problems(
    source: Source, post: Post, formulas: tuple[tuple[str, str], ...]
) -> list[Problem]:
    """A warning for each formula that does not convert: the page shows its TeX source."""
    text = source.data.decode("utf-8").removeprefix("\ufeff")
    lines = _LineFinder(text, start=len(text) - len(post.body))
    return [
        Problem(post.source, lines.find(tex), f"{problem}; the page shows it as written", WARNING)
        for tex, problem in formulas
    ]


def _formulas(tokens: list[dict[str, Any]]) -> Iterator[str]:
    for token in tokens:
        if token["type"] in ("inline_math", "block_math"):
            yield token["raw"]
        yield from _formulas(token.get("children", []))


def _tokens(body: str) -> list[dict[str, Any]]:
    markdown = mistune.create_markdown(renderer=None, plugins=PLUGINS)
    tokens, _ = markdown.parse(body)
    assert isinstance(tokens, list)  # without a renderer, the parser returns its tokens
    return tokens


def _walk(tokens: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """('link' or 'image', url, alt text) for each link and image, as the renderer sees them:
    none from code, maths or raw HTML."""
    for token in tokens:
        if token["type"] in ("link", "image"):
            yield token["type"], token["attrs"]["url"], _plain_text(token.get("children", []))
        yield from _walk(token.get("children", []))


def _plain_text(tokens: list[dict[str, Any]]) -> str:
    return "".join(t.get("raw", "") + _plain_text(t.get("children", [])) for t in tokens)


class _LineFinder:
    """Line numbers of URLs in the source. mistune keeps no positions, so each URL is looked up
    in the text after the previous one (tokens come in reading order); footnotes, which come
    last, are looked up from the start."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.start = start
        self.cursor = start

    def find(self, url: str) -> int:
        """The line `url` is written on, or 0 when it is spelled differently in the source."""
        spellings = list(dict.fromkeys((url, unquote(url))))
        at = self._search(spellings, self.cursor)
        if at < 0:
            return self._line(self._search(spellings, self.start))
        self.cursor = at + 1
        return self._line(at)

    def _search(self, spellings: list[str], offset: int) -> int:
        found = [at for s in spellings if (at := self.text.find(s, offset)) >= 0]
        return min(found, default=-1)

    def _line(self, at: int) -> int:
        return self.text.count("\n", 0, at) + 1 if at >= 0 else 0


def summary(problems: list[Problem]) -> str:
    """'2 errors, 1 warning' or 'no problems'."""
    errors = sum(1 for p in problems if p.severity == ERROR)
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    parts = [f"{errors} error{'' if errors == 1 else 's'}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'' if warnings == 1 else 's'}")
    return ", ".join(parts)
