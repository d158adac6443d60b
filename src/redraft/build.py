"""The build: the pipeline's table of contents, from a commit of the blog to a complete site.

Settings, then history (the repository, its HEAD, one pass over the log), then posts, then
pages, written into a fresh folder that replaces the old site only when every stage succeeded.
Each stage is a module of its own; this one only orders them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import git

from . import content, history, pages
from .cache import DATABASE, FOLDER, SiteBuilt
from .cache import folder as cache_folder
from .config import Now, Settings, build_now, load_settings
from .content import UNTRACKED
from .log_cache import start_reading
from .output import check_output_folder, remove, site_update
from .pages import Progress
from .site_files import committed_site_files, uncommitted_site_files, working_site_files
from .trails import post_trails, redirects

# Objects allocated between young collections while a build runs (Python's default: 700).
_YOUNG_COLLECTION = 50_000


def _silent(stage: str, done: int, total: int) -> None:
    """The progress report of a build nobody watches."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector run less often while a build holds its data. A rebuild loads a
    few hundred thousand objects that live to its end (the log, trails, posts, views), and the
    collector walks them again and again as they pile up: at the default thresholds that was
    a sixth of a one-post rebuild at 5,000 posts. A build makes few reference cycles, so
    little waits longer to be freed."""
    before = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTION, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class BuildResult:
    output: Path
    posts: int
    files: int
    commit: str | None
    untracked: list[str]
    modified: list[str]
    now: Now
    scheduled: list[content.Post]  # left out until a build on or after their date
    # Settings and theme files whose working tree differs from the commit: not published by a
    # plain build, previewed by --drafts.
    site_changes: list[str] = field(default_factory=list)
    reused: int = 0  # posts whose pages were linked from the previous build, nothing re-rendered
    drafts: int = 0  # committed posts left out because their front matter says draft: true
    warnings: list[str] = field(default_factory=list)  # one line each, for the writer


def build_site(
    root: Path,
    *,
    output: Path | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    allow_shallow: bool = False,
    cache: bool = True,
    progress: Progress | None = None,
    now: Now | None = None,
    future: bool = False,
) -> BuildResult:
    """Build the blog in `root` into `output` (default: the `output` setting, `_site`).

    With `cache`, rendered Markdown and diffs are kept in .redraft-cache/ for the next build,
    which then writes only what changed, and nothing at all when the commit, settings, theme
    and engine are those of the site already in `output`.
    `progress(stage, done, total)` is called as stages advance. Large sites are written by
    spawned worker processes, so a script calling this must guard its entry point with
    `if __name__ == "__main__":`.

    Posts dated after `now` (default: SOURCE_DATE_EPOCH, else the clock) wait for a later
    build; `future` publishes them, marked.
    """
    with _fewer_collections():
        return _build_site(
            root, output, drafts, base_url, allow_shallow, cache, progress, now, future
        )


def _build_site(
    root: Path,
    output: Path | None,
    drafts: bool,
    base_url: str | None,
    allow_shallow: bool,
    cache: bool,
    progress: Progress | None,
    now: Now | None,
    future: bool,
) -> BuildResult:
    report = progress or _silent
    now = now or build_now(None)
    root = root.resolve()
    repo, head = history.open_for_build(root, drafts=drafts, allow_shallow=allow_shallow)
    # Settings and theme come from the commit that is published, like the posts.
    if repo is not None and head is not None and not drafts:
        site_files = committed_site_files(repo, head)
        settings = load_settings(root, files=site_files.settings, base_url=base_url)
    else:
        site_files = working_site_files(root)
        settings = load_settings(root, base_url=base_url)
    target = (output or root / settings.output).resolve()
    check_output_folder(root, target, posts=settings.post_folders)
    cache_dir = cache_folder(root) if cache else None
    cache_file = cache_dir / DATABASE if cache_dir else None
    inputs = None
    if repo is not None and head is not None and cache_file and not drafts:
        inputs = pages.inputs_key(settings, site_files, head, history.mailmap(repo), future)
        built = pages.built_already(target, inputs, cache_file)
        # With no scheduled post waiting, the time of the build changes nothing either.
        if built and not built.waiting:
            return _unchanged(repo, head, settings, target, built, now)
    # With no saved log to build on, git reads the whole history while the posts are read.
    started = start_reading(repo, head, cache_dir) if repo and head else None

    # A post whose front matter is known by its blob is read from git only if it is rendered.
    read_posts = content.ReadPosts(cache_dir, settings.zone)
    known = read_posts.knows
    inventory = content.read_inventory(repo, head, settings, drafts=drafts, known=known)
    standalone = content.read_inventory(
        repo, head, settings, drafts=drafts, folder=settings.pages, known=known
    )
    report("history", 0, 1)
    trails: dict[str, history.Trail] = {}
    if repo is not None and head is not None:
        # One pass over the whole repository's log gives the posts and the pages their trails.
        sources = inventory.sources + standalone.sources
        committed = [s.path for s in sources if s.status != UNTRACKED]
        trails = post_trails(repo, head, settings, committed, cache_dir, started)
    report("history", 1, 1)

    posts, scheduled = content.published_posts(
        inventory.sources, trails, settings, drafts=drafts, now=now.moment, future=future,
        read_posts=read_posts,
    )  # fmt: skip
    own_pages = content.standalone_pages(
        standalone.sources, trails, settings, drafts=drafts, read_posts=read_posts
    )
    read_posts.save()
    assets = content.published_assets(inventory, posts, drafts=drafts)
    assets += content.published_assets(standalone, own_pages, drafts=drafts)
    if not settings.raw_html:
        content.check_inert(assets)
    previous = pages.previous_site(target, cache_file)
    with site_update(target, previous.files) as update:
        files, reused = pages.write_site(
            update,
            previous,
            posts + own_pages,
            assets,
            settings,
            site_files,
            content.read_copied_files(repo, head, settings, drafts=drafts),
            head,
            cache_file,
            report,
            # A preview leaves nothing behind but its cache (`redraft serve` cleans up after).
            compiled=cache_file is not None and not drafts,
        )
    left_out = 0 if drafts else len(inventory.sources) - len(posts)
    if inputs and cache_file:
        built = SiteBuilt(update.build, len(posts), files, left_out, len(scheduled))
        pages.remember(cache_file, inputs, built)
    return BuildResult(
        output=target,
        posts=len(posts),
        files=files,
        commit=head,
        untracked=inventory.untracked + standalone.untracked,
        modified=inventory.modified + standalone.modified,
        now=now,
        scheduled=scheduled,
        site_changes=uncommitted_site_files(repo) if repo is not None and head else [],
        reused=reused,
        drafts=left_out,
        warnings=history.rename_warnings(post.trail for post in posts + own_pages)
        + redirects({p.source: p.trail for p in posts + own_pages}, settings.pages).shared,
    )


def _unchanged(
    repo: git.Repo, head: str, settings: Settings, target: Path, built: SiteBuilt, now: Now
) -> BuildResult:
    """The result of a build skipped because the site in `target` was made from these very
    inputs: it still reports what is left uncommitted."""
    untracked: list[str] = []
    modified: list[str] = []
    for folder in (None, settings.pages):
        new, edited = content.uncommitted(repo, head, settings, folder)
        untracked, modified = untracked + new, modified + edited
    return BuildResult(
        target, built.posts, built.files, head, untracked, modified, now, [],
        uncommitted_site_files(repo), reused=built.posts, drafts=built.drafts,
    )  # fmt: skip


def remove_build_products(root: Path) -> list[Path]:
    """Delete the cache and the output folder (`redraft clean`); returns what was removed."""
    root = root.resolve()
    settings = load_settings(root)
    target = (root / settings.output).resolve()
    return remove(root, target, root / FOLDER, posts=settings.post_folders)
