"""The address scheme, alone: no repository, no build."""

import pytest

from redraft import urls
from redraft.pages import OUTPUTS, outputs


@pytest.mark.parametrize(
    ("source", "address"),
    [
        ("posts/hello.md", "posts/hello/"),
        ("posts/hello/index.md", "posts/hello/"),
        ("posts/2024/notes.md", "posts/2024/notes/"),
        ("posts/...md", "posts/...md/"),
        ("posts/ünïcode name.md", "posts/ünïcode name/"),
    ],
)
def test_a_post_address_mirrors_its_path(source, address):
    assert urls.post(source) == address


def test_a_posts_pages_live_under_its_address():
    post = urls.post("posts/a.md")
    assert urls.history(post) == "posts/a/history/"
    assert urls.snapshot(post, "abc1234") == "posts/a/history/abc1234/"
    assert urls.post_feed(post) == "posts/a/feed.xml"


def test_tags_are_slugs_under_tags():
    assert urls.tag("Machine Learning") == "tags/machine-learning/"
    assert urls.tag("C++") == urls.tag("c")  # one address, so one tag page


def test_links_carry_the_base_path_and_are_quoted():
    assert urls.link("", urls.INDEX) == "/"
    assert urls.link("/blog", "posts/a b/") == "/blog/posts/a%20b/"
    assert urls.absolute("https://me.github.io/blog/", urls.SITE_FEED) == (
        "https://me.github.io/blog/feed.xml"
    )


def test_a_page_is_written_as_its_folders_index():
    assert urls.file_of("posts/a/") == "posts/a/index.html"
    assert urls.file_of(urls.INDEX) == "index.html"
    assert urls.file_of(urls.SITE_FEED) == "feed.xml"


def test_relative_links_resolve_with_query_and_fragment():
    assert urls.resolve_link("b.md#part", "posts/a.md", "/blog") == "/blog/posts/b/#part"
    assert urls.resolve_link("https://example.org/", "posts/a.md", "") is None


def test_every_output_has_a_unique_name_and_a_known_scope():
    names = [output.name for output in OUTPUTS]
    assert len(names) == len(set(names))
    scopes = {"site", "tag", "post", "revision", "former", "static", "asset", "copied"}
    assert {output.scope for output in OUTPUTS} == scopes


def test_site_outputs_have_distinct_addresses():
    addresses = [output.address() for output in outputs("site")]
    assert len(addresses) == len(set(addresses))
    post_addresses = [output.address("posts/a/") for output in outputs("post")]
    assert len(post_addresses) == len(set(post_addresses))
