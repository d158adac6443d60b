"""Imported histories: a post's trail follows renames wherever they lead, and every output
(page, JSON-LD, both feeds, sitemap, `redraft history`) gives the dates git gives."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from conftest import (
    Blog,
    dates_everywhere,
    git_follow_dates,
    parse_html,
    revision_lines,
    same_minute,
)
from redraft import history
from redraft.cli import main

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared/corpora/art-of-command-line.bundle"


def _agrees_with_git(blog, site, url: str, source: str) -> None:
    published, updated = git_follow_dates(blog.root, source)
    same_minute(dates_everywhere(blog.root, site, url, source), published, updated)


def test_a_note_moved_into_posts_keeps_its_first_date(blog):
    blog.write("notes/lab.md", "# Lab\n\nFirst words, written as a note.\n")
    blog.commit("Start a lab note", "2019-03-01T08:00:00+01:00")
    blog.write("notes/lab.md", "# Lab\n\nFirst words, written as a note. More.\n")
    blog.commit("Extend the note", "2020-05-02T09:00:00-04:00")
    blog.git("mv", "notes", "posts")
    blog.commit("Publish the notes", "2024-02-01T10:00:00+00:00")
    blog.write("posts/lab.md", "# Lab\n\nFirst words, written as a note. More. Edited.\n")
    blog.commit("Edit after publishing", "2024-03-01T10:00:00+09:00")
    site = blog.build()
    _agrees_with_git(blog, site, "posts/lab", "posts/lab.md")
    page = parse_html(site / "posts/lab/history/index.html")
    assert page.texts("h2") == [
        "Edit after publishing",
        "Publish the notes",
        "Extend the note",
        "Start a lab note",
    ]


def test_a_post_moved_out_of_posts_and_back(blog):
    blog.write("posts/essay.md", "# Essay\n\nOne.\n")
    blog.commit("Add the essay", "2023-01-01T10:00:00+00:00")
    blog.git("mv", "posts/essay.md", "attic.md")
    blog.commit("Unpublish the essay", "2023-02-01T10:00:00+00:00")
    blog.write("attic.md", "# Essay\n\nOne. Two, written while unpublished.\n")
    blog.commit("Rework the essay", "2023-03-01T10:00:00+02:00")
    (blog.root / "posts/essay").mkdir(parents=True)
    blog.git("mv", "attic.md", "posts/essay/index.md")
    blog.commit("Publish it again, as a folder", "2023-04-01T10:00:00+00:00")
    site = blog.build()
    _agrees_with_git(blog, site, "posts/essay", "posts/essay/index.md")
    assert "Rework the essay" in parse_html(site / "posts/essay/history/index.html").texts("h2")


def test_changing_the_posts_setting_keeps_the_trails(blog):
    blog.write("essays/a.md", "# A\n\nOne.\n")
    blog.commit("Add a", "2022-01-01T10:00:00+00:00")
    blog.write(
        "pyproject.toml", blog.root.joinpath("pyproject.toml").read_text() + 'posts = "essays"\n'
    )
    blog.commit("Posts live in essays/", "2024-01-01T10:00:00+00:00")
    site = blog.build()
    _agrees_with_git(blog, site, "essays/a", "essays/a.md")


def test_a_folder_of_1500_posts_moved_and_edited_in_one_commit(blog):
    for n in range(1500):
        blog.write(f"notes/n{n}.md", f"# Note {n}\n\nNote number {n} says {n * 7919 % 10007}.\n")
    blog.commit("Write 1,500 notes", "2020-01-01T10:00:00+00:00")
    blog.git("mv", "notes", "posts")
    for n in range(1500):
        # New names and an edit each: only git's exhaustive rename detection pairs these.
        (blog.root / f"posts/n{n}.md").rename(blog.root / f"posts/entry-{n}.md")
        with (blog.root / f"posts/entry-{n}.md").open("a") as file:
            file.write("Moved.\n")
    blog.commit("Move every note under posts/ and rename it", "2024-01-01T10:00:00+00:00")
    site = blog.build()
    for n in (0, 749, 1499):
        _agrees_with_git(blog, site, f"posts/entry-{n}", f"posts/entry-{n}.md")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<lastmod>2024-01-01T10:00:00+00:00</lastmod></url>") == 1 + 1500


def test_git_giving_up_on_renames_is_named_not_silent(blog, monkeypatch):
    # git's own limit, lowered so that 60 moved files exceed it (the real one is 10,000).
    monkeypatch.setattr(history, "RENAME_LIMIT", 20)
    for n in range(60):
        blog.write(f"notes/n{n}.md", f"# Note {n}\n\nNote number {n} says {n * 7919 % 10007}.\n")
    blog.commit("Write notes", "2020-01-01T10:00:00+00:00")
    for n in range(60):
        blog.write(
            f"posts/entry-{n}.md",
            f"# Note {n}\n\nNote number {n} says {n * 7919 % 10007}. Moved.\n",
        )
    shutil.rmtree(blog.root / "notes")
    move = blog.commit("Move and rename every note", "2024-01-01T10:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "-C", str(blog.root)])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and f"commit {move[:7]}" in warning[0], result.output
    assert "60 posts start their history there" in warning[0]
    result = CliRunner().invoke(main, ["check", "-C", str(blog.root)])
    assert f"commit {move[:7]} moves too many files" in result.output, result.output


def test_build_history_and_feeds_read_one_trail(blog):
    blog.write("drafts/idea.md", "# Idea\n\nA thought.\n")
    blog.commit("Jot an idea", "2021-06-01T10:00:00+00:00")
    blog.write("drafts/idea.md", "# Idea\n\nA thought, grown.\n")
    blog.commit("Grow the idea", "2022-06-01T10:00:00+00:00")
    (blog.root / "posts").mkdir()
    blog.git("mv", "drafts/idea.md", "posts/idea.md")
    blog.commit("Publish the idea", "2024-01-01T10:00:00+00:00")
    site = blog.build()
    found = dates_everywhere(blog.root, site, "posts/idea", "posts/idea.md")
    assert len({dates[0].date() for dates in found.values()}) == 1
    assert len({dates[1].date() for dates in found.values()}) == 1
    output = CliRunner().invoke(main, ["history", "-C", str(blog.root), "posts/idea.md"]).stdout
    page = parse_html(site / "posts/idea/history/index.html")
    assert len(revision_lines(output)) == len(page.texts("h2")) == 3
    feed = feedparser.parse((site / "posts/idea/feed.xml").read_bytes())
    assert len(feed.entries) == 2  # the move changed no words


@pytest.mark.skipif(
    not SHARED_CORPUS.is_file(), reason="needs ../shared/corpora (the shared corpus)"
)
def test_the_shared_corpus_readme_keeps_every_revision_back_to_2015(tmp_path):
    root = tmp_path / "aocl"
    subprocess.run(["git", "clone", "-q", str(SHARED_CORPUS), str(root)], check=True)
    blog = Blog(root)
    (root / "posts").mkdir()
    blog.git("mv", *sorted(p.name for p in root.glob("*.md")), "posts/")
    blog.commit("Move the Markdown under posts/", "2026-01-01T00:00:00+00:00")
    site = blog.build()
    _agrees_with_git(blog, site, "posts/README", "posts/README.md")
    for other in ("posts/README-ja.md", "posts/CONTRIBUTING.md"):
        _agrees_with_git(blog, site, other.removesuffix(".md"), other)
    page = parse_html(site / "posts/README/history/index.html")
    years = [t[:4] for t in page.times]
    assert min(years) == "2015"
    # Every commit git lists for it, bar the move (a pure rename), has its snapshot linked.
    log = blog.git(
        "log", "--follow", "--no-merges", "-M", "--name-status", "--format=%x01%h", "--",
        "posts/README.md",
    )  # fmt: skip
    revisions = {r.split()[0] for r in log.split("\x01")[1:] if "R100" not in r}
    links = {a.get("href", "").rstrip("/").rsplit("/", 1)[-1] for a in page.anchors}
    assert len(revisions) > 300 and revisions <= links


def test_commands_work_from_any_folder_and_history_finds_a_post_by_any_name(blog, monkeypatch):
    blog.write("posts/essays/old-name.md", "# Essay\n\nWords.\n")
    blog.commit("Add the essay", "2023-01-01T10:00:00+00:00")
    blog.git("mv", "posts/essays/old-name.md", "posts/essays/essay.md")
    blog.commit("Rename the essay", "2023-02-01T10:00:00+00:00")
    monkeypatch.chdir(blog.root / "posts")
    runner = CliRunner()
    built = runner.invoke(main, ["build", "-q"])
    assert built.exit_code == 0, built.output
    assert (blog.root / "_site/posts/essays/essay/index.html").is_file()
    assert not (blog.root / "posts/_site").exists()
    assert runner.invoke(main, ["check"]).exit_code == 0
    for name in ("essays/essay.md", "posts/essays/essay.md", "essay", "/posts/essays/essay/",
                 "https://example.org/posts/essays/essay/"):  # fmt: skip
        result = runner.invoke(main, ["history", name])
        assert result.exit_code == 0, (name, result.output)
        assert len(revision_lines(result.stdout)) == 2, name
    moved = runner.invoke(main, ["history", "essays/old-name.md"])
    assert moved.exit_code == 0, moved.output
    assert "essays/old-name.md moved: it is now posts/essays/essay.md" in moved.stderr
    assert len(revision_lines(moved.stdout)) == 2
    unknown = runner.invoke(main, ["history", "nothing-here"])
    assert unknown.exit_code == 1 and "nothing-here: no committed post" in unknown.output


def test_a_notes_repository_is_adopted_as_it_is(blog):
    settings = blog.root.joinpath("pyproject.toml").read_text()
    blog.write(
        "pyproject.toml", settings + 'posts = ["**/*.md"]\nexclude = ["README.md", "drafts"]\n'
    )
    blog.write("README.md", "# My notes\n\nAn index of the notes.\n")
    blog.write("LICENSE", "All rights reserved.\n")
    blog.write(".github/ISSUE_TEMPLATE.md", "# Issue\n")
    blog.write("python/decorators.md", "# Decorators\n\nWrap a function.\n")
    blog.write("python/diagram.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    blog.write("git/rebase/index.md", "# Rebase\n\nReplay commits.\n")
    blog.write("drafts/half.md", "# Half\n\nNot yet.\n")
    blog.commit("Notes in topic folders", "2022-01-01T10:00:00+00:00")
    site = blog.build()
    pages = sorted(p.parent.relative_to(site).as_posix() for p in site.glob("**/history"))
    assert pages == ["git/rebase", "python/decorators"]
    assert (site / "python/diagram.svg").is_file()
    assert not (site / "LICENSE").exists() and not (site / "README").exists()
    assert not (site / "drafts").exists() and not (site / ".github").exists()
    _agrees_with_git(blog, site, "python/decorators", "python/decorators.md")
