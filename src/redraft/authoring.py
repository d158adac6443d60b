"""The writer's own commands: start a new post, and read a post's trail in the terminal."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from . import history, urls
from .cache import folder as cache_folder
from .config import Settings, load_settings
from .content import Post, committed_posts, parse_revision
from .diffs import WordDiff, front_matter_notes, rendered_diff
from .errors import RedraftError
from .history import Revision, Trail
from .markdown import render_markdown
from .site_files import check_writable_inside
from .trails import post_trails
from .urls import slugify

_BODY = "\nStart writing here. Commit the file to publish it.\n"


def new_post(root: Path, title: str, tags: tuple[str, ...] = ()) -> Path:
    """Write posts/<slug>.md with front matter and return its path; never overwrite."""
    settings = load_settings(root.resolve())
    path = settings.source / settings.posts_folder / f"{slugify(title)}.md"
    if os.path.lexists(path):
        raise RedraftError(
            f"{path.relative_to(settings.source)} already exists; pick another title"
        )
    check_writable_inside(settings.source, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front_matter(title, tags) + _BODY, encoding="utf-8")
    return path


def front_matter(title: str, tags: tuple[str, ...]) -> str:
    """The `---` block of a new post, written by YAML itself: a tag such as `@home`, `a: b` or
    `#1` is quoted as YAML needs, so the file parses as the author typed it."""
    meta = {"title": title, "tags": list(tags)}
    text = yaml.safe_dump(
        meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1 << 16
    )
    return f"---\n{text}summary:\n---\n"


@dataclass(frozen=True)
class HistoryLine:
    revision: Revision
    diff: WordDiff | None


@dataclass(frozen=True)
class PostHistory:
    """A post's trail as `redraft history` prints it."""

    path: str  # the post's path at HEAD
    trail: Trail
    lines: list[HistoryLine]  # newest first
    asked_for: str = ""  # the former path or address the writer named, when the post moved


def post_history(root: Path, post: str) -> PostHistory:
    """A committed post's revisions, newest first, each with its word diff.

    `post` is a path (relative to the current folder or to the repository), a slug, a site
    address (/posts/x/), or a path the post had before it moved.
    """
    settings = load_settings(root.resolve())
    repo = history.open_repo(settings.source)
    head = history.head_commit(repo)
    if head is None:
        raise RedraftError("this repository has no commits yet")
    cache_dir = cache_folder(settings.source)
    posts = committed_posts(repo, settings)
    path = _find_post(settings.source, post, posts, settings)
    asked_for = ""
    if path is None:
        trails = post_trails(repo, head, settings, posts, cache_dir)
        path = _former(settings.source, post, trails, settings.pages)
        if path is None:
            raise RedraftError(
                f"{post}: no committed post has this path, slug or address, now or before"
            )
        asked_for = post
    trail = post_trails(repo, head, settings, [path], cache_dir)[path]
    lines = []
    for revision, before, after in history.revision_texts(repo, trail):
        diff = None
        if after is not None:
            new = parse_revision(revision.blob, after, path, settings.zone)
            old = parse_revision(revision.old_blob, before, path, settings.zone)
            diff = _diff(old if revision.old_blob else None, new, settings)
        lines.append(HistoryLine(revision, diff))
    return PostHistory(path, trail, lines[::-1], asked_for)


def _diff(old: Post | None, new: Post, settings: Settings) -> WordDiff:
    """What a revision changed, as the page shows it (the build's history page says the same)."""
    notes = front_matter_notes(old, new) if old else ()
    return rendered_diff(_html(old, settings) if old else "", _html(new, settings), notes)


def _html(post: Post, settings: Settings) -> str:
    resolve = partial(
        urls.resolve_link, source=post.source, base_path=settings.base_path, pages=settings.pages
    )
    return render_markdown(post.body, resolve_link=resolve, raw_html=settings.raw_html).html


def _find_post(root: Path, asked: str, posts: list[str], settings: Settings) -> str | None:
    """The HEAD post (or standalone page) `asked` names: a path, a site address or a slug."""
    for relative in _repo_paths(root, asked):
        if relative in posts:
            return relative
    address = urlsplit(asked).path.strip("/")
    address = address.removeprefix(settings.base_path.strip("/")).strip("/") + "/"
    by_url = {urls.address(p, settings.pages): p for p in posts}
    if address in by_url:
        return by_url[address]
    by_slug = {u.rstrip("/").rsplit("/", 1)[-1]: p for u, p in sorted(by_url.items())}
    return by_slug.get(address.rstrip("/"))


def _former(root: Path, asked: str, trails: dict[str, Trail], pages: str) -> str | None:
    """The HEAD post that once had the path (or the address) `asked`, the latest such."""
    paths = set(_repo_paths(root, asked))
    address = urlsplit(asked).path.strip("/") + "/"
    found: tuple[datetime, str] | None = None
    for path, trail in trails.items():
        for revision in trail.revisions:
            former = {revision.path, revision.old_path} - {""}
            named = bool(paths & former) or address in {urls.address(f, pages) for f in former}
            if named and revision.date and (found is None or revision.date > found[0]):
                found = (revision.date, path)
    return found[1] if found else None


def _repo_paths(root: Path, asked: str) -> list[str]:
    """`asked` as paths from the repository's top: read from the current folder, then from the
    top (those that lead inside the repository)."""
    path = Path(asked)
    found = []
    for full in ((path if path.is_absolute() else Path.cwd() / path).resolve(), root / path):
        full = full.resolve()
        if full.is_relative_to(root) and full != root:
            found.append(full.relative_to(root).as_posix())
    return found
