"""Hostile git: settings that change what git prints, merges that delete, dates before 1970.

Each test makes a real repository in the awkward state on purpose and checks that the build and
`redraft history` read the history git recorded.
"""

from __future__ import annotations

import subprocess

import feedparser
import pytest
from click.testing import CliRunner

from conftest import Blog, files_of, parse_html, revision_lines
from redraft.cli import main

POST = "# Plan\n\nThe first words.\n"


def _dates(site, url: str) -> tuple[str, str]:
    data = parse_html(site / url / "index.html").json_ld[0]
    return data["datePublished"], data["dateModified"]


def test_the_users_git_settings_do_not_change_the_history(tmp_path):
    blog = Blog(tmp_path / "blog")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "main")
    blog.write("pyproject.toml", '[tool.redraft]\nbase_url = "https://example.org/"\n')
    blog.write("posts/plan.md", POST)
    first = blog.commit("Start with a plan", "2024-01-01T09:00:00+00:00")
    blog.write("posts/plan.md", POST + "\nMore words.\n")
    second = blog.commit("Extend the plan", "2024-02-01T09:00:00+00:00")
    for key, value in [
        ("log.showSignature", "true"),
        ("log.showRoot", "false"),
        ("diff.renames", "false"),
        ("diff.relative", "true"),
        ("color.ui", "always"),
        ("core.quotePath", "true"),
        ("i18n.logOutputEncoding", "ISO-8859-1"),
        ("diff.renameLimit", "1"),
    ]:
        blog.git("config", key, value)
    site = blog.build()
    assert _dates(site, "posts/plan") == ("2024-01-01T09:00:00+00:00", "2024-02-01T09:00:00+00:00")
    history = site / "posts/plan/history"
    assert sorted(p.name for p in history.iterdir() if p.is_dir()) == sorted(
        [first[:7], second[:7]]
    )
    result = CliRunner().invoke(main, ["history", "-C", str(blog.root), "posts/plan.md"])
    assert result.exit_code == 0, result.output
    assert [line[:10] for line in revision_lines(result.stdout)] == ["2024-02-01", "2024-01-01"]


def test_a_merge_that_deletes_a_post_later_added_again(blog):
    blog.write("posts/plan.md", POST)
    blog.commit("Add the plan", "2024-01-01T09:00:00+00:00")
    blog.git("checkout", "-q", "-b", "side")
    blog.write("posts/plan.md", POST + "\nSide words.\n")
    blog.commit("Edit on a branch", "2024-01-02T09:00:00+00:00")
    blog.git("checkout", "-q", "main")
    blog.write("posts/plan.md", POST + "\nMain words.\n")
    blog.commit("Edit on main", "2024-01-03T09:00:00+00:00")
    merge_env = {"GIT_AUTHOR_DATE": "2024-01-04T09:00:00+00:00",
                 "GIT_COMMITTER_DATE": "2024-01-04T09:00:00+00:00"}  # fmt: skip
    with pytest.raises(subprocess.CalledProcessError):
        blog.git("merge", "-q", "side", env=merge_env)  # a conflict, resolved by deleting
    blog.git("rm", "-q", "posts/plan.md")
    blog.git("commit", "-q", "-m", "Merge side, dropping the plan", env=merge_env)
    blog.write("posts/plan.md", POST + "\nBack again.\n")
    blog.commit("Bring the plan back", "2024-03-01T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/plan") == ("2024-01-01T09:00:00+00:00", "2024-03-01T09:00:00+00:00")
    titles = parse_html(site / "posts/plan/history/index.html").texts("h2")
    assert titles[0] == "Bring the plan back" and "Edit on a branch" in titles
    result = CliRunner().invoke(main, ["history", "-C", str(blog.root), "posts/plan.md"])
    assert result.exit_code == 0, result.output


def test_a_commit_dated_before_1970_keeps_its_date(blog):
    blog.write("posts/old.md", "# Old\n\nWritten long ago.\n")
    blog.git("add", "-A")
    tree = blog.git("write-tree").strip()
    parent = blog.git("rev-parse", "HEAD").strip()
    # git itself refuses such dates on the command line; imported histories carry them.
    header = (
        f"tree {tree}\nparent {parent}\n"
        "author Ada Tester <ada@example.org> -86400 +0100\n"
        "committer Ada Tester <ada@example.org> -86400 +0100\n\nImported from the archive\n"
    )
    old = blog.git_input(header, "hash-object", "-t", "commit", "-w", "--stdin").strip()
    blog.git("update-ref", "HEAD", old)
    blog.write("posts/old.md", "# Old\n\nWritten long ago. Revised.\n")
    blog.commit("Revise", "2024-01-01T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/old") == ("1969-12-31T01:00:00+01:00", "2024-01-01T09:00:00+00:00")


def test_two_posts_once_named_draft_redirect_it_to_the_later_one(blog):
    blog.write("posts/draft.md", "# First\n\nOne.\n")
    blog.commit("Draft the first", "2024-01-01T09:00:00+00:00")
    blog.git("mv", "posts/draft.md", "posts/first.md")
    blog.commit("Name the first", "2024-01-02T09:00:00+00:00")
    blog.write("posts/draft.md", "# Second\n\nTwo.\n")
    blog.commit("Draft the second", "2024-02-01T09:00:00+00:00")
    blog.git("mv", "posts/draft.md", "posts/second.md")
    blog.commit("Name the second", "2024-02-02T09:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "-C", str(blog.root)])
    assert result.exit_code == 0, result.output
    redirect = parse_html(blog.root / "_site/posts/draft/index.html")
    assert redirect.link("canonical") == "https://example.org/posts/second/"
    warning = "/posts/draft/ was the address of more than one post"
    assert warning in result.stderr
    checked = CliRunner().invoke(main, ["check", "-C", str(blog.root)])
    assert checked.exit_code == 0 and warning in checked.output, checked.output


def _merge(blog, branch: str, date: str) -> None:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    blog.git("merge", "-q", "--no-ff", "--no-edit", branch, env=env)


def test_a_branch_edit_keeps_its_entry_when_main_renamed_the_post(blog):
    blog.write("posts/old.md", "# Notes\n\nOne paragraph.\n\nAnother paragraph, with a tpyo.\n")
    blog.commit("Add the notes", "2024-01-01T09:00:00+00:00")
    blog.git("checkout", "-q", "-b", "side")
    blog.write("posts/old.md", "# Notes\n\nOne paragraph.\n\nAnother paragraph, with a typo.\n")
    blog.commit("Fix a typo on a branch", "2024-01-03T09:00:00+00:00")
    blog.git("checkout", "-q", "main")
    blog.git("mv", "posts/old.md", "posts/notes.md")
    blog.commit("Rename the notes", "2024-01-02T09:00:00+00:00")
    _merge(blog, "side", "2024-01-05T09:00:00+00:00")
    site = blog.build()
    titles = parse_html(site / "posts/notes/history/index.html").texts("h2")
    assert titles == ["Fix a typo on a branch", "Rename the notes", "Add the notes"]
    assert _dates(site, "posts/notes") == ("2024-01-01T09:00:00+00:00", "2024-01-03T09:00:00+00:00")


def test_a_clean_merge_of_two_edits_is_not_a_revision(blog):
    blog.write("posts/plan.md", "# Plan\n\nFirst part.\n\nMiddle part.\n\nLast part.\n")
    blog.commit("Add the plan", "2024-01-01T09:00:00+00:00")
    blog.git("checkout", "-q", "-b", "side")
    blog.write("posts/plan.md", "# Plan\n\nFirst part.\n\nMiddle part.\n\nLast part, longer.\n")
    blog.commit("Lengthen the end", "2024-01-02T09:00:00+00:00")
    blog.git("checkout", "-q", "main")
    blog.write("posts/plan.md", "# Plan\n\nFirst part, longer.\n\nMiddle part.\n\nLast part.\n")
    blog.commit("Lengthen the start", "2024-01-03T09:00:00+00:00")
    _merge(blog, "side", "2024-02-01T09:00:00+00:00")
    site = blog.build()
    titles = parse_html(site / "posts/plan/history/index.html").texts("h2")
    assert sorted(titles) == ["Add the plan", "Lengthen the end", "Lengthen the start"]
    assert _dates(site, "posts/plan")[1] == "2024-01-03T09:00:00+00:00"
    result = CliRunner().invoke(main, ["history", "-C", str(blog.root), "posts/plan.md"])
    assert len(revision_lines(result.stdout)) == 3


def test_commits_that_change_no_words_are_not_revisions(blog):
    text = "# Plan\n\nFirst line.\nSecond line.\n"
    blog.write("posts/plan.md", text)
    blog.commit("Add the plan", "2024-01-01T09:00:00+00:00")
    blog.write("posts/plan.md", text + "\nMore words.\n")
    blog.commit("Add more words", "2024-01-02T09:00:00+00:00")
    (blog.root / "posts/plan.md").chmod(0o755)
    blog.commit("Make it executable", "2024-02-01T09:00:00+00:00")
    blog.write("posts/plan.md", (text + "\nMore words.\n").replace("\n", "\r\n").encode())
    blog.commit("Windows line endings", "2024-03-01T09:00:00+00:00")
    blog.write("posts/plan.md", (text + "\nMore words.  \n\n\n").replace("\n", "\r\n").encode())
    blog.commit("Trailing blanks", "2024-04-01T09:00:00+00:00")
    site = blog.build()
    titles = parse_html(site / "posts/plan/history/index.html").texts("h2")
    assert titles == ["Add more words", "Add the plan"]
    assert _dates(site, "posts/plan")[1] == "2024-01-02T09:00:00+00:00"
    feed = feedparser.parse((site / "posts/plan/feed.xml").read_bytes())
    assert len(feed.entries) == 2
    result = CliRunner().invoke(main, ["history", "-C", str(blog.root), "posts/plan.md"])
    assert len(revision_lines(result.stdout)) == 2
    cached = files_of(blog.build())
    assert cached == files_of(blog.build(cache=False))  # the verdicts cache changes nothing
