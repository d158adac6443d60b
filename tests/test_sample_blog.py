"""The sample blog in this repository builds, and its dates agree with `git log --follow`."""

import datetime as dt
import re
import subprocess
from pathlib import Path

import feedparser
import pytest

from conftest import parse_html
from redraft import build_site, urls
from redraft.config import Now

ROOT = Path(__file__).resolve().parents[1]
POSTS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "posts").rglob("*.md"))
SCHEDULED = "posts/scheduled-posts.md"  # dated 2026-12-03T09:00:00+00:00
# The sample blog built as of a moment after every date in it, so tests do not depend on the day.
LATER = Now(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "--now")


def _build(output: Path, now: Now = LATER) -> Path:
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    build_site(ROOT, output=output, allow_shallow=shallow == "true", now=now, cache=False)
    return output


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("sample") / "site")


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
    dated = re.search(r"^date: (\S+)$", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
    if dated:  # front matter `date` overrides the first commit's date, by design
        published = updated = dated.group(1)
    data = parse_html(site / urls.post(path) / "index.html").json_ld[0]
    assert (data["datePublished"], data["dateModified"]) == (published, updated)


def test_sample_feed_is_valid_atom(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == len([p for p in POSTS if _follow(p)])


def test_the_scheduled_sample_post_waits_for_its_day(tmp_path):
    if not _follow(SCHEDULED):
        pytest.skip(f"{SCHEDULED} is not committed yet")
    before = _build(
        tmp_path / "before", Now(dt.datetime(2026, 12, 3, 8, 59, 59, tzinfo=dt.UTC), "--now")
    )
    after = _build(tmp_path / "after", Now(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), "--now"))
    address = urls.post(SCHEDULED)
    assert not (before / address).exists()
    assert address not in (before / "feed.xml").read_text(encoding="utf-8")
    assert (after / address / "index.html").is_file()
    assert address in (after / "feed.xml").read_text(encoding="utf-8")


def test_the_sample_about_page_has_a_history_and_is_in_the_navigation(site):
    page = parse_html(site / "about/index.html")
    assert page.link("version-history") == "/about/history/"
    history = parse_html(site / "about/history/index.html")
    assert len(history.texts("h2")) >= 2
    home = parse_html(site / "index.html")
    assert any(a.get("href") == "/about/" for a in home.anchors)
    assert any(a.get("href") == "/archive/" for a in home.anchors)


def test_the_sample_index_is_paged_and_the_archive_lists_every_post(site):
    assert parse_html(site / "index.html").link("next") == "/page/2/"
    assert parse_html(site / "page/2/index.html").link("prev") == "/"
    archive = parse_html(site / "archive/index.html")
    for path in POSTS:
        if _follow(path):
            assert any(a.get("href") == "/" + urls.post(path) for a in archive.anchors), path
