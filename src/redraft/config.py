"""Site settings: read from `redraft.toml` or `[tool.redraft]` in pyproject.toml.

Owns the `Settings` dataclass every other stage reads, its defaults, and their validation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pygments.styles import get_all_styles

from ._text import CONTROL_CHARACTERS
from .errors import RedraftError
from .output import check_place
from .site_files import SETTINGS_FILES, read_inside


@dataclass(frozen=True)
class Settings:
    """Everything a site can configure. Field names are the setting names."""

    title: str = "A redraft blog"
    author: str = "Anonymous"
    base_url: str = "http://127.0.0.1:8000/"
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    repo_url: str = ""
    # Folders or glob patterns ("notes/**/*.md") naming the posts, and patterns left out.
    posts: tuple[str, ...] = ("posts",)
    exclude: tuple[str, ...] = ()
    pages: str = "pages"
    nav: tuple[str, ...] = ()
    output: str = "_site"
    minor_markers: tuple[str, ...] = ("[minor]",)
    dates: str = "author"
    raw_html: bool = True
    cname: str = ""
    toc_min_words: int = 1500
    per_page: int = 20
    feed_limit: int = 20
    feed_content: str = "full"
    highlight_style: str = "friendly"
    highlight_style_dark: str = "github-dark"
    extra_css: str = ""
    head_html: str = ""
    body_end_html: str = ""
    image: str = ""
    edit_url: str = ""
    static: str = "static"
    source: Path = field(default=Path("."), compare=False)

    @property
    def base_path(self) -> str:
        """The path part of base_url without its trailing slash: '' or '/blog'."""
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def posts_folder(self) -> str:
        """The folder of the first `posts` entry (where `redraft new` writes): the part of it
        before any glob, or "." for the repository's top."""
        return self.post_folders[0] if self.posts else "."

    @property
    def post_folders(self) -> tuple[str, ...]:
        """The folders the `posts` entries look in (each entry's part before any glob)."""
        return tuple(dict.fromkeys(fixed_folder(pattern) for pattern in self.posts))


GLOB_CHARACTERS = re.compile(r"[*?\[]")


def fixed_folder(pattern: str) -> str:
    """'posts' -> 'posts'; 'notes/*/*.md' -> 'notes'; '*.md' -> '.'."""
    parts = pattern.strip("/").split("/")
    fixed = [
        part for part in itertools.takewhile(lambda part: not GLOB_CHARACTERS.search(part), parts)
    ]
    if len(fixed) == len(parts) and parts[-1].endswith(".md"):
        fixed = fixed[:-1]  # a single file named as a pattern
    return "/".join(fixed) or "."


_SETTING_NAMES = {f.name for f in fields(Settings)} - {"source"}


def load_settings(
    root: Path, *, files: Mapping[str, bytes] | None = None, **overrides: object
) -> Settings:
    """Read the site's settings, apply CLI overrides, and check them.

    `files` holds the settings files by name as the build reads them (from the commit it
    publishes); without it they are read from the working tree at `root`.
    """
    if files is None:
        files = _working_settings(root)
    where = root / next((n for n in SETTINGS_FILES if n in files), "pyproject.toml")
    raw = _read_settings_file(where, files)
    unknown = sorted(set(raw) - _SETTING_NAMES)
    if unknown:
        raise RedraftError(f"{where}: unknown setting(s): {', '.join(unknown)}")
    if isinstance(raw.get("posts"), str):
        raw["posts"] = [raw["posts"]]  # one folder, the common case
    _check_types(raw, where)
    for name in ("minor_markers", "nav", "posts", "exclude"):
        if name in raw:
            raw[name] = tuple(raw[name])
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if not str(raw.get("base_url", "/")).endswith("/"):
        raw["base_url"] += "/"
    if not raw.get("repo_url"):
        raw["repo_url"] = _origin_url(root)
    try:
        settings = Settings(**raw, source=root)
    except TypeError as exc:
        raise RedraftError(f"{where}: {exc}") from None
    _validate(settings, root, where)
    return settings


def _working_settings(root: Path) -> dict[str, bytes]:
    """The settings files in the working tree; one that is there but cannot be read (a folder,
    a link out of the repository) is an error, not a silent default."""
    found = {}
    for name in SETTINGS_FILES:
        data = read_inside(root, name)
        if data is not None:
            found[name] = data
        elif os.path.lexists(root / name):
            raise RedraftError(
                f"{root / name}: cannot read settings: not a file inside the repository"
            )
    return found


def _read_settings_file(path: Path, files: Mapping[str, bytes]) -> dict[str, Any]:
    if path.name not in files:
        return {}
    try:
        data = tomllib.loads(files[path.name].decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RedraftError(f"{path}: cannot read settings: {exc}") from None
    if path.name == "redraft.toml":
        return dict(data)
    return dict(data.get("tool", {}).get("redraft", {}))


def _check_types(raw: dict[str, Any], where: Path) -> None:
    """Each setting has the type of its default: `title = 5` or `raw_html = "no"` is refused."""
    for item in fields(Settings):
        if item.name not in raw:
            continue
        value, default = raw[item.name], item.default
        if isinstance(default, tuple):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            wanted = 'a list of strings, like ["[minor]", "[typo]"]'
            if item.name in ("posts", "exclude"):
                wanted = (
                    'a folder in quotes, or a list of folders and patterns, like ["notes/**/*.md"]'
                )
        elif isinstance(default, bool):
            ok, wanted = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            wanted = "a whole number"
        else:
            ok, wanted = isinstance(value, str), "a string in quotes"
        if not ok:
            raise RedraftError(f"{where}: setting {item.name} must be {wanted}, got {value!r}")


def _validate(settings: Settings, root: Path, where: Path) -> None:
    try:
        settings.zone  # noqa: B018 - looking the zone up is the check
    except (ZoneInfoNotFoundError, ValueError):
        raise RedraftError(f"{where}: unknown timezone {settings.timezone!r}") from None
    if settings.dates not in ("author", "committer"):
        raise RedraftError(f"{where}: dates must be 'author' or 'committer'")
    if settings.feed_content not in ("full", "summary"):
        raise RedraftError(f"{where}: feed_content must be 'full' or 'summary'")
    for name in ("highlight_style", "highlight_style_dark"):
        style = getattr(settings, name)
        if style not in _pygments_styles():
            raise RedraftError(
                f"{where}: {name}: unknown Pygments style {style!r} "
                f"(known: {', '.join(sorted(_pygments_styles()))})"
            )
    if settings.edit_url and "{path}" not in settings.edit_url:
        raise RedraftError(
            f"{where}: edit_url must contain {{path}}, like "
            '"https://github.com/me/blog/edit/main/{path}"'
        )
    if settings.per_page < 1:
        raise RedraftError(f"{where}: per_page must be 1 or more, got {settings.per_page}")
    for item in fields(Settings):
        value = getattr(settings, item.name)
        for text in value if isinstance(value, tuple) else (value,):
            bad = CONTROL_CHARACTERS.search(text) if isinstance(text, str) else None
            if bad:
                raise RedraftError(
                    f"{where}: setting {item.name} contains the control character "
                    f"U+{ord(bad.group()):04X}, which pages and feeds cannot carry; delete it"
                )
    _check_address(where, "base_url", settings.base_url)
    if settings.repo_url:
        _check_address(where, "repo_url", settings.repo_url)
    if not settings.posts:
        raise RedraftError(f'{where}: posts must name at least one folder, like "posts"')
    for name in ("posts", "exclude"):
        for pattern in getattr(settings, name):
            path = Path(pattern)
            if path.is_absolute() or not path.parts or {"..", ".git"} & set(path.parts):
                raise RedraftError(
                    f"{where}: {name} must name folders or patterns inside the repository, like "
                    f'"posts" or "notes/**/*.md", got {pattern!r}'
                )
    folders = [("pages", settings.pages), ("static", settings.static)]
    if settings.extra_css:
        folders.append(("extra_css", settings.extra_css))
    for name, value in folders:
        folder = Path(value)
        if (
            folder.is_absolute()
            or ".." in folder.parts
            or not folder.parts
            or ".git" in folder.parts
        ):
            kind = "file" if name == "extra_css" else "folder"
            raise RedraftError(
                f"{where}: {name} must be a {kind} inside the repository, got {value!r}"
            )
    if Path(settings.pages) in {Path(folder) for folder in settings.post_folders}:
        raise RedraftError(f"{where}: pages and posts must be different folders")
    try:
        check_place(root, root / settings.output, settings.post_folders)
    except RedraftError as exc:
        raise RedraftError(f"{where}: output: {exc}") from None
    target = (root / settings.output).resolve()
    for name in ("pages", "static"):
        folder = (root / getattr(settings, name)).resolve()
        if folder.is_relative_to(target) or target.is_relative_to(folder):
            raise RedraftError(
                f"{where}: output: refusing to build into {target}: that would replace the "
                f"{name} folder; choose an output folder of its own, like _site"
            )


def _check_address(where: Path, name: str, url: str) -> None:
    """A full http(s) address without query or fragment (every link is made by appending to it:
    a `javascript:` repo_url would make every commit link run script)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port is the check (a port that is not a number)
    except ValueError as exc:
        raise RedraftError(f"{where}: {name} is not a valid address: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RedraftError(f"{where}: {name} must be a full http(s) URL, got {url!r}")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise RedraftError(
            f"{where}: {name} must not have a query (?) or fragment (#): every address on the "
            f"site is made by adding to it; got {url!r}"
        )


def _pygments_styles() -> set[str]:
    return set(get_all_styles())


def _origin_url(root: Path) -> str:
    """The web address of the `origin` remote, if it is on a forge we can link commits to."""
    config = root / ".git" / "config"
    if not config.is_file():
        return ""
    match = re.search(
        r'\[remote "origin"\][^\[]*?url\s*=\s*(\S+)',
        config.read_text(encoding="utf-8", errors="replace"),
    )
    return web_url_of_remote(match.group(1)) if match else ""


def web_url_of_remote(remote: str) -> str:
    """'git@github.com:me/blog.git' or 'https://github.com/me/blog.git' -> 'https://github.com/me/blog'."""
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+)", remote)
    if scp:
        remote = f"https://{scp.group(1)}/{scp.group(2)}"
    parts = urlsplit(remote)
    if parts.scheme not in ("http", "https", "ssh", "git") or not parts.hostname:
        return ""
    path = parts.path.removesuffix(".git").rstrip("/")
    return f"https://{parts.hostname}{path}"


@dataclass(frozen=True)
class Now:
    """The moment a build publishes as of, and where it came from: scheduled posts dated later
    wait. An input of the build, so the same commit and the same now give the same site."""

    moment: dt.datetime
    source: str  # '--now', 'SOURCE_DATE_EPOCH' or 'the clock'


def build_now(flag: str | None, environ: Mapping[str, str] = os.environ) -> Now:
    """The build's now: the `--now` flag, else SOURCE_DATE_EPOCH, else the clock."""
    if flag:
        return Now(parse_moment(flag, "--now"), "--now")
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise RedraftError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}")
        return Now(dt.datetime.fromtimestamp(int(epoch), dt.UTC), "SOURCE_DATE_EPOCH")
    return Now(dt.datetime.now(dt.UTC).replace(microsecond=0), "the clock")


def parse_moment(text: str, what: str) -> dt.datetime:
    """'2026-12-03', '2026-12-03T09:00' (UTC) or '2026-12-03T09:00:00+01:00' as an aware time."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RedraftError(
            f"{what}: not a date: {text!r} (use 2026-12-03 or 2026-12-03T09:30:00+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
