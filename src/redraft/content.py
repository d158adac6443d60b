"""Posts: which files are posts, their front matter, titles, URLs and dates.

Owns the step from files (committed blobs, or working-tree files with --drafts) to `Post` and
`Asset` records. A plain build reads the HEAD tree only: publishing is committing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import posixpath
import re
import reprlib
from collections.abc import Callable, Iterable, KeysView
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import git
import yaml

from . import history, urls
from ._text import CONTROL_CHARACTERS, check_file_name, check_file_names
from ._version import __version__
from .config import GLOB_CHARACTERS, Settings
from .errors import RedraftError
from .history import Trail
from .site_files import read_inside

COMMITTED, UNCOMMITTED, UNTRACKED = "committed", "uncommitted", "untracked"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r" {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*(?:\r?\n|\Z)")
_SETEXT_UNDERLINE = re.compile(r" {0,3}=+[ \t]*(?:\r?\n|\Z)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# libyaml's loader when PyYAML was built with it: the same safe subset of YAML, many times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_T = TypeVar("_T")
_KNOWN_KEYS = {"title", "tags", "summary", "draft", "date", "updated", "toc", "image"}
# Keys whose YAML types are wanted; every other value keeps the text the author wrote.
_TYPED_KEYS = {"draft", "toc", "date", "updated"}
_RETYPED = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")}
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxlist, _SHORT_REPR.maxdict = 2, 4, 4
_SHORT_REPR.maxstring, _SHORT_REPR.maxother, _SHORT_REPR.maxlong = 60, 60, 40


@dataclass(frozen=True)
class Source:
    """A file under the posts folder: its text comes from a blob or the working tree."""

    path: str
    data: bytes
    blob: str = ""
    status: str = COMMITTED


class _SourceReadLater(Source):
    """A committed post whose bytes are read from git when first asked for: a rebuild knows
    most posts' front matter by their blob ids (see `ReadPosts`) and renders few of them."""

    def __init__(self, path: str, blob: str, read: Callable[[], bytes]) -> None:
        for name, value in (("path", path), ("blob", blob), ("status", COMMITTED), ("_read", read)):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name != "data":  # the one field without a class default: see Source
            raise AttributeError(name)
        data = self._read()
        object.__setattr__(self, "data", data)
        return data

    def __reduce__(self) -> tuple[type[Source], tuple[str, bytes, str, str]]:
        return Source, (self.path, self.data, self.blob, self.status)


@dataclass(frozen=True)
class Post:
    source: str  # repo-relative path, e.g. posts/hello.md
    url: str  # site path, e.g. posts/hello/
    title: str
    body: str  # Markdown without front matter (and without a heading used as the title)
    tags: tuple[str, ...] = ()
    summary: str = ""
    draft: bool = False
    toc: bool | None = None
    status: str = COMMITTED
    blob: str = ""
    trail: Trail = field(default_factory=lambda: Trail(()))
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    scheduled: bool = False  # its front matter date is later than the build's now
    is_page: bool = False  # a standalone page (pages/about.md at /about/), not a dated post
    image: str = ""  # for sharing cards: a site address ('posts/a/card.png') or a full URL

    @property
    def preview_label(self) -> str:
        """'draft', 'scheduled', 'uncommitted changes' or '' for what a plain build would
        publish as is."""
        if self.draft or self.status == UNTRACKED:
            return "draft"
        if self.scheduled:
            return "scheduled"
        return "uncommitted changes" if self.status == UNCOMMITTED else ""


@dataclass(frozen=True)
class Asset:
    """A non-Markdown file under the posts folder, copied to the same path in the output."""

    path: str
    data: bytes


@dataclass(frozen=True)
class Inventory:
    """What the posts folder holds for this build."""

    sources: list[Source]
    assets: list[Asset]
    untracked: list[str]  # posts a plain build leaves out
    modified: list[str]  # posts whose committed text is published, not the edited one


def read_inventory(
    repo: git.Repo | None,
    head: str | None,
    settings: Settings,
    *,
    drafts: bool,
    folder: str | None = None,
    known: Callable[[str, str], bool] | None = None,
) -> Inventory:
    """Posts and assets from the HEAD tree, or from the working tree when `drafts` is set: the
    posts as the `posts` and `exclude` settings choose them, or every file under `folder` (the
    standalone pages). A post whose text is `known` (by blob id and path) is read from git only
    when asked for; the others are read together, in one go."""
    folders, chosen, excluded = _choice(settings, folder)
    committed = _committed_files(repo, head, folders) if repo is not None and head else {}
    untracked, modified = _uncommitted(repo, committed.keys(), settings, folders, drafts=drafts)
    selected = _selection(chosen, excluded, committed.keys() | untracked | modified)
    committed = {path: blob for path, blob in committed.items() if path in selected}
    untracked &= selected
    modified &= selected

    later = {p for p, b in committed.items() if known and p.endswith(".md") and known(b, p)}
    now = [blob for path, blob in committed.items() if path not in later]
    contents = history.read_blobs(repo, now) if repo and now else {}
    files: dict[str, Source] = {
        path: (
            _SourceReadLater(path, blob, partial(_read_committed, repo, path, blob))
            if path in later
            else Source(path, _unpointed(repo, path, contents[blob]), blob)
        )
        for path, blob in committed.items()
    }
    if drafts:
        for path in sorted(modified | untracked):
            data = read_inside(settings.source, path)
            if data is None:
                files.pop(path, None)  # deleted in the working tree
            else:
                status = UNTRACKED if path in untracked else UNCOMMITTED
                files[path] = Source(path, data, status=status)

    check_file_names(files)
    sources = [s for path, s in sorted(files.items()) if path.endswith(".md")]
    assets = [Asset(path, s.data) for path, s in sorted(files.items()) if not path.endswith(".md")]
    return Inventory(
        sources=sources,
        assets=assets,
        untracked=sorted(p for p in untracked if p.endswith(".md")),
        modified=sorted(p for p in modified if p.endswith(".md") and p in committed),
    )


def _read_committed(repo: git.Repo | None, path: str, blob: str) -> bytes:
    assert repo is not None  # a committed file comes from a repository
    return _unpointed(repo, path, history.read_blob(repo, blob))


_LFS_POINTER = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n"
)


def _unpointed(repo: git.Repo | None, path: str, data: bytes) -> bytes:
    """A committed file's bytes; for a Git LFS pointer, the file it points to, from git's LFS
    store (`git lfs pull` fetches it). A pointer is never published in place of the file."""
    pointer = _LFS_POINTER.match(data) if repo is not None and len(data) < 1024 else None
    if pointer is None or repo is None:
        return data
    if path.endswith(".md"):
        raise RedraftError(
            f"{path}: the post is stored in Git LFS, but a post's history is read from git, "
            "which holds only LFS pointers; keep *.md files out of LFS (.gitattributes)"
        )
    oid = pointer.group(1).decode("ascii")
    stored = Path(repo.common_dir) / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
    try:
        content = stored.read_bytes()
    except OSError:
        content = b""
    if len(content) != int(pointer.group(2)) or hashlib.sha256(content).hexdigest() != oid:
        raise RedraftError(
            f"{path}: a Git LFS pointer whose file is not in this clone; fetch it with "
            "`git lfs pull` (in GitHub Actions: actions/checkout with `lfs: true`)"
        )
    return content


@dataclass(frozen=True)
class CopiedFile:
    """A file published as it is: one of the `static` folder at the site's root, or the
    `extra_css` file."""

    source: str  # its path in the repository
    address: str
    data: bytes


def read_copied_files(
    repo: git.Repo | None, head: str | None, settings: Settings, *, drafts: bool
) -> list[CopiedFile]:
    """The `static` folder's files, each at its path inside the folder, then the `extra_css`
    file at its address under /static/: from the commit, or the working tree with `drafts`."""
    folder = settings.static
    wanted = [folder, settings.extra_css] if settings.extra_css else [folder]
    files: dict[str, bytes] = {}
    for name in wanted:
        files |= _read_committed_or_working(repo, head, settings, name, drafts=drafts)
    copied = [
        CopiedFile(path, PurePosixPath(path).relative_to(folder).as_posix(), data)
        for path, data in sorted(files.items())
        if path != settings.extra_css
    ]
    if settings.extra_css:
        if settings.extra_css not in files:
            raise RedraftError(f"extra_css: no file {settings.extra_css} in the repository")
        address = urls.static(urls.EXTRA_CSS)
        copied.append(CopiedFile(settings.extra_css, address, files[settings.extra_css]))
    return copied


def _read_committed_or_working(
    repo: git.Repo | None, head: str | None, settings: Settings, name: str, *, drafts: bool
) -> dict[str, bytes]:
    """The files at `name` (a folder or a file) by path, as a build reads them."""
    files: dict[str, bytes] = {}
    if drafts or repo is None or head is None:
        paths = _working_files(settings.source, [name], settings.output) or [name]
        for path in paths:
            data = read_inside(settings.source, path)
            if data is not None:
                files[path] = data
    else:
        committed = _committed_files(repo, head, [name])
        blobs = history.read_blobs(repo, committed.values()) if committed else {}
        files = {path: _unpointed(repo, path, blobs[blob]) for path, blob in committed.items()}
    for path in files:
        check_file_name(path)
    return files


def uncommitted(
    repo: git.Repo, head: str, settings: Settings, folder: str | None = None
) -> tuple[list[str], list[str]]:
    """The posts (or the files under `folder`) a plain build leaves out (untracked) and those
    whose edits it leaves out (modified), as `Inventory` lists them, without reading any post."""
    folders, chosen, excluded = _choice(settings, folder)
    committed = _committed_files(repo, head, folders)
    untracked, modified = _uncommitted(repo, committed.keys(), settings, folders, drafts=False)
    selected = _selection(chosen, excluded, committed.keys() | untracked | modified)
    return (
        sorted(p for p in untracked & selected if p.endswith(".md")),
        sorted(p for p in modified & selected if p.endswith(".md") and p in committed),
    )


def _choice(
    settings: Settings, folder: str | None
) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """(the folders to list, the entries choosing files in them, the entries leaving files out):
    the `posts` and `exclude` settings, or all of `folder`."""
    if folder is None:
        # A pattern such as "**/*.md" reaches into the pages folder: its files are pages.
        return list(settings.post_folders), settings.posts, settings.exclude + (settings.pages,)
    return [folder], (folder,), ()


def _uncommitted(
    repo: git.Repo | None,
    committed: KeysView[str],
    settings: Settings,
    folders: list[str],
    *,
    drafts: bool,
) -> tuple[set[str], set[str]]:
    """(untracked, modified) files under `folders`."""
    if repo is not None and committed:
        untracked, modified = history.uncommitted_paths(repo, *folders)
        # A post that is staged (git add) but was never committed is not published either.
        return untracked | (modified - committed), modified & committed
    if repo is not None or drafts:
        return set(_working_files(settings.source, folders, settings.output)), set()
    return set(), set()


def committed_posts(repo: git.Repo, settings: Settings) -> list[str]:
    """The paths of the posts in the HEAD tree, as the `posts` and `exclude` settings choose,
    and of the standalone pages."""
    found: set[str] = set()
    for folder in (None, settings.pages):
        folders, chosen, excluded = _choice(settings, folder)
        found |= _selection(chosen, excluded, _committed_files(repo, "HEAD", folders))
    return sorted(path for path in found if path.endswith(".md"))


def _selection(posts: tuple[str, ...], exclude: tuple[str, ...], paths: Iterable[str]) -> set[str]:
    """The posts among `paths` and the files published beside them, as `posts` and `exclude`
    (the settings, or one folder of pages) choose them.

    A post is a `.md` file under a `posts` folder, or matched by a `posts` pattern, and matched
    by no `exclude` pattern. Every other file under a posts folder is published at its path
    (images, data); a pattern publishes the other files of the folders its posts are in.
    """
    folders = [p.strip("/") for p in posts if not _is_pattern(p)]
    patterns = [_pattern(p) for p in posts if _is_pattern(p)]
    excluded = [_pattern(p) for p in exclude]

    def chosen(path: str) -> bool:
        if not excluded:  # the usual case: no prefixes to build for each of thousands of paths
            return True
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        return not any(pattern.fullmatch(p) for pattern in excluded for p in prefixes)

    inside = {p for p in paths if any(f == "." or p.startswith(f + "/") for f in folders)}
    matched = {p for p in paths if p.endswith(".md") and any(r.fullmatch(p) for r in patterns)}
    beside = {posixpath.dirname(p) for p in matched if chosen(p)}
    inside |= {p for p in paths if posixpath.dirname(p) in beside}
    return {p for p in inside | matched if chosen(p)}


def _is_pattern(entry: str) -> bool:
    """Whether a `posts` entry is a pattern (a glob, or one file) rather than a folder."""
    return bool(GLOB_CHARACTERS.search(entry)) or entry.endswith(".md")


def _pattern(glob: str) -> re.Pattern[str]:
    """A path pattern as a regular expression: `*` and `?` within a folder name, `**` across
    folders; a plain folder name stands for everything in it."""
    glob = glob.strip("/")
    if not GLOB_CHARACTERS.search(glob):
        return re.compile(re.escape(glob) + r"(?:/.*)?")
    parts = []
    for part in glob.split("/"):
        # As in a shell, a wildcard does not match a name starting with a dot (.github).
        if part == "**":
            parts.append(r"(?:(?!\.)[^/]+/)*")
        else:
            hidden = "" if part.startswith(".") else r"(?!\.)"
            parts.append(hidden + _GLOB_PART.sub(_glob_regex, part) + "/")
    return re.compile("".join(parts).removesuffix("/"))


_GLOB_PART = re.compile(r"\*|\?|\[!?[^\]]*\]|[^*?\[]+|\[")


def _glob_regex(match: re.Match[str]) -> str:
    token = match.group()
    if token == "*":
        return "[^/]*"
    if token == "?":
        return "[^/]"
    if token.startswith("[") and token.endswith("]") and len(token) > 2:
        return "[^" + token[2:] if token.startswith("[!") else token
    return re.escape(token)


def _committed_files(repo: git.Repo, head: str, folders: list[str]) -> dict[str, str]:
    # Symlinks (mode 120000) are never followed: their target may lie outside the repository.
    entries = history.list_tree(repo, *folders, rev=head)
    return {e.path: e.blob for e in entries if e.mode != "120000"}


def _working_files(root: Path, folders: list[str], output: str) -> list[str]:
    found = []
    skipped = (root / output).resolve()
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and (Path(dirpath) / d).resolve() != skipped
            )  # fmt: skip
            for name in filenames:
                if not name.startswith("."):
                    found.append((Path(dirpath) / name).relative_to(root).as_posix())
    return sorted(set(found))


def parse_post(
    source: Source,
    trail: Trail | None = None,
    *,
    zone: dt.tzinfo = dt.UTC,
    now: dt.datetime | None = None,
) -> Post:
    """A `Post` from a source file; a RedraftError naming the file (and line) if it is malformed.

    With `now`, a post whose front matter `date` is later is marked scheduled."""
    post, problems = read_post(source, trail, zone=zone, now=now)
    if problems:
        raise problems[0]
    assert post is not None  # only undecodable text gives no post, and that is a problem
    return post


def read_post(
    source: Source,
    trail: Trail | None = None,
    *,
    zone: dt.tzinfo = dt.UTC,
    now: dt.datetime | None = None,
) -> tuple[Post | None, list[RedraftError]]:
    """The post as far as it can be read, and every problem found in it rather than the first:
    a front matter that is not YAML still leaves the body to read, an unknown key still leaves
    the known ones. No post only when the text cannot be decoded."""
    try:
        text = _text_of(source)
    except UnicodeDecodeError as exc:
        line = source.data.count(b"\n", 0, exc.start) + 1
        message = f"not valid UTF-8 text (byte {exc.start}); save the file as UTF-8"
        return None, [RedraftError(f"{source.path}:{line}: {message}")]
    front, problems = _read_front(source.path, text, zone)
    return _post(source, text, front, trail, now), problems


def _text_of(source: Source) -> str:
    return source.data.decode("utf-8").removeprefix("\ufeff")


@dataclass(frozen=True)
class _Front:
    """What a post's own text says of it: all of a `Post` but its trail and the build's time."""

    title: str
    body_at: int  # where the body starts in the text, after the front matter
    heading: tuple[int, int] | None  # the lines of the heading taken as the title, in the body
    tags: tuple[str, ...]
    summary: str
    draft: bool
    toc: bool | None
    image: str
    date: dt.datetime | None  # the front matter's date and updated
    changed: dt.datetime | None


def _read_front(path: str, text: str, zone: dt.tzinfo) -> tuple[_Front, list[RedraftError]]:
    problems: list[RedraftError] = []
    bad = CONTROL_CHARACTERS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        problems.append(
            RedraftError(
                f"{path}:{line}: contains the control character U+{ord(bad.group()):04X}, "
                "which web pages and feeds cannot carry; delete it"
            )
        )
    meta, body = _split_front_matter(path, text, problems)

    def read(convert: Callable[[], _T], fallback: _T) -> _T:
        try:
            return convert()
        except RedraftError as exc:
            problems.append(exc)
            return fallback

    title = meta.get("title")
    cut = None
    if title is None:
        heading = first_heading(body)
        if heading:
            title, start, end = heading
            cut = (start, end)
        else:
            title = PurePosixPath(urls.post(path)).name.replace("-", " ").replace("_", " ")

    lines = _key_lines(text)

    def at(key: str) -> str:
        """Where a front matter value is written: 'path:line', or the path alone."""
        return f"{path}:{lines[key]}" if key in lines else path

    front = _Front(
        title=read(lambda: _as_text(at("title"), "title", title), path),
        body_at=len(text) - len(body),
        heading=cut,
        tags=read(lambda: _as_tags(at("tags"), meta.get("tags")), ()),
        summary=read(lambda: _as_text(at("summary"), "summary", meta.get("summary") or ""), ""),
        draft=bool(read(lambda: _as_flag(at("draft"), "draft", meta.get("draft")), None)),
        toc=read(lambda: _as_flag(at("toc"), "toc", meta.get("toc")), None),
        image=read(lambda: _as_image(at("image"), path, meta.get("image")), ""),
        date=read(lambda: _as_datetime(at("date"), "date", meta.get("date"), zone), None),
        changed=read(
            lambda: _as_datetime(at("updated"), "updated", meta.get("updated"), zone), None
        ),
    )
    return front, problems


def _post(
    source: Source, text: str, front: _Front, trail: Trail | None, now: dt.datetime | None
) -> Post:
    """The post of `source`: what its text says, dated by its trail where the text does not."""
    return _dated_post(source, front, trail, now, _body(text, front))


def _body(text: str, front: _Front) -> str:
    """The Markdown of a post's text without its front matter and the heading taken as title."""
    body = text[front.body_at :]
    if front.heading:
        start, end = front.heading
        body = body[:start] + body[end:]
    return body


class _PostReadLater(Post):
    """A post whose body is cut from its text when first asked for (see `_SourceReadLater`):
    a rebuild needs the body only of a post whose render is not in the cache."""

    def __getattr__(self, name: str) -> Any:
        if name != "body":  # the one field `_post_read_later` leaves unset
            raise AttributeError(name)
        body = self._body()
        object.__setattr__(self, "body", body)
        return body

    def __reduce__(self) -> tuple[type[Post], tuple[object, ...]]:
        return Post, tuple(getattr(self, f.name) for f in fields(Post))


def _post_read_later(
    source: Source, front: _Front, trail: Trail | None, now: dt.datetime | None
) -> Post:
    later = _dated_post(source, front, trail, now, "", kind=_PostReadLater)
    object.__delattr__(later, "body")
    object.__setattr__(later, "_body", lambda: _body(_text_of(source), front))
    return later


def _dated_post(
    source: Source,
    front: _Front,
    trail: Trail | None,
    now: dt.datetime | None,
    body: str,
    kind: type[Post] = Post,
) -> Post:
    trail = trail or Trail(())
    date, changed = front.date, front.changed
    published = date or trail.published
    updated = changed or trail.updated
    return kind(
        source=source.path,
        url=urls.post(source.path),
        title=front.title,
        body=body,
        tags=front.tags,
        summary=front.summary,
        draft=front.draft,
        toc=front.toc,
        status=source.status,
        blob=source.blob,
        trail=trail,
        published=published,
        updated=max(updated, published) if updated and published else updated or published,
        scheduled=bool(date and now and date > now),
        image=front.image,
    )


class ReadPosts:
    """What the text of each committed post said when a build last read it, kept between builds
    by blob id (which names the text) and path: a rebuild parses only the posts whose text
    changed, not every post's front matter again. Only a text read without any problem is
    kept, so an error is always found afresh. Without a cache folder, a plain memo."""

    _VERSION = 1

    def __init__(self, cache_dir: Path | None, zone: dt.tzinfo) -> None:
        self.zone = zone
        # Dates without an offset take the zone's: its name is part of the file's key, and so is
        # the engine's version (a new one may read front matter differently).
        key = f"{self._VERSION}:{__version__}:{zone}"
        name = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.path = cache_dir / f"posts-{name}.json" if cache_dir else None
        self._saved = self._load()
        self._used: dict[str, _Front] = {}

    def parse(self, source: Source, trail: Trail | None, *, now: dt.datetime | None) -> Post:
        """As `parse_post`, the front matter read from the cache when the text is known."""
        key = f"{source.blob} {source.path}"
        front = self._used.get(key) or self._saved.get(key) if source.blob else None
        if front is None:
            return self._read(source, key, trail, now)
        self._used[key] = front
        return _post_read_later(source, front, trail, now)

    def knows(self, blob: str, path: str) -> bool:
        """Whether a build read the text `blob` at `path` without a problem."""
        return f"{blob} {path}" in self._saved

    def known(self, source: Source, *, now: dt.datetime | None) -> Post | None:
        """The post without its trail when a build read its text without a problem, else None
        (`redraft check` then reads it, problems and all)."""
        front = self._saved.get(f"{source.blob} {source.path}") if source.blob else None
        return _post(source, _text_of(source), front, None, now) if front else None

    def _read(self, source: Source, key: str, trail: Trail | None, now: dt.datetime | None) -> Post:
        try:
            text = _text_of(source)
        except UnicodeDecodeError:
            return parse_post(source, trail, zone=self.zone, now=now)  # the error, with its line
        front, problems = _read_front(source.path, text, self.zone)
        if problems:
            raise problems[0]
        if source.blob:
            self._used[key] = front
        return _post(source, text, front, trail, now)

    def save(self) -> None:
        """Keep what this build read, and forget the posts it did not."""
        if self.path is None or self._used.keys() == self._saved.keys():
            return
        data = {key: _front_row(front) for key, front in sorted(self._used.items())}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.path)
        except OSError:
            return  # the next build parses again

    def _load(self) -> dict[str, _Front]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8")) if self.path else {}
        except (OSError, ValueError):
            return {}
        found = {}
        for key, row in data.items() if isinstance(data, dict) else ():
            front = _front_of_row(row, self.zone)
            if front is not None and isinstance(key, str):
                found[key] = front
        return found


def _front_row(front: _Front) -> list[object]:
    return [
        front.title, front.body_at, front.heading, list(front.tags), front.summary, front.draft,
        front.toc, front.image, _date_row(front.date), _date_row(front.changed),
    ]  # fmt: skip


def _date_row(moment: dt.datetime | None) -> list[str] | None:
    """A front matter date as JSON: in the site's zone (written without an offset), or at the
    offset it was written with."""
    if moment is None:
        return None
    if isinstance(moment.tzinfo, ZoneInfo):
        return ["zone", moment.replace(tzinfo=None).isoformat()]
    return ["fixed", moment.isoformat()]


def _front_of_row(row: object, zone: dt.tzinfo) -> _Front | None:
    """A `_Front` read back from the cache; None for anything else (the post is parsed)."""
    if not isinstance(row, list) or len(row) != 10:
        return None
    title, body_at, heading, tags, summary, draft, toc, image, date, changed = row
    try:
        return _Front(
            _checked(title, str), _checked(body_at, int),
            None if heading is None else (_checked(heading[0], int), _checked(heading[1], int)),
            tuple(_checked(tag, str) for tag in _checked(tags, list)), _checked(summary, str),
            _checked(draft, bool), None if toc is None else _checked(toc, bool),
            _checked(image, str), _date_of_row(date, zone), _date_of_row(changed, zone),
        )  # fmt: skip
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _date_of_row(row: object, zone: dt.tzinfo) -> dt.datetime | None:
    if row is None:
        return None
    if not isinstance(row, list) or len(row) != 2 or row[0] not in ("zone", "fixed"):
        raise ValueError("not a saved date")
    moment = dt.datetime.fromisoformat(_checked(row[1], str))
    if row[0] == "zone":
        return moment.replace(tzinfo=zone)
    if moment.tzinfo is None:
        raise ValueError("a fixed date without its offset")
    return moment


def _checked(value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}")
    return value


def parse_revision(blob: str, text: str, current: str, zone: dt.tzinfo) -> Post:
    """A post as it was at one revision; one whose front matter no longer parses is all text.

    Its links and images are resolved from the post's current path: the site holds the files of
    HEAD, so an image that moved along with the post is found where it is now.
    """
    source = Source(current, text.encode("utf-8"), blob, COMMITTED)
    try:
        return parse_post(source, zone=zone)
    except RedraftError:
        return Post(source=current, url=urls.post(current), title="", body=text, blob=blob)


def first_heading(body: str) -> tuple[str, int, int] | None:
    """The first level-1 heading wherever it stands (`# Title`, or a line underlined with `=`),
    outside code: (its text, where its lines start and end in `body`)."""
    fence = ""
    offset, previous = 0, None
    for line in body.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
        elif opening:
            fence = opening.group(1)
        elif heading := _ATX_HEADING.fullmatch(line):
            return heading.group(1).strip(), offset, offset + len(line)
        elif previous and _SETEXT_UNDERLINE.fullmatch(line):
            text, start = previous
            return text.strip(), start, offset + len(line)
        blank = not line.strip() or fence or line.startswith(("    ", "\t"))
        previous = None if blank else (line, offset)
        offset += len(line)
    return None


def _key_lines(text: str) -> dict[str, int]:
    """The file line of each top-level front matter key (line 1 is the opening ---)."""
    match = _FRONT_MATTER.match(text)
    found: dict[str, int] = {}
    for number, line in enumerate((match.group(1) or "").splitlines() if match else (), 2):
        key = re.match(r"([A-Za-z_][\w-]*)[ \t]*:", line)
        if key:
            found.setdefault(key.group(1), number)
    return found


def _split_front_matter(
    path: str, text: str, problems: list[RedraftError]
) -> tuple[dict[str, Any], str]:
    """The front matter's known keys and the body; what is wrong with it goes to `problems`."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    source, body = match.group(1) or "", text[match.end() :]
    try:
        meta = _load_as_written(source) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(RedraftError(f"{path}{line}: invalid front matter: {problem}"))
        return {}, body
    except (ValueError, OverflowError, RecursionError) as exc:
        # Well-formed YAML whose value cannot be built, such as the date 2024-02-30.
        failing = _failing_line(source)
        where = f"{path}:{failing}" if failing else path
        problems.append(RedraftError(f"{where}: invalid front matter: {exc or type(exc).__name__}"))
        return {}, body
    if not isinstance(meta, dict):
        problems.append(RedraftError(f"{path}:2: front matter must be 'key: value' lines"))
        return {}, body
    unknown = sorted(_shown_key(k) for k in meta if k not in _KNOWN_KEYS)
    if unknown:
        problems.append(
            RedraftError(
                f"{path}: unknown front matter key(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(_KNOWN_KEYS))})"
            )
        )
    return {k: v for k, v in meta.items() if k in _KNOWN_KEYS}, body


def _load_as_written(source: str) -> object:
    """The front matter, with every plain value of a text key kept as the text the author wrote.

    YAML 1.1 reads `title: 12:30` as 750 and `tags: [no, on, 1.10, 010]` as False, True, 1.1 and
    8; only `draft`, `toc`, `date` and `updated` want such types, so only they are resolved.
    """
    loader = _YAML_LOADER(source)
    try:
        node = loader.get_single_node()
        if isinstance(node, yaml.MappingNode):
            seen: set[int] = set()
            for key, value in node.value:
                if not (isinstance(key, yaml.ScalarNode) and key.value in _TYPED_KEYS):
                    _keep_text(value, seen)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _keep_text(node: yaml.Node, seen: set[int]) -> None:
    """Retag the implicitly typed scalars under `node` as strings. `seen` guards against aliases,
    which share nodes: a billion laughs is visited once per node, not once per path."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        if node.tag in _RETYPED:
            node.tag = "tag:yaml.org,2002:str"
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _keep_text(item, seen)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _keep_text(key, seen)
            _keep_text(value, seen)


def _shown(value: object) -> str:
    """A value quoted in a one-line error message, bounded whatever its size or depth."""
    return _SHORT_REPR.repr(value)


def _shown_key(key: object) -> str:
    text = key if isinstance(key, str) else _shown(key)
    return text if len(text) <= 60 else text[:57] + "..."


def _failing_line(source: str) -> int | None:
    """The file line of the first front matter value that YAML parses but cannot construct."""
    loader = _YAML_LOADER(source)
    try:
        node = loader.get_single_node()
        for _, value in node.value if isinstance(node, yaml.MappingNode) else ():
            try:
                loader.construct_object(value, deep=True)
            except (ValueError, OverflowError, RecursionError, yaml.YAMLError):
                return int(value.start_mark.line) + 2  # line 1 is the opening ---
    except (ValueError, OverflowError, RecursionError, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
    return None


def _as_text(path: str, key: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        raise RedraftError(f"{path}: front matter {key!r} must be text, got {_shown(value)}")
    return str(value).strip()


def _as_image(where: str, path: str, value: object) -> str:
    """The `image` front matter as a full URL, or as the site address of a file written
    relative to the post at `path` ('card.png') or to the site ('/static/card.png')."""
    if value is None:
        return ""
    text = _as_text(where, "image", value)
    if urlsplit(text).scheme:
        return text
    if text.startswith("/"):
        return text.lstrip("/")
    return urls.link_target(text, path) or text


def _as_flag(path: str, key: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise RedraftError(f"{path}: front matter {key!r} must be true or false, got {_shown(value)}")


def _as_tags(path: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [t for t in re.split(r"[,\s]+", value) if t]
    if not isinstance(value, list) or not all(isinstance(t, str | int | float) for t in value):
        raise RedraftError(f"{path}: tags must be a list of words, like [notes, python]")
    return tuple(dict.fromkeys(str(t).strip() for t in value if str(t).strip()))


def _as_datetime(path: str, key: str, value: object, zone: dt.tzinfo) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise RedraftError(
                f"{path}: front matter {key!r} is not a date: {_shown(value)} (use 2024-05-01 or "
                "2024-05-01T09:30:00+02:00)"
            ) from None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(), tzinfo=zone)
    else:
        raise RedraftError(f"{path}: front matter {key!r} is not a date: {_shown(value)}")
    try:
        moment.astimezone(dt.UTC).astimezone(zone)  # how feeds and pages will show it
    except (OverflowError, ValueError):
        raise RedraftError(
            f"{path}: front matter {key!r} is out of range: {_shown(value)} (years 1 to 9999)"
        ) from None
    return moment


def published_posts(
    sources: list[Source],
    trails: dict[str, Trail],
    settings: Settings,
    *,
    drafts: bool,
    now: dt.datetime,
    future: bool = False,
    read_posts: ReadPosts | None = None,
) -> tuple[list[Post], list[Post]]:
    """The posts a build publishes (drafts too, with `drafts`; scheduled ones too, with
    `future`), newest first, and the scheduled posts it leaves out; a RedraftError when two
    posts would share an address."""
    read = read_posts or ReadPosts(None, settings.zone)
    posts = [read.parse(s, trails.get(s.path), now=now) for s in sources]
    if not drafts:
        posts = [p for p in posts if not p.draft]
    _check_unique_urls(posts)
    waiting = sorted((p for p in posts if p.scheduled and not future), key=_newest_first)
    shown = [p for p in posts if future or not p.scheduled]
    return sorted(shown, key=_newest_first), waiting[::-1]


# Files a browser runs as a document of the site's origin when opened: with raw_html = false,
# the posts folder must not carry them (an SVG or XML file can hold script as well as HTML can).
ACTIVE_SUFFIXES = (
    ".html", ".htm", ".shtml", ".xhtml", ".xht", ".svg", ".svgz", ".xml", ".xsl", ".xslt",
)  # fmt: skip


def active_file_problem(path: str) -> str | None:
    """Why the file at `path` may not be published when raw_html is false, or None."""
    if not path.lower().endswith(ACTIVE_SUFFIXES):
        return None
    return (
        "raw_html = false, and this file would run as a page of the site (HTML, SVG and XML "
        "can hold script); remove it, convert it (an SVG to PNG), or set raw_html = true"
    )


def check_inert(assets: list[Asset]) -> None:
    """A RedraftError for the first asset a browser would run as a page (raw_html = false)."""
    for asset in assets:
        problem = active_file_problem(asset.path)
        if problem:
            raise RedraftError(f"{asset.path}: {problem}")


def published_assets(inventory: Inventory, posts: list[Post], *, drafts: bool) -> list[Asset]:
    """The files beside posts, without those in the folder of a post left out as a draft
    (posts/secret/index.md with `draft: true` keeps posts/secret/plan.txt private too); a
    preview with `drafts` shows them all."""
    if drafts:
        return inventory.assets
    published = {p.source for p in posts}
    hidden = tuple(
        s.path.removesuffix("index.md")
        for s in inventory.sources
        if s.path.endswith("/index.md") and s.path not in published
    )
    return [a for a in inventory.assets if not a.path.startswith(hidden)]


def standalone_pages(
    sources: list[Source],
    trails: dict[str, Trail],
    settings: Settings,
    *,
    drafts: bool,
    read_posts: ReadPosts | None = None,
) -> list[Post]:
    """The pages folder's pages (drafts too, with `drafts`), each at /<name>/, by address."""
    read = read_posts or ReadPosts(None, settings.zone)
    pages = [
        replace(
            read.parse(s, trails.get(s.path), now=None),
            url=urls.page(s.path, settings.pages),
            is_page=True,
        )
        for s in sources
    ]
    return sorted((p for p in pages if drafts or not p.draft), key=lambda page: page.url)


def _newest_first(post: Post) -> tuple[float, str]:
    stamp = post.published.timestamp() if post.published else float("inf")
    return (-stamp, post.url)


def _check_unique_urls(posts: list[Post]) -> None:
    seen: dict[str, str] = {}
    for post in posts:
        if post.url in seen:
            raise RedraftError(
                f"{seen[post.url]} and {post.source} would both be published at /{post.url}; "
                "rename or remove one of them"
            )
        seen[post.url] = post.source
