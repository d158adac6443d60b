"""The writer's own commands: start a new post, and read a post's trail in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import history, urls
from .config import Settings, load_settings
from .content import Post, parse_revision
from .diffs import WordDiff, front_matter_notes, rendered_diff
from .errors import RedraftError
from .history import Revision
from .markdown import MarkupError, render_markdown
from .urls import slugify

_TEMPLATE = """\
---
title: {title}
tags: [{tags}]
summary:
---

Start writing here. Commit the file to publish it.
"""


def new_post(root: Path, title: str, tags: tuple[str, ...] = ()) -> Path:
    """Write posts/<slug>.md with front matter and return its path; never overwrite."""
    settings = load_settings(root.resolve())
    path = settings.source / settings.posts / f"{slugify(title)}.md"
    if path.exists():
        raise RedraftError(
            f"{path.relative_to(settings.source)} already exists; pick another title"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted_title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    path.write_text(_TEMPLATE.format(title=quoted_title, tags=", ".join(tags)), encoding="utf-8")
    return path


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
