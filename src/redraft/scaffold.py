"""`redraft init`: turn an existing git repository into a blog that publishes itself.

Writes the settings (guessed from the folder, git's user name and the `origin` remote), a first
post, the requirement CI installs redraft with (the exact version running `init`, so the site's
builds do not change under it), and the CI configuration that builds and publishes the site on
every push to main: GitHub Actions and Dependabot, or GitLab CI; and keeps build products out of
git. It never overwrites: if anything it would write is already there, it names all of it and
writes nothing.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import git

from . import __version__, history
from .config import Settings, web_url_of_remote
from .errors import RedraftError
from .site_files import check_writable_inside

SETTINGS_FILE = "redraft.toml"
FIRST_POST = "posts/hello.md"
REQUIREMENTS = "requirements.txt"
WORKFLOW = ".github/workflows/deploy.yml"
DEPENDABOT = ".github/dependabot.yml"
GITLAB_CI = ".gitlab-ci.yml"
# What each host's CI is configured by: the repository path and the file shipped in the package.
HOSTS = {
    "github": {WORKFLOW: "deploy.yml", DEPENDABOT: "dependabot.yml"},
    "gitlab": {GITLAB_CI: "gitlab-ci.yml"},
}
# Build products kept out of git: the site (GitLab Pages publishes public/) and the cache.
IGNORED = {
    "github": ("_site/", ".redraft-cache/"),
    "gitlab": ("public/", ".redraft-cache/"),
}
# A version PyPI can serve: X.Y[.Z...] with an optional pre- or post-release, no dev or local part.
_RELEASE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?")
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


_REQUIREMENTS = """\
# The redraft that builds this blog in CI, written by `redraft init`. One exact version, so the
# site's builds do not change under it; Dependabot (or you) moves it to a new release.
{requirement}
"""


@dataclass(frozen=True)
class InitResult:
    written: list[str]  # repository paths created or extended, in the order written
    branch: str | None  # the current branch, None on a detached HEAD


def pinned_requirement(version: str = __version__) -> str:
    """`redraft==VERSION` for a released version; a dev build (an untagged commit) is on no
    package index, so a workflow pinning it would fail at its first install."""
    if not _RELEASE.fullmatch(version):
        raise RedraftError(
            f"this redraft ({version}) is a development build that no package index has, so a "
            "workflow cannot install it: install a release (pip install redraft), or say how CI "
            "should install redraft with --install, e.g. "
            "--install 'redraft @ git+https://github.com/OWNER/redraft@vX.Y.Z'"
        )
    return f"redraft=={version}"


def init_site(root: Path, requirement: str | None = None, host: str = "github") -> InitResult:
    """Write the starter files into the git repository at `root`, CI installing redraft with
    `requirement` (a pip requirement line; default: this version, pinned); refuse without
    writing if any of them exists or pyproject.toml already holds redraft settings."""
    root = root.resolve()
    repo = history.open_repo(root)
    shipped = HOSTS[host]
    paths = [SETTINGS_FILE, FIRST_POST, REQUIREMENTS, *shipped]
    _refuse_to_overwrite(root, paths)
    for path in (*paths, ".gitignore"):
        check_writable_inside(root, root / path)
    requirement = requirement or pinned_requirement()
    contents = {
        SETTINGS_FILE: _settings_text(root, repo, host).encode("utf-8"),
        FIRST_POST: _FIRST_POST.encode("utf-8"),
        REQUIREMENTS: _REQUIREMENTS.format(requirement=requirement.strip()).encode("utf-8"),
    }
    for path, name in shipped.items():
        contents[path] = files("redraft").joinpath(name).read_bytes()
    for path, data in contents.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    written = list(contents)
    if _ignore_build_products(root / ".gitignore", IGNORED[host]):
        written.append(".gitignore")
    return InitResult(written=written, branch=_branch(repo))


def _refuse_to_overwrite(root: Path, paths: list[str]) -> None:
    clashes = [path for path in paths if os.path.lexists(root / path)]
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


def _settings_text(root: Path, repo: git.Repo, host: str) -> str:
    return _SETTINGS.format(
        title=_toml_string(root.name),
        author=_toml_string(_git_user(repo) or Settings.author),
        base_url=_toml_string(pages_url(_origin(repo), host) or Settings.base_url),
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


def pages_url(remote: str, host: str = "github") -> str:
    """The Pages address of a github.com (or gitlab.com) remote, '' for any other:
    github.com/USER/REPO -> https://USER.github.io/REPO/, and a repository named
    USER.github.io -> https://USER.github.io/ (the same with gitlab.io on GitLab)."""
    web = urlsplit(web_url_of_remote(remote))
    parts = web.path.strip("/").split("/")
    if web.hostname != f"{host}.com" or len(parts) != 2:
        return ""
    user, name = parts
    pages = f"{user.lower()}.{host}.io"
    return f"https://{pages}/" if name.lower() == pages else f"https://{pages}/{name}/"


def _ignore_build_products(gitignore: Path, ignored: tuple[str, ...]) -> bool:
    """Append the output and cache folders to .gitignore; whether anything was missing."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    # '/_site/' and '_site' ignore the folder as well as '_site/' does.
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [entry for entry in ignored if entry.strip("/") not in present]
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
