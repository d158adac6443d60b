"""`redraft init`: turn an existing git repository into a blog that publishes itself.

Writes the settings (guessed from the folder, git's user name and a GitHub `origin`), a first
post, and the GitHub Actions workflow that builds and publishes the site on every push to main;
and keeps build products out of git. It never overwrites: if anything it would write is already
there, it names all of it and writes nothing.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import git

from . import history
from .config import Settings, web_url_of_remote
from .errors import RedraftError
from .site_files import check_writable_inside

SETTINGS_FILE = "redraft.toml"
FIRST_POST = "posts/hello.md"
WORKFLOW = ".github/workflows/deploy.yml"
IGNORED = ("_site/", ".redraft-cache/")
# The branch the workflow publishes.
PUBLISHED_BRANCH = "main"

_SETTINGS = """\
# Settings of this blog, read by redraft. Every date on the site comes from git, not from here.
title = {title}
author = {author}
# Where the site lives. On GitHub Pages the workflow passes the address GitHub reports instead.
base_url = {base_url}
description = ""
language = "en"
# Dates are shown in this time zone (an IANA name, like "Europe/Paris").
timezone = "UTC"
"""

_FIRST_POST = """\
---
title: Hello
tags: [notes]
---

This is the first post of this blog. Edit it, or write the next one with `redraft new "A title"`.

Publishing is committing: commit a post and push, and the site is rebuilt. Its date is the date
of the commit that added it, and each later commit that changes it shows on its history page.
"""


@dataclass(frozen=True)
class InitResult:
    written: list[str]  # repository paths created or extended, in the order written
    branch: str | None  # the current branch, None on a detached HEAD


def init_site(root: Path) -> InitResult:
    """Write the starter files into the git repository at `root`; refuse without writing if
    any of them exists or pyproject.toml already holds redraft settings."""
    root = root.resolve()
    repo = history.open_repo(root)
    _refuse_to_overwrite(root)
    for path in (SETTINGS_FILE, FIRST_POST, WORKFLOW, ".gitignore"):
        check_writable_inside(root, root / path)
    contents = {
        SETTINGS_FILE: _settings_text(root, repo).encode("utf-8"),
        FIRST_POST: _FIRST_POST.encode("utf-8"),
        WORKFLOW: files("redraft").joinpath("deploy.yml").read_bytes(),
    }
    for path, data in contents.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    written = list(contents)
    if _ignore_build_products(root / ".gitignore"):
        written.append(".gitignore")
    return InitResult(written=written, branch=_branch(repo))


def _refuse_to_overwrite(root: Path) -> None:
    clashes = [
        path for path in (SETTINGS_FILE, FIRST_POST, WORKFLOW) if os.path.lexists(root / path)
    ]
    if _has_redraft_settings(root / "pyproject.toml"):
        clashes.append("pyproject.toml (it already has [tool.redraft] settings)")
    if clashes:
        raise RedraftError(
            f"redraft init writes nothing here, because these exist already: {', '.join(clashes)}"
        )


def _has_redraft_settings(pyproject: Path) -> bool:
    if not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RedraftError(f"{pyproject}: cannot read it: {exc}") from None
    return "redraft" in data.get("tool", {})


def _settings_text(root: Path, repo: git.Repo) -> str:
    return _SETTINGS.format(
        title=_toml_string(root.name),
        author=_toml_string(_git_user(repo) or Settings.author),
        base_url=_toml_string(pages_url(_origin(repo)) or Settings.base_url),
    )


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string: the same quotes and escapes.
    return json.dumps(text, ensure_ascii=False)


def _git_user(repo: git.Repo) -> str:
    try:
        return str(repo.git.config("user.name")).strip()
    except git.GitCommandError:  # not set anywhere
        return ""


def _origin(repo: git.Repo) -> str:
    try:
        return repo.remote("origin").url
    except ValueError:  # no remote called origin
        return ""


def pages_url(remote: str) -> str:
    """The GitHub Pages address of a GitHub remote, '' for any other:
    github.com/USER/REPO -> https://USER.github.io/REPO/, and a repository named
    USER.github.io -> https://USER.github.io/."""
    web = urlsplit(web_url_of_remote(remote))
    parts = web.path.strip("/").split("/")
    if web.hostname != "github.com" or len(parts) != 2:
        return ""
    user, name = parts
    host = f"{user.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def _ignore_build_products(gitignore: Path) -> bool:
    """Append the output and cache folders to .gitignore; whether anything was missing."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    # '/_site/' and '_site' ignore the folder as well as '_site/' does.
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [entry for entry in IGNORED if entry.strip("/") not in present]
    if not missing:
        return False
    separator = "\n" if text and not text.endswith("\n") else ""
    lines = "".join(f"{entry}\n" for entry in missing)
    addition = f"{separator}# redraft's build output and cache\n{lines}"
    gitignore.write_text(text + addition, encoding="utf-8")
    return True


def _branch(repo: git.Repo) -> str | None:
    try:
        return repo.active_branch.name
    except TypeError:  # detached HEAD
        return None
