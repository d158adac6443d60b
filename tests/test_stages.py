"""The history and diffs stages alone: a real repository read without building a site, and
word diffs computed without one."""

import subprocess

import pytest

from redraft import history
from redraft.diffs import as_text, rendered_diff
from redraft.errors import RedraftError


def _trail(blog, path):
    repo = history.open_repo(blog.root)
    return history.read_trails(repo, [path])[path]


def test_a_trail_follows_a_rename_and_dates_each_revision(blog):
    blog.write("posts/draft.md", "# A\n\nFirst words.\n")
    first = blog.commit("Add draft", "2023-03-01T09:00:00+01:00")
    blog.git("mv", "posts/draft.md", "posts/final.md")
    blog.commit("Rename", "2023-04-01T09:00:00+00:00")
    blog.write("posts/final.md", "# A\n\nFirst words, and more.\n")
    blog.commit("Edit [minor]", "2023-05-01T09:00:00+00:00")
    trail = _trail(blog, "posts/final.md")
    assert [r.kind for r in trail.revisions] == ["added", "renamed", "edited"]
    assert trail.revisions[0].commit.sha == first
    assert trail.published.isoformat() == "2023-03-01T09:00:00+01:00"
    # The rename changed no words and the edit is minor: neither moves `updated`.
    assert trail.updated == trail.published
    assert [r.counts for r in trail.revisions] == [True, False, False]


def test_open_for_build_reads_head_and_refuses_a_repository_without_commits(tmp_path, blog):
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    repo, head = history.open_for_build(tmp_path / "empty", drafts=True, allow_shallow=False)
    assert repo is not None and head is None
    with pytest.raises(RedraftError, match="no commits yet"):
        history.open_for_build(tmp_path / "empty", drafts=False, allow_shallow=False)
    blog.write("posts/a.md", "# A\n")
    sha = blog.commit("Add a")
    assert history.open_for_build(blog.root, drafts=False, allow_shallow=False)[1] == sha


def test_a_word_diff_marks_words_and_counts_them():
    diff = rendered_diff("<p>One two three.</p>\n", "<p>One two four five.</p>\n")
    assert (diff.added, diff.removed) == (2, 1)
    assert diff.blocks[0].html == "<p>One two <del>three</del> <ins>four five</ins>.</p>"


def test_a_word_diff_folds_long_unchanged_stretches():
    old = "".join(f"<p>Paragraph {i}.</p>\n" for i in range(40))
    new = old.replace("Paragraph 20.", "Paragraph twenty.")
    folds = [b for b in rendered_diff(old, new).blocks if b.kind == "fold"]
    assert [b.text for b in folds] == ["19 unchanged paragraphs", "18 unchanged paragraphs"]


def test_terminal_text_styles_each_kind_of_change():
    diff = rendered_diff("<p>a b</p>\n", "<p>a c</p>\n")
    shown = as_text(diff, lambda kind, text: f"<{kind}>{text}")
    assert shown == "a <del>b<ins>c"
    assert as_text(diff) == "a [-b-]{+c+}"
