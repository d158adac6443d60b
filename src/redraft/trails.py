"""A post's trail, read one way by every command: the build, `history`, `check` and the feeds.

Owns the step from settings and the HEAD paths of posts to their trails: the one history pass
(through the log cache when there is one), with the settings that decide what a revision is.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git

from . import history, urls
from .config import Settings
from .history import Trail
from .log_cache import cached_log


def post_trails(
    repo: git.Repo,
    head: str,
    settings: Settings,
    paths: Iterable[str],
    cache_dir: Path | None = None,
    started: history.StartedLog | None = None,
) -> dict[str, Trail]:
    """Each path's trail (committed posts at `head`), following renames wherever they lead;
    `started` is the log `log_cache.start_reading` started, if any.

    Both sides of each edit are read while the log streams (whether it changed any words
    decides whether it is a revision): with no cache, the words compared on one core while git
    log runs on the other cost little more than the log alone.
    """
    known = _load_verdicts(cache_dir)
    before = len(known)
    with _collector_paused(), history.EditReader(repo, known) as edits:
        trails = history.read_trails(
            repo,
            paths,
            minor_markers=settings.minor_markers,
            committer_dates=settings.dates == "committer",
            log=cached_log(repo, head, cache_dir, started),
            found_revision=edits.found,
        )
        # Merges are judged while the last edits are still being read.
        trails = history.without_clean_merges(repo, trails)
        known.update(edits.verdicts())
    trails = history.without_wordless_edits(repo, trails, known)
    if cache_dir is not None and len(known) != before:
        _save_verdicts(cache_dir, known)
    return trails


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the log is read and walked: it makes tens of thousands
    of commits, changes and revisions, none in a cycle, and the collector would walk them all
    again every few thousand (half the time of loading a saved log)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Whether a pair of blobs differs in words, kept between builds (blob ids name contents).
_VERDICTS = "words-changed-1.json"


def _load_verdicts(cache_dir: Path | None) -> dict[str, bool]:
    if cache_dir is None:
        return {}
    try:
        data = json.loads((cache_dir / _VERDICTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, bool)}


def _save_verdicts(cache_dir: Path, known: dict[str, bool]) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / (_VERDICTS + ".partial")
        partial.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        partial.replace(cache_dir / _VERDICTS)
    except OSError:
        return  # the next build reads the blobs again


@dataclass(frozen=True)
class Redirects:
    """Former addresses of moved posts, each sent to the post that had it last."""

    targets: dict[str, str]  # former address -> the address of the post now
    shared: list[str]  # one line per former address two posts had, naming the one chosen


def redirects(trails: Mapping[str, Trail], pages: str = "") -> Redirects:
    """Where each former address of a post (or standalone page of the `pages` folder) leads: to
    the one that had it most recently (two posts once moved from one scratch name, draft.md,
    both had /posts/draft/). Addresses are compared without case: on a case-insensitive disk
    they are one file."""
    current = {urls.address(path, pages).casefold() for path in trails}
    last: dict[str, dict[str, tuple[datetime, str]]] = defaultdict(dict)
    for path, trail in trails.items():
        # Most posts never moved: their revisions name no other path.
        formers = {p for r in trail.revisions for p in (r.path, r.old_path)} - {"", path}
        if not formers:
            continue
        address = urls.address(path, pages)
        for revision in trail.revisions:
            for former in {revision.path, revision.old_path} - {"", path}:
                url = urls.address(former, pages)
                if url.casefold() in current or revision.date is None:
                    continue
                seen = last[url.casefold()].get(address)
                if seen is None or revision.date > seen[0]:
                    last[url.casefold()][address] = (revision.date, url)
    targets, shared = {}, []
    for _, candidates in sorted(last.items()):
        ranked = sorted(candidates.items(), key=lambda item: (item[1][0], item[0]))
        address, (_, former) = ranked[-1]
        targets[former] = address
        if len(ranked) > 1:
            others = ", ".join(f"/{a}" for a, _ in ranked[:-1])
            shared.append(
                f"/{former} was the address of more than one post before they moved; it "
                f"redirects to /{address}, which had it last (not to {others})"
            )
    return Redirects(targets, shared)
