"""The output folder: a new site is staged beside the old one, swapped in only when all succeeded.

Owns where a site may be written (never over the repository, its posts or theme, a folder with
a `.git`, or any folder redraft cannot prove it wrote), the `Writer` that stages files, the
marker that proves a folder is a site redraft built, and the swap: one rename of a whole new
folder, or (when the old site's files are known) moving in only the new and changed files.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .errors import RedraftError

# Written last into every site: proof that redraft wrote the folder, so a later build may
# replace it. Its build id names the record (in the cache) of which pages came from what.
MARKER = ".redraft-build.json"
_GENERATOR = "redraft: this folder is a built site, replaced whole by every build"


def check_place(root: Path, target: Path, posts: str | tuple[str, ...]) -> None:
    """Refuse an output folder whose replacement would destroy the repository, git's own
    folder, a posts folder or the theme."""
    root, target = root.resolve(), target.resolve()
    precious = {
        root: "the blog's repository",
        root / ".git": "git's own folder",
        **{(root / folder).resolve(): "the posts folder" for folder in _folders(posts)},
        root / "theme": "the theme folder",
    }
    for path, name in precious.items():
        if path.is_relative_to(target) or (path != root and target.is_relative_to(path)):
            raise RedraftError(
                f"refusing to build into {target}: that would replace {name}; "
                "choose an output folder of its own, like _site"
            )


def _folders(posts: str | tuple[str, ...]) -> tuple[str, ...]:
    return (posts,) if isinstance(posts, str) else posts


def check_output_folder(
    root: Path, target: Path, *, posts: str | tuple[str, ...] = "posts"
) -> None:
    """Refuse an output folder a build must not replace: see `check_place`, and any existing
    folder that is not empty and not a site redraft wrote (its marker, and nothing else at its
    top level), or that holds a `.git`."""
    check_place(root, target, posts)
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise RedraftError(f"refusing to build into {target}: it is a file, not a folder")
    if (target / ".git").exists():
        raise RedraftError(
            f"refusing to build into {target}: it holds a .git folder (a repository of its own, "
            "whose history a build would delete); build into another folder and copy the site "
            "into it"
        )
    if target.is_dir() and any(target.iterdir()) and not owned(target):
        raise RedraftError(
            f"refusing to build into {target}: it holds files redraft did not write, and a "
            "build replaces the whole folder; choose a new or empty folder, or remove that "
            "one first"
        )


def owned(folder: Path) -> bool:
    """Whether `folder` is a site redraft wrote: its marker, and no name at its top level that
    the marker does not list (a site interrupted while being updated is still owned)."""
    return _read_marker(folder) is not None


def build_id(folder: Path) -> str | None:
    """The build id in a site's marker: None when `folder` is not a site redraft wrote, or when
    an update of it was interrupted (its files are then a mix of two builds)."""
    data = _read_marker(folder)
    return None if data is None or data.get("updating") else str(data["build"])


def _read_marker(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        build, top = data["build"], set(data["top"]) | {MARKER}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("generator") != _GENERATOR or not isinstance(build, str):
        return None
    # A build writing into a mounted folder keeps its work in hidden folders inside it.
    if any(entry.name not in top and not _is_staging(entry.name) for entry in os.scandir(folder)):
        return None
    return dict(data)


def _is_staging(name: str) -> bool:
    return name.startswith((_STAGING + "new-", _STAGING + "old-"))


def marker(build: str, files: Iterable[str], *, updating: bool = False) -> str:
    """The marker of a site made of `files`: its build id and its top-level names."""
    top = sorted({name.split("/", 1)[0] for name in files} - {MARKER})
    data: dict[str, object] = {"generator": _GENERATOR, "build": build, "top": top}
    if updating:
        data["updating"] = True
    return json.dumps(data, indent=1) + "\n"


@dataclass
class Update:
    """Where a build writes, and what it leaves for the swap to do.

    `staging` is a fresh folder beside the site. Without `old_files`, the build writes the
    whole site there and the staging folder replaces the old site in one rename. With
    `old_files` (every file of the site in `target`, known from its build's record), the build
    writes only new and changed files there, each under its `staged_name`; the swap moves them
    in, deletes the old files the new site lacks and writes the new marker: work in proportion
    to what changed.
    """

    target: Path
    staging: Path
    old_files: frozenset[str] | None
    build: str = ""  # set by the build when every file is made
    files: list[str] = field(default_factory=list)  # every file of the new site

    @property
    def in_place(self) -> bool:
        return self.old_files is not None

    def staged(self, relative: str) -> Path:
        """Where the file of the new site at `relative` is staged, if this build wrote it."""
        return self.staging / (staged_name(relative) if self.in_place else relative)


@contextmanager
def site_update(target: Path, old_files: frozenset[str] | None) -> Iterator[Update]:
    """A staging folder beside `target`; when the block finishes without error, the new site
    replaces the old one (see `Update`). A failed block leaves the old site untouched.

    A `target` that is a mount point (a Docker volume, a bind mount) cannot be renamed: the new
    site is then staged in a hidden folder inside it, and swapped in entry by entry. A write
    that fails (disk full, no permission, a file where a folder should be) is one error line.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mounted = _is_mount_point(target)
        home = target if mounted else target.parent
        prefix = _STAGING if mounted else f".{target.name}-"
        _remove_abandoned_folders(home, prefix)
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}new-{os.getpid()}-", dir=home))
    except OSError as exc:
        raise _write_error(target, exc) from None
    update = Update(target, staging, old_files if target.is_dir() else None)
    try:
        yield update
        if update.old_files is None:
            (staging / MARKER).write_text(marker(update.build, update.files), encoding="utf-8")
            staging.chmod(0o755)
            retired = Path(tempfile.mkdtemp(prefix=f"{prefix}old-{os.getpid()}-", dir=home))
            if mounted:
                _swap_entries(target, staging, retired)
            elif target.exists():
                os.replace(target, retired / target.name)
                os.replace(staging, target)
            else:
                os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            _apply(update, update.old_files)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno not in _WRITE_ERRORS:
            raise
        raise _write_error(target, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _apply(update: Update, old_files: frozenset[str]) -> None:
    """Move the staged files into the site and delete the retired ones. The marker says
    'updating' until the last move: a build killed in between leaves a site that the next build
    owns but does not trust, and so writes whole."""
    target, staging = update.target, update.staging
    new_files = set(update.files)
    _put_marker(staging, target, marker(update.build, new_files | old_files, updating=True))
    for relative in sorted(old_files - new_files - {MARKER}):
        with suppress(FileNotFoundError):
            os.unlink(os.path.join(target, relative))
        _prune_folders(target, relative)
    staged = set(os.listdir(staging))
    folders: set[str] = set()
    for relative in new_files:
        name = staged_name(relative)
        if name not in staged:
            continue  # kept as it is
        place = os.path.join(target, relative)
        folder = os.path.dirname(place)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        os.replace(os.path.join(staging, name), place)
    _put_marker(staging, target, marker(update.build, new_files))
    shutil.rmtree(staging, ignore_errors=True)


def staged_name(relative: str) -> str:
    """The name a new or changed file of a site updated in place has in the staging folder,
    until the swap moves it to its place: one flat folder, so staging costs no folder per
    file (folders are what a file system makes and deletes slowly)."""
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:40] + ".staged"


def _put_marker(staging: Path, target: Path, text: str) -> None:
    """Replace the site's marker in one rename (written in the staging folder first, so the
    site never holds a name its marker does not list)."""
    draft = staging / (MARKER + ".draft")
    draft.write_text(text, encoding="utf-8")
    os.replace(draft, target / MARKER)


def _prune_folders(target: Path, relative: str) -> None:
    """Remove the folders a deleted file leaves empty, up to the site's top."""
    parent = os.path.dirname(relative)
    while parent:
        try:
            os.rmdir(os.path.join(target, parent))
        except OSError:
            return  # not empty (or already gone): its parents are not empty either
        parent = os.path.dirname(parent)


# Why writing a site can fail, as opposed to a bug or a missing input: these are one line.
_WRITE_ERRORS = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
    errno.EISDIR, errno.EEXIST, errno.EBUSY, errno.EXDEV, errno.EIO, errno.EFBIG,
    errno.ENAMETOOLONG, errno.EMLINK,
}  # fmt: skip
# Hidden folders a build keeps inside a mounted output folder while it writes.
_STAGING = ".redraft-"


def _is_mount_point(path: Path) -> bool:
    """Whether `path` is a mount point; a bind mount of a folder of the same file system is one
    too, which only the mount table tells (os.path.ismount compares devices)."""
    if os.path.ismount(path):
        return True
    try:
        table = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    # Field 5 is the mount point, with blanks and backslashes escaped as octal (\040).
    unescape = re.compile(r"\\([0-7]{3})")
    points = {
        unescape.sub(lambda m: chr(int(m.group(1), 8)), line.split()[4])
        for line in table.splitlines()
        if len(line.split()) > 4
    }
    return str(path.resolve()) in points


def _swap_entries(target: Path, fresh: Path, retired: Path) -> None:
    """Replace the contents of `target` (a mount point) with those of `fresh`, inside it."""
    for entry in os.scandir(target):
        if entry.path not in (str(fresh), str(retired)):
            os.replace(entry.path, retired / entry.name)
    for entry in os.scandir(fresh):
        os.replace(entry.path, target / entry.name)
    fresh.rmdir()


def _write_error(target: Path, exc: OSError) -> RedraftError:
    where = f" ({exc.filename})" if exc.filename else ""
    return RedraftError(
        f"cannot write the site to {target}: {exc.strerror or exc}{where}; the previous site is "
        "kept"
    )


def _remove_abandoned_folders(home: Path, prefix: str) -> None:
    """Delete the half-written folders of builds that were killed: those whose process is gone."""
    for sibling in home.glob(f"{glob.escape(prefix)}[no][el][wd]-*"):
        pid = sibling.name[len(prefix) + 4 :].split("-", 1)[0]
        if sibling.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(sibling, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    return True


class Writer:
    """Writes site files under one folder, refusing any path that would leave it.

    A file whose bytes equal the previous build's is not written again: when the site is
    updated in place it is simply kept, and a site written whole links it from the previous
    build, so unchanged pages keep their modification times and cost no disk writes.
    """

    def __init__(
        self, folder: Path, previous: Path | None = None, *, in_place: bool = False
    ) -> None:
        self.folder = folder
        self.previous = previous if previous and previous.is_dir() else None
        self.in_place = in_place and self.previous is not None
        self.written: list[str] = []
        self._claimed: set[str] = set()
        self.digest = hashlib.sha256()  # of every file written (not kept): names and bytes
        self._folders: set[str] = set()

    @property
    def count(self) -> int:
        return len(self.written)

    def staged(self, relative: str) -> Path:
        """Where this writer puts the file at `relative` (see `Update.staged`)."""
        return self.folder / (staged_name(relative) if self.in_place else relative)

    def write(self, address: str, data: str | bytes) -> None:
        """Write the file of a site address (a page's is its folder's index file)."""
        relative = os.path.normpath(urls.file_of(address).lstrip("/"))
        if relative.startswith("..") or os.path.isabs(relative):
            raise RedraftError(f"refusing to write {address!r}: it lies outside the output folder")
        self._claim(relative)
        content = data.encode("utf-8") if isinstance(data, str) else data
        self.digest.update(b"%d:%s\0%s" % (len(relative), relative.encode(), content))
        if self._unchanged(relative, content):
            return
        target = self.staged(relative)
        if not self.in_place:
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "xb") as file:  # "x": a second writer of one path is an error
                file.write(content)
        except FileExistsError:
            raise _twice(relative) from None

    def keep(self, paths: list[str]) -> bool:
        """Keep these files of the previous build; False (and nothing kept) if any is gone.

        Updating in place, they are already where they belong; otherwise they are linked into
        the new folder. Plain string paths: a large site keeps tens of thousands of files.
        """
        if self.previous is None:
            return False
        if self.in_place:
            for relative in paths:
                self._claim(relative)
            return True
        previous, folder = str(self.previous), str(self.folder)
        if not all(os.path.isfile(os.path.join(previous, p)) for p in paths):
            return False
        for relative in paths:
            self._claim(relative)
            target = os.path.join(folder, relative)
            parent = os.path.dirname(target)
            if parent not in self._folders:
                os.makedirs(parent, exist_ok=True)
                self._folders.add(parent)
            try:
                os.link(os.path.join(previous, relative), target)
            except FileExistsError:
                raise _twice(relative) from None
        return True

    def _claim(self, relative: str) -> None:
        if relative in self._claimed:
            raise _twice(relative)
        self._claimed.add(relative)
        self.written.append(relative)

    def _unchanged(self, relative: str, content: bytes) -> bool:
        """Whether the previous build's file has these bytes (and, writing a whole new folder,
        was linked into it)."""
        if self.previous is None:
            return False
        old = self.previous / relative
        try:
            if old.stat().st_size != len(content) or old.read_bytes() != content:
                return False
        except OSError:
            return False
        if self.in_place:
            return True
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old, target)
        except FileExistsError:
            raise _twice(relative) from None
        except OSError:
            return False
        return True


def _twice(relative: str) -> RedraftError:
    return RedraftError(
        f"/{relative} would be written twice: a post or file in the blog has the address "
        "of a page redraft makes (such as a post's history page or feed); rename it"
    )


def remove(root: Path, target: Path, cache: Path, *, posts: str | tuple[str, ...]) -> list[Path]:
    """Delete the cache and the built site (`redraft clean`); returns what was removed."""
    check_output_folder(root, target, posts=posts)
    removed = []
    for path in (cache, target):
        try:
            if path.is_symlink():
                path.unlink()  # the link only: never what it leads to
            elif path.is_dir():
                shutil.rmtree(path)
            else:
                continue
        except OSError as exc:
            raise RedraftError(f"cannot remove {path}: {exc.strerror or exc}") from None
        removed.append(path)
    return removed
