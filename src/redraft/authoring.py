"""The writer's own commands: start a new post, and read a post's trail in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import history
from .config import load_settings
from .diffs import WordDiff, word_diff
from .errors import RedraftError
from .history import Revision
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
    lines = [
        HistoryLine(revision, word_diff(before, after) if after is not None else None)
        for revision, before, after in history.revision_texts(repo, trail)
    ]
    return lines[::-1]


def _repo_path(root: Path, path: Path) -> str:
    full = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not full.is_relative_to(root):
        full = (root / path).resolve()
    if not full.is_relative_to(root):
        raise RedraftError(f"{path} is not inside the blog at {root}")
    return full.relative_to(root).as_posix()
