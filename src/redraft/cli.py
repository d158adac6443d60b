"""The `redraft` command: a thin click layer over the library.

Every command turns a RedraftError into one line on stderr and exit status 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

# A command's own modules (authoring, check, serve) are imported inside it: `redraft build`,
# which CI runs on every push, loads none of them.
from . import history
from ._text import plural
from ._version import __version__
from .build import build_site, remove_build_products
from .config import build_now
from .content import Post
from .counts import count_trail
from .diffs import as_text, plain_style
from .errors import RedraftError
from .scaffold import HOSTS, IGNORED, PUBLISHED_BRANCH, init_site


def _repository_root(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """The top of the repository holding `value`, as git finds it: `cd posts && redraft build`
    builds the blog, not a new one in posts/."""
    return history.find_root(value)


_ROOT = click.option(
    "--root",
    "-C",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    callback=_repository_root,
    help="The blog's repository, or any folder in it [default: the current folder].",
)
_NEW_ROOT = click.option(
    "--root",
    "-C",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The blog's repository.",
)


P = ParamSpec("P")
R = TypeVar("R")


def _friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Report a RedraftError as one line and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except RedraftError as exc:
            raise click.ClickException(str(exc)) from None

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redraft")
def main() -> None:
    """redraft: a git-native blog engine. Publish by committing; every date comes from git."""


@main.command()
@_ROOT
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: the output setting, _site).",
)
@click.option("--base-url", help="Override the base_url setting, e.g. https://me.github.io/blog/.")
@click.option("--drafts", is_flag=True, help="Also render uncommitted and draft posts, marked.")
@click.option("--allow-shallow", is_flag=True, help="Build even from a clone without history.")
@click.option("--no-cache", is_flag=True, help="Render everything afresh; leave the cache alone.")
@click.option(
    "--now",
    "now_flag",
    metavar="DATE",
    help="Publish as of this moment (2026-12-03 or 2026-12-03T09:00:00+01:00); default: "
    "SOURCE_DATE_EPOCH, else the clock.",
)
@click.option("--future", is_flag=True, help="Also render scheduled posts (dated later), marked.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@_friendly
def build(
    root: Path,
    output: Path | None,
    base_url: str | None,
    drafts: bool,
    allow_shallow: bool,
    no_cache: bool,
    now_flag: str | None,
    future: bool,
    quiet: bool,
) -> None:
    """Build the site from the committed posts (HEAD)."""
    # A CI runner cancels a job with SIGTERM: unwind like Ctrl-C, so worker processes stop and
    # the half-written folder is removed.
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    started = time.perf_counter()
    bar = _ProgressLine() if not quiet and sys.stderr.isatty() else None
    result = build_site(
        root,
        output=output,
        drafts=drafts,
        base_url=base_url,
        allow_shallow=allow_shallow,
        cache=not no_cache,
        progress=bar,
        now=build_now(now_flag),
        future=future,
    )
    if bar:
        bar.finish()
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if quiet:
        return
    if not drafts:
        for line in uncommitted_notes(result.untracked, result.modified):
            click.secho(line, fg="yellow", err=True)
    if result.site_changes:
        click.secho(site_changes_note(result.site_changes, drafts), fg="yellow", err=True)
    for post in result.scheduled:
        click.secho(f"Scheduled, not published yet: {scheduled_line(post)}", fg="yellow", err=True)
    source = f"commit {result.commit[:7]}" if result.commit else "the working tree"
    reused = f"; {result.reused:,} unchanged since the previous build" if result.reused else ""
    click.echo(
        f"Built {plural(result.posts, 'post')} ({plural(result.files, 'file')}{reused}) from "
        f"{source} as of {moment_text(result.now.moment)} ({result.now.source}) "
        f"into {result.output} in {time.perf_counter() - started:.1f} s"
    )
    if result.drafts:
        click.secho(
            f"Left out {plural(result.drafts, 'draft')} (draft: true in the front matter)",
            fg="yellow",
            err=True,
        )
    if result.commit is not None:  # check reads a repository with commits
        _check_note(root, committed=not drafts)


def _check_note(root: Path, *, committed: bool) -> None:
    """One line for what `redraft check` would report about the posts just built: a build
    fails on broken front matter, but not on a link or image that leads nowhere."""
    from .check import check as check_posts
    from .check import committed_problems, summary

    problems = committed_problems(root) if committed else check_posts(root).problems
    if problems:
        command = "redraft check --committed" if committed else "redraft check"
        click.secho(
            f"{command} finds {summary(problems)}: run it for the list, with files and lines",
            fg="yellow",
            err=True,
        )


def moment_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def scheduled_line(post: Post) -> str:
    """'posts/x.md on 2026-12-03 09:00:00 UTC'."""
    return f"{post.source} on {moment_text(post.published)}" if post.published else post.source


def _stop_on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class _ProgressLine:
    """One self-overwriting line on a terminal: each stage's count, and the time so far."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 24
        filled = width * done // total if total else width
        bar = "█" * filled + "·" * (width - filled)
        elapsed = time.perf_counter() - self.started
        click.echo(
            f"\r{stage:<10} {bar} {done:,}/{total:,}  {elapsed:5.1f} s\033[K", nl=False, err=True
        )

    def finish(self) -> None:
        click.echo("\r\033[K", nl=False, err=True)


@main.command()
@_ROOT
@_friendly
def clean(root: Path) -> None:
    """Delete the build cache (.redraft-cache/) and the built site."""
    for path in remove_build_products(root):
        click.echo(f"Removed {path}")


@main.command()
@_ROOT
@click.argument("title")
@click.option("--tag", "-t", "tags", multiple=True, help="A topic for the post (repeatable).")
@_friendly
def new(root: Path, title: str, tags: tuple[str, ...]) -> None:
    """Start a post: writes posts/<slug>.md with front matter."""
    from .authoring import new_post

    path = new_post(root, title, tags)
    relative = path.relative_to(root.resolve())
    click.echo(f"Wrote {relative}")
    click.echo("Write it, then publish it by committing:")
    click.echo(f"  git add {relative} && git commit -m {_shell_quote('Add ' + title)} && git push")


@main.command(name="history")
@_ROOT
@click.argument("post")
@click.option("--diff", "show_diff", is_flag=True, help="Also print what changed in each revision.")
@_friendly
def history_command(root: Path, post: str, show_diff: bool) -> None:
    """Print a post's revisions, newest first: date, hash, author, words +/-, subject; then
    their count, in the words the site uses.

    POST is its path (from here or from the repository's top), its slug, its address
    (/posts/x/), or a path it had before it moved.
    """
    from .authoring import post_history

    found = post_history(root, post)
    if found.asked_for:
        click.echo(f"{found.asked_for} moved: it is now {found.path}", err=True)
    for line in found.lines:
        revision, diff = line.revision, line.diff
        counts = f"+{diff.added}/-{diff.removed}" if diff else line.revision.kind
        marker = " [minor]" if revision.minor and "[minor]" not in revision.commit.subject else ""
        click.echo(
            f"{revision.date:%Y-%m-%d %H:%M %z}  {click.style(revision.commit.short, fg='yellow')}  "
            f"{revision.commit.author}  {counts:>11}  {revision.commit.subject}{marker}"
        )
        if show_diff and diff:
            # Colour on a terminal; piped or written to a file, the changes are marked in text.
            coloured = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            click.echo(as_text(diff, _coloured if coloured else plain_style) + "\n")
    trail = found.trail
    if trail.published and trail.updated:
        click.echo(
            f"{found.path}: published {trail.published:%Y-%m-%d %H:%M %z}, "
            f"updated {trail.updated:%Y-%m-%d %H:%M %z}",
            err=True,
        )
    click.echo(str(count_trail(trail)))


def _coloured(kind: str, text: str) -> str:
    """A change marked in colour, for a terminal."""
    if kind == "ins":
        return click.style(text, fg="green", underline=True)
    return click.style(text, fg="red", strikethrough=True)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def site_changes_note(paths: list[str], drafts: bool) -> str:
    """The note for settings or theme files whose working tree differs from the commit."""
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    if drafts:
        return f"Previewing uncommitted settings or theme changes ({shown})"
    return (
        f"Uncommitted settings or theme changes are not published ({shown}); commit them, "
        "or preview with --drafts"
    )


def uncommitted_notes(untracked: list[str], modified: list[str]) -> list[str]:
    """One line per kind of post a plain build leaves as committed."""
    notes = []
    if untracked:
        notes.append(
            f"{plural(len(untracked), 'post')} {'is' if len(untracked) == 1 else 'are'} not "
            f"committed, not published ({', '.join(untracked)}); commit "
            f"{'it' if len(untracked) == 1 else 'them'}, or preview with --drafts"
        )
    if modified:
        notes.append(
            f"{plural(len(modified), 'post')} {'has' if len(modified) == 1 else 'have'} uncommitted "
            f"changes, published as committed ({', '.join(modified)}); commit "
            f"{'it' if len(modified) == 1 else 'them'}, or preview with --drafts"
        )
    return notes


@main.command()
@_ROOT
@click.option(
    "--committed",
    is_flag=True,
    help="Check the committed posts (HEAD), as CI builds and publishes them.",
)
@click.option("--now", "now_flag", metavar="DATE", help="List posts scheduled after this moment.")
@_friendly
def check(root: Path, committed: bool, now_flag: str | None) -> None:
    """Check the posts without building: front matter, links, images, history.

    By default checks the working tree as `redraft serve` shows it, uncommitted posts and
    edits included: what you are about to commit. Prints one line per problem, every problem
    of every file, and exits 1 if any is an error (warnings alone exit 0); then the scheduled
    posts: dated later than now, published by the first build on their date.
    """
    from .check import ERROR, summary
    from .check import check as check_posts

    checked = check_posts(root, committed=committed, now=build_now(now_flag).moment)
    for problem in checked.problems:
        click.secho(str(problem), fg="red" if problem.severity == ERROR else "yellow")
    for post in checked.scheduled:
        click.echo(f"scheduled: {scheduled_line(post)}")
    click.echo(f"redraft check: {summary(checked.problems)} in {checked.scope()}")
    if any(problem.severity == ERROR for problem in checked.problems):
        click.get_current_context().exit(1)


@main.command()
@_NEW_ROOT
@click.option(
    "--host",
    "forge",
    type=click.Choice(sorted(HOSTS)),
    default="github",
    show_default=True,
    help="Where the blog is published: GitHub Pages or GitLab Pages.",
)
@click.option(
    "--install",
    "requirement",
    metavar="SPEC",
    help="How CI installs redraft, as a pip requirement (default: redraft==THIS_VERSION).",
)
@_friendly
def init(root: Path, forge: str, requirement: str | None) -> None:
    """Make this git repository a blog that publishes itself on every push to main.

    Writes redraft.toml, a first post, requirements.txt (pinning this redraft) and the CI
    configuration (GitHub Actions and Dependabot, or .gitlab-ci.yml); never overwrites.
    """
    result = init_site(root, requirement, forge)
    for path in result.written:
        if path == ".gitignore":
            click.echo(f"Added {' and '.join(IGNORED[forge])} to .gitignore")
        else:
            click.echo(f"Wrote {path}")
    click.echo("\nNext steps:")
    click.echo("  1. Read them, then publish them:")
    click.echo(f"       git add {' '.join(result.written)}")
    click.echo("       git commit -m 'Start the blog' && git push")
    if forge == "gitlab":
        click.echo("  2. GitLab runs the pages job on every push to the default branch and")
        click.echo("     publishes the site: Deploy → Pages shows its address.")
    else:
        click.echo("  2. On GitHub, in the repository: Settings → Pages → Source: GitHub Actions.")
        click.echo(f"     Every push to {PUBLISHED_BRANCH} then builds the site and publishes it.")
    if forge == "github" and result.branch and result.branch != PUBLISHED_BRANCH:
        click.secho(
            f"Note: this branch is {result.branch!r}, and the workflow publishes "
            f"{PUBLISHED_BRANCH!r}: rename it (git branch -m {PUBLISHED_BRANCH}) or edit "
            "`branches:` in the workflow.",
            fg="yellow",
        )


@main.command()
@_ROOT
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on; 0 picks a free one.",
)
@_friendly
def serve(root: Path, host: str, port: int) -> None:
    """Preview the working tree, drafts included, rebuilding and reloading on every save."""
    from .serve import serve as serve_preview

    serve_preview(root, host, port)
