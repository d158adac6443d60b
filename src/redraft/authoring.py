"""The writer's own commands: start a new post, and read a post's trail in the terminal."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import yaml

from . import history, urls
from .config import Settings, load_settings
from .content import Post, parse_revision
from .diffs import WordDiff, front_matter_notes, rendered_diff
from .errors import RedraftError
from .history import Revision
from .markdown import MarkupError, render_markdown
from .site_files import check_writable_inside
from .urls import slugify

_BODY = "\nStart writing here. Commit the file to publish it.\n"


def new_post(root: Path, title: str, tags: tuple[str, ...] = ()) -> Path:
    """Write posts/<slug>.md with front matter and return its path; never overwrite."""
    settings = load_settings(root.resolve())
    path = settings.source / settings.posts / f"{slugify(title)}.md"
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


def post_history(root: Path, path: Path) -> list[HistoryLine]:
    """A committed post's revisions, newest first, each with its word diff."""
    settings = load_settings(root.resolve())
    repo = history.open_repo(settings.source)
    if history.head_commit(repo) is None:
        raise RedraftError("this repository has no commits yet")
    relative = _repo_path(settings.source, path)
    trail = history.read_trails(
        repo,
        ".",
        [relative],
        minor_markers=settings.minor_markers,
        committer_dates=settings.dates == "committer",
    )[relative]
    if not trail.revisions:
        raise RedraftError(f"{relative}: no committed history (is it committed at HEAD?)")
    lines = []
    for revision, before, after in history.revision_texts(repo, trail):
        diff = None
        if after is not None:
            new = parse_revision(revision.blob, after, relative, settings.zone)
            old = parse_revision(revision.old_blob, before, relative, settings.zone)
            diff = _diff(old if revision.old_blob else None, new, settings)
        lines.append(HistoryLine(revision, diff))
    return lines[::-1]


def _diff(old: Post | None, new: Post, settings: Settings) -> WordDiff:
    """What a revision changed, as the page shows it (the build's history page says the same)."""
    notes = front_matter_notes(old, new) if old else ()
    return rendered_diff(_html(old, settings) if old else "", _html(new, settings), notes)


def _html(post: Post, settings: Settings) -> str:
    resolve = partial(urls.resolve_link, source=post.source, base_path=settings.base_path)
    try:
        return render_markdown(post.body, resolve_link=resolve, raw_html=settings.raw_html).html
    except MarkupError as exc:
        raise RedraftError(f"{post.source}: {exc}") from None


def _repo_path(root: Path, path: Path) -> str:
    full = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not full.is_relative_to(root):
        full = (root / path).resolve()
    if not full.is_relative_to(root):
        raise RedraftError(f"{path} is not inside the blog at {root}")
    return full.relative_to(root).as_posix()
