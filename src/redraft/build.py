"""The build: the pipeline's table of contents, from a commit of the blog to a complete site.

Settings, then history (the repository, its HEAD, one pass over the log), then posts, then
pages, written into a fresh folder that replaces the old site only when every stage succeeded.
Each stage is a module of its own; this one only orders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import content, history, pages
from .cache import DATABASE, FOLDER
from .cache import folder as cache_folder
from .config import load_settings
from .content import UNTRACKED
from .output import check_output_folder, fresh_folder, remove
from .pages import Progress
from .site_files import committed_site_files, uncommitted_site_files, working_site_files
from .trails import post_trails, redirects


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
) -> BuildResult:
    """Build the blog in `root` into `output` (default: the `output` setting, `_site`).

    With `cache`, rendered Markdown and diffs are kept in .redraft-cache/ for the next build.
    `progress(stage, done, total)` is called as stages advance. Large sites are written by
    spawned worker processes, so a script calling this must guard its entry point with
    `if __name__ == "__main__":`.
    """
    report = progress or _silent
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

    inventory = content.read_inventory(repo, head, settings, drafts=drafts)
    report("history", 0, 1)
    trails: dict[str, history.Trail] = {}
    if repo is not None and head is not None:
        committed = [s.path for s in inventory.sources if s.status != UNTRACKED]
        trails = post_trails(repo, head, settings, committed, cache_dir)
    report("history", 1, 1)

    posts = content.published_posts(inventory.sources, trails, settings, drafts=drafts)
    assets = inventory.assets if drafts else content.published_assets(inventory, posts)
    if not settings.raw_html:
        content.check_inert(assets)
    cache_file = cache_dir / DATABASE if cache_dir else None
    with fresh_folder(target) as folder:
        files, reused = pages.write_site(
            folder, target, posts, assets, settings, site_files, head, cache_file, report
        )
    return BuildResult(
        output=target,
        posts=len(posts),
        files=files,
        commit=head,
        untracked=inventory.untracked,
        modified=inventory.modified,
        site_changes=uncommitted_site_files(repo) if repo is not None and head else [],
        reused=reused,
        drafts=0 if drafts else len(inventory.sources) - len(posts),
        warnings=history.rename_warnings(post.trail for post in posts)
        + redirects({post.source: post.trail for post in posts}).shared,
    )


def remove_build_products(root: Path) -> list[Path]:
    """Delete the cache and the output folder (`redraft clean`); returns what was removed."""
    root = root.resolve()
    settings = load_settings(root)
    target = (root / settings.output).resolve()
    return remove(root, target, root / FOLDER, posts=settings.post_folders)
