"""Site settings: read from `redraft.toml` or `[tool.redraft]` in pyproject.toml.

Owns the `Settings` dataclass every other stage reads, its defaults, and their validation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import RedraftError
from .output import check_place


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
    posts: str = "posts"
    output: str = "_site"
    minor_markers: tuple[str, ...] = ("[minor]",)
    dates: str = "author"
    raw_html: bool = True
    cname: str = ""
    toc_min_words: int = 1500
    source: Path = field(default=Path("."), compare=False)

    @property
    def base_path(self) -> str:
        """The path part of base_url without its trailing slash: '' or '/blog'."""
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_SETTING_NAMES = {f.name for f in fields(Settings)} - {"source"}


def load_settings(root: Path, **overrides: object) -> Settings:
    """Read the site's settings from `root`, apply CLI overrides, and check them."""
    raw = _read_settings_file(root)
    unknown = sorted(set(raw) - _SETTING_NAMES)
    if unknown:
        raise RedraftError(f"{_settings_file(root)}: unknown setting(s): {', '.join(unknown)}")
    _check_types(raw, _settings_file(root))
    if "minor_markers" in raw:
        raw["minor_markers"] = tuple(raw["minor_markers"])
    raw.update({k: v for k, v in overrides.items() if v is not None})
    if not str(raw.get("base_url", "/")).endswith("/"):
        raw["base_url"] += "/"
    if not raw.get("repo_url"):
        raw["repo_url"] = _origin_url(root)
    try:
        settings = Settings(**raw, source=root)
    except TypeError as exc:
        raise RedraftError(f"{_settings_file(root)}: {exc}") from None
    _validate(settings, root)
    return settings


def _settings_file(root: Path) -> Path:
    own = root / "redraft.toml"
    return own if own.exists() else root / "pyproject.toml"


def _read_settings_file(root: Path) -> dict[str, Any]:
    path = _settings_file(root)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
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
        elif isinstance(default, bool):
            ok, wanted = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            wanted = "a whole number"
        else:
            ok, wanted = isinstance(value, str), "a string in quotes"
        if not ok:
            raise RedraftError(f"{where}: setting {item.name} must be {wanted}, got {value!r}")


def _validate(settings: Settings, root: Path) -> None:
    where = _settings_file(root)
    try:
        settings.zone  # noqa: B018 - looking the zone up is the check
    except (ZoneInfoNotFoundError, ValueError):
        raise RedraftError(f"{where}: unknown timezone {settings.timezone!r}") from None
    if settings.dates not in ("author", "committer"):
        raise RedraftError(f"{where}: dates must be 'author' or 'committer'")
    parts = urlsplit(settings.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RedraftError(
            f"{where}: base_url must be a full http(s) URL, got {settings.base_url!r}"
        )
    posts = Path(settings.posts)
    if posts.is_absolute() or ".." in posts.parts or not posts.parts or ".git" in posts.parts:
        raise RedraftError(
            f'{where}: posts must be a folder inside the repository, like "posts", '
            f"got {settings.posts!r}"
        )
    try:
        check_place(root, root / settings.output, settings.posts)
    except RedraftError as exc:
        raise RedraftError(f"{where}: output: {exc}") from None


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
