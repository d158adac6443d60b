"""`redraft init`: a git repository becomes a blog that GitHub Pages publishes, without ever
overwriting anything."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest
from click.testing import CliRunner

from conftest import Blog, parse_html
from redraft.check import check_site
from redraft.cli import main
from redraft.errors import RedraftError
from redraft.scaffold import init_site, pages_url


@pytest.fixture
def repo(tmp_path) -> Blog:
    """A fresh repository on main, with a user name and a GitHub origin, and nothing else."""
    made = Blog(tmp_path / "lab-notes")
    made.root.mkdir()
    made.git("init", "-q", "-b", "main")
    made.git("config", "user.name", 'Ada "the tester" Lovelace')
    made.git("remote", "add", "origin", "git@github.com:Ada/lab-notes.git")
    return made


def test_init_writes_settings_a_post_the_workflow_and_ignores_build_products(repo):
    result = init_site(repo.root)
    assert result.written == [
        "redraft.toml",
        "posts/hello.md",
        ".github/workflows/deploy.yml",
        ".gitignore",
    ]
    settings = tomllib.loads((repo.root / "redraft.toml").read_text(encoding="utf-8"))
    assert settings["title"] == "lab-notes"
    assert settings["author"] == 'Ada "the tester" Lovelace'
    assert settings["base_url"] == "https://ada.github.io/lab-notes/"
    workflow = (repo.root / ".github/workflows/deploy.yml").read_bytes()
    assert workflow == files("redraft").joinpath("deploy.yml").read_bytes()
    assert (repo.root / ".gitignore").read_text().splitlines()[-2:] == ["_site/", ".redraft-cache/"]


def test_the_new_blog_checks_clean_and_builds(repo):
    init_site(repo.root)
    repo.commit("Start the blog", "2024-05-01T09:00:00+02:00")
    assert check_site(repo.root) == []
    site = repo.build()
    page = parse_html(site / "posts/hello/index.html")
    assert page.json_ld[0]["datePublished"].startswith("2024-05-01T09:00:00+02:00")
    assert page.link("canonical") == "https://ada.github.io/lab-notes/posts/hello/"
    # Build products are ignored, so the working tree is clean after a build.
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("https://github.com/Ada/notes.git", "https://ada.github.io/notes/"),
        ("git@github.com:ada/notes", "https://ada.github.io/notes/"),
        ("https://github.com/Ada/Ada.github.io", "https://ada.github.io/"),
        ("git@gitlab.com:ada/notes.git", ""),
        ("/srv/git/notes.git", ""),
    ],
)
def test_pages_address_from_the_origin_remote(remote, url):
    assert pages_url(remote) == url


def test_without_origin_or_user_name_the_defaults_are_written(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    blog = Blog(tmp_path / "plain")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "main")
    init_site(blog.root)
    settings = tomllib.loads((blog.root / "redraft.toml").read_text(encoding="utf-8"))
    assert settings["author"] == "Anonymous"
    assert settings["base_url"] == "http://127.0.0.1:8000/"


def test_an_existing_gitignore_is_extended_not_replaced(repo):
    repo.write(".gitignore", "*.pyc\n/_site/")  # no final newline; _site already ignored
    init_site(repo.root)
    assert (repo.root / ".gitignore").read_text() == (
        "*.pyc\n/_site/\n# redraft's build output and cache\n.redraft-cache/\n"
    )


def test_init_refuses_and_writes_nothing_when_anything_exists(repo):
    repo.write("posts/hello.md", "# Mine\n")
    repo.write(".github/workflows/deploy.yml", "name: mine\n")
    repo.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.redraft]\ntitle = "Mine"\n')
    with pytest.raises(RedraftError) as refused:
        init_site(repo.root)
    message = str(refused.value)
    for name in ("posts/hello.md", ".github/workflows/deploy.yml", "pyproject.toml"):
        assert name in message
    assert not (repo.root / "redraft.toml").exists()
    assert not (repo.root / ".gitignore").exists()
    assert (repo.root / "posts/hello.md").read_text() == "# Mine\n"


def test_init_refuses_an_existing_settings_file(repo):
    repo.write("redraft.toml", 'title = "Mine"\n')
    with pytest.raises(RedraftError, match="redraft.toml"):
        init_site(repo.root)
    assert not (repo.root / "posts").exists()


def test_cli_says_what_it_wrote_and_what_to_do_next(repo):
    result = CliRunner().invoke(main, ["init", "--root", str(repo.root)])
    assert result.exit_code == 0, result.output
    assert "Wrote redraft.toml" in result.output
    assert "Wrote .github/workflows/deploy.yml" in result.output
    assert "git add redraft.toml posts/hello.md .github/workflows/deploy.yml" in result.output
    assert "Settings → Pages → Source: GitHub Actions" in result.output
    assert "Note:" not in result.output
    again = CliRunner().invoke(main, ["init", "--root", str(repo.root)])
    assert again.exit_code == 1 and "exist already" in again.output


def test_cli_warns_when_the_branch_is_not_the_published_one(tmp_path):
    blog = Blog(tmp_path / "old")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "master")
    result = CliRunner().invoke(main, ["init", "--root", str(blog.root)])
    assert result.exit_code == 0, result.output
    assert "git branch -m main" in result.output


def test_cli_outside_a_repository_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["init", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "is not a git repository" in result.output
    assert not (tmp_path / "redraft.toml").exists()
