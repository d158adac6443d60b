"""Standalone pages: Markdown under pages/ published at /<name>/, with a history when it has
revisions, in the navigation when `nav` names it, never in the lists or feeds of posts."""

import feedparser
import pytest
from click.testing import CliRunner

from redraft.check import check_site
from redraft.cli import main
from redraft.errors import RedraftError


@pytest.fixture
def with_about(blog):
    text = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", text + 'nav = ["about"]\n')
    blog.write("posts/hello.md", "# Hello\n\nA post.\n")
    blog.write("pages/about.md", "# About me\n\nI write.\n")
    blog.commit("Add a post and an About page", "2024-02-01T10:00:00+00:00")
    blog.write("pages/about.md", "# About me\n\nI write, and I measure.\n")
    blog.commit("About: say what I do", "2024-03-01T10:00:00+00:00")
    return blog


def test_a_page_is_published_at_its_name_with_a_history(with_about, read_page):
    site = with_about.build()
    page = read_page(site / "about/index.html")
    assert page.texts("h1") == ["About me"]
    assert "I measure" in page.text
    assert page.link("version-history") == "/about/history/"
    history = read_page(site / "about/history/index.html")
    assert "About: say what I do" in history.text
    assert not (site / "pages").exists()  # no redirect from its path
    assert "Published" not in page.text and "Updated" in page.text
    assert page.json_ld[0]["@type"] == "WebPage"


def test_a_page_is_in_the_navigation_and_sitemap_but_not_in_lists_or_feeds(with_about, read_page):
    site = with_about.build()
    for path in ("index.html", "posts/hello/index.html", "about/index.html"):
        nav = [a for a in read_page(site / path).anchors if a.get("href") == "/about/"]
        assert nav, path
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "About me" in home  # as a navigation link only
    assert "I measure" not in home
    archive = (site / "archive/index.html").read_text(encoding="utf-8")
    assert "/about/" not in archive.split("<main", 1)[1]
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Hello"]
    assert "https://example.org/about/" in (site / "sitemap.xml").read_text(encoding="utf-8")


def test_nav_naming_no_page_is_an_error(blog):
    text = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", text + 'nav = ["colophon"]\n')
    blog.write("posts/hello.md", "# Hello\n")
    blog.commit("Add", "2024-02-01T10:00:00+00:00")
    with pytest.raises(RedraftError, match="nav: no page 'colophon' in pages/"):
        blog.build()


def test_links_between_posts_and_pages_lead_to_their_addresses(with_about, read_page):
    with_about.write("posts/hello.md", "# Hello\n\nSee [about me](../pages/about.md).\n")
    with_about.write(
        "pages/about.md",
        "# About me\n\nMy [first post](../posts/hello.md), [the archive](../archive/).\n",
    )
    with_about.commit("Link the post and the page", "2024-04-01T10:00:00+00:00")
    site = with_about.build()
    post = read_page(site / "posts/hello/index.html")
    prose = post.text.split("Hello", 2)[-1]
    assert "about me" in prose
    assert [a.get("href") for a in post.anchors].count("/about/") == 2  # navigation and text
    about = read_page(site / "about/index.html")
    hrefs = [a.get("href") for a in about.anchors]
    assert "/posts/hello/" in hrefs and "/archive/" in hrefs
    assert check_site(with_about.root) == []


def test_check_finds_a_broken_link_and_bad_front_matter_in_a_page(with_about):
    with_about.write("pages/about.md", "# About me\n\nSee [nothing](../posts/missing.md).\n")
    with_about.write("pages/now.md", "---\ntitle: [never closed\n---\n")
    with_about.commit("Break the pages", "2024-04-01T10:00:00+00:00")
    found = [str(problem) for problem in check_site(with_about.root)]
    assert any(
        p.startswith("pages/about.md:3: link ../posts/missing.md leads nowhere") for p in found
    )
    assert any(p.startswith("pages/now.md:3: invalid front matter") for p in found)


def test_a_renamed_page_leaves_a_redirect_at_its_old_address(with_about, read_page):
    with_about.git("mv", "pages/about.md", "pages/me.md")
    with_about.write(
        "pyproject.toml",
        (with_about.root / "pyproject.toml").read_text().replace('"about"', '"me"'),
    )
    with_about.commit("Rename the About page", "2024-04-01T10:00:00+00:00")
    site = with_about.build()
    redirect = read_page(site / "about/index.html")
    assert redirect.link("canonical") == "https://example.org/me/"
    assert not (site / "pages").exists()


@pytest.mark.parametrize("asked", ["pages/about.md", "/about/", "about"])
def test_redraft_history_finds_a_page_by_path_address_or_slug(with_about, asked):
    result = CliRunner().invoke(main, ["history", "-C", str(with_about.root), asked])
    assert result.exit_code == 0, result.output
    assert "About: say what I do" in result.output
    assert "2 revisions" in result.output + result.stderr
