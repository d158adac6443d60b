"""Git history: one streamed `git log` turned into each post's trail of revisions.

Owns everything that talks to git: opening the repository, listing the HEAD tree and the
working-tree status, reading blobs, and the single history pass. The pass reads
`git log --raw -z -M --cc` for the whole repository, newest first, and follows renames backwards
from the paths that exist at HEAD wherever they lead (a note written in `notes/` and moved under
`posts/` keeps its first date), so its cost grows with commits and changed paths, never with
posts x commits.

Every git call runs with the settings that change what git prints pinned (see `GIT_CONFIG`):
a user's `log.showSignature` or `log.showRoot` must not change the site.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import git

from ._text import CONTROL_CHARACTERS
from .errors import RedraftError

# Field order of the --format below; every field ends with a NUL, like git's -z paths.
_FIELDS = ("sha", "parents", "author", "email", "authored", "committed", "subject", "body")
_FORMAT = "%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cI%x00%s%x00%b%x00"
# Git's exhaustive (inexact) rename detection gives up on a commit whose unpaired added x deleted
# files exceed this squared. git's default, 1000, loses the trail of a big folder move with
# edits; 10,000 costs about 0.3 s per 1,500 files moved and edited in one commit.
RENAME_LIMIT = 10_000
# Settings (system, global or the repository's own) that would change what redraft reads from
# git. They are pinned for every call, through git's GIT_CONFIG_COUNT environment variables.
GIT_CONFIG = {
    "log.showSignature": "false",  # signature checks would be read as commit fields
    "log.showRoot": "true",  # without it, posts added in the root commit have no history
    "log.follow": "false",
    "log.mailmap": "true",  # the repository's own .mailmap, the same for everyone
    "mailmap.file": "",  # ... and no one's personal mailmap
    "mailmap.blob": "",
    "diff.renames": "true",
    "diff.renameLimit": str(RENAME_LIMIT),
    "diff.relative": "false",
    "diff.noprefix": "false",
    "color.ui": "false",
    "core.quotePath": "false",
    "i18n.logOutputEncoding": "UTF-8",
    "status.relativePaths": "false",
    "status.renames": "false",
}


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: datetime
    committed: datetime
    subject: str
    body: str

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Change:
    """One path a commit touched, as git's raw diff reports it."""

    status: str  # A, M, D, T, R (rename) or C (combined diff of a merge)
    path: str
    blob: str
    old_blob: str = ""  # the content before: the first parent's, for a merge
    old_path: str = ""
    similarity: int = 100
    # For a merge: the file's blob and path in each parent ("" where a parent lacks it).
    parent_blobs: tuple[str, ...] = ()
    parent_paths: tuple[str, ...] = ()


LogEntry = tuple[Commit, list[Change]]


@dataclass(frozen=True)
class Revision:
    """One commit in one post's life."""

    commit: Commit
    kind: str  # added, edited, renamed, deleted, restored (added after deleted), merged
    path: str
    blob: str
    old_blob: str = ""
    old_path: str = ""
    content_changed: bool = True
    minor: bool = False
    date: datetime | None = None
    parent_blobs: tuple[str, ...] = ()  # for a merge: the post in each parent

    @property
    def counts(self) -> bool:
        """Whether this revision moves `updated` and gets a feed entry."""
        return self.content_changed and not self.minor and self.kind != "deleted"


@dataclass(frozen=True)
class Trail:
    """A post's revisions, oldest first."""

    revisions: tuple[Revision, ...]
    # The commit where git gave up pairing renames, if this trail starts there (see RENAME_LIMIT).
    unpaired_at: Commit | None = None

    @property
    def first(self) -> Revision | None:
        return self.revisions[0] if self.revisions else None

    @property
    def published(self) -> datetime | None:
        """The date of the commit that first added the post. Two branches may each have added
        it (and a merge joined them): then the earlier of those."""
        added = [r.date for r in self.revisions if r.kind == "added" and r.date is not None]
        if added:
            return min(added)
        return self.revisions[0].date if self.revisions else None

    @property
    def updated(self) -> datetime | None:
        """The date of the latest revision that counts: by date, since a branch's commits may
        be older than those on main the log lists after them."""
        counting = [r.date for r in self.revisions if r.counts and r.date is not None]
        return max(counting) if counting else self.published


@dataclass(frozen=True)
class TreeEntry:
    path: str
    blob: str
    mode: str


def open_repo(root: Path) -> git.Repo:
    """The repository at `root`, or a RedraftError that says what is missing."""
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RedraftError(
            f"{root} is not a git repository: run `git init` and commit your posts, "
            "or preview them with `redraft build --drafts`"
        ) from None
    try:
        repo.git.rev_parse("--git-dir")  # git itself may refuse what GitPython opened
    except git.GitCommandError as exc:
        raise RedraftError(_refusal(root, str(exc.stderr))) from None
    repo.git.update_environment(**git_environment())
    return repo


def _refusal(root: Path, stderr: str) -> str:
    """Why git will not read the repository, and what to do, in one line."""
    if "dubious ownership" in stderr:
        return (
            f'git refuses to read {root}: the repository belongs to another user ("dubious '
            'ownership", usual in CI containers). If you trust it, run: git config --global '
            f"--add safe.directory {root}"
        )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = lines[0].removeprefix("stderr: ").strip(" '") if lines else "unknown error"
    return f"git cannot read the repository at {root}: {reason[:200]}"


SHALLOW_MESSAGE = (
    "this clone has only the latest commit, not the history redraft reads dates from, so "
    "every post would get the same date. Fetch the full history with `git fetch --unshallow` "
    "(in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
)


def open_for_build(
    root: Path, *, drafts: bool, allow_shallow: bool
) -> tuple[git.Repo | None, str | None]:
    """The repository and its HEAD commit, read once for the whole build, or a RedraftError
    saying why a build cannot use them. With `drafts`, a folder without a repository or
    commits still previews."""
    try:
        repo = open_repo(root)
    except RedraftError:
        if drafts:
            return None, None
        raise
    head = head_commit(repo)
    if head is None and not drafts:
        raise RedraftError(
            "this repository has no commits yet: commit your posts to publish them "
            "(git add posts && git commit), or preview them with --drafts"
        )
    if head is not None and not allow_shallow and is_shallow(repo):
        raise RedraftError(SHALLOW_MESSAGE + ", or pass --allow-shallow to build anyway")
    return repo, head


def find_root(start: Path) -> Path:
    """The top of the git repository holding `start` (searching parent folders, as git does),
    or `start` itself outside any repository."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def git_environment() -> dict[str, str]:
    """Environment variables that pin `GIT_CONFIG` and git's language for one git call."""
    env = {"GIT_CONFIG_COUNT": str(len(GIT_CONFIG)), "LC_ALL": "C", "LANGUAGE": "C"}
    for index, (key, value) in enumerate(GIT_CONFIG.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def head_commit(repo: git.Repo) -> str | None:
    """The HEAD commit id, or None for a repository without commits."""
    try:
        return repo.head.commit.hexsha
    except ValueError:
        return None


def is_shallow(repo: git.Repo) -> bool:
    return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"


def list_tree(repo: git.Repo, *folders: str, rev: str = "HEAD") -> list[TreeEntry]:
    """Files under `folders` in the tree of `rev` (HEAD), with their blob ids (symlinks
    included, marked)."""
    out = repo.git.ls_tree("-r", "-z", "--full-tree", rev, "--", *folders)
    entries = []
    for record in filter(None, out.split("\0")):
        meta, path = record.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob":
            entries.append(TreeEntry(path=path, blob=blob, mode=mode))
    return entries


def read_blob(repo: git.Repo, blob: str) -> bytes:
    """A blob's bytes, through git's persistent `cat-file --batch` process; a RedraftError when
    the clone lacks it (a partial clone whose remote cannot be reached to fetch it)."""
    try:
        data: bytes = repo.odb.stream(bytes.fromhex(blob)).read()
    except (ValueError, git.GitCommandError, OSError):
        raise RedraftError(_missing_blob(repo, blob)) from None
    return data


def _missing_blob(repo: git.Repo, blob: str) -> str:
    partial = "promisor = true" in _config_text(repo) or "partialclone" in _config_text(repo)
    if partial:
        return (
            f"git cannot read {blob[:12]}, a revision this partial clone (--filter) has not "
            "fetched, and its remote cannot be reached: build where the remote is reachable, "
            "or clone without --filter (in GitHub Actions: actions/checkout with no filter)"
        )
    return f"git cannot read {blob[:12]}: the repository is missing it; run `git fsck`"


def _config_text(repo: git.Repo) -> str:
    try:
        return Path(repo.git_dir, "config").read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return ""


def mailmap(repo: git.Repo) -> bytes:
    """The working tree's .mailmap, through which the log names authors (b"" when absent)."""
    path = Path(repo.working_tree_dir or ".") / ".mailmap"
    return path.read_bytes() if path.is_file() else b""


def uncommitted_paths(repo: git.Repo, *folders: str) -> tuple[set[str], set[str]]:
    """(untracked, modified) paths under `folders` in the working tree."""
    out = repo.git.status("--porcelain", "-z", "--untracked-files=all", "--", *folders)
    untracked, modified = set(), set()
    records = iter(out.split("\0"))
    for record in records:
        if not record:
            continue
        code, path = record[:2], record[3:]
        if code == "??":
            untracked.add(path)
        else:
            modified.add(path)
        if "R" in code or "C" in code:
            next(records, None)  # the rename's source path follows
    return untracked, modified


def read_trails(
    repo: git.Repo,
    head_paths: Iterable[str],
    *,
    minor_markers: tuple[str, ...] = ("[minor]",),
    committer_dates: bool = False,
    log: Iterable[LogEntry] | None = None,
    found_revision: Callable[[Revision], None] | None = None,
) -> dict[str, Trail]:
    """Each HEAD path's trail, following renames wherever they lead, from one streamed
    `git log` (or from `log`, the same entries read earlier, e.g. from the build cache).
    `found_revision` sees each revision as the walk finds it, while the log still streams.

    The log comes newest first, every commit after all its children. Each commit is read with
    the paths the posts have in it, handed down from its children: so a post renamed on main
    while a branch edited it under its old name keeps the branch's edit, whichever line of
    history the log shows first.
    """
    initial: Paths = {path: path for path in head_paths}
    found: dict[str, list[Revision]] = {path: [] for path in initial}
    pending: dict[str, Paths] = {}
    unpaired: set[str] = set()
    for entry, changes in stream_log(repo) if log is None else log:
        commit = _showable(entry)
        if _renames_skipped(changes):
            unpaired.add(commit.sha)
        paths = pending.pop(commit.sha, None)
        if paths is None:
            paths, initial = initial, {}  # the first commit is HEAD; others have children
        for change in changes:
            key = paths.get(change.path)
            if key is not None:
                revision = _revision(commit, change, minor_markers, committer_dates)
                found[key].append(revision)
                if found_revision is not None:
                    found_revision(revision)
        for index, parent in enumerate(commit.parents):
            _hand_down(pending, parent, _in_parent(paths, changes, index))
    trails = {}
    for path, revisions in found.items():
        trail = Trail(_restorations(reversed(revisions)))
        if trail.first is not None and trail.first.commit.sha in unpaired:
            trail = replace(trail, unpaired_at=trail.first.commit)
        trails[path] = trail
    return trails


# Where each tracked post is, in one commit: path -> the post's path at HEAD.
Paths = dict[str, str]


def _in_parent(paths: Paths, changes: list[Change], parent: int) -> Paths:
    """The posts' paths in a commit's `parent`: renames undone (the same dict when none)."""
    moves = []
    for change in changes:
        if change.status == "R":
            moves.append((change.path, change.old_path))
        elif change.parent_paths and change.parent_paths[parent] not in ("", change.path):
            moves.append((change.path, change.parent_paths[parent]))
    moves = [(new, old) for new, old in moves if new in paths]
    if not moves:
        return paths
    result = dict(paths)
    for new, _ in moves:
        result.pop(new, None)
    for new, old in moves:
        result[old] = paths[new]
    return result


def _hand_down(pending: dict[str, Paths], parent: str, paths: Paths) -> None:
    """Give a parent the posts' paths from one more child; where children disagree about a path,
    the first child read (the newer line of history) keeps it."""
    known = pending.get(parent)
    if known is None or known is paths:
        pending[parent] = paths
    elif known != paths:
        pending[parent] = {**paths, **known}


def without_clean_merges(repo: git.Repo, trails: dict[str, Trail]) -> dict[str, Trail]:
    """The trails without merges nobody resolved by hand. git lists a merge wherever the post
    differs from every parent, which a clean merge of two edits does too; such a merge is no
    revision (its words are the branch commits' own, which keep their entries)."""
    merges = [r for t in trails.values() for r in t.revisions if r.kind == "merged"]
    if not merges:
        return trails
    blobs = read_blobs(repo, {b for r in merges for b in (r.blob, *r.parent_blobs) if b})

    def text(blob: str) -> str:
        return blobs.get(blob, b"").decode("utf-8", errors="replace")

    clean = {
        (r.commit.sha, r.blob)
        for r in merges
        if not resolved_by_hand([text(b) for b in r.parent_blobs], text(r.blob))
    }
    if not clean:
        return trails
    return {
        path: replace(
            trail,
            revisions=tuple(r for r in trail.revisions if (r.commit.sha, r.blob) not in clean),
        )
        for path, trail in trails.items()
    }


def without_wordless_edits(
    repo: git.Repo, trails: dict[str, Trail], known: dict[str, bool]
) -> dict[str, Trail]:
    """The trails without commits that changed no words: a mode change, line endings converted,
    blanks added or trimmed. They are no revision (no entry, no snapshot, no feed entry,
    Updated unmoved); a rename among them stays a rename.

    `known` maps 'old_blob new_blob' to whether the words changed, and gains what was read here
    (blob ids name contents, so a verdict never goes stale).
    """
    edits = [r for t in trails.values() for r in t.revisions if _is_edit(r)]
    unknown = {f"{r.old_blob} {r.blob}" for r in edits if r.old_blob != r.blob} - known.keys()
    blobs = read_blobs(repo, {blob for pair in unknown for blob in pair.split()})
    for pair in unknown:
        old, new = (blobs.get(blob, b"") for blob in pair.split())
        known[pair] = _words_changed(old, new)
    wordless = {
        (r.commit.sha, r.blob)
        for r in edits
        if r.old_blob == r.blob or not known[f"{r.old_blob} {r.blob}"]
    }
    if not wordless:
        return trails
    result = {}
    for path, trail in trails.items():
        revisions = []
        for revision in trail.revisions:
            if (revision.commit.sha, revision.blob) not in wordless:
                revisions.append(revision)
            elif revision.kind == "renamed":
                revisions.append(replace(revision, content_changed=False))
        result[path] = replace(trail, revisions=tuple(revisions))
    return result


def _is_edit(revision: Revision) -> bool:
    """Whether `without_wordless_edits` asks if this revision changed words."""
    return (
        revision.content_changed
        and revision.kind in ("edited", "renamed")
        and bool(revision.old_blob)
        and bool(revision.blob)
    )


class EditReader:
    """Whether edits changed words, judged while the log still streams: a `git cat-file --batch`
    reads both sides of each edit as the walk finds it (`found`), and a thread compares them,
    so that work runs beside git log's on another core instead of after it.

    `verdicts()` waits for the reads to finish and returns 'old_blob new_blob' -> whether the
    words changed (as `without_wordless_edits` keys them), for every pair read whole. A pair with
    a blob the clone lacks, or everything after cat-file failed, is left out:
    `without_wordless_edits` reads those again itself and handles them as it always has.

    The walk meets a post's edits newest first, so the text before one edit is the text after
    the next one found: the thread keeps it until then (or until the post's first version is
    found), and each version is read once.
    """

    _BATCH = 64  # blobs asked per write: a write (a system call) per blob would cost more

    def __init__(self, repo: git.Repo, known: Iterable[str] = ()) -> None:
        self._repo = repo
        self._asked = set(known)
        self._kept: set[str] = set()  # the blobs the thread keeps, as it will when it gets here
        self._waiting: list[str] = []  # ids not yet written to cat-file
        self._steps: queue.SimpleQueue[_Step | None] = queue.SimpleQueue()
        self._verdicts: dict[str, bool] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._handle: object = None

    def found(self, revision: Revision) -> None:
        if revision.kind in ("added", "restored") and revision.blob in self._kept:
            self._kept.discard(revision.blob)  # the post's first version: no edit before it
            self._step(_Step("", revision.blob, new_kept=True, keep_old=False))
        if not _is_edit(revision) or revision.old_blob == revision.blob:
            return
        pair = f"{revision.old_blob} {revision.blob}"
        if pair in self._asked:
            return
        self._asked.add(pair)
        new_kept = revision.blob in self._kept
        if new_kept:
            self._kept.discard(revision.blob)
        else:
            self._waiting.append(revision.blob)
        keep_old = revision.old_blob not in self._kept
        if keep_old:
            self._kept.add(revision.old_blob)
        self._waiting.append(revision.old_blob)
        self._step(_Step(revision.old_blob, revision.blob, new_kept, keep_old))

    def verdicts(self) -> dict[str, bool]:
        self._ask()
        if self._process is not None and self._reader is not None:
            self._steps.put(None)
            self._close_input()
            self._reader.join()
            self._process.wait()
            self._process = None
        return self._verdicts

    def __enter__(self) -> EditReader:
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop cat-file when the walk ended early (an error): its answers are not needed."""
        if self._process is not None and self._reader is not None:
            self._process.kill()
            self._steps.put(None)
            self._reader.join()
            self._process.wait()
            self._process = None

    def _step(self, step: _Step) -> None:
        if self._process is None:
            self._start()
        self._steps.put(step)
        if len(self._waiting) >= self._BATCH:
            self._ask()

    def _ask(self) -> None:
        ids, self._waiting = self._waiting, []
        if not ids or self._process is None or self._process.stdin is None:
            return
        # When cat-file is gone, the reader finds no answers: the pairs stay unjudged.
        with contextlib.suppress(OSError, ValueError):
            self._process.stdin.write("".join(i + "\n" for i in ids).encode("ascii"))
            self._process.stdin.flush()

    def _start(self) -> None:
        # GitPython ends the process when this handle is collected: it is kept.
        handle = self._repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)
        self._handle = handle
        self._process = handle.proc
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        out = self._process.stdout
        kept: dict[str, _Text | None] = {}
        try:
            while (step := self._steps.get()) is not None:
                if not step.old:
                    kept.pop(step.new, None)
                    continue
                new = kept.pop(step.new, None) if step.new_kept else _Text.read(out)
                old = _Text.read(out)
                if step.keep_old:
                    kept[step.old] = old
                if old is not None and new is not None:
                    self._verdicts[f"{step.old} {step.new}"] = old.words_differ(new)
        except (OSError, ValueError):
            self._process.kill()  # the writer must not wait on a process nobody reads
            while self._steps.get() is not None:
                pass
        finally:
            out.close()

    def _close_input(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        with contextlib.suppress(OSError):  # cat-file exited early: what it answered is kept
            self._process.stdin.close()


@dataclass(frozen=True)
class _Step:
    """What EditReader's thread does next: judge the edit from `old` to `new` (reading `new`
    from cat-file unless it kept it, and keeping `old` for the next edit when asked), or, with
    no `old`, forget the kept `new`."""

    old: str
    new: str
    new_kept: bool
    keep_old: bool


@dataclass
class _Text:
    """A blob's bytes, and the same without blanks once compared."""

    data: bytes
    _solid: bytes | None = None

    @classmethod
    def read(cls, out: IO[bytes]) -> _Text | None:
        data = _batch_object(out)
        return None if data is None else cls(data)

    @property
    def solid(self) -> bytes:
        if self._solid is None:
            self._solid = self.data.translate(None, _BLANKS)
        return self._solid

    def words_differ(self, other: _Text) -> bool:
        """Whether the words differ, line endings and blanks (trailing or not) set aside. Texts
        that differ without their blanks are told apart first, cheaply; each text's blanks are
        removed once however often it is compared."""
        return self.solid != other.solid or self.data.split() != other.data.split()


def _batch_object(out: IO[bytes]) -> bytes | None:
    """The next object `cat-file --batch` prints; None for a missing one."""
    header = out.readline().split()
    if len(header) != 3:
        if not header:
            raise ValueError("cat-file stopped answering")
        return None  # "<id> missing"
    data = out.read(int(header[2]))
    out.read(1)  # the newline after each object
    return data


_BLANKS = b" \t\r\n\f\v"  # what bytes.split() splits on


def _words_changed(old: bytes, new: bytes) -> bool:
    """Whether the words differ (see `_Text.words_differ`)."""
    return _Text(old).words_differ(_Text(new))


def resolved_by_hand(parents: list[str], result: str) -> bool:
    """Whether a merge's result is more than its parents' combination, as `git log --cc` judges
    a hunk: a line no parent had (more copies than any parent had), or a line every parent had
    dropped. Lines are counted, not aligned (a long document has hundreds of merges); blank
    lines do not count."""
    counts = [_line_counts(parent) for parent in parents]
    merged = _line_counts(result)
    offered = counts[0].copy()
    shared = counts[0].copy()
    for count in counts[1:]:
        offered |= count
        shared &= count
    return bool(merged - offered) or bool(shared - merged)


def _line_counts(text: str) -> Counter[str]:
    counts = Counter(text.splitlines())
    for blank in [line for line in counts if not line.strip()]:
        del counts[blank]
    return counts


def _renames_skipped(changes: list[Change]) -> bool:
    """Whether git gave up pairing this commit's added and deleted files as renames: it does
    when unpaired added x deleted files exceed the rename limit squared."""
    if len(changes) <= RENAME_LIMIT:
        return False
    added = sum(1 for c in changes if c.status == "A")
    deleted = sum(1 for c in changes if c.status == "D")
    return added * deleted > RENAME_LIMIT * RENAME_LIMIT


def rename_warnings(trails: Iterable[Trail]) -> list[str]:
    """One line per commit where git gave up on rename detection, naming how many posts start
    their history there (and so are dated to it) and what to do."""
    posts: dict[Commit, int] = {}
    for trail in trails:
        if trail.unpaired_at is not None:
            posts[trail.unpaired_at] = posts.get(trail.unpaired_at, 0) + 1
    return [
        f"commit {commit.short} moves too many files at once for git to pair them as renames, "
        f"so {count:,} post{'s start their' if count != 1 else ' starts its'} history there; give "
        "them their first date with `date:` in front matter (before pushing: split the move "
        f"into commits of under {RENAME_LIMIT:,} files)"
        for commit, count in sorted(posts.items(), key=lambda item: item[0].sha)
    ]


def _showable(commit: Commit) -> Commit:
    """The commit with characters no page or feed can carry replaced by U+FFFD: commit messages
    and names cannot be edited."""
    texts = (commit.author, commit.email, commit.subject, commit.body)
    if not any(CONTROL_CHARACTERS.search(text) for text in texts):
        return commit
    author, email, subject, body = (CONTROL_CHARACTERS.sub("\ufffd", text) for text in texts)
    return replace(commit, author=author, email=email, subject=subject, body=body)


def _restorations(revisions: Iterable[Revision]) -> tuple[Revision, ...]:
    """Oldest first, with a post added again after it was deleted marked 'restored' and
    compared with the text it had when it was deleted (not with nothing)."""
    result: list[Revision] = []
    for revision in revisions:
        if revision.kind == "added" and result and result[-1].kind == "deleted":
            revision = replace(revision, kind="restored", old_blob=result[-1].old_blob)
        result.append(revision)
    return tuple(result)


def _revision(
    commit: Commit, change: Change, minor_markers: tuple[str, ...], committer_dates: bool
) -> Revision:
    kind = {"A": "added", "D": "deleted", "R": "renamed", "C": "merged"}.get(
        change.status, "edited"
    )
    return Revision(
        commit=commit,
        kind=kind,
        path=change.path,
        blob=change.blob,
        old_blob=change.old_blob,
        old_path=change.old_path,
        content_changed=not (change.status == "R" and change.similarity == 100),
        minor=any(marker in commit.subject for marker in minor_markers),
        date=commit.committed if committer_dates else commit.authored,
        parent_blobs=change.parent_blobs,
    )


# What git may write ahead of the reader: a log started early runs that far on its own.
_AHEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class StartedLog:
    """A `git log` of the whole history up to `head`, started before anyone reads it."""

    head: str
    process: Any  # GitPython's handle, which ends git when it is collected unread


def start_log(repo: git.Repo, head: str) -> StartedLog:
    """Start `git log` for `head` now, so it runs on another core while the caller reads posts;
    `stream_log(repo, head=head, started=...)` then reads from it. Unread, git stops once the
    pipe is full, and ends when the handle is collected."""
    process = _start_log(repo, "", head)
    with contextlib.suppress(ImportError, OSError, AttributeError):
        # Linux lets a pipe hold more than 64 KiB: git gets that much further before it waits
        # (elsewhere it waits sooner).
        import fcntl

        fcntl.fcntl(process.proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, _AHEAD_BYTES)
    return StartedLog(head, process)


def _start_log(repo: git.Repo, since: str, head: str) -> Any:
    return repo.git.log(
        "--raw", "-z", "-M", f"-l{RENAME_LIMIT}", "--cc", "--no-abbrev", "--topo-order",
        "--combined-all-paths", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
        "--root",
        f"--format={_FORMAT}", f"{since}..{head}" if since else head,
        as_process=True,
    )  # fmt: skip


def stream_log(
    repo: git.Repo, since: str = "", head: str = "HEAD", started: StartedLog | None = None
) -> Iterator[LogEntry]:
    """Every commit up to `head`, newest first (topologically), with the paths each changed;
    with `since`, only the commits after it (`git log SINCE..HEAD`). A build passes the commit
    id it read once: a commit landing meanwhile must not slip into what it reads. `started` is
    the same log, started earlier (`start_log`).

    The log is read for the whole repository, not for the posts folder: a post's trail follows
    renames wherever they lead, into the posts folder from anywhere. (A pathspec would also make
    git's rename detection twice as slow.)
    """
    if started is not None and started.head == head and not since:
        process = started.process
    else:
        process = _start_log(repo, since, head)
    tokens = _nul_tokens(process.proc.stdout)
    try:
        yield from _parse_log(tokens, functools.partial(_raw_dates, repo))
    finally:
        process.proc.stdout.close()
        if process.proc.stderr is not None:
            process.proc.stderr.read()  # rename warnings: `_renames_skipped` finds the commit
            process.proc.stderr.close()
        process.proc.wait()


def _nul_tokens(stream: IO[bytes], chunk_size: int = 1 << 16) -> Iterator[str]:
    pending = b""
    while chunk := stream.read(chunk_size):
        *complete, pending = (pending + chunk).split(b"\0")
        for token in complete:
            yield token.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def _parse_log(
    tokens: Iterator[str], raw_dates: Callable[[str], tuple[str, str]]
) -> Iterator[LogEntry]:
    token = next(tokens, None)
    while token is not None:
        sha = token.strip()
        if not sha:
            token = next(tokens, None)
            continue
        values = [sha] + [next(tokens) for _ in _FIELDS[1:]]
        fields = dict(zip(_FIELDS, values, strict=True))
        authored, committed = fields["authored"], fields["committed"]
        if authored.startswith("%") or committed.startswith("%"):
            # git leaves %aI as it is for a date it cannot show, such as one before 1970.
            authored, committed = raw_dates(sha)
        commit = Commit(
            sha=fields["sha"],
            parents=tuple(fields["parents"].split()),
            author=fields["author"],
            email=fields["email"],
            authored=_date(authored, sha),
            committed=_date(committed, sha),
            subject=fields["subject"],
            body=fields["body"].strip(),
        )
        changes = []
        token = next(tokens, None)
        while token is not None and (token.lstrip("\n").startswith(":") or token in ("", "\n")):
            meta = token.lstrip("\n")
            if meta:
                changes.append(_parse_change(meta, tokens))
            token = next(tokens, None)
        yield commit, changes


_RAW_DATE = re.compile(rb"^(author|committer) .*> (-?\d+) ([+-])(\d\d)(\d\d)$", re.MULTILINE)


def _raw_dates(repo: git.Repo, sha: str) -> tuple[str, str]:
    """(author, committer) dates in ISO 8601, computed from the commit object's own header."""
    header = read_blob(repo, sha).split(b"\n\n", 1)[0]
    found = {}
    for match in _RAW_DATE.finditer(header):
        role, seconds, sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == b"-" else 1)
        try:
            moment = _EPOCH + timedelta(seconds=int(seconds))
            found[role] = moment.astimezone(timezone(offset)).isoformat()
        except (OverflowError, ValueError):
            found[role] = f"{int(seconds)} seconds after 1970"
    unknown = "an unreadable date"
    return found.get(b"author", unknown), found.get(b"committer", unknown)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date(text: str, sha: str) -> datetime:
    """A commit's ISO 8601 date; a RedraftError for one no calendar here can show (git takes
    dates up to year 2^63, Python's end at 9999)."""
    try:
        moment = datetime.fromisoformat(text)
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RedraftError(
            f"commit {sha[:7]} is dated {text}, outside the years 1 to 9999 redraft can show; "
            "give that commit a real date (git rebase, or git replace for a published history)"
        ) from None
    return moment


def _parse_change(meta: str, tokens: Iterator[str]) -> Change:
    if meta.startswith("::"):
        # A merge's combined diff (the path differs from every parent), with the file's path in
        # each parent, then its path in the merge (--combined-all-paths). Last blob: the result.
        parts = meta.lstrip(":").split()
        parents = (len(parts) - 1) // 2 - 1
        parent_blobs = tuple(_blob_id(b) for b in parts[parents + 1 : 2 * parents + 1])
        parent_paths = tuple(next(tokens) for _ in range(parents))
        statuses = parts[-1]
        blob = _blob_id(parts[-2])
        return Change(
            status="C" if blob else "D",  # a merge resolved by deleting the file
            path=next(tokens),
            blob=blob,
            old_blob=parent_blobs[0],
            parent_blobs=parent_blobs,
            parent_paths=tuple(
                path if status in "RC" else ""
                for path, status in zip(parent_paths, statuses, strict=True)
            ),
        )
    _, _, old_blob, blob, status = meta[1:].split()
    old_blob = _blob_id(old_blob)
    if status[0] in "RC":
        old_path, path = next(tokens), next(tokens)
        return Change("R", path, blob, old_blob, old_path, similarity=int(status[1:]))
    return Change(status=status[0], path=next(tokens), blob=blob, old_blob=old_blob)


def _blob_id(sha: str) -> str:
    """'' for git's all-zero id, which stands for 'no file'."""
    return "" if set(sha) == {"0"} else sha


def revision_texts(
    repo: git.Repo, trail: Trail, blobs: dict[str, bytes] | None = None
) -> Iterator[tuple[Revision, str, str | None]]:
    """Each revision with the post's text before and after it; None where the words did not change.

    "Before" is the file in the commit's (first) parent, so a revision made on a branch is
    compared with what its author started from, not with whatever landed on main meanwhile.
    `blobs` may hold contents read ahead with `read_blobs`.
    """
    texts: dict[str, str] = {"": ""}

    def text(blob: str) -> str:
        if blob not in texts:
            data = blobs[blob] if blobs and blob in blobs else read_blob(repo, blob)
            texts[blob] = blob_text(data)
        return texts[blob]

    for revision in trail.revisions:
        if revision.content_changed and revision.kind != "deleted":
            yield revision, text(revision.old_blob), text(revision.blob)
        else:
            yield revision, "", None


def blob_text(data: bytes) -> str:
    """A revision's text as its pages show it: what no page can carry is replaced."""
    return CONTROL_CHARACTERS.sub("\ufffd", data.decode("utf-8", errors="replace"))


def trail_blobs(trail: Trail) -> set[str]:
    """The blob ids `revision_texts` will read for `trail`."""
    return {b for r in trail.revisions for b in (r.blob, r.old_blob) if b and r.kind != "deleted"}


def read_blobs(repo: git.Repo, blobs: Iterable[str]) -> dict[str, bytes]:
    """Many blobs through one `git cat-file --batch`, requests written ahead of the reads.

    Asking for blobs one at a time costs a round trip each; a large site's history holds tens of
    thousands of them.
    """
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    process = repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)
    proc = process.proc
    feeder = threading.Thread(target=_feed_ids, args=(proc.stdin, wanted), daemon=True)
    feeder.start()
    found: dict[str, bytes] = {}
    try:
        for blob in wanted:
            header = proc.stdout.readline().split()
            if len(header) != 3:
                continue  # "<id> missing": the history names a blob this clone lacks
            found[blob] = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
    finally:
        feeder.join()
        proc.stdout.close()
        proc.wait()
    return found


def _feed_ids(stdin: IO[bytes], ids: list[str]) -> None:
    try:
        stdin.write("".join(i + "\n" for i in ids).encode("ascii"))
    finally:
        stdin.close()
