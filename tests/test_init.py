"""`redraft init`: a git repository becomes a blog that GitHub Pages publishes, without ever
overwriting anything."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest
import yaml
from click.testing import CliRunner

from conftest import Blog, parse_html
from redraft.check import check_site
from redraft.cli import main
from redraft.errors import RedraftError
from redraft.scaffold import init_site, pages_url, pinned_requirement

# What CI installs redraft with in these tests' blogs (the CLI's default pins its own version).
PIN = "redraft==1.2.3"


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
    result = init_site(repo.root, PIN)
    assert result.written == [
        "redraft.toml",
        "posts/hello.md",
        "requirements.txt",
        ".github/workflows/deploy.yml",
        ".github/dependabot.yml",
        ".gitignore",
    ]
    settings = tomllib.loads((repo.root / "redraft.toml").read_text(encoding="utf-8"))
    assert settings["title"] == "lab-notes"
    assert settings["author"] == 'Ada "the tester" Lovelace'
    assert settings["base_url"] == "https://ada.github.io/lab-notes/"
    workflow = (repo.root / ".github/workflows/deploy.yml").read_bytes()
    assert workflow == files("redraft").joinpath("deploy.yml").read_bytes()
    assert _requirements(repo) == [PIN]
    dependabot = yaml.safe_load((repo.root / ".github/dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in dependabot["updates"]} == {"github-actions", "pip"}
    assert (repo.root / ".gitignore").read_text().splitlines()[-2:] == ["_site/", ".redraft-cache/"]


def test_the_new_blog_checks_clean_and_builds(repo):
    init_site(repo.root, PIN)
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
    init_site(blog.root, PIN)
    settings = tomllib.loads((blog.root / "redraft.toml").read_text(encoding="utf-8"))
    assert settings["author"] == "Anonymous"
    assert settings["base_url"] == "http://127.0.0.1:8000/"


def test_an_existing_gitignore_is_extended_not_replaced(repo):
    repo.write(".gitignore", "*.pyc\n/_site/")  # no final newline; _site already ignored
    init_site(repo.root, PIN)
    assert (repo.root / ".gitignore").read_text() == (
        "*.pyc\n/_site/\n# redraft's build output and cache\n.redraft-cache/\n"
    )


def test_init_refuses_and_writes_nothing_when_anything_exists(repo):
    repo.write("posts/hello.md", "# Mine\n")
    repo.write(".github/workflows/deploy.yml", "name: mine\n")
    repo.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.redraft]\ntitle = "Mine"\n')
    with pytest.raises(RedraftError) as refused:
        init_site(repo.root, PIN)
    message = str(refused.value)
    for name in ("posts/hello.md", ".github/workflows/deploy.yml", "pyproject.toml"):
        assert name in message
    assert not (repo.root / "redraft.toml").exists()
    assert not (repo.root / ".gitignore").exists()
    assert (repo.root / "posts/hello.md").read_text() == "# Mine\n"


def test_init_refuses_an_existing_settings_file(repo):
    repo.write("redraft.toml", 'title = "Mine"\n')
    with pytest.raises(RedraftError, match="redraft.toml"):
        init_site(repo.root, PIN)
    assert not (repo.root / "posts").exists()


def test_cli_says_what_it_wrote_and_what_to_do_next(repo):
    result = CliRunner().invoke(main, ["init", "--root", str(repo.root), "--install", PIN])
    assert result.exit_code == 0, result.output
    assert "Wrote redraft.toml" in result.output
    assert "Wrote .github/workflows/deploy.yml" in result.output
    assert (
        "git add redraft.toml posts/hello.md requirements.txt .github/workflows/deploy.yml "
        ".github/dependabot.yml .gitignore" in result.output
    )
    assert "Settings → Pages → Source: GitHub Actions" in result.output
    assert "Note:" not in result.output
    again = CliRunner().invoke(main, ["init", "--root", str(repo.root), "--install", PIN])
    assert again.exit_code == 1 and "exist already" in again.output


def test_cli_warns_when_the_branch_is_not_the_published_one(tmp_path):
    blog = Blog(tmp_path / "old")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "master")
    result = CliRunner().invoke(main, ["init", "--root", str(blog.root), "--install", PIN])
    assert result.exit_code == 0, result.output
    assert "git branch -m main" in result.output


def test_cli_outside_a_repository_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["init", "--root", str(tmp_path), "--install", PIN])
    assert result.exit_code == 1 and "is not a git repository" in result.output
    assert not (tmp_path / "redraft.toml").exists()


def _requirements(blog: Blog) -> list[str]:
    text = (blog.root / "requirements.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("version", ["1.2.0", "0.3", "2.0.0rc1", "1.0.post2"])
def test_a_released_version_is_pinned_exactly(version):
    assert pinned_requirement(version) == f"redraft=={version}"


@pytest.mark.parametrize("version", ["0.1.dev43+g634df97d6", "1.2.1.dev3", "1.2.0+local"])
def test_a_development_build_is_not_pinned_but_explained(version):
    with pytest.raises(RedraftError, match="--install") as refused:
        pinned_requirement(version)
    assert version in str(refused.value)


def test_install_writes_another_requirement(repo):
    spec = "redraft @ git+https://github.com/redraft/redraft@v1.2.3"
    result = CliRunner().invoke(main, ["init", "--root", str(repo.root), "--install", spec])
    assert result.exit_code == 0, result.output
    assert _requirements(repo) == [spec]


def test_gitlab_gets_its_ci_file_and_its_pages_address(repo):
    repo.git("remote", "set-url", "origin", "git@gitlab.com:Ada/lab-notes.git")
    result = CliRunner().invoke(
        main, ["init", "--root", str(repo.root), "--host", "gitlab", "--install", PIN]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote .gitlab-ci.yml" in result.output and ".github" not in result.output
    assert not (repo.root / ".github").exists()
    settings = tomllib.loads((repo.root / "redraft.toml").read_text(encoding="utf-8"))
    assert settings["base_url"] == "https://ada.gitlab.io/lab-notes/"
    ci = yaml.safe_load((repo.root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert ci["variables"]["GIT_DEPTH"] == 0
    assert ci["pages"]["artifacts"]["paths"] == ["public"]
    assert {".redraft-cache/", "public/"} <= set(ci["pages"]["cache"]["paths"])
    assert (repo.root / ".gitignore").read_text().splitlines()[-2:] == [
        "public/",
        ".redraft-cache/",
    ]
