"""Every internal link resolves to a built file, also for a site served under a sub-path."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import parse_html
from redraft import build_site, urls
from redraft.pages import OUTPUTS

BASE = "https://example.github.io/blog/"


def broken_links(site: Path, base_path: str) -> list[str]:
    """Internal href/src values in every page of `site` that do not point at a built file."""
    broken = []
    for page_path in sorted(site.rglob("*.html")):
        page = parse_html(page_path)
        urls = [a.get("href") for a in page.anchors] + [ln.get("href") for ln in page.links]
        for url in [u for u in urls + page.sources if u]:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#"):
                if not url.startswith(BASE):
                    continue
                parts = urlsplit(url[len(BASE) - len(base_path) - 1 :])
            if not parts.path.startswith(base_path + "/"):
                broken.append(f"{page_path.relative_to(site)}: {url} (outside {base_path}/)")
                continue
            target = site / unquote(parts.path[len(base_path) + 1 :])
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page_path.relative_to(site)}: {url}")
    return broken


def test_every_internal_link_resolves_under_a_sub_path(blog):
    spaced = "# Spaced\n\n![a diagram](diagram.svg)\n\nSee [b](../b.md).\n"
    blog.write("posts/with space/index.md", spaced)
    blog.write("posts/with space/diagram.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    front = "---\ntags: [Ünïcode tag, notes]\n---\n# B\n\n"
    blog.write("posts/b.md", front + "[Back](with%20space/index.md#x)\n")
    blog.commit("Add posts", "2024-01-01T10:00:00+00:00")
    blog.write("posts/b.md", front + "[Back](with%20space/index.md)\n")
    blog.commit("Edit b", "2024-02-01T10:00:00+00:00")
    site = blog.build(base_url=BASE)
    assert broken_links(site, "/blog") == []
    page = parse_html(site / "posts/with space/index.html")
    assert "/blog/posts/with%20space/diagram.svg" in page.sources
    assert page.link("canonical") == "https://example.github.io/blog/posts/with%20space/"


def test_the_sample_blog_has_no_broken_links_under_a_sub_path(tmp_path):
    root = Path(__file__).resolve().parents[1]
    site = build_site(root, output=tmp_path / "site", base_url=BASE, allow_shallow=True).output
    assert broken_links(site, "/blog") == []


def test_every_listed_output_is_built(blog):
    """The outputs list is what a build writes: each site page, each post page, each snapshot,
    tag and redirect is where its entry says."""
    blog.write("posts/old.md", "---\ntags: [notes]\n---\n# Old\n\nWords.\n")
    first = blog.commit("Add old", "2024-01-01T10:00:00+00:00")
    blog.git("mv", "posts/old.md", "posts/new.md")
    blog.write("posts/new.md", "---\ntags: [notes]\n---\n# New\n\nMore words.\n")
    blog.commit("Rename and edit", "2024-02-01T10:00:00+00:00")
    site = blog.build()
    subjects = {
        "site": [()],
        "tag": [("notes",)],
        "post": [("posts/new/",)],
        "revision": [("posts/new/", first[:7])],
        "former": [("posts/old/",)],
        "static": [("style.css",), ("code.css",)],
        "asset": [],
        "copied": [],
    }
    for output in OUTPUTS:
        if output.name == "CNAME":
            continue  # written only with the cname setting
        for subject in subjects[output.scope]:
            written = site / urls.file_of(output.address(*subject))
            assert written.is_file(), f"{output.name}: {written.relative_to(site)}"
