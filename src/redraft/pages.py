"""Pages: every file a build writes, listed once as data in `OUTPUTS`, and the work of making them.

An `Output` names its address (a function of `urls`), how it is made (a theme template or a
writer such as a feed) and its scope, which says what one file is made from and so what it
depends on:

- site: every published post (the front page, feeds, sitemap);
- changes: one page of the site's recent changes (every substantive revision, newest first);
- tag: the posts with one tag;
- post: one post and its trail (its page, history page, revision feed);
- revision: one revision of a post (its snapshot);
- former: one address a post had before a rename (a redirect, and the post's revision feed, so
  its subscribers are not lost);
- static: one theme file; asset: one file beside a post.

Markdown is rendered here only, through the cache: each distinct blob once, each diff once.
Post pages are written on all cores for a large site, and linked from the previous build when
nothing they show has changed.
"""

from __future__ import annotations

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
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import git
import jinja2

from . import feeds, history, output, theme, trails, urls
from ._version import __version__
from .cache import Cache, PageRecord, cache_key
from .config import Settings
from .content import Asset, Post, parse_revision
from .diffs import (
    DIFF_VERSION,
    WordDiff,
    front_matter_notes,
    rendered_diff,
    section_fingerprints,
)
from .markdown import RENDERER_VERSION, Rendered, render_markdown
from .output import Writer
from .site_files import SiteFiles
from .views import Change, PostView, RevisionView, json_ld, timeline

RECENTLY_REVISED = 5
CHANGES_PER_PAGE = 50
# A `##` heading as the renderer writes it, up to its end tag: section dates go after it.
_SECTION_END = re.compile(r'<h2 id="([^"]+)">.*?</h2>\n?', re.DOTALL)
# Below this many posts per core, starting worker processes costs more than it saves.
POSTS_PER_WORKER = 100
PARENT_CHECK_SECONDS = 0.5  # how often a worker looks whether its build is still there
# Posts written as one batch, their history blobs read from git in one go (bounds memory).
BLOBS_READ_AHEAD = 200

Scope = Literal["site", "changes", "tag", "post", "revision", "former", "static", "asset"]
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


OUTPUTS: tuple[Output, ...] = (
    Output("front page", "site", lambda: urls.INDEX, _template("index.html")),
    Output("topics", "site", lambda: urls.TAGS, _template("tags.html")),
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
    Output("recent changes", "changes", urls.changes, _template("changes.html")),
    Output("robots", "site", lambda: urls.ROBOTS, _template("robots.txt")),
    Output("not found", "site", lambda: urls.NOT_FOUND, _template("404.html")),
    Output(
        "CNAME",
        "site",
        lambda: urls.CNAME,
        lambda env, c: c["settings"].cname.strip() + "\n",
        when=lambda c: bool(c["settings"].cname),
    ),
    Output("topic", "tag", urls.tag, _template("tag.html")),
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
    subject: tuple[str | int, ...],
    context: Context,
) -> None:
    """Write every output of `scope` for one subject (a tag, a post's URL...)."""
    for entry in outputs(scope):
        if entry.when(context):
            address = entry.address(*subject)
            writer.write(address, entry.make(env, {**context, "canonical": address}))


def write_site(
    folder: Path,
    previous: Path,
    posts: list[Post],
    assets: list[Asset],
    settings: Settings,
    site_files: SiteFiles,
    head: str | None,
    cache_path: Path | None,
    report: Progress,
) -> tuple[int, int]:
    """Write the whole site into `folder`; returns the number of files written and of posts
    whose pages were linked unchanged from the previous build.

    A post's pages are linked from the `previous` site when that site's record says they were
    made from exactly what they would be made from now; the record of this build is saved in
    the cache and named by the marker written last. `site_files` holds the site's own theme,
    read from the commit (or the working tree for a preview).
    """
    templates = site_files.templates()
    fingerprint = theme.fingerprint(site_files.theme)
    job = _PostJob(settings, folder, previous, head, cache_path, fingerprint, templates)
    cache = Cache(cache_path)
    previous_build = output.build_id(previous) if cache_path and previous.is_dir() else None
    made_before = cache.site_pages(previous_build) if previous_build else {}
    views, entries, records, files, reused = _write_posts(posts, job, made_before, report)
    report("site pages", 0, 1)
    build = cache_key(
        "site", *sorted(f"{url}:{fp}:{files}" for url, (fp, files) in records.items())
    )
    cache.put_site_pages(build, records)
    cache.save({**entries, **cache.new})
    env = theme.template_environment(settings, templates)
    writer = Writer(folder, previous)
    site = _site_context(views, settings, head)
    _write(writer, env, "site", (), site)
    pages = _chunks(site["changes"], CHANGES_PER_PAGE)
    for number, changes in enumerate(pages, start=1):
        context = {**site, "changes": changes, "page": number, "pages": len(pages)}
        _write(writer, env, "changes", (number,), context)
    for tag, tagged in _by_tag(views).items():
        _write(writer, env, "tag", (tag,), {**site, "tag": tag, "views": tagged})
    for former, target in _redirects(views).items():
        # Feed readers do not follow a redirect page: the post's feed is served here too, the
        # same bytes (same entry ids, its self link naming the new address).
        feed = folder / urls.file_of(urls.post_feed(target))
        target_feed = feed.read_bytes() if feed.is_file() else None
        _write(
            writer, env, "former", (former,), {**site, "target": target, "target_feed": target_feed}
        )
    for asset in assets:
        _write(writer, env, "asset", (asset.path,), {"data": asset.data})
    for name, data in theme.static_files(site_files.static()).items():
        _write(writer, env, "static", (name,), {"data": data})
    writer.write(output.MARKER, output.marker(build, folder))
    report("site pages", 1, 1)
    return writer.count + files, reused


def _site_context(views: list[PostView], settings: Settings, head: str | None) -> Context:
    living = sorted(
        (v for v in views if v.living),
        key=lambda v: (-(v.post.updated.timestamp() if v.post.updated else 0), v.url),
    )[:RECENTLY_REVISED]
    tags = _by_tag(views)
    return {
        "views": views,
        "revised": living,
        "tags": [(tag, urls.tag(tag), len(tagged)) for tag, tagged in tags.items()],
        "latest": max((v.post.updated for v in views if v.post.updated), default=None),
        "bodies": {view.url: view.rendered.html for view in views},
        "settings": settings,
        "commit": head,
        "changes": recent_changes(views),
    }


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


def _chunks(items: list[Change], size: int) -> list[list[Change]]:
    """`items` in pages of `size`; one empty page when there are none (the page says so)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


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


def _redirects(views: list[PostView]) -> dict[str, str]:
    """Former addresses of renamed posts, each with the address of the post that had it last."""
    return trails.redirects({view.post.source: view.post.trail for view in views}).targets


@dataclass(frozen=True)
class _PostJob:
    """What a process needs to write posts' pages; small enough to send to a worker."""

    settings: Settings
    folder: Path
    previous: Path
    head: str | None
    cache_path: Path | None
    theme: str  # a hash of the theme's files: a changed template re-renders every post
    templates: dict[str, bytes]  # the site's own templates by name (small: no static files)


@dataclass(frozen=True)
class _Batch:
    """Posts written together, with what the previous build made of each of them."""

    posts: list[Post]
    made_before: dict[str, PageRecord]


@dataclass(frozen=True)
class _BatchResult:
    views: list[PostView]
    cache_entries: dict[str, str]
    records: dict[str, PageRecord]
    files: int
    reused: int  # posts whose pages were linked from the previous build


def _write_posts(
    posts: list[Post], job: _PostJob, made_before: dict[str, PageRecord], report: Progress
) -> tuple[list[PostView], dict[str, str], dict[str, PageRecord], int, int]:
    """Write every post's pages, on all cores for a large site; views come back in post order,
    with new cache entries, the record of what was made from what, the number of files
    written and of posts reused."""
    workers = min(os.cpu_count() or 1, len(posts) // POSTS_PER_WORKER)
    size = max(1, min(BLOBS_READ_AHEAD, len(posts) // (workers * 4 or 1)))
    batches = [
        _Batch(chunk, {p.url: made_before[p.url] for p in chunk if p.url in made_before})
        for chunk in (posts[i : i + size] for i in range(0, len(posts), size))
    ]
    results: list[_BatchResult] = []
    report("posts", 0, len(posts))
    for result in _map_batches(job, batches, workers):
        results.append(result)
        report("posts", sum(len(r.views) for r in results), len(posts))
    return (
        [view for result in results for view in result.views],
        {k: v for result in results for k, v in result.cache_entries.items()},
        {k: v for result in results for k, v in result.records.items()},
        sum(result.files for result in results),
        sum(result.reused for result in results),
    )


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
    """Write the pages of a batch of posts; returns their views (without diffs), new cache
    entries, what each post's pages were made from, and the number of files written. Runs in
    a worker process for large sites."""
    pages = _PostPages(job)
    reused = {post.url: pages.reuse(post, batch.made_before.get(post.url)) for post in batch.posts}
    blobs = pages.read_ahead([post for post in batch.posts if reused[post.url] is None])
    views = [reused[post.url] or pages.write(post, blobs) for post in batch.posts]
    count = sum(view is not None for view in reused.values())
    return _BatchResult(views, pages.cache.new, pages.records, pages.writer.count, count)


class _PostPages:
    """Writes the post-scope and revision-scope outputs of posts, rendering each distinct blob
    once and each diff once, through the cache."""

    def __init__(self, job: _PostJob) -> None:
        self.settings = job.settings
        self.env = theme.template_environment(job.settings, job.templates)
        self.repo: git.Repo | None = history.open_repo(job.settings.source) if job.head else None
        self.writer = Writer(job.folder, job.previous)
        self.cache = Cache(job.cache_path)
        self.theme = job.theme
        self.records: dict[str, PageRecord] = {}
        self._renders: dict[tuple[str, str], Rendered] = {}

    def read_ahead(self, posts: list[Post]) -> dict[str, bytes]:
        """Every blob the posts' histories need, in one read."""
        if self.repo is None:
            return {}
        wanted = {blob for post in posts for blob in history.trail_blobs(post.trail)}
        return history.read_blobs(self.repo, wanted)

    def reuse(self, post: Post, made_before: PageRecord | None) -> PostView | None:
        """Link the post's pages from the previous build if that build made them from exactly
        what they show now; its view then comes without diffs (the index and feeds need none)."""
        fingerprint = self._fingerprint(post)
        if made_before is None or made_before[0] != fingerprint:
            return None
        if not self.writer.link_all(made_before[1]):
            return None
        self.records[post.url] = made_before
        revisions = [self._revision_view(post, r, None, 0) for r in post.trail.revisions]
        return PostView(post, self.render(post), tuple(revisions[::-1]), _former_urls(post))

    def _fingerprint(self, post: Post) -> str:
        """Everything a post's pages are made from: the post with its whole trail, the settings,
        the theme and the versions of what renders them."""
        settings = replace(self.settings, source=Path("."))
        versions = (__version__, RENDERER_VERSION, DIFF_VERSION)
        return cache_key("post-pages", versions, self.theme, repr(settings), repr(post))

    def write(self, post: Post, blobs: dict[str, bytes]) -> PostView:
        first_file = len(self.writer.written)
        revisions, snapshots, changes, sections = self._revisions(post, blobs)
        view = PostView(post, self.render(post), tuple(revisions), _former_urls(post))
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
        self._write_snapshots(view, snapshots)
        self._renders.clear()
        self.records[post.url] = (self._fingerprint(post), self.writer.written[first_file:])
        slim = tuple(replace(r, diff=None) for r in revisions)
        return replace(view, revisions=slim)

    def render(self, post: Post) -> Rendered:
        """The post's HTML, from this build's memo, the cache, or mistune (in that order)."""
        memo_key = (post.blob or post.body, post.source)
        if memo_key in self._renders:
            return self._renders[memo_key]
        settings = self.settings
        key = cache_key(
            "render",
            RENDERER_VERSION,
            post.blob,
            post.source,
            settings.base_path,
            settings.raw_html,
        )
        rendered = self.cache.rendered(key) if post.blob else None
        if rendered is None:
            resolve = partial(urls.resolve_link, source=post.source, base_path=settings.base_path)
            rendered = render_markdown(post.body, resolve_link=resolve, raw_html=settings.raw_html)
            for warning in rendered.warnings:
                # Workers share the build's stderr: the author sees this wherever it rendered.
                print(f"{post.source}: warning: {warning}", file=sys.stderr, flush=True)
            if post.blob:
                self.cache.put(key, rendered)
        self._renders[memo_key] = rendered
        return rendered

    def _revisions(
        self, post: Post, blobs: dict[str, bytes]
    ) -> tuple[list[RevisionView], dict[str, Post], dict[str, str], dict[str, RevisionView]]:
        """History lines newest first, the snapshot posts by commit, each diff as HTML, and the
        revision that last changed each `##` section (by heading id)."""
        items: list[RevisionView] = []
        snapshots: dict[str, Post] = {}
        changes: dict[str, str] = {}
        sections: dict[str, RevisionView] = {}
        previous: dict[str, str] = {}
        if self.repo is None:  # a preview outside a repository: no post has a trail
            return items, snapshots, changes, sections
        for revision, before, after in history.revision_texts(self.repo, post.trail, blobs):
            diff, words = None, 0
            if after is not None:
                snapshot = parse_revision(revision.blob, after, post.source, self.settings.zone)
                earlier = (
                    parse_revision(revision.old_blob, before, post.source, self.settings.zone)
                    if revision.old_blob
                    else None
                )
                snapshots[revision.commit.sha] = snapshot
                diff = self._diff(earlier, snapshot)
                # Rendered now (and kept in the memo for its page): its word count comes with it.
                words = self.render(snapshot).words
            item = self._revision_view(post, revision, diff, words)
            if after is not None:
                fingerprints = section_fingerprints(self.render(snapshot).html)
                if not revision.minor:  # a minor fix does not make a section new
                    changed = {s for s, h in fingerprints.items() if previous.get(s) != h}
                    sections.update(dict.fromkeys(changed, item))
                previous = fingerprints
            if diff and revision.kind == "added":
                # A feed entry for a first version shows the post, not a diff of nothing.
                changes[revision.commit.sha] = self.render(snapshot).html
            elif diff:
                changes[revision.commit.sha] = theme.render_page(
                    self.env, "diff.html", item=item, feed=True, commit=None
                )
            items.append(item)
        return items[::-1], snapshots, changes, sections

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

    def _diff(self, before: Post | None, after: Post) -> WordDiff:
        """What changed from `before` (None: nothing) to `after`, as the page shows it."""
        old_html = self.render(before).html if before else ""
        new_html = self.render(after).html
        notes = front_matter_notes(before, after) if before else ()
        key = cache_key("diff", DIFF_VERSION, old_html, new_html, *notes)
        diff = self.cache.diff(key)
        if diff is None:
            diff = rendered_diff(old_html, new_html, notes)
            self.cache.put(key, diff)
        return diff

    def _write_snapshots(self, view: PostView, snapshots: dict[str, Post]) -> None:
        with_pages = [r for r in view.revisions if r.url]
        for index, item in enumerate(with_pages):
            snapshot = snapshots[item.revision.commit.sha]
            context = {
                "view": view,
                "item": item,
                "snapshot": snapshot,
                "rendered": self.render(snapshot),
                "newer": with_pages[index - 1] if index > 0 else None,
                "older": with_pages[index + 1] if index + 1 < len(with_pages) else None,
                "commit": None,
            }
            _write(self.writer, self.env, "revision", (view.url, item.short), context)


def _former_urls(post: Post) -> tuple[str, ...]:
    return tuple(sorted({urls.post(r.path) for r in post.trail.revisions} - {post.url}))
