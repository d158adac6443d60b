"""The build: from a commit of the blog to a complete site, swapped in only when all succeeded.

Owns the order of the pipeline (settings, history, posts, pages, feeds) and the output folder.
Pages are written into a fresh sibling folder that replaces the old site in one rename, so a
failed build leaves the previous site as it was. Large sites are written on all cores.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import git
from pygments.formatters import HtmlFormatter

from . import __version__, history
from .cache import FOLDER as CACHE_FOLDER
from .cache import Cache, cache_key, cached_log
from .config import Settings, check_output_folder, load_settings
from .content import (
    COMMITTED,
    UNTRACKED,
    Inventory,
    Post,
    Source,
    parse_post,
    read_inventory,
    url_for,
)
from .diffs import DIFF_VERSION, WordDiff, word_diff
from .errors import RedraftError
from .feeds import revision_feed, site_feed
from .history import Trail
from .markdown import RENDERER_VERSION, Rendered, render_markdown
from .render import (
    PostView,
    RevisionView,
    json_ld,
    render_page,
    tag_url,
    template_environment,
    theme_dirs,
    timeline,
)

RECENTLY_REVISED = 5
# Below this many posts per core, starting worker processes costs more than it saves.
POSTS_PER_WORKER = 100
# Posts written as one batch, their history blobs read from git in one go (bounds memory).
BLOBS_READ_AHEAD = 200

Progress = Callable[[str, int, int], None]


def _silent(stage: str, done: int, total: int) -> None:
    """The progress report of a build nobody watches."""


@dataclass(frozen=True)
class BuildResult:
    output: Path
    posts: int
    files: int
    commit: str | None
    untracked: list[str]
    modified: list[str]


def build_site(
    root: Path,
    *,
    output: Path | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    allow_shallow: bool = False,
    cache: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the blog in `root` into `output` (default: the `output` setting, `_site`).

    With `cache`, rendered Markdown and diffs are kept in .redraft-cache/ for the next build.
    `progress(stage, done, total)` is called as stages advance. Large sites are written by
    spawned worker processes, so a script calling this must guard its entry point with
    `if __name__ == "__main__":`.
    """
    report = progress or _silent
    root = root.resolve()
    settings = load_settings(root, base_url=base_url)
    target = (output or root / settings.output).resolve()
    check_output_folder(root, target, posts=settings.posts)
    repo, head = open_for_build(root, drafts=drafts, allow_shallow=allow_shallow)
    inventory = read_inventory(repo, settings, drafts=drafts)
    cache_dir = root / CACHE_FOLDER if cache else None
    report("history", 0, 1)
    posts = _posts(repo, inventory, settings, drafts=drafts, cache_dir=cache_dir)
    report("history", 1, 1)
    cache_path = cache_dir / "cache.sqlite3" if cache_dir else None
    with _fresh_folder(target) as folder:
        files = _write_site(folder, target, posts, inventory, settings, head, cache_path, report)
    return BuildResult(
        output=target,
        posts=len(posts),
        files=files,
        commit=head,
        untracked=inventory.untracked,
        modified=inventory.modified,
    )


def open_for_build(
    root: Path, *, drafts: bool, allow_shallow: bool
) -> tuple[git.Repo | None, str | None]:
    """The repository and its HEAD, or a RedraftError saying why a build cannot use them."""
    try:
        repo = history.open_repo(root)
    except RedraftError:
        if drafts:
            return None, None
        raise
    head = history.head_commit(repo)
    if head is None and not drafts:
        raise RedraftError(
            "this repository has no commits yet: commit your posts to publish them "
            "(git add posts && git commit), or preview them with --drafts"
        )
    if head is not None and not allow_shallow and history.is_shallow(repo):
        raise RedraftError(SHALLOW_MESSAGE + ", or pass --allow-shallow to build anyway")
    return repo, head


SHALLOW_MESSAGE = (
    "this clone has only the latest commit, not the history redraft reads dates from, so "
    "every post would get the same date. Fetch the full history with `git fetch --unshallow` "
    "(in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
)


def _posts(
    repo: git.Repo | None,
    inventory: Inventory,
    settings: Settings,
    *,
    drafts: bool,
    cache_dir: Path | None,
) -> list[Post]:
    trails: dict[str, Trail] = {}
    if repo is not None and history.head_commit(repo):
        trails = history.read_trails(
            repo,
            settings.posts,
            [s.path for s in inventory.sources if s.status != UNTRACKED],
            minor_markers=settings.minor_markers,
            committer_dates=settings.dates == "committer",
            log=cached_log(repo, settings.posts, cache_dir),
        )
    posts = [parse_post(s, trails.get(s.path), zone=settings.zone) for s in inventory.sources]
    if not drafts:
        posts = [p for p in posts if not p.draft]
    _check_unique_urls(posts)
    return sorted(posts, key=_newest_first)


def _newest_first(post: Post) -> tuple:
    stamp = post.published.timestamp() if post.published else float("inf")
    return (-stamp, post.url)


def _check_unique_urls(posts: list[Post]) -> None:
    seen: dict[str, str] = {}
    for post in posts:
        if post.url in seen:
            raise RedraftError(
                f"{seen[post.url]} and {post.source} would both be published at /{post.url}; "
                "rename or remove one of them"
            )
        seen[post.url] = post.source


@contextmanager
def _fresh_folder(target: Path) -> Iterator[Path]:
    """A new folder beside `target` that replaces it when the block finishes without error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_folders(target)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-", dir=target.parent))
    try:
        yield fresh
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    fresh.chmod(0o755)
    if target.exists():
        retired = Path(
            tempfile.mkdtemp(prefix=f".{target.name}-old-{os.getpid()}-", dir=target.parent)
        )
        os.replace(target, retired / target.name)
        os.replace(fresh, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(fresh, target)


def _remove_abandoned_folders(target: Path) -> None:
    """Delete the half-written folders of builds that were killed: those whose process is gone."""
    for sibling in target.parent.glob(f".{target.name}-[no][el][wd]-*"):
        pid = sibling.name[len(target.name) + 6 :].split("-", 1)[0]
        if sibling.is_dir() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(sibling, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    return True


class _Writer:
    """Writes site files under one folder, refusing any path that would leave it.

    A file whose bytes equal the previous build's is hard-linked from it instead of written,
    so unchanged pages keep their modification times and cost no disk writes.
    """

    def __init__(self, folder: Path, previous: Path | None = None) -> None:
        self.folder = folder
        self.previous = previous if previous and previous.is_dir() else None
        self.count = 0
        self.written: list[str] = []
        self._folders: set[str] = set()

    def write(self, path: str, data: str | bytes) -> None:
        if not path or path.endswith("/"):
            path += "index.html"
        relative = os.path.normpath(path.lstrip("/"))
        if relative.startswith("..") or os.path.isabs(relative):
            raise RedraftError(f"refusing to write {path!r}: it lies outside the output folder")
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        content = data.encode("utf-8") if isinstance(data, str) else data
        try:
            if not self._link_unchanged(relative, content, target):
                with open(target, "xb") as file:  # "x": a second writer of one path is an error
                    file.write(content)
        except FileExistsError:
            raise RedraftError(
                f"/{relative} would be written twice: a post or file in the blog has the address "
                "of a page redraft makes (such as a post's history/ or feed.xml); rename it"
            ) from None
        self.count += 1
        self.written.append(relative)

    def link_all(self, paths: list[str]) -> bool:
        """Link these files from the previous build; False (and nothing linked) if any is gone.

        Plain string paths: a rebuild of a large site links tens of thousands of files here.
        """
        if self.previous is None:
            return False
        previous, folder = str(self.previous), str(self.folder)
        if not all(os.path.isfile(os.path.join(previous, p)) for p in paths):
            return False
        for relative in paths:
            target = os.path.join(folder, relative)
            parent = os.path.dirname(target)
            if parent not in self._folders:
                os.makedirs(parent, exist_ok=True)
                self._folders.add(parent)
            try:
                os.link(os.path.join(previous, relative), target)
            except FileExistsError:
                raise RedraftError(f"/{relative} would be written twice; rename the post") from None
            self.written.append(relative)
        self.count += len(paths)
        return True

    def _link_unchanged(self, relative: str, content: bytes, target: Path) -> bool:
        if self.previous is None:
            return False
        old = self.previous / relative
        try:
            if old.stat().st_size != len(content) or old.read_bytes() != content:
                return False
        except OSError:
            return False
        try:
            os.link(old, target)
        except FileExistsError:
            raise
        except OSError:
            return False
        return True


def _page(writer: _Writer, env, path: str, template: str, **context: object) -> None:
    """Render `template` for the page at `path` (its canonical address) and write it."""
    writer.write(path, render_page(env, template, canonical=path, **context))


def _write_site(
    folder: Path,
    previous: Path,
    posts: list[Post],
    inventory: Inventory,
    settings: Settings,
    head: str | None,
    cache_path: Path | None,
    report: Progress,
) -> int:
    env = template_environment(settings)
    writer = _Writer(folder, previous)
    common = {"commit": head}
    job = _PostJob(
        settings, folder, previous, head, cache_path, _theme_fingerprint(settings.source)
    )
    views, entries, files = _write_posts(posts, job, report)
    report("site pages", 0, 1)
    Cache(cache_path).save(entries)
    bodies = {view.url: view.rendered.html for view in views}

    living = sorted(
        (v for v in views if v.living),
        key=lambda v: (-(v.post.updated.timestamp() if v.post.updated else 0), v.url),
    )[:RECENTLY_REVISED]
    _page(writer, env, "", "index.html", views=views, revised=living, **common)
    _write_tags(writer, env, views, common)
    writer.write("feed.xml", site_feed(views, settings, bodies))
    latest = max((v.post.updated for v in views if v.post.updated), default=None)
    writer.write(
        "sitemap.xml", render_page(env, "sitemap.xml", views=views, latest=latest, **common)
    )
    writer.write("robots.txt", render_page(env, "robots.txt", **common))
    _page(writer, env, "404.html", "404.html", **common)
    if settings.cname:
        writer.write("CNAME", settings.cname.strip() + "\n")
    _write_redirects(writer, env, views, common)
    for asset in inventory.assets:
        writer.write(asset.path, asset.data)
    _write_static(writer, settings.source)
    report("site pages", 1, 1)
    return writer.count + files


@dataclass(frozen=True)
class _PostJob:
    """What a process needs to write posts' pages; small enough to send to a worker."""

    settings: Settings
    folder: Path
    previous: Path
    head: str | None
    cache_path: Path | None
    theme: str  # a hash of the theme's files: a changed template re-renders every post


def _write_posts(
    posts: list[Post], job: _PostJob, report: Progress
) -> tuple[list[PostView], dict[str, str], int]:
    """Write every post's pages, on all cores for a large site; views come back in post order."""
    workers = min(os.cpu_count() or 1, len(posts) // POSTS_PER_WORKER)
    batch_size = max(1, min(BLOBS_READ_AHEAD, len(posts) // (workers * 4 or 1)))
    batches = [posts[i : i + batch_size] for i in range(0, len(posts), batch_size)]
    results, done = [], 0
    report("posts", done, len(posts))
    if workers <= 1:
        for batch in batches:
            results.append(_write_batch(job, batch))
            done += len(batch)
            report("posts", done, len(posts))
    else:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            with _workers_ignore_interrupts():
                written = pool.map(_write_batch, [job] * len(batches), batches)
            for result in written:
                results.append(result)
                done += len(result[0])
                report("posts", done, len(posts))
        finally:
            # On Ctrl-C or an error, queued batches are dropped rather than waited for.
            pool.shutdown(cancel_futures=True)
    views = [view for batch_views, _, _ in results for view in batch_views]
    entries = {k: v for _, found, _ in results for k, v in found.items()}
    return views, entries, sum(count for _, _, count in results)


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


def _write_batch(job: _PostJob, posts: list[Post]) -> tuple[list[PostView], dict[str, str], int]:
    """Write the pages of `posts`; returns their views (without diffs), new cache entries, and
    the number of files written. Runs in a worker process for large sites."""
    pages = _PostPages(job)
    reused = {post.url: pages.reuse(post) for post in posts}
    blobs = pages.read_ahead([post for post in posts if reused[post.url] is None])
    views = [reused[post.url] or pages.write(post, blobs) for post in posts]
    return views, pages.cache.new, pages.writer.count


class _PostPages:
    """Writes a post's page, history page, snapshots and revision feed, rendering each distinct
    blob once and each diff once, through the cache."""

    def __init__(self, job: _PostJob) -> None:
        self.settings = job.settings
        self.env = template_environment(job.settings)
        self.repo = history.open_repo(job.settings.source) if job.head else None
        self.writer = _Writer(job.folder, job.previous)
        self.cache = Cache(job.cache_path)
        self.theme = job.theme
        # Post pages leave out the HEAD commit: a new commit elsewhere must not change their bytes.
        self.common = {"commit": None}
        self._renders: dict[tuple[str, str], Rendered] = {}

    def read_ahead(self, posts: list[Post]) -> dict[str, bytes]:
        """Every blob the posts' histories need, in one read."""
        if self.repo is None:
            return {}
        wanted = set().union(*(history.trail_blobs(p.trail) for p in posts))
        return history.read_blobs(self.repo, wanted)

    def reuse(self, post: Post) -> PostView | None:
        """Link the post's pages from the previous build if nothing they show has changed since;
        its view then comes without diffs (the index and feeds need none)."""
        files = self.cache.files(self._fingerprint(post))
        if files is None or not self.writer.link_all(files):
            return None
        revisions = [self._revision_view(post, r, None, 0) for r in post.trail.revisions]
        former = sorted({url_for(r.path) for r in post.trail.revisions} - {post.url})
        return PostView(post, self.render(post), tuple(revisions[::-1]), tuple(former))

    def _fingerprint(self, post: Post) -> str:
        """Everything a post's pages are made from: the post with its whole trail, the settings,
        the theme and the versions of what renders them."""
        settings = replace(self.settings, source=Path("."))
        versions = (__version__, RENDERER_VERSION, DIFF_VERSION)
        return cache_key("post-pages", versions, self.theme, repr(settings), repr(post))

    def write(self, post: Post, blobs: dict[str, bytes]) -> PostView:
        first_file = len(self.writer.written)
        revisions, snapshots, changes = self._revisions(post, blobs)
        former = sorted({url_for(r.revision.path) for r in revisions} - {post.url})
        view = PostView(
            post=post,
            rendered=self.render(post),
            revisions=tuple(revisions),
            former_urls=tuple(former),
        )
        settings = self.settings
        show_toc = (
            post.toc if post.toc is not None else view.rendered.words >= settings.toc_min_words
        )
        _page(
            self.writer,
            self.env,
            post.url,
            "post.html",
            view=view,
            json_ld=json_ld(view, settings),
            timeline=timeline(view) if view.living else None,
            show_toc=show_toc and len(view.rendered.toc) > 1,
            **self.common,
        )
        if revisions:
            _page(self.writer, self.env, view.history_url, "history.html", view=view, **self.common)
            self.writer.write(view.feed_url, revision_feed(view, settings, changes))
            self._write_snapshots(view, snapshots)
        self._renders.clear()
        self.cache.put_files(self._fingerprint(post), self.writer.written[first_file:])
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
            rendered = render_markdown(
                post.body, post.source, base_path=settings.base_path, raw_html=settings.raw_html
            )
            if post.blob:
                self.cache.put(key, rendered)
        self._renders[memo_key] = rendered
        return rendered

    def _revisions(self, post: Post, blobs: dict[str, bytes]):
        """History lines newest first, the snapshot posts by commit, and each diff as HTML."""
        items, snapshots, changes = [], {}, {}
        for revision, before, after in history.revision_texts(self.repo, post.trail, blobs):
            diff = None
            if after is not None:
                diff = self._diff(revision, before, after)
                snapshot = _snapshot_post(revision, after, post.source, self.settings)
                snapshots[revision.commit.sha] = snapshot
            # Rendered now (and kept in the memo for its page): its word count comes with it.
            words = self.render(snapshot).words if after is not None else 0
            item = self._revision_view(post, revision, diff, words)
            if diff:
                html = render_page(self.env, "diff.html", item=item, **self.common)
                changes[revision.commit.sha] = html
            items.append(item)
        return items[::-1], snapshots, changes

    def _revision_view(
        self, post: Post, revision: history.Revision, diff: WordDiff | None, words: int
    ) -> RevisionView:
        short = revision.commit.short
        repo_url = self.settings.repo_url.rstrip("/")
        has_snapshot = revision.content_changed and revision.kind != "deleted"
        return RevisionView(
            revision=revision,
            short=short,
            url=f"{post.url}history/{short}/" if has_snapshot else "",
            commit_url=f"{repo_url}/commit/{revision.commit.sha}" if repo_url else "",
            diff=diff,
            words=words,
        )

    def _diff(self, revision: history.Revision, before: str, after: str) -> WordDiff:
        key = cache_key("diff", DIFF_VERSION, revision.old_blob, revision.blob)
        diff = self.cache.diff(key)
        if diff is None:
            diff = word_diff(before, after)
            self.cache.put(key, diff)
        return diff

    def _write_snapshots(self, view: PostView, snapshots: dict[str, Post]) -> None:
        with_pages = [r for r in view.revisions if r.url]
        for index, item in enumerate(with_pages):
            snapshot = snapshots[item.revision.commit.sha]
            _page(
                self.writer,
                self.env,
                item.url,
                "snapshot.html",
                view=view,
                item=item,
                snapshot=snapshot,
                rendered=self.render(snapshot),
                newer=with_pages[index - 1] if index > 0 else None,
                older=with_pages[index + 1] if index + 1 < len(with_pages) else None,
                **self.common,
            )


def _theme_fingerprint(root: Path) -> str:
    files = [p for theme in theme_dirs(root) for p in sorted(theme.rglob("*")) if p.is_file()]
    return cache_key(*(f"{p}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in files))


def _snapshot_post(revision: history.Revision, text: str, current: str, settings: Settings) -> Post:
    """The post as it was; an old revision whose front matter no longer parses shows as text.

    Its links and images are resolved from the post's current path: the site holds the files of
    HEAD, so an image that moved along with the post is found where it is now.
    """
    source = Source(current, text.encode("utf-8"), revision.blob, COMMITTED)
    try:
        return parse_post(source, zone=settings.zone)
    except RedraftError:
        return Post(source=current, url=url_for(current), title="", body=text, blob=revision.blob)


def _write_tags(writer: _Writer, env, views: list[PostView], common: dict) -> None:
    by_url: dict[str, list[PostView]] = defaultdict(list)
    names: dict[str, str] = {}
    for view in views:
        for tag in view.post.tags:
            names.setdefault(tag_url(tag), tag)
            by_url[tag_url(tag)].append(view)
    tags = [(names[url], url, len(by_url[url])) for url in sorted(by_url)]
    _page(writer, env, "tags/", "tags.html", tags=tags, **common)
    for url, tagged in sorted(by_url.items()):
        _page(writer, env, url, "tag.html", tag=names[url], views=tagged, **common)


def _write_redirects(writer: _Writer, env, views: list[PostView], common: dict) -> None:
    # Compared without case: on a case-insensitive disk (macOS, Windows) the redirect left by a
    # case-only rename would overwrite the post itself.
    current = {v.url.casefold() for v in views}
    for view in views:
        for former in view.former_urls:
            if former.casefold() not in current:
                _page(writer, env, former, "redirect.html", target=view.url, **common)


def _write_static(writer: _Writer, root: Path) -> None:
    """The theme's static files (the site's own override the default's), and code colours."""
    chosen: dict[str, Path] = {}
    for theme in reversed(theme_dirs(root)):
        static = theme / "static"
        for path in sorted(static.rglob("*")):
            if path.is_file() and not path.is_symlink():
                chosen[path.relative_to(static).as_posix()] = path
    for name, path in sorted(chosen.items()):
        writer.write(f"static/{name}", path.read_bytes())
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="github-dark").get_style_defs(".highlight")
    writer.write(
        "static/code.css", f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )


def remove_build_products(root: Path) -> list[Path]:
    """Delete the cache and the output folder (`redraft clean`); returns what was removed."""
    root = root.resolve()
    settings = load_settings(root)
    removed = []
    target = (root / settings.output).resolve()
    check_output_folder(root, target, posts=settings.posts)
    for path in (root / CACHE_FOLDER, target):
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
    return removed
