"""Settings instead of template forks (code colours, extra CSS, trusted snippets, sharing
images, edit links) and the site's own static folder, copied to the site's root."""

import pytest

from redraft.errors import RedraftError


def _settings(blog, extra: str) -> None:
    """Add settings and commit them: a build reads the committed settings."""
    text = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", text + extra)
    blog.commit("Settings", "2024-02-01T11:00:00+00:00")


@pytest.fixture
def post(blog):
    blog.write(
        "posts/hello/index.md", "---\nimage: card.png\n---\n# Hello\n\n```python\nx = 1\n```\n"
    )
    blog.write("posts/hello/card.png", b"\x89PNG card")
    blog.write("posts/plain.md", "# Plain\n\nWords.\n")
    blog.commit("Add posts", "2024-02-01T10:00:00+00:00")
    return blog


def test_highlight_styles_set_the_code_colours(post):
    _settings(post, 'highlight_style = "solarized-light"\nhighlight_style_dark = "monokai"\n')
    css = (post.build() / "static/code.css").read_text(encoding="utf-8")
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert "#FDF6E3" in light.upper()  # solarized-light's background
    assert "#272822" in dark  # monokai's background


def test_an_unknown_highlight_style_is_refused(post):
    _settings(post, 'highlight_style = "no-such-style"\n')
    with pytest.raises(
        RedraftError, match="highlight_style: unknown Pygments style 'no-such-style'"
    ):
        post.build()


def test_a_theme_may_bring_its_own_code_css(post):
    post.write("theme/static/code.css", ".highlight { color: red }\n")
    post.commit("A theme with its own code colours", "2024-02-01T11:00:00+00:00")
    css = (post.build() / "static/code.css").read_text(encoding="utf-8")
    assert css == ".highlight { color: red }\n"


def test_extra_css_comes_after_the_theme_css(post, read_page):
    post.write("site.css", "body { margin: 0 }\n")
    _settings(post, 'extra_css = "site.css"\n')
    site = post.build()
    assert (site / "static/extra.css").read_text(encoding="utf-8") == "body { margin: 0 }\n"
    sheets = [
        link["href"]
        for link in read_page(site / "index.html").links
        if link.get("rel") == "stylesheet"
    ]
    assert sheets == ["/static/style.css", "/static/code.css", "/static/extra.css"]


def test_a_missing_extra_css_is_an_error(post):
    _settings(post, 'extra_css = "nope.css"\n')
    with pytest.raises(RedraftError, match="extra_css: no file nope.css"):
        post.build()


def test_head_and_body_end_snippets_are_inserted_verbatim(post):
    _settings(
        post,
        "head_html = '<script src=\"https://stats.example/a.js\" defer></script>'\n"
        "body_end_html = '<script src=\"https://giscus.app/client.js\" async></script>'\n",
    )
    html = (post.build() / "posts/hello/index.html").read_text(encoding="utf-8")
    head, body = html.split("</head>")
    assert '<script src="https://stats.example/a.js" defer></script>' in head
    assert body.rstrip().endswith(
        '<script src="https://giscus.app/client.js" async></script>\n</body>\n</html>'
    )


def _meta(page, key: str) -> str | None:
    return next(
        (
            attrs.get("content")
            for tag, attrs in page.elements
            if tag == "meta" and key in (attrs.get("property"), attrs.get("name"))
        ),
        None,
    )


def test_sharing_images_from_the_site_and_the_post(post, read_page):
    _settings(post, 'image = "/static/card.png"\n')
    site = post.build()
    hello = read_page(site / "posts/hello/index.html")
    assert _meta(hello, "og:image") == "https://example.org/posts/hello/card.png"
    assert _meta(hello, "twitter:card") == "summary_large_image"
    plain = read_page(site / "posts/plain/index.html")
    assert _meta(plain, "og:image") == "https://example.org/static/card.png"
    assert (
        _meta(read_page(site / "index.html"), "og:image") == "https://example.org/static/card.png"
    )


def test_without_an_image_the_card_is_a_summary(post, read_page):
    page = read_page(post.build() / "posts/plain/index.html")
    assert _meta(page, "og:image") is None
    assert _meta(page, "twitter:card") == "summary"


def test_edit_url_links_each_post_to_its_source(post, read_page):
    _settings(post, 'edit_url = "https://github.com/me/blog/edit/main/{path}"\n')
    page = read_page(post.build() / "posts/hello/index.html")
    edit = [a for a in page.anchors if a.get("class") == "edit-link"]
    assert edit[0]["href"] == "https://github.com/me/blog/edit/main/posts/hello/index.md"


def test_edit_url_without_a_path_is_refused(post):
    _settings(post, 'edit_url = "https://github.com/me/blog"\n')
    with pytest.raises(RedraftError, match="edit_url must contain"):
        post.build()


def test_the_static_folder_is_copied_to_the_site_root(post):
    post.write("static/favicon.ico", b"\x00\x00\x01\x00icon")
    post.write("static/.well-known/security.txt", "Contact: mailto:me@example.org\n")
    post.write("static/images/shared.png", b"\x89PNG shared")
    post.commit("Add site files", "2024-02-02T10:00:00+00:00")
    post.write("static/uncommitted.txt", "not yet\n")
    site = post.build()
    assert (site / "favicon.ico").read_bytes() == b"\x00\x00\x01\x00icon"
    assert (site / ".well-known/security.txt").read_text() == "Contact: mailto:me@example.org\n"
    assert (site / "images/shared.png").read_bytes() == b"\x89PNG shared"
    assert not (site / "uncommitted.txt").exists()  # publishing is committing


def test_a_static_file_on_a_page_address_is_a_clear_error(post):
    post.write("static/feed.xml", "<feed/>\n")
    post.commit("Add a hand-made feed", "2024-02-02T10:00:00+00:00")
    with pytest.raises(
        RedraftError, match=r"static/feed.xml: redraft writes a page or file at /feed.xml"
    ):
        post.build()


@pytest.mark.parametrize("folder", ["static", "pages"])
def test_the_output_may_not_replace_the_static_or_pages_folder(post, folder):
    _settings(post, f'output = "{folder}"\n')
    with pytest.raises(RedraftError, match=f"that would replace the {folder} folder"):
        post.build(output=None)
