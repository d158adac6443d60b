"""The history pass reads both sides of each edit while the log streams (history.EditReader).

Each test builds a real repository with edits that change words and edits that change none,
and checks the verdicts read beside the log against the trails a build publishes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Blog, files_of, parse_html
from redraft import history
from redraft.cache import folder as cache_folder
from redraft.config import load_settings
from redraft.errors import RedraftError
from redraft.log_cache import start_reading
from redraft.trails import post_trails

POSTS = 70  # more edits in one commit than EditReader asks cat-file for at once


def _text(number: int, extra: str = "") -> str:
    return f"# Post {number}\n\nFirst line of post {number}.\nSecond line.\n{extra}"


def _many_edits(blog: Blog) -> None:
    """POSTS posts, each: added, edited (words), line endings converted (no words), edited."""
    for number in range(POSTS):
        blog.write(f"posts/p{number:02}.md", _text(number))
    blog.commit("Add the posts", "2024-01-01T09:00:00+00:00")
    for number in range(POSTS):
        blog.write(f"posts/p{number:02}.md", _text(number, "More words.\n"))
    blog.commit("Add more words", "2024-01-02T09:00:00+00:00")
    for number in range(POSTS):
        crlf = _text(number, "More words.  \n\n").replace("\n", "\r\n")
        blog.write(f"posts/p{number:02}.md", crlf.encode())
    blog.commit("Windows line endings", "2024-01-03T09:00:00+00:00")
    for number in range(POSTS):
        blog.write(f"posts/p{number:02}.md", _text(number, "More words.\nThe last ones.\n"))
    blog.commit("Add the last words", "2024-01-04T09:00:00+00:00")


def _paths() -> list[str]:
    return [f"posts/p{number:02}.md" for number in range(POSTS)]


def _read(blog: Blog) -> tuple[dict[str, history.Trail], dict[str, bool]]:
    """The raw trails and the verdicts read beside the log."""
    repo = history.open_repo(blog.root)
    with history.EditReader(repo) as edits:
        trails = history.read_trails(repo, _paths(), found_revision=edits.found)
        return trails, edits.verdicts()


def test_edits_read_beside_the_log_judge_every_edit(blog):
    _many_edits(blog)
    trails, verdicts = _read(blog)
    edits = {
        f"{r.old_blob} {r.blob}": r.commit.subject
        for trail in trails.values()
        for r in trail.revisions
        if r.kind == "edited"
    }
    assert len(edits) == 3 * POSTS
    assert verdicts == {pair: subject != "Windows line endings" for pair, subject in edits.items()}


def test_wordless_edits_are_dropped_when_read_beside_the_log(blog):
    _many_edits(blog)
    repo = history.open_repo(blog.root)
    head = history.head_commit(repo)
    assert head is not None
    settings = load_settings(blog.root)
    trails = post_trails(repo, head, settings, _paths(), None)
    subjects = {tuple(r.commit.subject for r in trail.revisions) for trail in trails.values()}
    assert subjects == {("Add the posts", "Add more words", "Add the last words")}
    site = blog.build(cache=False)
    titles = parse_html(site / "posts/p00/history/index.html").texts("h2")
    assert titles == ["Add the last words", "Add more words", "Add the posts"]
    assert files_of(site) == files_of(blog.build(output=blog.root / "_cached"))


def test_edits_known_from_the_cache_are_not_read_again(blog):
    _many_edits(blog)
    _, verdicts = _read(blog)
    repo = history.open_repo(blog.root)
    with history.EditReader(repo, verdicts) as edits:
        history.read_trails(repo, _paths(), found_revision=edits.found)
        assert edits.verdicts() == {}


def _remove_object(blog: Blog, blob: str) -> None:
    loose = Path(blog.root, ".git", "objects", blob[:2], blob[2:])
    loose.chmod(0o644)
    loose.unlink()


def test_a_blob_the_clone_lacks_leaves_its_edit_unjudged_and_the_build_names_it(blog):
    _many_edits(blog)
    lost = blog.git("rev-parse", "HEAD~2:posts/p03.md").strip()  # "Add more words" of p03
    _remove_object(blog, lost)
    trails, verdicts = _read(blog)
    judged = [pair for pair in verdicts if lost in pair.split()]
    assert judged == []
    assert len(verdicts) == 3 * POSTS - 2  # every other edit, the ones after it included
    with pytest.raises(RedraftError, match=f"git cannot read {lost[:12]}"):
        blog.build(cache=False)


def test_a_log_started_ahead_gives_the_same_trails(blog):
    _many_edits(blog)
    repo, head, settings = _opened(blog)
    fresh = post_trails(repo, head, settings, _paths(), None)
    started = start_reading(repo, head, None)  # no cache: the whole log comes from git
    assert started is not None and started.head == head
    assert post_trails(repo, head, settings, _paths(), None, started) == fresh
    assert started.process.proc.poll() == 0  # read to its end and waited for


def test_a_rebuild_from_a_saved_log_starts_no_log_ahead(blog):
    _many_edits(blog)
    cold = files_of(blog.build(cache=False))
    blog.build()  # saves the log
    cache = cache_folder(blog.root)
    repo, head, _ = _opened(blog)
    assert start_reading(repo, head, cache) is None
    blog.write("posts/p00.md", _text(0, "An edit after the saved log.\n"))
    blog.commit("Edit p00", "2024-02-01T09:00:00+00:00")
    repo, head, _ = _opened(blog)
    # The log saved for the parent serves: only the one new commit is read from git.
    assert start_reading(repo, head, cache) is None
    blog.build()  # saves the log up to the edit
    blog.git("commit", "-q", "--amend", "-m", "Edit p00, reworded")
    repo, head, _ = _opened(blog)
    # A rewritten history is read whole, so it is started ahead.
    assert start_reading(repo, head, cache) is not None
    blog.git("reset", "-q", "--hard", "HEAD~1")
    assert files_of(blog.build()) == cold


def _opened(blog: Blog) -> tuple:
    """The repository, HEAD and settings, opened as a build opens them."""
    repo, head = history.open_for_build(blog.root, drafts=False, allow_shallow=False)
    assert head is not None
    return repo, head, load_settings(blog.root)
