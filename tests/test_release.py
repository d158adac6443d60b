"""Rehearsals of a release and of a new blog's first deploys, from a wheel of a tagged commit.

A copy of this source tree is committed and tagged v9.9.9; the release workflow's own steps build
and check its sdist and wheel, and a folder of wheels stands in for PyPI. From there: the release
workflow's trial of the wheel, and a blog made by `redraft init` from that wheel, whose written
workflow installs exactly that version from the local index, checks, builds, and builds again
from the restored cache after a new commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions import SHELL, CacheStore, environment, run_github_job
from conftest import Blog, files_of, parse_html

REPO = Path(__file__).resolve().parents[1]
TAG = "v9.9.9"
VERSION = TAG.removeprefix("v")
BASE_URL = "https://ada.github.io/notes/"
# The test environment's python, which has build and twine: the runner's after setup-python.
TOOLS = Path(sys.executable).parent
_DATES = {
    "GIT_AUTHOR_DATE": "2030-01-02T03:04:05+00:00",
    "GIT_COMMITTER_DATE": "2030-01-02T03:04:05+00:00",
}


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_DATES}
    result = subprocess.run(
        ["git", "-c", "user.name=Maintainer", "-c", "user.email=m@example.org", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _release_workflow() -> dict:
    return yaml.safe_load((REPO / ".github/workflows/release.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tagged(tmp_path_factory) -> Path:
    """This source tree as it is now (committed or not), committed and tagged v9.9.9."""
    source = tmp_path_factory.mktemp("release") / "redraft"
    listed = _git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    _git(source, "init", "-q", "-b", "main")
    _git(source, "add", "-A")
    _git(source, "commit", "-q", "-m", "Release")
    _git(source, "tag", TAG)
    return source


@pytest.fixture(scope="session")
def dist(tagged) -> Path:
    """The sdist and wheel of the tagged commit, built and checked by the release workflow."""
    job = _release_workflow()["jobs"]["build"]
    env = environment(path_first=TOOLS, GITHUB_REF_NAME=TAG)
    run_github_job(
        job,
        tagged,
        env,
        CacheStore(tagged.parent / "caches"),
        sha="",
        skip=("Install the build tools",),
    )
    return tagged / "dist"


@pytest.fixture(scope="session")
def index(dist, tmp_path_factory) -> Path:
    """A local package index standing in for PyPI: the wheel and every dependency's wheel."""
    folder = tmp_path_factory.mktemp("index")
    [wheel] = dist.glob("*.whl")
    subprocess.run(
        # Wheels only (an sdist-only dependency is built here), so installing builds nothing.
        [sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", str(folder), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder


def _from_index(index: Path, **extra: str) -> dict[str, str]:
    """pip settings that make the local index the only one: redraft cannot come from elsewhere."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(index),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **extra,
    }


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
    return path / "bin"


def test_the_release_build_names_the_files_after_the_tag(dist):
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"redraft-{VERSION}-py3-none-any.whl", f"redraft-{VERSION}.tar.gz"]


def test_the_release_check_refuses_files_whose_version_is_not_the_tag(dist, tagged):
    [step] = [
        s for s in _release_workflow()["jobs"]["build"]["steps"] if s.get("name") == "Check them"
    ]
    env = environment(path_first=TOOLS, GITHUB_REF_NAME="v9.9.10")
    result = subprocess.run(
        [*SHELL, step["run"]], cwd=tagged, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0


def test_the_release_trial_builds_a_blog_without_a_theme_from_the_wheel(dist, index, tmp_path):
    workspace = tmp_path / "workspace"
    shutil.copytree(dist, workspace / "dist")
    job = _release_workflow()["jobs"]["try"]
    env = environment(
        path_first=TOOLS, GITHUB_REF_NAME=TAG, RUNNER_TEMP=str(tmp_path), **_from_index(index)
    )
    run_github_job(job, workspace, env, CacheStore(tmp_path / "caches"), sha="")
    site = tmp_path / "blog" / "_site"
    assert parse_html(site / "posts/hello/index.html").json_ld[0]["headline"] == "Hello"
    assert not (tmp_path / "blog" / "theme").exists()


def test_a_blog_made_by_init_from_the_wheel_publishes_with_that_exact_version(index, tmp_path):
    author = _venv(tmp_path / "author")
    pip_env = environment(**_from_index(index))
    subprocess.run(
        [str(author / "pip"), "install", "-q", "redraft"],
        env=pip_env,
        check=True,
        capture_output=True,
    )
    blog = Blog(tmp_path / "notes")
    blog.root.mkdir()
    blog.git("init", "-q", "-b", "main")
    blog.git("remote", "add", "origin", "git@github.com:ada/notes.git")
    subprocess.run(
        [str(author / "redraft"), "init"], cwd=blog.root, check=True, capture_output=True
    )
    assert f"redraft=={VERSION}" in (blog.root / "requirements.txt").read_text().splitlines()
    blog.write("posts/second.md", "# Second\n\nBack to [the first](hello.md).\n")
    blog.commit("Start the blog", "2030-02-01T09:00:00+01:00")

    workflow = yaml.safe_load((blog.root / ".github/workflows/deploy.yml").read_text())
    runner = _venv(tmp_path / "runner")  # a fresh Python, as setup-python gives
    env = environment(path_first=runner, **_from_index(index))
    cache = CacheStore(tmp_path / "caches")

    def publish(name: str):
        clone = tmp_path / name / "notes"
        subprocess.run(["git", "clone", "-q", f"file://{blog.root}", str(clone)], check=True)
        sha = blog.git("rev-parse", "HEAD").strip()
        pages = {"pages": {"base_url": BASE_URL}}
        return clone, run_github_job(
            workflow["jobs"]["build"], clone, env, cache, sha=sha, outputs=pages
        )

    clone, first = publish("run-1")
    assert first.outputs["redraft"]["version"] == f"redraft, version {VERSION}"
    assert first.restored is None
    page = parse_html(clone / "_site/posts/hello/index.html")
    assert page.link("canonical") == BASE_URL + "posts/hello/"

    blog.write("posts/third.md", "# Third\n\nNew words.\n")
    blog.commit("Add third", "2030-03-01T09:00:00+01:00")
    clone, second = publish("run-2")
    assert second.restored == cache.keys[0]
    built = second.logs["Build the site"]
    assert "Built 3 posts" in built and "2 unchanged since the previous build" in built, built
    cold = tmp_path / "cold"
    subprocess.run(
        [str(runner / "redraft"), "build", "--no-cache", "-o", str(cold), "--base-url", BASE_URL],
        cwd=clone,
        check=True,
        capture_output=True,
    )
    assert files_of(clone / "_site") == files_of(cold)
