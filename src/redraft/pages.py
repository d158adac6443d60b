"""Pages: every file a build writes, listed once as data in `OUTPUTS`, and the work of making them.

An `Output` names its address (a function of `urls`), how it is made (a theme template or a
writer such as a feed) and its scope, which says what one file is made from and so what it
depends on:

- site: every published post (the front page, feeds, sitemap, archive);
- tag: the posts with one tag (its page and feed);
- post: one post and its trail (its page, history page, revision feed);
- revision: one revision of a post (its snapshot);
- former: one address a post had before a rename (a redirect, and the post's revision feed, so
  its subscribers are not lost);
- static: one theme file; asset: one file beside a post; copied: one file published as it is
  (the site's static folder at the site's root, and extra_css).

A paged output (a list: the front page's posts, a tag's, the recent changes) is written as many
pages as its list takes, each given a `pager`; its address function takes the page number after
its subject.

Markdown is rendered here only, through the cache: each distinct blob once, each diff once.
Post pages are written on all cores for a large site, and linked from the previous build when
nothing they show has changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import git
import jinja2

from . import feeds, history, output, theme, trails, urls
from ._version import __version__
from .cache import Cache, PageRecord, SiteBuilt, cache_key
from .config import Settings
from .content import Asset, CopiedFile, Post, parse_revision
from .diffs import (
    DIFF_VERSION,
    Splitter,
    WordDiff,
    front_matter_notes,
    rendered_diff,
    section_fingerprints,
)
from .errors import RedraftError
from .markdown import RENDERER_VERSION, BlockMemo, Rendered, render_blocks
from .output import Writer
from .site_files import SiteFiles
from .theme import Navigation
from .views import Change, Pager, PostView, RevisionView, archive, json_ld, timeline

RECENTLY_REVISED = 5
# What names a post in its pages' fingerprint, besides its body and its trail.
_POST_FIELDS = tuple(f.name for f in fields(Post) if f.name not in ("body", "trail"))
# The default theme's archive shows each post's address, title and date only: a site whose own
# theme replaces one of these templates has its archive written every build.
_ARCHIVE_TEMPLATES = frozenset({"archive.html", "base.html", "_macros.html"})
CHANGES_PER_PAGE = 50
# A `##` heading as the renderer writes it, up to its end tag: section dates go after it.
_SECTION_END = re.compile(r'<h2 id="([^"]+)">.*?</h2>\n?', re.DOTALL)
# Below this many posts per core, starting worker processes costs more than it saves.
POSTS_PER_WORKER = 100
PARENT_CHECK_SECONDS = 0.5  # how often a worker looks whether its build is still there
# Posts written as one batch have their history blobs read from git in one go: at most this
# many posts, or this many revisions, which bounds a worker's memory.
POSTS_PER_BATCH = 200
REVISIONS_PER_BATCH = 1_000

Scope = Literal["site", "tag", "post", "revision", "former", "static", "asset", "copied"]
Context = Mapping[str, Any]
Make = Callable[[jinja2.Environment, Context], "str | bytes"]
Progress = Callable[[str, int, int], None]


def _template(name: str) -> Make:
    """Make a file by filling the theme template `name` with the scope's context."""
    return lambda env, context: theme.render_page(env, name, **context)


def _always(context: Context) -> bool:
    return True


def _has_revisions(context: Context) -> bool:
    return bool(context["view"].revisions)


def _per_page(context: Context) -> int:
    return int(context["settings"].per_page)


def _same(address: str) -> str:
    return address


@dataclass(frozen=True)
class Output:
    """One kind of file a build writes: where, from what, and how."""

    name: str
    scope: Scope
    address: Callable[..., str]  # takes the scope's subject: nothing, a tag, a post's URL...
    make: Make
    when: Callable[[Context], bool] = _always
    paged: str = ""  # the context's list split into pages ('views'), each page given a `pager`
    page_size: Callable[[Context], int] = _per_page
    # Pages counted from the list's oldest end, so that a list growing at its head changes only
    # its first page (see `_chunks`).
    anchored: bool = False


OUTPUTS: tuple[Output, ...] = (
    Output("front page", "site", urls.index_page, _template("index.html"), paged="views"),
    Output("topics", "site", lambda: urls.TAGS, _template("tags.html")),
    Output("archive", "site", lambda: urls.ARCHIVE, _template("archive.html")),
    Output(
        "site feed",
        "site",
        lambda: urls.SITE_FEED,
        lambda env, c: feeds.site_feed(c["views"], c["settings"], c["bodies"]),
    ),
    Output("sitemap", "site", lambda: urls.SITEMAP, _template("sitemap.xml")),
    Output(
        "recent changes feed",
        "site",
        lambda: urls.CHANGES_FEED,
        lambda env, c: feeds.changes_feed(c["changes"][: feeds.CHANGES_IN_FEED], c["settings"]),
    ),
    Output(
        "recent changes",
        "site",
        urls.changes,
        _template("changes.html"),
        paged="changes",
        page_size=lambda c: CHANGES_PER_PAGE,
        anchored=True,
    ),
    Output("robots", "site", lambda: urls.ROBOTS, _template("robots.txt")),
    Output("not found", "site", lambda: urls.NOT_FOUND, _template("404.html")),
    Output(
        "CNAME",
        "site",
        lambda: urls.CNAME,
        lambda env, c: c["settings"].cname.strip() + "\n",
        when=lambda c: bool(c["settings"].cname),
    ),
    Output("topic", "tag", urls.tag_page, _template("tag.html"), paged="views"),
    Output(
        "topic feed",
        "tag",
        urls.tag_feed,
        lambda env, c: feeds.tag_feed(c["tag"], c["views"], c["settings"], c["bodies"]),
    ),
    Output("redirect", "former", _same, _template("redirect.html")),
    Output(
        "former revision feed",
        "former",
        urls.post_feed,
        lambda env, c: c["target_feed"],
        when=lambda c: c["target_feed"] is not None,
    ),
    Output("post file", "asset", _same, lambda env, c: c["data"]),
    Output("theme file", "static", urls.static, lambda env, c: c["data"]),
    Output("copied file", "copied", _same, lambda env, c: c["data"]),
    Output("post", "post", _same, _template("post.html")),
    Output("history", "post", urls.history, _template("history.html"), when=_has_revisions),
    Output(
        "revision feed",
        "post",
        urls.post_feed,
        lambda env, c: feeds.revision_feed(c["view"], c["settings"], c["changes"]),
        when=_has_revisions,
    ),
    Output("snapshot", "revision", urls.snapshot, _template("snapshot.html")),
)


def outputs(scope: Scope) -> tuple[Output, ...]:
    return tuple(output for output in OUTPUTS if output.scope == scope)


def _write(
    writer: Writer,
    env: jinja2.Environment,
    scope: Scope,
    subject: tuple[str, ...],
    context: Context,
) -> None:
    """Write every output of `scope` for one subject (a tag, a post's URL...)."""
    for entry in outputs(scope):
        if not entry.when(context):
            continue
        for address, page in _pages(entry, subject, context):
            writer.write(address, entry.make(env, {**page, "canonical": address}))


def _pages(
    entry: Output, subject: tuple[str, ...], context: Context
) -> Iterator[tuple[str, Context]]:
    """The output's address and context; for a paged output, one of each per page of its list
    (one page, empty, for an empty list)."""
    if not entry.paged:
        yield entry.address(*subject), context
        return
    items, size = context[entry.paged], entry.page_size(context)
    chunks, numbers = _chunks(items, size, anchored=entry.anchored)
    addresses = tuple(entry.address(*subject, number) for number in numbers)
    for number, chunk in enumerate(chunks, start=1):
        page = {**context, entry.paged: chunk, "pager": Pager(number, addresses)}
        yield addresses[number - 1], page


def _chunks(items: list[Any], size: int, *, anchored: bool) -> tuple[list[list[Any]], list[int]]:
    """A list (newest first) cut into pages of `size`, and the number in each page's address.

    Plain: pages 1, 2, 3... from the head. Anchored: the first page holds the newest `size` to
    2 x `size` - 1 items, and every later page a fixed slice counted from the oldest end, its
    number too (the oldest page is 2): so a new item at the head changes the first page only,
    until a whole page more has gathered there (then the page count grows, on every page)."""
    if not anchored:
        chunks = [items[at : at + size] for at in range(0, len(items), size)] or [[]]
        return chunks, list(range(1, len(chunks) + 1))
    later = max(0, len(items) // size - 1)
    head = len(items) - later * size
    chunks = [items[:head]] + [items[at : at + size] for at in range(head, len(items), size)]
    return chunks, [1, *range(later + 1, 1, -1)]


@dataclass(frozen=True)
class Previous:
    """The site in the output folder, as its build's record in the cache describes it."""

    records: dict[str, PageRecord]  # each post's pages: what they were made from, their files
    files: frozenset[str] | None  # every file of that site; None when not known
    made_from: dict[str, str] = field(default_factory=dict)  # other pages: file -> inputs' key


def previous_site(target: Path, cache_path: Path | None) -> Previous:
    """What the build that wrote `target` made, read from its record in the cache."""
    build = output.build_id(target) if cache_path and target.is_dir() else None
    if build is None:
        return Previous({}, None)
    cache = Cache(cache_path)
    return Previous(cache.site_pages(build), cache.site_files(build), cache.made_from(build))


def engine() -> tuple[str, ...]:
    """The versions of what renders pages: a new one renders every page again."""
    return (__version__, RENDERER_VERSION, DIFF_VERSION)


def inputs_key(
    settings: Settings, site_files: SiteFiles, head: str, mailmap: bytes, future: bool
) -> str:
    """A key of everything a committed site is made from: the commit, the settings (with
    command-line overrides such as the base URL), the theme's files, the engine's versions,
    the .mailmap that names authors and whether scheduled posts are shown (`future`)."""
    return cache_key(
        "site-inputs",
        head,
        future,
        engine(),
        theme.fingerprint(site_files.theme),
        repr(replace(settings, source=Path("."))),
        hashlib.sha256(mailmap).hexdigest(),
    )


def remember(cache_path: Path, inputs: str, built: SiteBuilt) -> None:
    """Record in the cache that `inputs` made the site `built`, now in the output folder."""
    cache = Cache(cache_path)
    cache.put_site_built(inputs, built)
    cache.save()


def built_already(target: Path, inputs: str, cache_path: Path) -> SiteBuilt | None:
    """The build in `target`, when the cache says it was made from exactly `inputs`."""
    built = Cache(cache_path).site_built(inputs)
    return built if built and output.build_id(target) == built.build else None


def _write_unless_kept(
    writer: Writer,
    env: jinja2.Environment,
    scope: Scope,
    subject: tuple[str, ...],
    context: Callable[[], Context],
    key: str,
    made_before: Mapping[str, str],
    made_from: dict[str, str],
) -> None:
    """Like `_write`, but keep the files the previous site made from the same inputs: `key`
    must cover everything they show. The context is made only when they are written."""
    made: list[Context] = []

    def once() -> Context:
        made[:] = made or [context()]
        return made[0]

    files = [
        urls.file_of(address)
        for entry in outputs(scope)
        if entry.when is _always or entry.when(once())
        for address in (
            [entry.address(*subject)]
            if not entry.paged
            else [a for a, _ in _pages(entry, subject, once())]
        )
    ]
    made_from.update(dict.fromkeys(files, key))
    if not all(made_before.get(f) == key for f in files) or not writer.keep(files):
        _write(writer, env, scope, subject, once())


def _item_key(records: Mapping[str, PageRecord], item: PostView | Change) -> str:
    """What one item of a list shows: a post (its pages' fingerprint, which covers its whole
    trail), or one revision of it."""
    if isinstance(item, Change):
        return f"{records[item.view.url][0]}:{item.item.revision.commit.sha}"
    return records[item.url][0]


def _write_page_unless_kept(
    writer: Writer,
    env: jinja2.Environment,
    entry: Output,
    address: str,
    context: Context,
    key: str,
    made_before: Mapping[str, str],
    made_from: dict[str, str],
) -> None:
    """Write one page of a paged output, unless the previous site made it from `key` too."""
    relative = urls.file_of(address)
    made_from[relative] = key
    if made_before.get(relative) != key or not writer.keep([relative]):
        writer.write(address, entry.make(env, context))


def _staged_or_kept(update: output.Update, relative: str) -> bytes | None:
    """A file of the new site as this build made it: staged, or kept from the old site."""
    for path in (update.staged(relative), update.target / relative)[: 1 + update.in_place]:
        if path.is_file():
            return path.read_bytes()
    return None


def write_site(
    update: output.Update,
    previous: Previous,
    posts: list[Post],
    assets: list[Asset],
    settings: Settings,
    site_files: SiteFiles,
    copied: list[CopiedFile],
    head: str | None,
    cache_path: Path | None,
    report: Progress,
    *,
    compiled: bool = False,
) -> tuple[int, int]:
    """Write the site through `update`; returns the number of files of the site and of posts
    whose pages were kept unchanged from the previous site.

    A post's pages are kept from the previous site when its record says they were made from
    exactly what they would be made from now; the record of this build is saved in the cache
    and named by the marker written last. `site_files`
    holds the site's own theme, read from the commit (or the working tree for a preview).
    With `compiled`, templates compiled by earlier builds are taken (see theme._Compiled).
    """
    templates = site_files.templates()
    nav = navigation(posts, settings)
    job = _PostJob(
        settings,
        update.staging,
        update.target,
        update.in_place,
        head,
        cache_path,
        theme.fingerprint(site_files.theme),
        templates,
        nav,
        compiled,
    )
    cache = Cache(cache_path)
    written, records, post_files, made_from, reused = _write_posts(posts, job, previous, report)
    # Standalone pages have their own pages and history, but no place in lists and feeds.
    views = [view for view in written if not view.post.is_page]
    report("site pages", 0, 1)
    # The post pages' environment: base.html and the macros are compiled once for both.
    env = _environment(job)
    writer = Writer(update.staging, update.target, in_place=update.in_place)
    by_tag = _by_tag(views)
    site = {
        **_site_context(views, by_tag, settings, head),
        "pages": [v for v in written if v.post.is_page],
    }
    # Pages that may be kept are written apart: the build id hashes the bytes of the others,
    # and the inputs' keys of these, so it is the same whether they were kept or written.
    keeper = Writer(update.staging, update.target, in_place=update.in_place)
    common = (job.theme, engine())
    for entry in outputs("site"):
        if not entry.when(site):
            continue
        for address, page in _pages(entry, (), site):
            if entry.name == "archive" and not _ARCHIVE_TEMPLATES & templates.keys():
                # The archive leaves out the HEAD commit too, and is kept while the posts it
                # lists keep their addresses, titles and dates: an edit does not change it.
                shown = (f"{v.url}\0{v.post.title}\0{v.post.published}" for v in views)
                key = cache_key(entry.name, *common, job.settings_key, *shown)
                context = {**page, "commit": None, "canonical": address}
                _write_page_unless_kept(
                    keeper, env, entry, address, context, key, previous.made_from, made_from
                )
                continue
            if not entry.paged or page["pager"].number == 1:
                writer.write(address, entry.make(env, {**page, "canonical": address}))
                continue
            # Later pages of a list leave out the HEAD commit, like topic pages: each changes
            # only with what it lists, so it is kept while that is.
            items = page[entry.paged]
            key = cache_key(
                entry.name, *common, page["pager"], *map(partial(_item_key, records), items)
            )
            context = {**page, "commit": None, "canonical": address}
            _write_page_unless_kept(
                keeper, env, entry, address, context, key, previous.made_from, made_from
            )
    for tag, tagged in by_tag.items():
        # A topic page leaves out the HEAD commit, like a post page: it changes only with its
        # posts, so it is kept while they are.
        context = {**site, "tag": tag, "views": tagged, "tagged": tagged, "commit": None}
        key = cache_key("tag", job.theme, engine(), tag, *(records[v.url][0] for v in tagged))
        _write_unless_kept(
            keeper, env, "tag", (tag,), partial(dict, context), key, previous.made_from, made_from
        )
    for former, target in _redirects(written, settings.pages).items():
        # Feed readers do not follow a redirect page: the post's feed is served here too, the
        # same bytes (same entry ids, its self link naming the new address).
        target_feed = _staged_or_kept(update, urls.file_of(urls.post_feed(target)))
        _write(
            writer, env, "former", (former,), {**site, "target": target, "target_feed": target_feed}
        )
    for asset in assets:
        _write(writer, env, "asset", (asset.path,), {"data": asset.data})
    for name, data in theme.static_files(site_files.static(), settings).items():
        _write(writer, env, "static", (name,), {"data": data})
    _write_copied_files(writer, env, copied)
    files = [*writer.written, *keeper.written, *post_files, output.MARKER]
    if len(set(files)) != len(files):
        twice = sorted({f for f in files if files.count(f) > 1})[0]
        raise RedraftError(
            f"/{twice} would be written twice: a post or file in the blog has the address of a "
            "page redraft makes (such as a post's history page or feed); rename it"
        )
    update.build = cache_key(
        "site",
        *sorted(f"{url}:{fp}:{files}" for url, (fp, files) in records.items()),
        writer.digest.hexdigest(),
        *sorted(made_from.items()),
    )
    update.files = files
    cache.put_site_pages(update.build, records, [*writer.written, *keeper.written], made_from)
    cache.save()
    report("site pages", 1, 1)
    return len(files), reused


def _write_copied_files(writer: Writer, env: jinja2.Environment, copied: list[CopiedFile]) -> None:
    """Write the files published as they are, last: a file on the address of something redraft
    wrote is refused by name."""
    for item in copied:
        if writer.staged(urls.file_of(item.address)).exists():
            raise RedraftError(
                f"{item.source}: redraft writes a page or file at /{item.address} already; "
                "rename or remove this file"
            )
        _write(writer, env, "copied", (item.address,), {"data": item.data})


def navigation(posts: list[Post], settings: Settings) -> Navigation:
    """(title, address) of each page the `nav` setting names, in its order."""
    pages = {post.url.rstrip("/"): post for post in posts if post.is_page}
    missing = [name for name in settings.nav if name.strip("/") not in pages]
    if missing:
        raise RedraftError(
            f"nav: no page {', '.join(map(repr, missing))} in {settings.pages}/ "
            f"(pages: {', '.join(sorted(pages)) or 'none'})"
        )
    return tuple((pages[n.strip("/")].title, pages[n.strip("/")].url) for n in settings.nav)


def _site_context(
    views: list[PostView], tags: dict[str, list[PostView]], settings: Settings, head: str | None
) -> Context:
    living = sorted(
        (v for v in views if v.living),
        key=lambda v: (-(v.post.updated.timestamp() if v.post.updated else 0), v.url),
    )[:RECENTLY_REVISED]
    return {
        "views": views,
        "revised": living,
        "tags": [(tag, urls.tag(tag), len(tagged)) for tag, tagged in tags.items()],
        "latest": max((v.post.updated for v in views if v.post.updated), default=None),
        "archive": archive(views, settings.zone),
        "bodies": _Bodies(views),
        "settings": settings,
        "commit": head,
        "changes": recent_changes(views),
    }


class _Bodies(Mapping[str, str]):
    """Each post's HTML by its address, read when a feed asks for it: a kept post's render is
    read from the cache only if a page shows it."""

    def __init__(self, views: list[PostView]) -> None:
        self._views = {view.url: view for view in views}

    def __getitem__(self, url: str) -> str:
        return self._views[url].rendered.html

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)


def recent_changes(views: list[PostView]) -> list[Change]:
    """Every substantive revision of every post, newest first."""
    found = [
        Change(view, item)
        for view in views
        for item in view.revisions
        if item.revision.counts and item.revision.date
    ]
    return sorted(found, key=_newest_first_change)


def _newest_first_change(change: Change) -> tuple[float, str, str]:
    date = change.item.revision.date
    return (-date.timestamp() if date else 0.0, change.view.url, change.item.short)


def _by_tag(views: list[PostView]) -> dict[str, list[PostView]]:
    """Posts by tag, in the order of their addresses; tags that share an address are one tag,
    named as the first post spells it."""
    by_address: dict[str, list[PostView]] = defaultdict(list)
    names: dict[str, str] = {}
    for view in views:
        for tag in view.post.tags:
            names.setdefault(urls.tag(tag), tag)
            by_address[urls.tag(tag)].append(view)
    return {names[address]: by_address[address] for address in sorted(by_address)}


def _redirects(views: list[PostView], pages: str) -> dict[str, str]:
    """Former addresses of renamed posts, each with the address of the post that had it last."""
    return trails.redirects({view.post.source: view.post.trail for view in views}, pages).targets


@dataclass(frozen=True)
class _PostJob:
    """What a process needs to write posts' pages; small enough to send to a worker."""

    settings: Settings
    folder: Path  # where new files are staged
    previous: Path  # the site being replaced or updated
    in_place: bool  # the previous site is updated: its unchanged files stay where they are
    head: str | None
    cache_path: Path | None
    theme: str  # a hash of the theme's files: a changed template re-renders every post
    templates: dict[str, bytes]  # the site's own templates by name (small: no static files)
    nav: Navigation  # the pages in the site navigation, on every page
    # Templates compiled by earlier builds are taken (and this build's kept): see theme._Compiled
    compiled: bool = False

    @property
    def settings_key(self) -> str:
        """The settings and navigation as a page's key names them (not where the blog is)."""
        return repr(replace(self.settings, source=Path("."))) + repr(self.nav)


@dataclass(frozen=True)
class _Batch:
    """Posts written together, with what the previous site made each of their snapshots from."""

    posts: list[Post]
    made_before: dict[str, str]


@dataclass(frozen=True)
class _BatchResult:
    views: list[PostView]
    records: dict[str, PageRecord]
    files: list[str]
    made_from: dict[str, str]


def _write_posts(
    posts: list[Post], job: _PostJob, previous: Previous, report: Progress
) -> tuple[list[PostView], dict[str, PageRecord], list[str], dict[str, str], int]:
    """Write every post's pages (saving what they render in the cache); views come back in
    post order, with the record of what was made from what, the files of the posts' pages and
    the inputs' key of each snapshot, and the number of posts kept.

    Posts whose pages the previous site made from the same inputs are kept here; the others are
    rendered, on all cores when there are many of them.
    """
    keeper = _PostPages(job, previous.made_from)
    report("posts", 0, len(posts))
    kept = {p.url: v for p in posts if (v := keeper.reuse(p, previous.records.get(p.url)))}
    report("posts", len(kept), len(posts))
    fresh = [post for post in posts if post.url not in kept]
    workers = min(os.cpu_count() or 1, len(fresh) // POSTS_PER_WORKER)
    batches = [_Batch(chunk, _made_before(chunk, previous)) for chunk in _batches(fresh, workers)]
    keeper.cache.save()
    results = [_BatchResult([], keeper.records, keeper.writer.written, keeper.made_from)]
    for result in _map_batches(job, batches, workers):
        results.append(result)
        report("posts", len(kept) + sum(len(r.views) for r in results), len(posts))
    written = {view.url: view for result in results for view in result.views}
    return (
        [kept.get(post.url) or written[post.url] for post in posts],
        {k: v for result in results for k, v in result.records.items()},
        [f for result in results for f in result.files],
        {f: key for result in results for f, key in result.made_from.items()},
        len(kept),
    )


def _batches(posts: list[Post], workers: int) -> list[list[Post]]:
    """The posts in batches for the workers, the longest histories first: a living document
    takes as long as dozens of other posts, and one started last would leave the other cores
    idle at the end of the build."""
    size = max(1, min(POSTS_PER_BATCH, len(posts) // (workers * 4 or 1)))
    batches: list[list[Post]] = []
    revisions = 0
    for post in sorted(posts, key=lambda post: -len(post.trail.revisions)):
        count = len(post.trail.revisions)
        if not batches or len(batches[-1]) >= size or revisions + count > REVISIONS_PER_BATCH:
            batches.append([])
            revisions = 0
        batches[-1].append(post)
        revisions += count
    return batches


def _made_before(posts: list[Post], previous: Previous) -> dict[str, str]:
    """What the previous site made the snapshots of these posts from, by file."""
    files = (f for post in posts for f in previous.records.get(post.url, ("", []))[1])
    return {f: previous.made_from[f] for f in files if f in previous.made_from}


def _map_batches(job: _PostJob, batches: list[_Batch], workers: int) -> Iterator[_BatchResult]:
    if workers <= 1:
        yield from (_write_batch(job, batch) for batch in batches)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        with _workers_ignore_interrupts():
            written = pool.map(_write_batch, [job] * len(batches), batches)
        yield from written
    finally:
        # On Ctrl-C or an error, queued batches are dropped rather than waited for.
        pool.shutdown(cancel_futures=True)


def _exit_with_parent(parent: int) -> None:
    """In a worker: end this process once the build that started it is gone. A parent killed
    with SIGKILL cannot stop its pool, and its workers would wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="redraft-parent-watch", daemon=True).start()


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Start worker processes with Ctrl-C ignored (a spawned Python keeps an ignored SIGINT), so
    only the parent reacts: it stops the pool, and no worker prints a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change handlers; `redraft serve` masks signals itself
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_batch(job: _PostJob, batch: _Batch) -> _BatchResult:
    """Write the pages of a batch of posts and save what they rendered in the cache; returns
    their views (without diffs), what each post's pages were made from, and the files written.
    Runs in a worker process for large sites."""
    pages = _PostPages(job, batch.made_before)
    blobs = pages.read_ahead(batch.posts)
    views = [pages.write(post, blobs) for post in batch.posts]
    pages.cache.save()
    return _BatchResult(views, pages.records, pages.writer.written, pages.made_from)


class _PostPages:
    """Writes the post-scope and revision-scope outputs of posts, rendering each distinct blob
    once and each diff once, through the cache."""

    def __init__(self, job: _PostJob, made_before: Mapping[str, str] | None = None) -> None:
        self.settings = job.settings
        self._settings = job.settings_key
        self.env = _environment(job)
        self.repo: git.Repo | None = history.open_repo(job.settings.source) if job.head else None
        self.writer = Writer(job.folder, job.previous, in_place=job.in_place)
        self.cache = Cache(job.cache_path)
        self.theme = job.theme
        self.nav = job.nav
        self.records: dict[str, PageRecord] = {}
        self.made_before = made_before or {}  # snapshot file -> its inputs' key, last build
        self.made_from: dict[str, str] = {}  # the same, this build
        self._renders: dict[tuple[str, str], Rendered] = {}
        self._blocks = _PostBlocks("")

    def read_ahead(self, posts: list[Post]) -> dict[str, bytes]:
        """The blobs the posts' histories will read, in one read: those of revisions whose
        render or diff is not in the cache (any other is read when a page needs it)."""
        if self.repo is None:
            return {}
        steps = [(post.source, r) for post in posts for r in post.trail.revisions if _has_text(r)]
        keys = {
            (self._render_key(source, r.blob), self._diff_key(source, r)): r for source, r in steps
        }
        known = self.cache.known(key for pair in keys for key in pair)
        wanted = set()
        for (render, diff), revision in keys.items():
            if render not in known:
                wanted.add(revision.blob)
            if diff not in known and revision.kind != "added":
                wanted.update(b for b in (revision.blob, revision.old_blob) if b)
        return history.read_blobs(self.repo, wanted)

    def reuse(self, post: Post, made_before: PageRecord | None) -> PostView | None:
        """Keep the post's pages from the previous build if that build made them from exactly
        what they show now; its view then comes without diffs (the index and feeds need none)."""
        fingerprint = self._fingerprint(post)
        if made_before is None or made_before[0] != fingerprint:
            return None
        if not self.writer.keep(made_before[1]):
            return None
        self.records[post.url] = made_before
        self.made_from.update(
            (f, self.made_before[f]) for f in made_before[1] if f in self.made_before
        )
        revisions = [self._revision_view(post, r, None, 0) for r in post.trail.revisions]
        return PostView(
            post,
            _RenderedWhenRead(partial(self.render, post)),
            tuple(revisions[::-1]),
            _former_urls(post, self.settings.pages),
        )

    def _fingerprint(self, post: Post) -> str:
        """Everything a post's pages are made from: the post with its whole trail, the settings,
        the theme and the versions of what renders them.

        Named by ids rather than spelled out: a committed post's text by its blob, a revision by
        its commit (whose dates, message and texts the id fixes), with what else the build
        decides about it (its kind and paths, minor or not, the author's name through the
        .mailmap)."""
        trail = post.trail
        revisions = "\n".join(
            f"{r.commit.sha} {r.kind} {r.content_changed:d}{r.minor:d} {r.blob} {r.old_blob} "
            f"{' '.join(r.parent_blobs)}\0{r.path}\0{r.old_path}\0{r.commit.author}\0"
            f"{r.commit.email}"
            for r in trail.revisions
        )
        # The post's other fields by value (its body by its blob when it has one).
        shown = [getattr(post, name) for name in _POST_FIELDS]
        body = "" if post.blob else post.body
        return cache_key(
            "post-pages", engine(), self.theme, self._settings, repr(shown), body,
            repr(trail.unpaired_at), revisions,
        )  # fmt: skip

    def write(self, post: Post, blobs: dict[str, bytes]) -> PostView:
        first_file = len(self.writer.written)
        revisions, texts, changes, sections = self._revisions(post, blobs)
        view = PostView(
            post, self.render(post), tuple(revisions), _former_urls(post, self.settings.pages)
        )
        show_toc = (
            post.toc
            if post.toc is not None
            else view.rendered.words >= (self.settings.toc_min_words)
        )
        # Post pages leave out the HEAD commit: a new commit elsewhere must not change their bytes.
        context = {
            "view": view,
            "settings": self.settings,
            "commit": None,
            "json_ld": json_ld(view, self.settings),
            "timeline": timeline(view) if view.living else None,
            "show_toc": show_toc and len(view.rendered.toc) > 1,
            "changes": changes,
            "body": self._dated_sections(view, sections) if view.living else view.rendered.html,
        }
        _write(self.writer, self.env, "post", (post.url,), context)
        self._write_snapshots(view, texts)
        self._renders.clear()
        self.records[post.url] = (self._fingerprint(post), self.writer.written[first_file:])
        slim = tuple(replace(r, diff=None) for r in revisions)
        return replace(view, revisions=slim)

    def render(self, post: Post) -> Rendered:
        """The post's HTML, from this build's memo, the cache, or mistune (in that order).

        Rendering never fails: markup that does not convert (such as invalid TeX in an old
        revision, which can no longer be corrected) shows as its source text.
        """
        memo_key = (post.blob or post.body, post.source)
        if memo_key in self._renders:
            return self._renders[memo_key]
        settings = self.settings
        key = self._render_key(post.source, post.blob)
        rendered = self.cache.rendered(key) if post.blob else None
        if rendered is None:
            if self._blocks.source != post.source:
                self._blocks = _PostBlocks(post.source)  # one post's blocks at a time
            resolve = partial(
                urls.resolve_link,
                source=post.source,
                base_path=settings.base_path,
                pages=settings.pages,
            )
            rendered, parts = render_blocks(
                post.body,
                resolve_link=resolve,
                raw_html=settings.raw_html,
                memo=self._blocks.markdown,
            )
            self._blocks.parts[rendered.html] = parts
            blocks = self._blocks.splitter.split(rendered.html, parts, inert=False)
            fingerprints = section_fingerprints(rendered.html, blocks)
            rendered = replace(rendered, sections=tuple(fingerprints.items()))
            for warning in rendered.warnings:
                # Workers share the build's stderr: the author sees this wherever it rendered.
                print(f"{post.source}: warning: {warning}", file=sys.stderr, flush=True)
            if post.blob:
                self.cache.put(key, rendered)
        self._renders[memo_key] = rendered
        return rendered

    def _render_key(self, source: str, blob: str) -> str:
        """The cache key of the render of a post's text: its blob, its path and all that changes
        its HTML."""
        settings = self.settings
        return cache_key(
            "render",
            RENDERER_VERSION,
            blob,
            source,
            settings.base_path,
            settings.raw_html,
            settings.pages,
        )

    def _revisions(
        self, post: Post, blobs: dict[str, bytes]
    ) -> tuple[list[RevisionView], _Texts, dict[str, str], dict[str, RevisionView]]:
        """History lines newest first, the post's texts (each snapshot's by its blob), each
        revision's feed entry content, and the revision that last changed each `##` section
        (by heading id).

        A text is read from git and parsed only when something made from it is not in the
        cache: a living document's rebuild needs the HTML of none of its old revisions, only
        their word counts, section fingerprints and diffs."""
        items: list[RevisionView] = []
        changes: dict[str, str] = {}
        sections: dict[str, RevisionView] = {}
        previous: dict[str, str] = {}
        texts = _Texts(self.repo, post.source, self.settings.zone, blobs)
        if self.repo is None:  # a preview outside a repository: no post has a trail
            return items, texts, changes, sections
        for revision in post.trail.revisions:
            diff: WordDiff | None = None
            words = 0
            if _has_text(revision):
                words, fingerprints = self._head(post.source, revision.blob, texts)
                diff = (
                    # A first version's blocks are not marked word by word (over half of a cold
                    # build's diff work went there): the history page gives its word count,
                    # its snapshot and feed entry show the text itself.
                    WordDiff((), words, 0)
                    if revision.kind == "added"
                    else self._diff(post.source, revision, texts)
                )
            item = self._revision_view(post, revision, diff, words)
            if _has_text(revision):
                if not revision.minor:  # a minor fix does not make a section new
                    changed = {s for s, h in fingerprints.items() if previous.get(s) != h}
                    sections.update(dict.fromkeys(changed, item))
                previous = fingerprints
                changes[revision.commit.sha] = self._feed_entry(post, item, texts)
            items.append(item)
        return items[::-1], texts, changes, sections

    def _head(self, source: str, blob: str, texts: _Texts) -> tuple[int, dict[str, str]]:
        """A text's word count and section fingerprints, without its HTML when the cache has
        them."""
        key = self._render_key(source, blob)
        head = self.cache.render_head(key)
        if head is not None:
            return head[0], dict(head[1])
        rendered = self.render(texts.post(blob))
        sections = (
            rendered.sections
            if rendered.sections is not None
            else tuple(section_fingerprints(rendered.html).items())
        )
        self.cache.put_head(key, rendered.words, sections)
        return rendered.words, dict(sections)

    def _feed_entry(self, post: Post, item: RevisionView, texts: _Texts) -> str:
        """What the post's feed says of one revision, its links absolute: for a first version
        the post as it was (not a diff of nothing), else the diff. Kept in the cache by what
        it is made from, so a feed of hundreds of revisions renders only its new ones."""
        revision = item.revision
        added = revision.kind == "added"
        made_from = (
            self._render_key(post.source, revision.blob)
            if added
            else self._diff_key(post.source, revision)
        )
        key = cache_key("feed-entry", self.theme, engine(), self._settings, item.url, made_from)
        kept = self.cache.text(key)
        if kept is not None:
            return kept
        content = (
            self.render(texts.post(revision.blob)).html
            if added
            else theme.render_page(self.env, "diff.html", item=item, feed=True, commit=None)
        )
        page = urls.absolute(self.settings.base_url, item.url)
        entry = feeds.absolute_links(content, page)
        self.cache.put_text(key, entry)
        return entry

    def _dated_sections(self, view: PostView, sections: dict[str, RevisionView]) -> str:
        """The post's HTML with, under each `##` heading, when its words last changed."""

        def dated(match: re.Match[str]) -> str:
            item = sections.get(match.group(1))
            if item is None:
                return match.group(0)
            mark = theme.render_page(self.env, "section_date.html", view=view, item=item)
            return match.group(0) + mark

        return _SECTION_END.sub(dated, view.rendered.html)

    def _revision_view(
        self, post: Post, revision: history.Revision, diff: WordDiff | None, words: int
    ) -> RevisionView:
        short = revision.commit.short
        repo_url = self.settings.repo_url.rstrip("/")
        has_snapshot = revision.content_changed and revision.kind != "deleted"
        return RevisionView(
            revision=revision,
            short=short,
            url=urls.snapshot(post.url, short) if has_snapshot else "",
            commit_url=f"{repo_url}/commit/{revision.commit.sha}" if repo_url else "",
            diff=diff,
            words=words,
        )

    def _diff_key(self, source: str, revision: history.Revision) -> str:
        """The cache key of what a revision changed: its two texts' renders (their blobs, the
        path and the settings that change the HTML), and what decides its front matter notes:
        the engine reading them and the zone their dates are shown in."""
        before = self._render_key(source, revision.old_blob) if revision.old_blob else ""
        after = self._render_key(source, revision.blob)
        return cache_key("diff", DIFF_VERSION, __version__, self.settings.zone, before, after)

    def _diff(self, source: str, revision: history.Revision, texts: _Texts) -> WordDiff:
        """What a revision changed, as the page shows it."""
        key = self._diff_key(source, revision)
        diff = self.cache.diff(key)
        if diff is None:
            before = texts.post(revision.old_blob) if revision.old_blob else None
            after = texts.post(revision.blob)
            notes = front_matter_notes(before, after) if before else ()
            old_html = self.render(before).html if before else ""
            new_html = self.render(after).html
            splitter, parts = self._blocks.splitter, self._blocks.parts
            diff = rendered_diff(
                old_html,
                new_html,
                notes,
                split=lambda markup: splitter.split(markup, parts.get(markup)),
            )
            self.cache.put(key, diff)
        return diff

    def _write_snapshots(self, view: PostView, texts: _Texts) -> None:
        """Write each revision's snapshot page, keeping those the previous site made from the
        same inputs (a new revision changes only its own page and its predecessor's)."""
        with_pages = [r for r in view.revisions if r.url]
        # A snapshot's title and text are its blob's, read at the post's path by this engine.
        common = cache_key(
            "snapshot", self.theme, engine(), repr(self._settings), view.url, view.post.source,
            view.post.title, view.summary,
        )  # fmt: skip
        for index, item in enumerate(with_pages):
            newer = with_pages[index - 1] if index > 0 else None
            older = with_pages[index + 1] if index + 1 < len(with_pages) else None

            def context(
                item: RevisionView = item,
                newer: RevisionView | None = newer,
                older: RevisionView | None = older,
            ) -> Context:
                snapshot = texts.post(item.revision.blob)
                return {
                    "view": view,
                    "item": item,
                    "snapshot": snapshot,
                    "rendered": self.render(snapshot),
                    "newer": newer,
                    "older": older,
                    "commit": None,
                }

            key = cache_key(
                common, repr(replace(item, diff=None)), item.revision.blob,
                newer.url if newer else "", older.url if older else "",
            )  # fmt: skip
            _write_unless_kept(
                self.writer, self.env, "revision", (view.url, item.short), context, key,
                self.made_before, self.made_from,
            )  # fmt: skip


class _Texts:
    """A post's texts at its revisions, each read from git and parsed when first needed (most
    are read ahead, in one go, by `_PostPages.read_ahead`)."""

    def __init__(
        self, repo: git.Repo | None, source: str, zone: dt.tzinfo, blobs: Mapping[str, bytes]
    ) -> None:
        self.repo, self.source, self.zone, self.blobs = repo, source, zone, blobs
        self._posts: dict[str, Post] = {}

    def post(self, blob: str) -> Post:
        """The post as the text `blob` says it, links resolved from the post's current path;
        each text once (it is the new side of one diff and the old side of the next)."""
        if blob not in self._posts:
            assert self.repo is not None  # only a post with a trail has revisions
            data = self.blobs[blob] if blob in self.blobs else history.read_blob(self.repo, blob)
            text = history.blob_text(data)
            self._posts[blob] = parse_revision(blob, text, self.source, self.zone)
        return self._posts[blob]


def _has_text(revision: history.Revision) -> bool:
    """Whether a revision has a text of its own: a history entry with a diff, and a snapshot."""
    return revision.content_changed and revision.kind != "deleted"


class _RenderedWhenRead(Rendered):
    """A kept post's render, read from the cache when one of its fields is first asked for:
    a rebuild keeps thousands of posts, and the site's pages show the summaries and word
    counts of a few dozen (the first page of each list, the feeds)."""

    def __init__(self, read: Callable[[], Rendered]) -> None:  # no fields set: see __getattr__
        object.__setattr__(self, "_read", read)

    def __getattr__(self, name: str) -> Any:
        # Called for a field not yet set (only those without a class default: html, toc,
        # first_paragraph, words; warnings and sections are not kept with a render anyway).
        if name.startswith("__") or name == "_read":
            raise AttributeError(name)
        rendered = self._read()
        for known in ("html", "toc", "first_paragraph", "words", "warnings", "sections"):
            object.__setattr__(self, known, getattr(rendered, known))
        return getattr(rendered, name)


class _PostBlocks:
    """What a post's revisions share, block by block: rendered Markdown blocks, and how each
    block splits for diffs. Kept for one post at a time, so a worker's memory stays flat."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.markdown = BlockMemo()
        self.splitter = Splitter()
        # The HTML of each block of a page rendered here, by the page's HTML (None: whole).
        self.parts: dict[str, tuple[str, ...] | None] = {}


_ENVIRONMENTS: dict[tuple[Settings, str, Navigation, bool], jinja2.Environment] = {}


def _environment(job: _PostJob) -> jinja2.Environment:
    """The template environment, made once per process (per settings, theme and navigation):
    a worker compiles each template once for all its batches, not once per batch."""
    key = (job.settings, job.theme, job.nav, job.compiled)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS.clear()  # one build's at a time
        _ENVIRONMENTS[key] = theme.template_environment(
            job.settings, job.templates, job.nav, compiled=key[3]
        )
    return _ENVIRONMENTS[key]


def _former_urls(post: Post, pages: str) -> tuple[str, ...]:
    """The addresses the post had at its former paths: a page's for paths in the pages folder,
    a post's elsewhere, as trails.redirects gives them."""
    # Each distinct path once: a living document has hundreds of revisions at one path, and
    # most posts never moved.
    paths = {r.path for r in post.trail.revisions} - {post.source}
    former = {urls.address(path, pages) for path in paths}
    return tuple(sorted(former - {post.url}))
