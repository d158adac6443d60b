"""A build replaces its output folder whole, so it must refuse any folder that is not a site."""

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from redraft.cli import main
from redraft.output import MARKER


@pytest.mark.parametrize("output", [".", "..", "posts/.."])
def test_building_over_the_repository_is_refused_and_nothing_is_lost(blog, output, monkeypatch):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    monkeypatch.chdir(blog.root)
    result = CliRunner().invoke(main, ["build", "--output", output])
    assert result.exit_code == 1
    assert "refusing to build into" in result.output
    assert (blog.root / ".git").is_dir() and (blog.root / "posts/a.md").is_file()


def test_a_folder_that_is_not_a_site_is_refused(blog, tmp_path):
    notes = tmp_path / "my-notes"
    notes.mkdir()
    (notes / "important.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(notes)])
    assert result.exit_code == 1 and "files redraft did not write" in result.output
    assert (notes / "important.txt").read_text() == "keep me"


def test_the_output_setting_cannot_point_at_the_repository(blog):
    blog.write("redraft.toml", 'title = "T"\noutput = "."\n')
    blog.commit("Build into the repository", "2024-01-02T10:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and "refusing to build into" in result.output
    assert (blog.root / ".git").is_dir()


def test_a_previous_site_is_replaced(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    first = blog.build()
    (first / "posts" / "stale.html").write_text("old")
    second = blog.build()
    assert second == first and not (second / "posts" / "stale.html").exists()


def _user_site(folder: Path, *, with_git: bool) -> None:
    """A checkout of a USER.github.io repository: a built site with its own files."""
    folder.mkdir()
    for name in ("feed.xml", "sitemap.xml", "index.html", "README.md", "CNAME"):
        (folder / name).write_text(name)
    if with_git:
        subprocess.run(["git", "init", "-q", str(folder)], check=True)


@pytest.mark.parametrize("with_git", [True, False])
def test_a_site_redraft_did_not_write_is_never_replaced(blog, tmp_path, with_git):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    pages = tmp_path / "me.github.io"
    _user_site(pages, with_git=with_git)
    before = sorted(p.relative_to(pages) for p in pages.rglob("*"))
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(pages)])
    assert result.exit_code == 1
    assert (".git folder" if with_git else "files redraft did not write") in result.output
    assert sorted(p.relative_to(pages) for p in pages.rglob("*")) == before


def test_a_redraft_site_given_a_git_folder_or_a_file_of_its_own_is_kept(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    site = blog.build()
    (site / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and (site / "notes.txt").read_text() == "mine"
    (site / "notes.txt").unlink()
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and (site / ".git").is_dir()


def test_a_forged_or_broken_marker_proves_nothing(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    (folder / MARKER).write_text('{"generator": "someone else", "build": "x", "top": ["keep.txt"]}')
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(folder)])
    assert result.exit_code == 1 and (folder / "keep.txt").is_file()
