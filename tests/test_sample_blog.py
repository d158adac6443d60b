"""The sample blog in this repository builds, and its dates agree with `git log --follow`."""

import subprocess
from pathlib import Path

import feedparser
import pytest

from conftest import parse_html
from redraft import build_site, urls

ROOT = Path(__file__).resolve().parents[1]
POSTS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "posts").rglob("*.md"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    output = tmp_path_factory.mktemp("sample") / "site"
    build_site(ROOT, output=output, allow_shallow=shallow == "true")
    return output


def _follow(path: str) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["git", "log", "--follow", "--format=%aI%x00%s", "--", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [tuple(line.split("\0", 1)) for line in out.splitlines()]


def test_the_sample_blog_has_the_posts_the_readme_promises():
    assert len(POSTS) >= 3
    assert any(len(_follow(p)) >= 3 for p in POSTS), "a living document with several revisions"


@pytest.mark.parametrize("path", POSTS)
def test_sample_post_dates_match_git_log_follow(site, path):
    revisions = _follow(path)
    if not revisions:
        pytest.skip(f"{path} is not committed yet")
    published = revisions[-1][0]
    updated = next(date for date, subject in revisions if "[minor]" not in subject)
    data = parse_html(site / urls.post(path) / "index.html").json_ld[0]
    assert (data["datePublished"], data["dateModified"]) == (published, updated)


def test_sample_feed_is_valid_atom(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == len([p for p in POSTS if _follow(p)])
