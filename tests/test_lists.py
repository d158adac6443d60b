"""Lists of posts: the front page and tag pages in pages of `per_page` posts, the archive by year
and month, and each tag's own Atom feed."""

import re

import feedparser
import pytest

from conftest import new_blog


def _settings(blog, extra: str) -> None:
    text = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", text + extra)


@pytest.fixture(scope="module")
def seven_root(tmp_path_factory):
    """Seven posts, one a month in 2023-2024, all tagged 'notes'; four also 'python'."""
    blog = new_blog(tmp_path_factory.mktemp("lists") / "blog")
    _settings(blog, "per_page = 3\n")
    dates = ["2023-11-05", "2023-12-05", "2024-01-05", "2024-01-20", "2024-02-05", "2024-03-05"]
    dates.append("2024-04-05")
    for number, day in enumerate(dates, start=1):
        tags = "[notes, python]" if number % 2 else "[notes]"
        blog.write(
            f"posts/p{number}.md", f"---\ntags: {tags}\n---\n# Post {number}\n\nWords {number}.\n"
        )
        blog.commit(f"Add post {number}", f"{day}T10:00:00+00:00")
    blog.build()
    return blog


@pytest.fixture
def seven(seven_root, tmp_path):
    """A clone of the seven-post blog to change."""
    seven_root.git("clone", "-q", str(seven_root.root), str(tmp_path / "clone"))
    return type(seven_root)(tmp_path / "clone")


@pytest.fixture
def site(seven_root):
    return seven_root.root / "_site"


def _titles(page) -> list[str]:
    return [t.strip() for t in page.texts("h2") if t.strip().startswith("Post")]


def test_the_front_page_is_paged_with_numbered_links_and_rel_prev_next(site, read_page):
    first, second, third = (
        read_page(site / path) for path in ("index.html", "page/2/index.html", "page/3/index.html")
    )
    assert _titles(first) == ["Post 7", "Post 6", "Post 5"]
    assert _titles(second) == ["Post 4", "Post 3", "Post 2"]
    assert _titles(third) == ["Post 1"]
    assert not (site / "page/4").exists() and not (site / "page/1").exists()
    assert first.link("prev") is None and first.link("next") == "/page/2/"
    assert second.link("prev") == "/" and second.link("next") == "/page/3/"
    assert third.link("prev") == "/page/2/" and third.link("next") is None
    numbers = {
        a["href"]: a for a in second.anchors if a.get("href") in ("/", "/page/2/", "/page/3/")
    }
    assert numbers["/page/2/"].get("aria-current") == "page"
    assert second.link("canonical") == "https://example.org/page/2/"
    assert "page 2 of 3" in second.texts("title")[0]


def test_tag_pages_are_paged_too(site, read_page):
    first = read_page(site / "tags/notes/index.html")
    assert _titles(first) == ["Post 7", "Post 6", "Post 5"]
    assert first.link("next") == "/tags/notes/page/2/"
    last = read_page(site / "tags/notes/page/3/index.html")
    assert _titles(last) == ["Post 1"] and last.link("prev") == "/tags/notes/page/2/"
    assert "7 posts" in first.text
    python = read_page(site / "tags/python/index.html")
    assert _titles(python) == ["Post 7", "Post 5", "Post 3"]
    assert python.link("next") == "/tags/python/page/2/"


def test_the_archive_lists_every_post_by_year_and_month(site, read_page):
    page = read_page(site / "archive/index.html")
    assert [h.split()[0] for h in page.texts("h2")] == ["2024", "2023"]
    html = (site / "archive/index.html").read_text(encoding="utf-8")
    assert re.findall(r"<h3>([^<]*)</h3>", html) == [
        "April 2024",
        "March 2024",
        "February 2024",
        "January 2024",
        "December 2023",
        "November 2023",
    ]
    assert page.text.index("Post 4") < page.text.index("Post 3")  # newest first within January
    home = read_page(site / "index.html")
    assert any(a.get("href") == "/archive/" for a in home.anchors)


def test_each_tag_has_a_feed_announced_on_its_page(site, read_page):
    page = read_page(site / "tags/python/index.html")
    announced = [
        link
        for link in page.links
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    ]
    assert "/tags/python/feed.xml" in [link["href"] for link in announced]
    feed = feedparser.parse((site / "tags/python/feed.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Post 7", "Post 5", "Post 3", "Post 1"]
    assert feed.feed.links[0].href == "https://example.org/tags/python/feed.xml"
    site_feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.feed.id != site_feed.feed.id


def test_feed_limit_and_summary_content(seven):
    _settings(seven, 'feed_limit = 2\nfeed_content = "summary"\n')
    seven.commit("Shorter feeds", "2024-05-01T10:00:00+00:00")
    site = seven.build()
    for path in ("feed.xml", "tags/notes/feed.xml"):
        feed = feedparser.parse((site / path).read_bytes())
        assert [e.title for e in feed.entries] == ["Post 7", "Post 6"]
        assert all("content" not in e for e in feed.entries)
        assert feed.entries[0].summary == "Words 7."


def test_feed_limit_zero_means_every_post(seven):
    _settings(seven, "feed_limit = 0\n")
    seven.commit("Every post in the feeds", "2024-05-01T10:00:00+00:00")
    feed = feedparser.parse((seven.build() / "feed.xml").read_bytes())
    assert len(feed.entries) == 7
    assert "Words 7." in feed.entries[0].content[0].value
