"""Publishing is committing: a plain build renders HEAD; --drafts previews the working tree."""

from click.testing import CliRunner

from conftest import parse_html
from redraft.cli import main


def _setup(blog):
    blog.write("posts/kept.md", "# Kept\n\nCommitted words.\n")
    blog.commit("Add kept", "2024-01-01T10:00:00+00:00")
    blog.write("posts/kept.md", "# Kept\n\nEdited but not committed.\n")
    blog.write("posts/new-idea.md", "# New idea\n\nNot committed at all.\n")


def test_plain_build_publishes_the_committed_text_only(blog):
    _setup(blog)
    site = blog.build()
    page = parse_html(site / "posts/kept/index.html")
    assert "Committed words." in page.text
    assert "Edited but not committed" not in page.text
    assert not (site / "posts/new-idea").exists()
    assert "New idea" not in parse_html(site / "index.html").text


def test_drafts_build_shows_both_marked(blog):
    _setup(blog)
    site = blog.build(drafts=True)
    kept = parse_html(site / "posts/kept/index.html")
    assert "Edited but not committed." in kept.text
    assert "Uncommitted changes" in kept.text
    idea = parse_html(site / "posts/new-idea/index.html")
    assert "Not committed at all." in idea.text
    assert "Draft" in idea.text


def test_a_staged_but_never_committed_post_is_not_published(blog):
    blog.write("posts/staged.md", "# Staged\n\nAdded to the index only.\n")
    blog.git("add", "posts/staged.md")
    assert not (blog.build() / "posts/staged").exists()
    page = parse_html(blog.build(drafts=True) / "posts/staged/index.html")
    assert "Draft" in page.text and "Uncommitted changes" not in page.text


def test_draft_front_matter_hides_a_committed_post(blog):
    blog.write("posts/wip.md", "---\ndraft: true\n---\n# WIP\n\nNot ready.\n")
    blog.commit("Add wip", "2024-01-01T10:00:00+00:00")
    assert not (blog.build() / "posts/wip").exists()
    assert (blog.build(drafts=True) / "posts/wip/index.html").exists()


def test_cli_says_what_was_left_out(blog):
    _setup(blog)
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("1 post is not committed, not published (posts/new-idea.md)" in ln for ln in lines)
    assert any("1 post has uncommitted changes" in ln and "--drafts" in ln for ln in lines)
    assert any(ln.startswith("Built 1 post") for ln in lines)


def test_cli_counts_the_drafts_it_left_out_and_the_problems_check_would_report(blog):
    blog.write("posts/wip.md", "---\ndraft: true\n---\n# WIP\n")
    blog.write("posts/a.md", "# A\n\n[gone](gone.md) and [wip](wip.md)\n\n![](a.png)\n")
    blog.write("posts/a.png", b"\x89PNG")
    blog.commit("Add posts")
    result = CliRunner().invoke(
        main, ["build", "--root", str(blog.root), "-o", str(blog.root / "out")]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Built 1 post")
    assert lines[1:] == [
        "Left out 1 draft (draft: true in the front matter)",
        "redraft check --committed finds 2 errors, 1 warning: run it for the list, with files "
        "and lines",
    ]
    clean = CliRunner().invoke(
        main, ["build", "--root", str(blog.root), "--drafts", "-o", str(blog.root / "out")]
    )
    assert "Left out" not in clean.output
    assert "redraft check finds 1 error, 1 warning" in clean.output


def test_drafts_preview_works_without_any_commit(tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts/first.md").write_text("# First\n\nHello.\n")
    result = CliRunner().invoke(main, ["build", "--root", str(tmp_path), "--drafts"])
    assert result.exit_code == 0, result.output
    assert "Hello." in parse_html(tmp_path / "_site/posts/first/index.html").text


def test_not_a_repository_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["build", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not a git repository" in result.output
    assert "Traceback" not in result.output


def test_new_writes_a_post_and_says_how_to_publish(blog):
    result = CliRunner().invoke(main, ["new", "--root", str(blog.root), "Why git, not a database?"])
    assert result.exit_code == 0, result.output
    path = blog.root / "posts/why-git-not-a-database.md"
    assert "title: Why git, not a database?\n" in path.read_text()
    assert "git add posts/why-git-not-a-database.md" in result.output
    again = CliRunner().invoke(main, ["new", "--root", str(blog.root), "Why git, not a database?"])
    assert again.exit_code == 1 and "already exists" in again.output
