"""`redraft check`: problems in the posts, with file and line, found without a build: in the
working tree as `serve` shows it by default, in the HEAD commit with --committed; every problem
of every file in one run."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from redraft import check as check_module
from redraft import markdown as markdown_module
from redraft import pages as pages_module
from redraft.check import ERROR, WARNING, Problem, check, check_site
from redraft.cli import main
from redraft.errors import RedraftError
from redraft.trails import post_trails


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def test_a_sound_blog_has_no_problems(blog):
    blog.write("posts/first.md", "# First\n\nSee [the second](second.md#why) and [me](first/).\n")
    blog.write("posts/second/index.md", "# Second\n\n![A plot](plot.png)\n\n[back](../first.md)\n")
    blog.write("posts/second/plot.png", b"\x89PNG")
    blog.write("posts/third.md", "# Third\n\n[Home](../) and [topics](../tags/notes/)\n")
    blog.write(
        "posts/tagged.md", "---\ntags: [notes]\n---\n# Tagged\n\n[web](https://x.org/a.md)\n"
    )
    blog.commit("Add posts")
    assert check_site(blog.root) == []


def test_front_matter_errors_name_the_file_and_line(blog):
    blog.write("posts/broken.md", "---\ntitle: ok\ntags: [a, b\n---\nText.\n")
    blog.commit("Add broken")
    [problem] = check_site(blog.root)
    assert (problem.path, problem.severity) == ("posts/broken.md", ERROR)
    assert problem.line >= 3 and "invalid front matter" in problem.message
    assert str(problem).startswith(f"posts/broken.md:{problem.line}: invalid front matter")


def test_a_file_that_is_not_utf8_is_an_error(blog):
    blog.write("posts/latin1.md", "# Café\n\nDéjà vu.\n".encode("latin-1"))
    blog.commit("Add latin-1")
    [problem] = check_site(blog.root)
    assert problem.path == "posts/latin1.md" and "UTF-8" in problem.message


def test_two_posts_on_one_url_name_both(blog):
    blog.write("posts/twin.md", "# One\n")
    blog.write("posts/twin/index.md", "# Two\n")
    blog.commit("Add twins")
    [problem] = check_site(blog.root)
    assert "posts/twin.md" in problem.message and "posts/twin/index.md" in problem.message
    assert "/posts/twin/" in problem.message


def test_links_and_images_that_lead_nowhere_are_errors_on_their_line(blog):
    blog.write(
        "posts/post.md",
        "---\ntitle: Post\n---\n\nFine [link](other.md).\n\n"  # lines 1-5
        "A [missing post](gone.md) here.\n\n"  # line 7
        "![A missing figure](figures/nope.png)\n\n"  # line 9
        "[climbing](../README.md)\n\n"  # line 11
        "[no such topic](../tags/none/)\n",  # line 13
    )
    blog.write("posts/other.md", "# Other\n")
    blog.commit("Add post")
    found = {(p.line, p.message.split(" leads")[0]) for p in _errors(check_site(blog.root))}
    assert found == {
        (7, "link gone.md"),
        (9, "image figures/nope.png"),
        (11, "link ../README.md"),
        (13, "link ../tags/none/"),
    }


def test_links_in_code_and_maths_are_not_links(blog):
    blog.write(
        "posts/code.md",
        "# Code\n\nWrite `[x](nowhere.md)` to link.\n\n```\n![](nope.png)\n```\n\n$[a](b)$\n",
    )
    blog.commit("Add code")
    assert check_site(blog.root) == []


def test_reference_links_and_footnotes_are_checked(blog):
    blog.write(
        "posts/refs.md",
        "# Refs\n\nSee [this][gone] and a note.[^1]\n\n[gone]: gone.md\n\n[^1]: Read [it](lost.md).\n",
    )
    blog.commit("Add refs")
    found = {(p.line, p.message.split(" leads")[0]) for p in check_site(blog.root)}
    assert found == {(5, "link gone.md"), (7, "link lost.md")}


def test_an_image_without_alt_text_is_a_warning(blog):
    blog.write("posts/pic.md", "# Pic\n\nText.\n\n![](pic.png)\n")
    blog.write("posts/pic.png", b"\x89PNG")
    blog.commit("Add pic")
    [problem] = check_site(blog.root)
    assert (problem.path, problem.line, problem.severity) == ("posts/pic.md", 5, WARNING)
    assert "alt text" in problem.message


def test_committed_checks_only_the_committed_tree(blog):
    blog.write("posts/post.md", "# Post\n\n![Figure](fig.png)\n")
    blog.commit("Add post")
    blog.write("posts/fig.png", b"\x89PNG")  # on disk, not committed: not on the site
    blog.write("posts/draft.md", "---\ntitle: [unclosed\n---\n")  # not committed: not published
    [problem] = check_site(blog.root, committed=True)
    assert problem.path == "posts/post.md" and "fig.png" in problem.message


def test_by_default_the_working_tree_is_checked_as_serve_shows_it(blog):
    blog.write("posts/post.md", "# Post\n\n![Figure](fig.png)\n")
    blog.write("posts/edited.md", "# Edited\n\nFine.\n")
    blog.commit("Add posts")
    blog.write("posts/fig.png", b"\x89PNG")  # not committed yet, but serve shows it
    blog.write("posts/edited.md", "# Edited\n\nNow [broken](nowhere.md).\n")
    blog.write("posts/draft.md", "---\ntitle: [unclosed\n---\n")
    checked = check(blog.root)
    assert [(p.path, p.line) for p in checked.problems] == [
        ("posts/draft.md", 3),
        ("posts/edited.md", 3),
    ]
    assert checked.scope() == (
        "3 posts in the working tree (not committed: posts/draft.md; modified: posts/edited.md)"
    )
    committed = check(blog.root, committed=True)
    assert [p.path for p in committed.problems] == ["posts/post.md"]
    assert (
        committed.scope()
        == f"2 posts of commit {blog.git('rev-parse', '--short=7', 'HEAD').strip()}"
    )


def test_draft_posts_are_not_link_targets_of_the_committed_site(blog):
    blog.write("posts/wip.md", "---\ndraft: true\n---\n# WIP\n\n[nowhere](gone.md)\n")
    blog.write("posts/post.md", "# Post\n\nSoon: [wip](wip.md).\n")
    blog.commit("Add posts")
    [problem] = check_site(blog.root, committed=True)
    assert problem.path == "posts/post.md" and "wip.md" in problem.message
    # The preview shows drafts, links to them included, and checks them.
    [problem] = check_site(blog.root)
    assert problem.path == "posts/wip.md" and "gone.md" in problem.message


def test_every_problem_of_every_file_in_one_run(blog):
    blog.write("posts/a.md", "---\ntitle: [unclosed\n---\n# A\n\n[gone](gone.md)\n")
    blog.write(
        "posts/b.md",
        "---\ntittle: B\ndate: someday\ntags: {x: 1}\n---\n# B\n\n![A plot](plot.png)\n",
    )
    blog.write("posts/c.md", "# C\n\n[a](a.md) and [missing](missing.md)\n")
    blog.commit("Add posts")
    found = [(p.path, p.line, p.message.split(":")[0]) for p in check_site(blog.root)]
    assert found == [
        ("posts/a.md", 3, "invalid front matter"),
        ("posts/a.md", 6, "link gone.md leads nowhere"),
        ("posts/b.md", 0, "unknown front matter key(s)"),
        ("posts/b.md", 3, "front matter 'date' is not a date"),
        ("posts/b.md", 4, "tags must be a list of words, like [notes, python]"),
        ("posts/b.md", 8, "image plot.png leads nowhere"),
        ("posts/c.md", 3, "link missing.md leads nowhere"),
    ]


def test_check_reads_the_builds_trails_and_renders_nothing(blog, monkeypatch):
    blog.write("posts/a.md", "# A\n\n[b](b.md)\n")
    blog.write("posts/b.md", "# B\n")
    blog.commit("Add posts")
    asked = []

    def recorded(*args, **kwargs):
        asked.append(sorted(args[3]))
        return post_trails(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("check must not render")

    monkeypatch.setattr(check_module, "post_trails", recorded)
    monkeypatch.setattr(markdown_module, "render_markdown", forbidden)
    monkeypatch.setattr(markdown_module, "render_blocks", forbidden)
    monkeypatch.setattr(pages_module, "render_blocks", forbidden)
    assert check_site(blog.root) == []
    assert asked == [["posts/a.md", "posts/b.md"]], "the build's own trail function"


def test_a_shallow_clone_is_an_error_that_explains_fetch_depth(blog, tmp_path):
    blog.write("posts/a.md", "# A\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    blog.write("posts/a.md", "# A\n\nMore.\n")
    blog.commit("Edit a", "2024-03-01T10:00:00+00:00")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{blog.root}", str(clone)], check=True
    )
    [problem] = check_site(clone)
    assert problem.severity == ERROR and "fetch-depth: 0" in problem.message
    assert "--allow-shallow" not in problem.message


def test_cli_prints_one_line_per_problem_and_fails_on_errors(blog):
    blog.write("posts/a.md", "# A\n\n[gone](gone.md)\n\n![](a.png)\n")
    blog.write("posts/a.png", b"\x89PNG")
    blog.commit("Add a")
    result = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "posts/a.md:3: link gone.md leads nowhere: nothing is at /posts/gone/",
        "posts/a.md:5: warning: image a.png has no alt text: describe it for readers who "
        "cannot see it",
        "redraft check: 1 error, 1 warning in 1 post in the working tree",
    ]
    committed = CliRunner().invoke(main, ["check", "--root", str(blog.root), "--committed"])
    assert committed.exit_code == 1
    short = blog.git("rev-parse", "--short=7", "HEAD").strip()
    assert committed.output.splitlines()[-1] == (
        f"redraft check: 1 error, 1 warning in 1 post of commit {short}"
    )


@pytest.mark.parametrize(
    ("body", "code", "last"),
    [
        ("# A\n\nFine.\n", 0, "redraft check: no problems in 1 post in the working tree"),
        ("# A\n\n![](a.png)\n", 0, "redraft check: 1 warning in 1 post in the working tree"),
    ],
)
def test_cli_passes_without_errors(blog, body, code, last):
    blog.write("posts/a.md", body)
    blog.write("posts/a.png", b"\x89PNG")
    blog.commit("Add a")
    result = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[-1] == last


def test_cli_outside_a_repository_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not a git repository" in result.output and "Traceback" not in result.output


def test_each_side_reads_its_own_settings(blog):
    blog.write("posts/a.md", "# A\n")
    blog.commit("Add a")
    settings = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", settings.replace('timezone = "UTC"', 'timezone = "Nowhere/Town"'))
    with pytest.raises(RedraftError, match="Nowhere/Town"):
        check(blog.root)  # what serve would preview: the edited settings
    assert check(blog.root, committed=True).problems == []  # what CI builds: the committed ones


def test_after_a_build_check_reads_only_the_markdown_that_changed(blog, monkeypatch):
    """Links and formulas are read once per distinct text, through the build's cache: a check
    after a one-post commit parses one post. What it reports is what a fresh check reports."""
    blog.write("posts/a.md", "# A\n\n[b](b.md) and $x^2$\n")
    blog.write("posts/b.md", "# B\n\n![](missing.png)\n")
    blog.commit("Add posts")
    blog.build()
    parsed: list[str] = []
    tokens = check_module._tokens

    def counted(body: str):
        parsed.append(body)
        return tokens(body)

    monkeypatch.setattr(check_module, "_tokens", counted)
    first = check_site(blog.root)
    assert len(parsed) == 2  # the build's cache held nothing of check's yet
    assert {(p.path, p.line, p.severity) for p in first} == {
        ("posts/b.md", 3, ERROR),
        ("posts/b.md", 3, WARNING),
    }
    assert check_site(blog.root) == first and len(parsed) == 2
    blog.write("posts/a.md", "# A\n\n[b](b.md) and [c](c.md) and $\\frac{1$\n")
    blog.commit("Edit a")
    again = check_site(blog.root)
    assert len(parsed) == 3, "only the edited post is read again"
    monkeypatch.undo()
    shutil.rmtree(blog.root / ".redraft-cache")
    assert again == check_site(blog.root)
    assert {(p.path, p.line) for p in again} - {(p.path, p.line) for p in first} == {
        ("posts/a.md", 3)
    }


def test_a_commit_checked_once_is_not_checked_again(blog, monkeypatch):
    """The deploy workflow runs `redraft check --committed` and then `redraft build`, which
    ends with the same check: the second one reads what the first found. A new commit is
    checked afresh."""
    blog.write("posts/a.md", "# A\n\n[nowhere](missing.md)\n")
    blog.commit("Add a")
    blog.build()
    checks: list[bool] = []
    real_check = check_module.check

    def counted(root, **options):
        checks.append(options.get("committed", False))
        return real_check(root, **options)

    monkeypatch.setattr(check_module, "check", counted)
    found = check_module.check(blog.root, committed=True).problems
    assert [p.path for p in found] == ["posts/a.md"]
    assert check_module.committed_problems(blog.root) == found
    assert checks == [True], "the build's check read the first one's findings"
    blog.write("posts/a.md", "# A\n\nFixed.\n")
    blog.commit("Fix a")
    assert check_module.committed_problems(blog.root) == []
    assert checks == [True, True]
    result = CliRunner().invoke(main, ["build", "-C", str(blog.root), "-o", str(blog.root / "x")])
    assert result.exit_code == 0 and "redraft check" not in result.output
    assert checks == [True, True], "the build's own check found the last one's result"
