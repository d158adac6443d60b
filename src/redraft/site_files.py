"""What a build reads beside the posts: the settings file and the site's own theme/.

A plain build reads them from the commit it publishes, like the posts (publishing is
committing); a preview (`--drafts`, `serve`) reads the working tree. Nothing is ever read
through a symbolic link out of the repository: committed links are skipped (their target is a
path on the machine that builds), and working-tree links are followed only to files inside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from . import history
from ._text import check_file_name
from .errors import RedraftError

SETTINGS_FILES = ("redraft.toml", "pyproject.toml")
THEME = "theme"
_SYMLINK = "120000"


@dataclass(frozen=True)
class SiteFiles:
    """The settings files present (name -> bytes) and the site's own theme files
    ('templates/post.html' -> bytes, relative to theme/)."""

    settings: dict[str, bytes]
    theme: dict[str, bytes]

    def templates(self) -> dict[str, bytes]:
        """The theme's templates by template name ('post.html')."""
        return self._under("templates")

    def static(self) -> dict[str, bytes]:
        """The theme's static files by their path under theme/static."""
        return self._under("static")

    def _under(self, folder: str) -> dict[str, bytes]:
        prefix = folder + "/"
        return {k.removeprefix(prefix): v for k, v in self.theme.items() if k.startswith(prefix)}


def committed_site_files(repo: git.Repo, head: str) -> SiteFiles:
    """Settings and theme as commit `head` holds them; symbolic links are left out."""
    entries = [
        e
        for name in (*SETTINGS_FILES, THEME)
        for e in history.list_tree(repo, name, rev=head)
        if e.mode != _SYMLINK
    ]
    for entry in entries:
        check_file_name(entry.path)
    blobs = history.read_blobs(repo, [e.blob for e in entries])
    settings = {e.path: blobs[e.blob] for e in entries if e.path in SETTINGS_FILES}
    prefix = THEME + "/"
    theme = {
        e.path.removeprefix(prefix): blobs[e.blob] for e in entries if e.path.startswith(prefix)
    }
    return SiteFiles(settings=settings, theme=theme)


def working_site_files(root: Path) -> SiteFiles:
    """Settings and theme as the working tree holds them, read only inside the repository."""
    settings = {
        name: data for name in SETTINGS_FILES if (data := read_inside(root, name)) is not None
    }
    theme: dict[str, bytes] = {}
    base = root / THEME
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            relative = (Path(dirpath) / name).relative_to(root).as_posix()
            check_file_name(relative)
            data = read_inside(root, relative)
            if data is not None and not name.startswith("."):
                theme[relative.removeprefix(THEME + "/")] = data
    return SiteFiles(settings=settings, theme=theme)


def read_inside(root: Path, path: str) -> bytes | None:
    """The bytes of the file at `path` under `root`, or None if it is missing, not a file, or a
    link (or under a linked folder) that leads outside the repository or into .git."""
    inside = root.resolve()
    try:
        resolved = (root / path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(inside) or not resolved.is_file():
        return None
    if resolved.relative_to(inside).parts[0] == ".git":
        return None  # git's own files (config may hold credentials) are never published
    try:
        return resolved.read_bytes()
    except OSError:
        return None


def check_writable_inside(root: Path, path: Path) -> None:
    """A RedraftError unless writing `path` stays inside the repository at `root`: the file must
    not be a symbolic link (dangling or not), nor lie in a folder that leads out."""
    inside = root.resolve()
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if path.is_symlink():
        raise RedraftError(
            f"{shown}: refusing to write through a symbolic link (it may lead outside the "
            "repository); remove the link first"
        )
    folder = path.parent
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent
    if not folder.resolve().is_relative_to(inside):
        raise RedraftError(
            f"{shown}: refusing to write there: its folder is a link out of the repository"
        )


def uncommitted_site_files(repo: git.Repo) -> list[str]:
    """Settings and theme files whose working-tree state differs from HEAD."""
    untracked, modified = history.uncommitted_paths(repo, *SETTINGS_FILES, THEME)
    return sorted(untracked | modified)
