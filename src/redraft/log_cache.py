"""The parsed history kept between builds, so a rebuild reads from git only the new commits.

Lives in `.redraft-cache/` beside the build cache (see `cache`), as JSON files: a chain file per
.mailmap naming the commit it was read up to, and the segments it is made of. A file that is
corrupt, of another version or not where it should be is ignored, and the log read afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import git

from . import history
from .history import Change, Commit, LogEntry

_LOG_VERSION = 5


def start_reading(repo: git.Repo, head: str, cache_dir: Path | None) -> history.StartedLog | None:
    """`git log` started now when no saved log up to `head` or an ancestor of it will serve, so
    git reads the whole history on another core while the build reads its settings and posts;
    None when the saved log serves (a rebuild reads at most the new commits)."""
    path = _log_path(repo, cache_dir)
    saved = _saved_head(path) if path else None
    if saved and (saved == head or _descends(repo, head, saved)):
        return None
    return history.start_log(repo, head)


def cached_log(
    repo: git.Repo,
    head: str,
    cache_dir: Path | None,
    started: history.StartedLog | None = None,
) -> Iterator[LogEntry]:
    """The repository's history up to `head`, reading from git only the commits the cache lacks
    (from `started`, the log `start_reading` started, when the whole log is read).

    Entries read from git are handed on as git prints them, so the caller's walk runs while git
    still works; the log is saved once the caller has read it all. It is saved as a chain of
    segments, each the commits one build read. When `head` descends from the saved one, only
    `git log SAVED..HEAD` is read, put in front (newer commits first, as git lists them) and
    saved as one more segment: a rebuild writes what it read, not the whole history again. A
    rewritten history, or no cache, means one full pass. `head` is the commit id the build read
    once, never "HEAD": a commit landing meanwhile must not be saved under the old id. The log
    covers the whole repository, so one entry serves every `posts` setting.
    """
    path = _log_path(repo, cache_dir)
    saved = _load_log(path) if path else None
    if saved and saved.head == head:
        yield from saved.entries
        return
    if saved and _descends(repo, head, saved.head):
        new = list(history.stream_log(repo, since=saved.head, head=head))
        entries = new + saved.entries
        chain = saved.chain if len(saved.chain) < _SEGMENTS else ()
        if not chain:
            new = entries  # a long chain is written again as one segment
        yield from entries
    else:
        new, chain = [], ()
        for entry in history.stream_log(repo, head=head, started=started):
            if path:
                new.append(entry)
            yield entry
    if path:
        _save_log(path, head, chain, new)


def _log_path(repo: git.Repo, cache_dir: Path | None) -> Path | None:
    """The saved log's chain file: author names in the log come through .mailmap, so a changed
    mailmap means a new log."""
    if cache_dir is None:
        return None
    names = history.mailmap(repo)
    key = hashlib.sha256(f"{_LOG_VERSION}\0{names!s}".encode()).hexdigest()[:16]
    return cache_dir / f"log-{key}.json"


def _saved_head(path: Path) -> str | None:
    """The commit the saved log was read up to, without reading its segments."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _text(data["head"]) if data["version"] == _LOG_VERSION else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# Segments a log's chain may have before it is written again as one.
_SEGMENTS = 32


@dataclass(frozen=True)
class _SavedLog:
    head: str
    chain: tuple[str, ...]  # the segments' file names, oldest first
    entries: list[LogEntry]  # newest first


def _descends(repo: git.Repo, head: str, ancestor: str) -> bool:
    try:
        return repo.is_ancestor(repo.commit(ancestor), repo.commit(head))
    except (git.GitCommandError, ValueError):
        return False  # the saved commit is gone: history was rewritten


def _load_log(path: Path) -> _SavedLog | None:
    """The saved log: its head, and every segment of its chain read, newest first."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["version"] != _LOG_VERSION:
            return None
        chain = tuple(_text(name) for name in data["chain"])
        entries: list[LogEntry] = []
        for name in reversed(chain):
            if "/" in name or not name.startswith(path.stem + "-"):
                return None  # a segment must lie beside the log, named after it
            entries += _load_segment(path.with_name(name))
        return _SavedLog(_text(data["head"]), chain, entries)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _load_segment(path: Path) -> list[LogEntry]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["version"] != _LOG_VERSION:
        raise ValueError("a segment of another version")
    return [
        (
            Commit(
                _text(sha), tuple(map(_text, parents)), _text(author), _text(email),
                datetime.fromisoformat(authored), datetime.fromisoformat(committed),
                _text(subject), _text(body),
            ),
            [_change(change) for change in changes],
        )
        for (sha, parents, author, email, authored, committed, subject, body), changes
        in data["entries"]
    ]  # fmt: skip


def _change(values: list[Any]) -> Change:
    """A Change from its saved fields (JSON has lists where it had tuples)."""
    status, path, blob, old_blob, old_path, similarity, parent_blobs, parent_paths = values
    return Change(
        _text(status), _text(path), _text(blob), _text(old_blob), _text(old_path),
        int(similarity), tuple(map(_text, parent_blobs)), tuple(map(_text, parent_paths)),
    )  # fmt: skip


def _save_log(path: Path, head: str, chain: tuple[str, ...], new: list[LogEntry]) -> None:
    """Save `new` (the commits read since the chain's last segment) as a segment, then the
    log's chain, which names it, in one rename: a reader never sees a chain whose segments
    are not all written. Segments no chain names any more are deleted."""
    rows = [
        (
            [c.sha, c.parents, c.author, c.email, c.authored.isoformat(),
             c.committed.isoformat(), c.subject, c.body],
            [
                (x.status, x.path, x.blob, x.old_blob, x.old_path, x.similarity,
                 x.parent_blobs, x.parent_paths)
                for x in changes
            ],
        )
        for c, changes in new
    ]  # fmt: skip
    segment = f"{path.stem}-{head}.json"
    chain = (*chain, segment)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path.with_name(segment), {"version": _LOG_VERSION, "entries": rows})
        _write_atomically(path, {"version": _LOG_VERSION, "head": head, "chain": chain})
        for old in path.parent.glob(f"{path.stem}-*.json"):
            if old.name not in chain:
                old.unlink(missing_ok=True)
    except OSError:
        return


def _write_atomically(path: Path, data: object) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def _text(value: object) -> str:
    """A string read from the saved log; a TypeError (the log is read afresh) for another type."""
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value
