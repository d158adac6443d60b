"""Every address on the site: the one place a site path is spelled.

Addresses are site paths without a leading slash ('posts/hello/', 'feed.xml'); a path ending in
'/' is a page, written as its index.html. `link` and `absolute` turn them into the URLs pages
and feeds carry, under the base URL's path. Nothing here reads files or settings: every stage
above asks this module, so a new address is one function here.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

INDEX = ""
TAGS = "tags/"
ARCHIVE = "archive/"
SITE_FEED = "feed.xml"
# The folder of a list's later pages: 'page/2/', 'tags/notes/page/2/'.
_PAGE = "page/"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
NOT_FOUND = "404.html"
CNAME = "CNAME"
CHANGES = "changes/"
CHANGES_FEED = "changes/feed.xml"
STATIC = "static/"
# Names under STATIC of files redraft makes: code colours, and the site's extra_css.
CODE_CSS = "code.css"
EXTRA_CSS = "extra.css"
# The folder name of a post's history; its snapshots live beneath it.
_HISTORY = "history/"
_FEED = "feed.xml"
# The folder of a list's later pages: 'page/2/', 'tags/notes/page/2/'.
_PAGE = "page/"


# Pure functions of a path or a name, asked several times per post in a build of thousands.
@functools.cache
def post(source: str) -> str:
    """'posts/hello.md' and 'posts/hello/index.md' -> 'posts/hello/'.

    A name that is only dots before '.md' ('....md') keeps its suffix: 'posts/...md' must not
    become 'posts/../', the site's front page.
    """
    path = PurePosixPath(source)
    if path.name == "index.md":
        stem = path.parent
    elif path.suffix and path.stem.strip("."):
        stem = path.with_suffix("")
    else:
        stem = path
    return stem.as_posix() + "/"


def page(source: str, folder: str) -> str:
    """A standalone page's address, at the site's top: 'pages/about.md' -> 'about/'."""
    relative = PurePosixPath(source).relative_to(PurePosixPath(folder))
    return post(relative.as_posix())


def address(source: str, pages: str = "") -> str:
    """The address of the Markdown file at `source`: a standalone page's inside the `pages`
    folder, a post's anywhere else."""
    inside_pages = pages and source.startswith(pages.strip("/") + "/")
    return page(source, pages) if inside_pages else post(source)


def history(post_url: str) -> str:
    """A post's history page: every revision, newest first."""
    return post_url + _HISTORY


def snapshot(post_url: str, short_sha: str) -> str:
    """The post as it was at one commit."""
    return f"{post_url}{_HISTORY}{short_sha}/"


def post_feed(post_url: str) -> str:
    """A post's own Atom feed, one entry per revision."""
    return post_url + _FEED


def changes(number: int = 1) -> str:
    """Page `number` of the recent changes across the site, newest first: 'changes/', then
    'changes/page/2/'."""
    return CHANGES if number == 1 else f"{CHANGES}{_PAGE}{number}/"


def revision_anchor(short_sha: str) -> str:
    """The fragment naming one revision on its post's history page."""
    return f"r-{short_sha}"


_SLUG_BYTES = 120


@functools.cache
def tag(name: str) -> str:
    return f"{TAGS}{slugify(name)}/"


def tag_feed(name: str) -> str:
    """The Atom feed of the posts with one tag."""
    return tag(name) + _FEED


def index_page(number: int = 1) -> str:
    """Page `number` of the front page's list of posts: the front page itself, then 'page/2/'."""
    return INDEX if number == 1 else f"{_PAGE}{number}/"


def tag_page(name: str, number: int = 1) -> str:
    """Page `number` of a tag's list of posts: 'tags/notes/', then 'tags/notes/page/2/'."""
    return tag(name) if number == 1 else f"{tag(name)}{_PAGE}{number}/"


def static(name: str) -> str:
    """A theme file ('style.css') or generated asset under /static/."""
    return STATIC + name


def file_of(address: str) -> str:
    """The file an address is written to: a page ('x/' or '') is its folder's index.html."""
    return address + "index.html" if address.endswith("/") or not address else address


def link(base_path: str, address: str) -> str:
    """A site-internal link to `address`, under the base URL's path ('' or '/blog')."""
    return base_path + "/" + quote(address.lstrip("/"))


def absolute(base_url: str, address: str) -> str:
    """A full URL for feeds, sitemaps and canonical links."""
    return base_url.rstrip("/") + "/" + quote(address.lstrip("/"))


def slugify(text: str) -> str:
    """'Why git, not a database?' -> 'why-git-not-a-database'.

    A slug names a folder (a tag's page, a new post's file), and file systems refuse names over
    255 bytes: a longer one is cut, with a hash of the whole so two long names stay apart.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    slug = re.sub(r"[\s_-]+", "-", text).strip("-") or "section"
    if len(slug.encode("utf-8")) <= _SLUG_BYTES:
        return slug
    cut = slug.encode("utf-8")[: _SLUG_BYTES - 9].decode("utf-8", "ignore").rstrip("-")
    return f"{cut}-{hashlib.sha256(slug.encode('utf-8')).hexdigest()[:8]}"


def link_target(url: str, source: str, pages: str = "") -> str | None:
    """Where a link or image written in `source` leads on the site: 'posts/other/' for a post,
    'about/' for a standalone page of the `pages` folder, 'posts/a/figure.png' for a file. None
    when `url` is not relative to the file (external, site-absolute, a fragment) or climbs out
    of the repository."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("/", "#")) or not parts.path:
        return None
    folder = posixpath.dirname(source)
    target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if target.startswith("../") or target == "..":
        return None
    if target.endswith(".md"):
        return address(target, pages)
    # normpath drops the slash of a folder link ('other/'), which the site serves as a page.
    return target + "/" if parts.path.endswith("/") and target != "." else target


def resolve_link(url: str, source: str, base_path: str, pages: str = "") -> str | None:
    """The href a relative link or image in `source` gets on the built site, keeping its query
    and fragment; None when it is not relative to the file and stays as written."""
    target = link_target(url, source, pages)
    if target is None:
        return None
    parts = urlsplit(url)
    suffix = ("?" + parts.query if parts.query else "") + (
        "#" + parts.fragment if parts.fragment else ""
    )
    return link(base_path, target) + suffix
