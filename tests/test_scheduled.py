"""Scheduled posts: a post dated later than the build's now waits for a build on or after its
date, on every page, feed and list; `--future` previews it, marked."""

import datetime as dt

import feedparser
import pytest
from click.testing import CliRunner

from redraft.cli import main
from redraft.config import Now, build_now
from redraft.errors import RedraftError

DATED = "2026-12-03T09:00:00+01:00"  # 08:00:00 UTC


def _at(text: str) -> Now:
    return Now(dt.datetime.fromisoformat(text), "--now")


@pytest.fixture
def scheduled(blog):
    blog.write("posts/old.md", "---\ntags: [notes]\n---\n# Old\n\nWords.\n")
    blog.write("posts/soon.md", f"---\ndate: {DATED}\ntags: [notes]\n---\n# Soon\n\nLater.\n")
    blog.commit("Add two posts", "2026-11-01T10:00:00+00:00")
    return blog


def _published(site) -> set[str]:
    """Every place a post can be listed: index, feed, sitemap, tag page."""
    places = set()
    index = (site / "index.html").read_text(encoding="utf-8")
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    tag = (site / "tags/notes/index.html").read_text(encoding="utf-8")
    if "posts/soon/" in index:
        places.add("index")
    if any(e.link.endswith("/posts/soon/") for e in feed.entries):
        places.add("feed")
    if "posts/soon/" in sitemap:
        places.add("sitemap")
    if "posts/soon/" in tag:
        places.add("tag")
    if (site / "posts/soon/index.html").exists():
        places.add("page")
    return places


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-03T07:59:59+00:00", set()),  # one second before, in UTC
        ("2026-12-03T08:59:59+01:00", set()),  # the same moment, in the post's own zone
        ("2026-12-03T08:00:00+00:00", {"index", "feed", "sitemap", "tag", "page"}),  # on it
        ("2026-12-03T08:00:01+00:00", {"index", "feed", "sitemap", "tag", "page"}),
        ("2026-12-02T23:00:01-09:00", {"index", "feed", "sitemap", "tag", "page"}),  # 08:00:01Z
    ],
)
def test_a_post_appears_on_its_date_to_the_second(scheduled, now, expected):
    site = scheduled.build(now=_at(now))
    assert _published(site) == expected
    assert (site / "posts/old/index.html").exists()


def test_a_date_without_a_zone_is_in_the_site_timezone(blog):
    blog.write(
        "pyproject.toml",
        (blog.root / "pyproject.toml")
        .read_text()
        .replace('timezone = "UTC"', 'timezone = "Asia/Tokyo"'),
    )
    blog.write("posts/soon.md", "---\ndate: 2026-12-03\n---\n# Soon\n\nLater.\n")
    blog.commit("Add", "2026-11-01T10:00:00+00:00")
    # Midnight in Tokyo is 15:00 UTC the day before.
    assert not (blog.build(now=_at("2026-12-02T14:59:59+00:00")) / "posts/soon").exists()
    assert (blog.build(now=_at("2026-12-02T15:00:00+00:00")) / "posts/soon").exists()


def test_future_previews_a_scheduled_post_marked(scheduled, read_page):
    site = scheduled.build(now=_at("2026-12-01T00:00:00+00:00"), future=True)
    page = read_page(site / "posts/soon/index.html")
    assert "Scheduled." in page.text
    index = read_page(site / "index.html")
    assert "3 December 2026 scheduled" in " ".join(index.texts("p"))


def test_the_same_now_gives_the_same_site(scheduled, tmp_path):
    from conftest import files_of

    now = _at("2026-12-05T00:00:00+00:00")
    first = files_of(scheduled.build(now=now, output=tmp_path / "a", cache=False))
    second = files_of(scheduled.build(now=now, output=tmp_path / "b"))
    assert first == second


def test_now_comes_from_the_flag_then_source_date_epoch_then_the_clock():
    epoch = {"SOURCE_DATE_EPOCH": "1796371200"}  # 2026-12-04T08:00:00Z
    assert build_now("2026-12-03", epoch) == Now(dt.datetime(2026, 12, 3, tzinfo=dt.UTC), "--now")
    assert build_now(None, epoch) == Now(
        dt.datetime(2026, 12, 4, 8, tzinfo=dt.UTC), "SOURCE_DATE_EPOCH"
    )
    assert build_now(None, {}).source == "the clock"
    with pytest.raises(RedraftError, match="SOURCE_DATE_EPOCH"):
        build_now(None, {"SOURCE_DATE_EPOCH": "yesterday"})
    with pytest.raises(RedraftError, match="--now: not a date"):
        build_now("soon", {})


def test_build_says_its_now_and_check_lists_scheduled_posts(scheduled):
    runner = CliRunner()
    root = str(scheduled.root)
    built = runner.invoke(main, ["build", "-C", root, "--now", "2026-12-01T00:00:00+00:00"])
    assert built.exit_code == 0, built.output
    assert "as of 2026-12-01 00:00:00 UTC (--now)" in built.output
    assert "Scheduled, not published yet: posts/soon.md on 2026-12-03 08:00:00 UTC" in built.output
    checked = runner.invoke(main, ["check", "-C", root, "--now", "2026-12-01"])
    assert checked.exit_code == 0, checked.output
    assert "scheduled: posts/soon.md on 2026-12-03 08:00:00 UTC" in checked.output
    later = runner.invoke(main, ["check", "-C", root, "--now", "2026-12-04"])
    assert "scheduled:" not in later.output
