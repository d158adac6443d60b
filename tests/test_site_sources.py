"""What a build reads: settings, theme and posts from the commit it publishes, nothing from
outside the repository, and nothing a draft keeps private.

- A plain build takes settings and theme/ from HEAD, like the posts; --drafts previews the
  working tree and says which settings or theme files differ.
- A committed symlink in the theme (or a `theme` link out of the repository) is never followed.
- The files beside a draft folder post stay private with it.
- A commit landing while a build reads history is not read, nor saved in the log cache.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import parse_html
from redraft import build_site


@pytest.fixture
def secret(tmp_path) -> Path:
    """A folder outside the repository shaped like a theme, with words never to publish."""
    folder = tmp_path / "private"
    (folder / "templates").mkdir(parents=True)
    (folder / "static").mkdir()
    (folder / "env").write_text("CI_TOKEN=SECRET-WORDS\n")
    (folder / "templates/robots.txt").write_text("SECRET-WORDS robots\n")
    (folder / "static/style.css").write_text("/* SECRET-WORDS */\n")
    return folder


def _published(site: Path) -> str:
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file()
    )


def _post(blog) -> None:
    blog.write("posts/real.md", "# Real\n\nMine.\n")


def test_a_committed_template_symlink_out_of_the_repository_is_never_read(blog, secret):
    _post(blog)
    (blog.root / "theme/templates").mkdir(parents=True)
    os.symlink(secret / "env", blog.root / "theme/templates/robots.txt")
    os.symlink(secret / "env", blog.root / "theme/templates/404.html")
    blog.commit("Theme with links", "2024-01-10T09:00:00+00:00")
    assert blog.git("ls-files", "-s", "theme/templates/robots.txt").startswith("120000")
    for drafts in (False, True):
        site = blog.build(drafts=drafts)
        assert "SECRET-WORDS" not in _published(site)
        assert "Sitemap:" in (site / "robots.txt").read_text()  # the default theme's


def test_a_theme_folder_linked_out_of_the_repository_is_never_read(blog, secret):
    _post(blog)
    os.symlink(secret, blog.root / "theme")
    blog.commit("Theme lives elsewhere", "2024-01-10T09:00:00+00:00")
    for drafts in (False, True):
        site = blog.build(drafts=drafts)
        assert "SECRET-WORDS" not in _published(site)
        assert "Mine." in parse_html(site / "posts/real/index.html").text


def test_a_theme_link_inside_the_repository_is_previewed(blog):
    _post(blog)
    blog.write("shared/robots.txt", "User-agent: *\nDisallow: /shared-rule/\n")
    (blog.root / "theme/templates").mkdir(parents=True)
    os.symlink("../../shared/robots.txt", blog.root / "theme/templates/robots.txt")
    blog.commit("A shared robots.txt", "2024-01-10T09:00:00+00:00")
    assert "/shared-rule/" in (blog.build(drafts=True) / "robots.txt").read_text()


def test_the_files_of_a_draft_folder_post_stay_private(blog):
    blog.write("posts/secret/index.md", "---\ndraft: true\n---\n# Plans\n\nNot yet.\n")
    blog.write("posts/secret/plan.txt", "SECRET-WORDS plan\n")
    blog.write("posts/secret/deeper/map.txt", "SECRET-WORDS map\n")
    blog.write("posts/open/index.md", "# Open\n\nSee [the data](data.txt).\n")
    blog.write("posts/open/data.txt", "public data\n")
    blog.write("posts/secretive.txt", "a neighbour, not in the draft's folder\n")
    blog.commit("A draft and a post", "2024-01-10T09:00:00+00:00")
    site = blog.build()
    assert "SECRET-WORDS" not in _published(site)
    assert not (site / "posts/secret").exists()
    assert (site / "posts/open/data.txt").read_text() == "public data\n"
    assert (site / "posts/secretive.txt").is_file()
    preview = blog.build(drafts=True)
    assert (preview / "posts/secret/plan.txt").read_text() == "SECRET-WORDS plan\n"


def test_a_plain_build_publishes_the_committed_theme_and_settings(blog):
    _post(blog)
    blog.write("theme/static/style.css", "body { color: green; }\n")
    blog.write("theme/templates/robots.txt", "User-agent: *\nDisallow: /committed/\n")
    blog.commit("A theme of our own", "2024-01-10T09:00:00+00:00")
    blog.write("theme/static/style.css", "body { color: UNCOMMITTED; }\n")
    blog.write("theme/templates/robots.txt", "User-agent: *\nDisallow: /uncommitted/\n")
    blog.write("theme/static/new.css", "/* new */\n")
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings.replace("Test notebook", "Uncommitted title"))

    result = build_site(blog.root, output=blog.root / "_site")
    site = result.output
    assert (site / "static/style.css").read_text() == "body { color: green; }\n"
    assert "/committed/" in (site / "robots.txt").read_text()
    assert not (site / "static/new.css").exists()
    assert "Uncommitted title" not in _published(site)
    assert "Test notebook" in parse_html(site / "index.html").text
    assert result.site_changes == [
        "pyproject.toml",
        "theme/static/new.css",
        "theme/static/style.css",
        "theme/templates/robots.txt",
    ]

    preview = build_site(blog.root, output=blog.root / "_preview", drafts=True).output
    assert "UNCOMMITTED" in (preview / "static/style.css").read_text()
    assert "/uncommitted/" in (preview / "robots.txt").read_text()
    assert "Uncommitted title" in parse_html(preview / "index.html").text


def test_the_cli_notes_uncommitted_theme_changes(blog):
    from click.testing import CliRunner

    from redraft.cli import main

    _post(blog)
    blog.commit("A post", "2024-01-10T09:00:00+00:00")
    blog.write("theme/static/style.css", "body { color: red; }\n")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 0, result.output
    assert "theme/static/style.css" in result.output and "not published" in result.output


def test_a_commit_landing_during_a_build_is_neither_read_nor_cached(blog):
    blog.write("posts/a.md", "# A\n\nFirst words.\n")
    first = blog.commit("Add a", "2024-01-10T09:00:00+00:00")

    def commit_meanwhile(stage: str, done: int, total: int) -> None:
        # Called as the history stage starts: HEAD was read, the log is not read yet.
        if stage == "history" and done == 0 and not landed:
            landed.append(True)
            blog.write("posts/b.md", "# B\n\nLanded meanwhile.\n")
            blog.write("posts/a.md", "# A\n\nFirst words, then more.\n")
            blog.commit("Add b, edit a", "2024-01-11T09:00:00+00:00")

    landed: list[bool] = []
    result = build_site(blog.root, output=blog.root / "_site", progress=commit_meanwhile)
    assert landed and result.commit == first
    page = parse_html(result.output / "posts/a/history/index.html")
    assert "Add b, edit a" not in page.text
    assert not (result.output / "posts/b").exists()

    site = blog.build()  # the next build reads the new commit, from the cache it left
    assert "Landed meanwhile." in parse_html(site / "posts/b/index.html").text
    assert "Add b, edit a" in parse_html(site / "posts/a/history/index.html").text
    cold = blog.build(output=blog.root / "_cold", cache=False)
    files = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert files == {p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()}
