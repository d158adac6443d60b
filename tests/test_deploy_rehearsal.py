"""A rehearsal of the GitHub Pages deployment: the workflow's own `redraft check` and
`redraft build` steps, run as Actions runs them, in a full clone of a blog served from a
subpath; then in a shallow clone, which they must refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from actions import CacheStore, Run, environment, run_github_job, run_gitlab_job
from conftest import Blog, files_of, parse_html
from redraft.scaffold import init_site

BASE_URL = "https://example.github.io/blog/"
BASE_PATH = urlsplit(BASE_URL).path
# How Actions runs a `run:` step on Linux.
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]


def _workflow_step(command: str) -> dict:
    """The deploy workflow's build step whose script runs `command`."""
    workflow = yaml.safe_load(files("redraft").joinpath("deploy.yml").read_text(encoding="utf-8"))
    [step] = [s for s in workflow["jobs"]["build"]["steps"] if command in s.get("run", "")]
    return step


def _run_step(step: dict, clone: Path) -> subprocess.CompletedProcess:
    """Run a workflow step in `clone`, with configure-pages' output in its environment and the
    test environment's redraft on PATH."""
    env = dict(os.environ)
    for name, value in step.get("env", {}).items():
        env[name] = value.replace("${{ steps.pages.outputs.base_url }}", BASE_URL)
        assert "${{" not in env[name], f"unexpected expression in {name}: {value}"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [*SHELL, step["run"]], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )


def _clone(source: Path, target: Path, *options: str) -> Path:
    subprocess.run(
        ["git", "clone", "-q", *options, f"file://{source}", str(target)],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def published(blog: Blog) -> Blog:
    """A blog with a few months of history: two posts, a shared image, edits and a rename."""
    blog.write(
        "posts/first.md",
        "---\ntags: [notes, git]\n---\n# First\n\nThe [second post](draft-name.md).\n",
    )
    blog.write("posts/images/plot.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    blog.commit("Add first", "2024-01-02T08:00:00+01:00")
    blog.write(
        "posts/draft-name.md",
        "# Second\n\n![A plot of words per day](images/plot.svg)\n\nBack to [the first](first.md).\n",
    )
    blog.commit("Add second", "2024-02-03T09:30:00-05:00")
    blog.write(
        "posts/first.md",
        "---\ntags: [notes, git]\n---\n# First\n\nThe [second post](final-name.md), now longer.\n",
    )
    blog.commit("Edit first", "2024-03-04T10:00:00+00:00")
    blog.git("mv", "posts/draft-name.md", "posts/final-name.md")
    blog.commit("Rename second", "2024-04-05T11:00:00+02:00")
    blog.write(
        "posts/final-name.md",
        "# Second\n\n![A plot of words per day](images/plot.svg)\n\nBack to [the first](first.md).\n\n"
        "A new paragraph.\n",
    )
    blog.commit("Extend second", "2024-05-06T12:00:00+02:00")
    return blog


def _internal_targets(site: Path) -> list[tuple[str, str]]:
    """(page, link) for every href and src on every page that points into the site."""
    found = []
    for page in sorted(site.rglob("*.html")):
        for _tag, attrs in parse_html(page).elements:
            for name in ("href", "src"):
                value = attrs.get(name)
                if value is None or value.startswith(("#", "mailto:", "data:")):
                    continue
                if value.startswith(BASE_URL):
                    value = BASE_PATH + value.removeprefix(BASE_URL)
                elif urlsplit(value).scheme:
                    continue  # another site
                found.append((str(page.relative_to(site)), value))
    return found


def _file_for(site: Path, link: str) -> Path:
    path = unquote(urlsplit(link).path).removeprefix(BASE_PATH)
    target = site / path
    return target / "index.html" if not path or path.endswith("/") else target


def test_the_workflow_steps_publish_a_site_whose_links_and_dates_hold(published, tmp_path):
    clone = _clone(published.root, tmp_path / "runner" / "blog")

    checked = _run_step(_workflow_step("redraft check"), clone)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = _run_step(_workflow_step("redraft build"), clone)
    assert built.returncode == 0, built.stdout + built.stderr

    site = clone / "_site"
    links = _internal_targets(site)
    assert len(links) > 50
    outside = [(page, link) for page, link in links if not link.startswith(BASE_PATH)]
    assert outside == [], "links that ignore the base path"
    broken = [(page, link) for page, link in links if not _file_for(site, link).is_file()]
    assert broken == [], "links to files the site does not have"

    first = parse_html(site / "posts/first/index.html").json_ld[0]
    assert (first["datePublished"], first["dateModified"]) == (
        "2024-01-02T08:00:00+01:00",
        "2024-03-04T10:00:00+00:00",
    )
    second = parse_html(site / "posts/final-name/index.html").json_ld[0]
    assert (second["datePublished"], second["dateModified"]) == (
        "2024-02-03T09:30:00-05:00",
        "2024-05-06T12:00:00+02:00",
    )
    assert second["url"] == BASE_URL + "posts/final-name/"
    redirect = parse_html(site / "posts/draft-name/index.html")
    assert redirect.link("canonical") == BASE_URL + "posts/final-name/"


def test_a_shallow_clone_is_refused_by_both_steps(published, tmp_path):
    clone = _clone(published.root, tmp_path / "runner" / "shallow", "--depth", "1")
    for command in ("redraft check", "redraft build"):
        result = _run_step(_workflow_step(command), clone)
        assert result.returncode != 0, f"{command} accepted a shallow clone"
        assert "fetch-depth: 0" in result.stdout + result.stderr
    assert not (clone / "_site").exists()


def test_snapshots_from_before_a_folder_rename_keep_their_images(blog, tmp_path):
    blog.write("posts/old/index.md", "# Post\n\n![A plot](plot.svg)\n")
    blog.write("posts/old/plot.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    blog.commit("Add post", "2024-01-02T08:00:00+00:00")
    blog.git("mv", "posts/old", "posts/new")
    blog.write("posts/new/index.md", "# Post\n\n![A plot](plot.svg)\n\nMore.\n")
    blog.commit("Move and extend post", "2024-02-03T08:00:00+00:00")
    site = blog.build(output=tmp_path / "site", base_url=BASE_URL)
    images = [
        (page, link)
        for page, link in _internal_targets(site)
        if "/history/" in page and link.endswith(".svg")
    ]
    assert images, "the snapshot shows no image"
    assert [(page, link) for page, link in images if not _file_for(site, link).is_file()] == []


def _deploy_job() -> dict:
    workflow = yaml.safe_load(files("redraft").joinpath("deploy.yml").read_text(encoding="utf-8"))
    return workflow["jobs"]["build"]


def _publish(blog: Blog, runner: Path, cache: CacheStore) -> tuple[Path, Run]:
    """One run of the deploy job on the blog's current commit, in a fresh clone, with the test
    environment's redraft standing in for the install step."""
    clone = _clone(blog.root, runner / "blog")
    run = run_github_job(
        _deploy_job(),
        clone,
        environment(path_first=Path(sys.executable).parent),
        cache,
        sha=blog.git("rev-parse", "HEAD").strip(),
        outputs={"pages": {"base_url": BASE_URL}},
        skip=("Install redraft",),
    )
    return clone, run


def test_a_later_commit_restores_the_cache_and_rebuilds_only_what_changed(published, tmp_path):
    cache = CacheStore(tmp_path / "caches")
    first, run = _publish(published, tmp_path / "run-1", cache)
    assert run.restored is None and cache.keys, "the first run starts cold and saves a cache"
    assert "unchanged since the previous build" not in run.logs["Build the site"]

    published.write("posts/third.md", "# Third\n\nA new post links [the first](first.md).\n")
    published.commit("Add third", "2024-06-07T08:00:00+02:00")
    clone, run = _publish(published, tmp_path / "run-2", cache)

    assert run.restored == cache.keys[0]
    built = run.logs["Build the site"]
    assert "Built 3 posts" in built and "2 unchanged since the previous build" in built, built
    cold = clone / "cold"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "redraft",
            "build",
            "--no-cache",
            "-o",
            str(cold),
            "--base-url",
            BASE_URL,
        ],
        cwd=clone,
        check=True,
        capture_output=True,
    )
    assert files_of(clone / "_site") == files_of(cold)
    assert len(cache.keys) == 2, "the second run saves its own cache for the next"


def test_a_new_redraft_or_new_settings_start_cold(published, tmp_path):
    cache = CacheStore(tmp_path / "caches")
    _publish(published, tmp_path / "run-1", cache)
    settings = (published.root / "pyproject.toml").read_text(encoding="utf-8")
    published.write("pyproject.toml", settings.replace("Test notebook", "Renamed notebook"))
    published.commit("Rename the blog", "2024-06-07T08:00:00+02:00")
    _clone_dir, run = _publish(published, tmp_path / "run-2", cache)
    assert run.restored is None
    assert "unchanged since the previous build" not in run.logs["Build the site"]


def _gitlab_publish(blog: Blog, runner: Path, cache: CacheStore) -> tuple[Path, Run]:
    """One run of the GitLab Pages job that `init --host gitlab` writes, in a fresh clone, with
    the test environment's redraft standing in for its pip install line."""
    clone = _clone(blog.root, runner / "blog")
    ci = yaml.safe_load((clone / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    env = environment(path_first=Path(sys.executable).parent, CI_PAGES_URL=BASE_URL.rstrip("/"))
    run = run_gitlab_job(ci["pages"], ci["variables"], clone, env, cache, skip=("pip install",))
    return clone, run


def test_the_gitlab_pages_job_publishes_public_and_rebuilds_from_its_cache(tmp_path):
    blog = Blog(tmp_path / "notes")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "main")
    init_site(blog.root, "redraft==1.2.3", "gitlab")
    blog.write("posts/second.md", "# Second\n\nBack to [the first](hello.md).\n")
    blog.commit("Start the blog", "2024-01-02T08:00:00+01:00")
    cache = CacheStore(tmp_path / "caches")
    clone, run = _gitlab_publish(blog, tmp_path / "run-1", cache)
    assert run.restored is None
    page = parse_html(clone / "public/posts/second/index.html")
    assert page.link("canonical") == BASE_URL + "posts/second/"
    assert blog.git("status", "--porcelain") == ""  # public/ and the cache are ignored

    blog.write("posts/third.md", "# Third\n\nNew words.\n")
    blog.commit("Add third", "2024-02-03T08:00:00+01:00")
    clone, run = _gitlab_publish(blog, tmp_path / "run-2", cache)
    assert run.restored is not None
    built = next(log for line, log in run.logs.items() if line.startswith("redraft build"))
    assert "Built 3 posts" in built and "2 unchanged since the previous build" in built, built
