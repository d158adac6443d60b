"""A build replaces its output folder whole, so it must refuse any folder that is not a site."""

import pytest
from click.testing import CliRunner

from redraft.cli import main


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
    assert result.exit_code == 1 and "look like a site" in result.output
    assert (notes / "important.txt").read_text() == "keep me"


def test_the_output_setting_cannot_point_at_the_repository(blog):
    blog.write("redraft.toml", 'title = "T"\noutput = "."\n')
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and "refusing to build into" in result.output
    assert (blog.root / ".git").is_dir()


def test_a_previous_site_is_replaced(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    first = blog.build()
    (first / "stale.html").write_text("old")
    second = blog.build()
    assert second == first and not (second / "stale.html").exists()
