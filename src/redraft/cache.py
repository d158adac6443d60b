"""The build cache: rendered Markdown and word diffs, addressed by their inputs.

Entries live in `.redraft-cache/` in the blog's repository. A key is a hash of everything the
value depends on (blob ids, source path, settings that change the HTML, the renderer's version),
so an entry can never be stale, only unused. Values are JSON, checked when read: a corrupt or
unreadable cache is ignored, never trusted, and the build renders afresh.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .diffs import Block, WordDiff
from .markdown import Rendered

FOLDER = ".redraft-cache"
DATABASE = "cache.sqlite3"
# A post's pages as one build wrote them: the fingerprint of what they show, and their files.
PageRecord = tuple[str, list[str]]
# What `redraft check` reads from a post's Markdown: its links and images as (kind, url, alt
# text), and its formulas that do not convert as (TeX, why).
Markup = tuple[tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...]]
# A problem `redraft check` found: (path, line, message, severity).
Finding = tuple[str, int, str, str]


@dataclass(frozen=True)
class SiteBuilt:
    """A build, as the cache remembers it for the inputs it was made from."""

    build: str
    posts: int
    files: int
    drafts: int  # committed posts left out as drafts
    waiting: int  # scheduled posts left out until their date


_KEYS_PER_QUERY = 500  # SQLite allows 999 parameters in a query (older versions)
_WAIT_FOR_WRITERS = 120  # seconds a worker waits for another's transaction to finish
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def folder(root: Path) -> Path | None:
    """The cache folder of the repository at `root`, or None when it must not be used: a link
    (the cache would be written wherever it leads, outside the repository)."""
    path = root / FOLDER
    return None if path.is_symlink() else path


def cache_key(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode("utf-8")).hexdigest()


class Cache:
    """Read entries from the cache file; collect new ones to be saved in one transaction."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.new: dict[str, str] = {}
        self._db = _open(path) if path is not None else None
        self._ahead: dict[str, str | None] = {}  # entries read ahead, None for missing ones
        self._records: dict[str, dict[str, Any]] = {}
        self._site_pages: dict[str, dict[str, PageRecord]] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read these entries ahead, a few queries for all: a rebuild looks up one render per
        post, and a query each costs more than the lookup."""
        for chunk, rows in self._rows("key, value", list(keys)):
            found = dict(rows)
            self._ahead.update((key, found.get(key)) for key in chunk)

    def rendered(self, key: str) -> Rendered | None:
        """A render, saved as a line of JSON for its small fields, then its HTML as it is: a
        rebuild reads thousands, and decoding the HTML as a JSON string was most of the cost."""
        raw = self._raw(key)
        head, newline, html = raw.partition("\n") if raw else ("", "", "")
        try:
            small = json.loads(head) if newline else None
            if not isinstance(small, list):
                return None
            toc, first_paragraph, words, *known = small
            return Rendered(
                html=html,
                toc=tuple((int(a), _text(b), _text(c)) for a, b, c in toc),
                first_paragraph=_text(first_paragraph),
                words=int(words),
                sections=tuple((_text(a), _text(b)) for a, b in known[0]) if known else None,
            )
        except (TypeError, ValueError):
            return None

    def known(self, keys: Iterable[str]) -> set[str]:
        """Which of these entries the cache holds, by key alone (their values are not read): a
        rebuild reads a text from git only when something made from it is missing."""
        wanted = list(keys)
        found = {key for key in wanted if key in self.new}
        for _, rows in self._rows("key", wanted):
            found.update(key for (key,) in rows)
        return found

    def _rows(self, columns: str, keys: list[str]) -> Iterator[tuple[list[str], list[Any]]]:
        """Each chunk of `keys` with the rows of `columns` the cache holds for it, a query per
        chunk (SQLite bounds a query's parameters); none after a query fails."""
        if self._db is None:
            return
        for at in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[at : at + _KEYS_PER_QUERY]
            query = f"SELECT {columns} FROM entries WHERE key IN ({','.join('?' * len(chunk))})"
            try:
                rows = self._db.execute(query, chunk).fetchall()
            except sqlite3.Error:
                return
            yield chunk, rows

    def render_head(self, key: str) -> tuple[int, tuple[tuple[str, str], ...]] | None:
        """A render's word count and section fingerprints, saved apart from its HTML: a living
        document's history needs them for hundreds of revisions, and not their pages."""
        try:
            words, sections = json.loads(self._raw("head:" + key) or "null")
            return int(words), tuple((_text(a), _text(b)) for a, b in sections)
        except (TypeError, ValueError):
            return None

    def put_head(self, key: str, words: int, sections: tuple[tuple[str, str], ...]) -> None:
        if self.path is not None:
            self.new["head:" + key] = json.dumps([words, sections], ensure_ascii=False)

    def text(self, key: str) -> str | None:
        """A piece of a page made once and kept as it is (see `put_text`)."""
        return self._raw("text:" + key)

    def put_text(self, key: str, value: str) -> None:
        """Keep a piece of a page, such as one revision's entry in a post's feed, so a page
        listing hundreds of them makes only the new ones."""
        if self.path is not None:
            self.new["text:" + key] = value

    def diff(self, key: str) -> WordDiff | None:
        value = self._get(key)
        try:
            blocks = tuple(
                Block(_text(k), _text(h), _text(t), int(n)) for k, h, t, n in value["blocks"]
            )
            notes = tuple(_text(note) for note in value["notes"])
            return WordDiff(blocks, int(value["added"]), int(value["removed"]), notes)
        except (TypeError, KeyError, ValueError):
            return None

    def site_pages(self, build: str) -> dict[str, PageRecord]:
        """What build `build` wrote for each post: its pages' fingerprint and files, by the
        post's address. Only a record whose files all stay inside the site is returned.
        Checked once per build (`site_files` reads them too)."""
        if build not in self._site_pages:
            self._site_pages[build] = self._checked_site_pages(build)
        return self._site_pages[build]

    def _checked_site_pages(self, build: str) -> dict[str, PageRecord]:
        value = self._get("site-pages:" + build).get("posts")
        if not isinstance(value, dict):
            return {}
        return {
            url: (record[0], record[1])
            for url, record in value.items()
            if isinstance(record, list)
            and len(record) == 2
            and isinstance(record[0], str)
            and isinstance(record[1], list)
            and all(_inside(p) for p in record[1])
        }

    def site_files(self, build: str) -> frozenset[str] | None:
        """Every file build `build` wrote, or None when its record is missing or not to be
        trusted (a path that would leave the site)."""
        value = self._get("site-pages:" + build)
        others, posts = value.get("files"), value.get("posts")
        if not isinstance(others, list) or not isinstance(posts, dict):
            return None
        records = self.site_pages(build)
        if len(records) != len(posts) or not all(_inside(p) for p in others):
            return None
        return frozenset(others).union(*(files for _, files in records.values()))

    def made_from(self, build: str) -> dict[str, str]:
        """The key of the inputs of each page of build `build` that is not a post's."""
        value = self._get("site-pages:" + build).get("made_from")
        if not isinstance(value, dict):
            return {}
        return {f: key for f, key in value.items() if _inside(f) and isinstance(key, str)}

    def put_site_pages(
        self,
        build: str,
        posts: dict[str, PageRecord],
        others: list[str] | None = None,
        made_from: dict[str, str] | None = None,
    ) -> None:
        """Record what build `build` wrote: each post's pages, every other file, and what the
        other pages that can be kept were made from."""
        value = {"posts": posts, "files": others or [], "made_from": made_from or {}}
        self.new["site-pages:" + build] = json.dumps(value, ensure_ascii=False)

    def site_built(self, inputs: str) -> SiteBuilt | None:
        """The build made from `inputs` (a key of everything a site is made from), if any."""
        value = self._get("site-inputs:" + inputs)
        build = value.get("build")
        counts = [value.get(name) for name in ("posts", "files", "drafts", "waiting")]
        numbers = [n for n in counts if isinstance(n, int)]
        if not isinstance(build, str) or len(numbers) != len(counts):
            return None
        return SiteBuilt(build, *numbers)

    def put_site_built(self, inputs: str, built: SiteBuilt) -> None:
        self.new["site-inputs:" + inputs] = json.dumps(asdict(built))

    def put(self, key: str, value: Rendered | WordDiff) -> None:
        if self.path is None:
            return  # a build without a cache: nothing would read the entry (4% of a cold build)
        if isinstance(value, Rendered):
            small: list[object] = [value.toc, value.first_paragraph, value.words]
            if value.sections is not None:
                small.append(value.sections)
                self.put_head(key, value.words, value.sections)
            self.new[key] = json.dumps(small, ensure_ascii=False) + "\n" + value.html
            return
        data = asdict(value)
        data["blocks"] = [(b.kind, b.html, b.text, b.folded) for b in value.blocks]
        self.new[key] = json.dumps(data, ensure_ascii=False)

    def markup(self, key: str) -> Markup | None:
        """What `redraft check` read from one Markdown text (see `put_markup`)."""
        value = self._get(key)
        try:
            links = tuple((_text(k), _text(u), _text(a)) for k, u, a in value["links"])
            formulas = tuple((_text(tex), _text(problem)) for tex, problem in value["formulas"])
        except (TypeError, KeyError, ValueError):
            return None
        return links, formulas

    def put_markup(self, key: str, value: Markup) -> None:
        if self.path is not None:
            links, formulas = value
            self.new[key] = json.dumps({"links": links, "formulas": formulas}, ensure_ascii=False)

    def findings(self, key: str) -> list[Finding] | None:
        """What `redraft check --committed` found in one commit (see `put_findings`)."""
        value = self._get(key).get("findings")
        if not isinstance(value, list):
            return None
        try:
            return [(_text(p), int(n), _text(m), _text(s)) for p, n, m, s in value]
        except (TypeError, ValueError):
            return None

    def put_findings(self, key: str, findings: list[Finding]) -> None:
        if self.path is not None:
            self.new[key] = json.dumps({"findings": findings}, ensure_ascii=False)

    def save(self) -> None:
        """Store the new entries and forget them. Each worker process saves its own, waiting
        for the others' transactions: entries are never sent to the parent, which would hold
        every render of the build in memory. A cache that cannot be written is skipped, since
        the next build only renders again."""
        entries, self.new = self.new, {}
        if self.path is None or not entries:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_WAIT_FOR_WRITERS)
            try:
                with db:
                    db.execute(_SCHEMA)
                    db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", entries.items())
            finally:
                db.close()
        except (sqlite3.Error, OSError):
            return  # a file where the folder should be, no permission, a locked database

    def _get(self, key: str) -> dict[str, Any]:
        if key in self._records:
            return self._records[key]
        raw = self._raw(key)
        try:
            value = _as_dict(json.loads(raw)) if raw is not None else {}
        except (json.JSONDecodeError, TypeError):
            value = {}
        if key.startswith("site-pages:") and key not in self.new:
            self._records[key] = value  # a site's record is read three ways; decoded once
        return value

    def _raw(self, key: str) -> str | None:
        """The entry's text as saved; None when missing or not text."""
        if key in self.new:
            return self.new[key]
        if key in self._ahead:
            value = self._ahead.pop(key)
        elif self._db is None:
            return None
        else:
            try:
                row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                return None
            value = row[0] if row else None
        return value if isinstance(value, str) else None


def _text(value: object) -> str:
    """A string read from the cache; a TypeError (the entry is not used) for any other type."""
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _as_dict(value: object) -> dict[str, Any]:
    """A JSON object read from the cache; anything else is treated as a missing entry."""
    return value if isinstance(value, dict) else {}


def _inside(path: object) -> bool:
    """Whether a path read from the cache stays inside the output folder."""
    return isinstance(path, str) and not path.startswith("/") and "/../" not in f"/{path}/"


def _open(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute("SELECT key, value FROM entries LIMIT 1").fetchall()
        return db
    except sqlite3.Error:
        return None
