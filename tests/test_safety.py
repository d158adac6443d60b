"""Nothing lost, nothing injected: atomic output, escaped history, symlinks never followed.

- A failed build, or one killed halfway, leaves the previous site exactly as it was (every file
  hashed before and after).
- Hostile text in commit messages, author names and emails, titles, tags, summaries and file
  names is escaped in every page and feed: no `<script>` but JSON-LD, no `on...` attribute.
- A symlink pointing outside the repository is never read, committed or not, and nothing is
  written outside the output folder whatever a file name or front matter says.

Every test here runs with the temporary folder as its working directory and passes absolute
paths: a build that resolved `--output .` against the developer's checkout once replaced the
whole checkout with a site.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from conftest import SETTINGS, parse_html
from redraft.cli import main
from redraft.errors import RedraftError

REDRAFT = Path(sys.executable).with_name("redraft")
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = SCRIPT + IMG


@pytest.fixture(autouse=True)
def _inside_tmp(tmp_path, monkeypatch):
    """Relative paths land in the test's own folder, never in the checkout running the tests."""
    monkeypatch.chdir(tmp_path)


def _tree(folder: Path) -> dict[str, str]:
    """Every file, link and folder under `folder`, with a hash of each file's bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _leftovers(blog) -> list[str]:
    return sorted(p.name for p in blog.root.iterdir() if p.name.startswith("._site-"))


# Atomic output ------------------------------------------------------------------------------


@pytest.fixture
def built(blog):
    blog.write("posts/a.md", "# A\n\nThe first site.\n")
    blog.write("posts/a-figure.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    blog.commit("Add a", "2024-01-10T09:00:00+00:00")
    site = blog.build()
    blog.before = _tree(site)
    assert "posts/a/index.html" in blog.before
    return blog


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("posts/b.md", "---\ntitle: [broken\n---\nBad YAML, found before any page is written.\n"),
        ("posts/b/feed.xml", "<feed>a file at the address of the post's feed</feed>"),
        ("theme/templates/tag.html", "{% extends 'base.html' %}{% block main %}{% endfor %}"),
    ],
)
def test_a_failed_build_leaves_the_previous_site_untouched(built, path, text):
    built.write("posts/b.md", "---\ntags: [t]\n---\n# B\n\nFine.\n")
    built.write(path, text)
    built.commit("Break something", "2024-01-11T09:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "-C", str(built.root), "-q"])
    assert result.exit_code == 1 and result.output.startswith("Error: "), result.output
    assert _tree(built.root / "_site") == built.before
    assert _leftovers(built) == []


def _slow_blog(blog, posts: int = 60) -> None:
    """A blog whose build takes a few seconds: many posts, each with a few revisions."""
    para = "A sentence long enough to make each page take a little rendering. " * 30
    for revision in range(3):
        for n in range(posts):
            blog.write(f"posts/p{n:03}.md", f"# Post {n}\n\n{para}\n\nRevision {revision}.\n")
        blog.commit(f"Revision {revision}", f"2024-0{revision + 1}-01T09:00:00+00:00")


def _kill_when_writing(root: Path) -> str:
    """Start `redraft build`, SIGKILL it (and any workers) once its fresh folder appears."""
    build = subprocess.Popen(
        [str(REDRAFT), "build", "-C", str(root), "-q", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and build.poll() is None:
            fresh = [p.name for p in root.iterdir() if p.name.startswith("._site-new-")]
            if fresh and any(Path(root, fresh[0]).rglob("index.html")):
                os.killpg(build.pid, signal.SIGKILL)
                build.wait()
                return fresh[0]
            time.sleep(0.005)
        pytest.fail("the build finished before it could be killed; make _slow_blog slower")
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()


def test_a_build_killed_halfway_leaves_the_previous_site_intact(blog):
    _slow_blog(blog)
    first = blog.build(cache=False)
    before = _tree(first)
    blog.write("posts/p000.md", "# Post 0\n\nRewritten for the next build.\n")
    blog.commit("Rewrite post 0", "2024-05-01T09:00:00+00:00")

    fresh = _kill_when_writing(blog.root)
    assert _tree(blog.root / "_site") == before
    assert fresh in _leftovers(blog)  # the half-written folder stays, beside the site
    # The next build is not confused by it.
    site = blog.build(cache=False)
    assert "Rewritten for the next build." in parse_html(site / "posts/p000/index.html").text


def test_the_next_build_clears_what_a_killed_build_left(blog):
    _slow_blog(blog)
    blog.build(cache=False)
    blog.write("posts/p000.md", "# Post 0\n\nRewritten.\n")
    blog.commit("Rewrite post 0", "2024-05-01T09:00:00+00:00")
    _kill_when_writing(blog.root)
    blog.build(cache=False)
    assert _leftovers(blog) == []


# Output folder ----------------------------------------------------------------------------


@pytest.mark.parametrize("output", [".", "posts", "posts/site", ".git", ".."])
def test_the_output_setting_cannot_replace_the_blog(blog, output):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.write("pyproject.toml", SETTINGS + f'output = "{output}"\n')
    blog.commit("Point the output somewhere dangerous", "2024-01-10T09:00:00+00:00")
    before = _tree(blog.root)
    with pytest.raises(RedraftError, match="refusing to build into"):
        blog.build(output=None)
    assert _tree(blog.root) == before


@pytest.mark.parametrize("output", [".", "posts", "notes"])
def test_the_output_option_cannot_replace_the_blog(blog, output):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.write("notes/todo.txt", "A folder of someone's own files.\n")
    blog.commit("Add", "2024-01-10T09:00:00+00:00")
    target = (blog.root / output).resolve()  # absolute: never the checkout running the tests
    assert target.is_relative_to(blog.root.parent)
    before = _tree(blog.root)
    result = CliRunner().invoke(main, ["build", "-C", str(blog.root), "-q", "-o", str(target)])
    assert _tree(blog.root) == before  # the repository, not a site, whatever happened
    assert result.exit_code == 1 and "refusing to build into" in result.output


def test_nothing_is_written_outside_the_output_folder(blog, tmp_path):
    names = ["posts/...md", "posts/..md", "posts/.md", "posts/-.md", "posts/a..b.md"]
    for name in names:
        blog.write(
            name, "---\ntitle: ../../../escaped\ntags: ['../../..', '/etc/x', '..']\n---\nX\n"
        )
    blog.commit("Names of dots and slashes", "2024-01-10T09:00:00+00:00")
    outside = tmp_path / "outside"
    outside.mkdir()
    before = _tree(tmp_path)
    site = blog.build()
    after = _tree(tmp_path)
    ours = ("blog/_site", "blog/.redraft-cache", "blog/.git/")  # git refreshes its index
    new = {p for p in set(after) - set(before) if not p.startswith(ours)}
    assert new == set()
    changed = {k for k, v in after.items() if k in before and v != before[k]}
    assert {k for k in changed if not k.startswith(ours)} == set()
    index = parse_html(site / "index.html")
    assert index.texts("h1") != ["../../../escaped"]  # no post took the front page
    assert {p.relative_to(site).parts[0] for p in site.rglob("*")} <= {
        "index.html", "404.html", "feed.xml", "sitemap.xml", "robots.txt", "posts", "tags",
        "archive", "changes", "static", ".redraft-build.json",
    }  # fmt: skip


# Nothing injected ----------------------------------------------------------------------------


class _Inspector(HTMLParser):
    """Collects what would run in a browser: script elements and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str | None] = []
        self.handlers: list[tuple[str, str]] = []
        self.tags: set[str] = set()
        self.images: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs).get("src"))
        if tag == "script":
            self.scripts.append(dict(attrs).get("type"))
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]
        for name, value in attrs:
            if (
                name in ("href", "src")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.handlers.append((tag, name))


def _inspect(path: Path) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(path.read_text(encoding="utf-8"))
    inspector.close()
    return inspector


def _hostile_blog(blog, *, raw_html: bool) -> Path:
    blog.write(
        "pyproject.toml",
        SETTINGS.replace('"Test notebook"', json.dumps(f"Notebook {HOSTILE}"))
        + f"raw_html = {str(raw_html).lower()}\ndescription = {json.dumps(HOSTILE)}\n",
    )
    front = (
        f"---\ntitle: {json.dumps(HOSTILE)}\ntags: [{json.dumps(SCRIPT)}, {json.dumps(IMG)}]\n"
        f"summary: {json.dumps(HOSTILE)}\n---\n"
    )
    body = (
        f"Words and {SCRIPT} and {IMG} inline.\n\n<div onclick=alert(1)>block HTML</div>\n\n"
        "[a link](javascript:alert(1)) and ![an image](javascript:alert(1))\n"
    )
    name = 'posts/"><img src=x onerror=alert(1)>.md'
    blog.write(name, front + body)
    hostile = {"author": f"Eve {HOSTILE}", "email": f"eve{IMG}@example.org"}
    blog.commit(f"Add {HOSTILE}\n\nBody {HOSTILE}", "2024-01-10T09:00:00+00:00", **hostile)
    blog.write(name, front + body + f"\nMore {SCRIPT}.\n")
    blog.commit(f"Edit {IMG}\n\n{SCRIPT}", "2024-01-11T09:00:00+00:00", **hostile)
    blog.git("mv", name, f"posts/moved {IMG}.md")
    blog.commit(f"Rename {SCRIPT}", "2024-01-12T09:00:00+00:00", **hostile)
    blog.git("tag", "-a", "v1", "-m", HOSTILE)
    return blog.build()


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html"))


def test_hostile_history_is_escaped_in_every_page_and_feed(blog):
    site = _hostile_blog(blog, raw_html=False)
    pages = _pages(site)
    assert len(pages) >= 8
    for page in pages:
        found = _inspect(page)
        assert set(found.scripts) <= {"application/ld+json"}, page
        assert found.handlers == [], page
        assert "x" not in found.images, page  # only the Markdown image, made harmless
        for data in parse_html(page).json_ld:
            assert data["headline"] == HOSTILE
    # The hostile text is there, as text, where it belongs.
    history = parse_html(site / f"posts/moved {IMG}/history/index.html")
    assert f"Add {HOSTILE}" in history.texts("h2")
    # git itself drops '<' and '>' from names; the rest of the name arrives, escaped.
    author = blog.git("log", "-1", "--format=%aN").strip()
    assert author.startswith("Eve script") and "onerror" in author
    assert f"Body {HOSTILE}" in history.text and author in history.text
    post = parse_html(site / f"posts/moved {IMG}/index.html")
    assert post.texts("h1")[-1] == HOSTILE
    assert f"Words and {SCRIPT} and {IMG} inline." in post.text
    assert HOSTILE in parse_html(site / "index.html").text

    feeds = sorted(site.rglob("*.xml"))
    # Site feed, recent changes, sitemap, the post's revision feed, that feed again at its
    # former address, and two tag feeds.
    assert len(feeds) == 7
    for path in feeds:
        ET.fromstring(path.read_bytes())  # well-formed, or this raises
        if path.name != "feed.xml":
            continue
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.bozo_exception)
        for entry in feed.entries:
            assert SCRIPT not in entry.get("content", [{"value": ""}])[0]["value"]
    site_feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert site_feed.entries[0].title == HOSTILE
    assert [t.term for t in site_feed.entries[0].tags] == [SCRIPT, IMG]
    revisions = feedparser.parse(next(site.glob("posts/moved*/feed.xml")).read_bytes())
    assert [e.title for e in revisions.entries] == [f"Edit {IMG}", f"Add {HOSTILE}"]
    assert revisions.entries[0].author == author


def test_raw_html_in_markdown_is_allowed_by_default(blog):
    site = _hostile_blog(blog, raw_html=True)
    post = _inspect(site / f"posts/moved {IMG}/index.html")
    assert None in post.scripts and "x" in post.images  # the writer's own HTML, as written
    assert ("div", "onclick") in post.handlers
    # ...but never from history, names or titles: the history page is still inert.
    history = _inspect(site / f"posts/moved {IMG}/history/index.html")
    assert set(history.scripts) <= {"application/ld+json"} and history.handlers == []
    assert "javascript:" not in (site / f"posts/moved {IMG}/index.html").read_text()


def test_maths_cannot_smuggle_html_past_raw_html_false(blog):
    blog.write("pyproject.toml", SETTINGS + "raw_html = false\n")
    blog.write(
        "posts/maths.md",
        f"# Maths\n\n$\\text{{{SCRIPT}}}$ and $\\text{{<img/src=x/onerror=alert(1)>}}$ and "
        "$\\href{javascript:alert(1)}{x}$\n",
    )
    blog.commit("Add maths", "2024-01-10T09:00:00+00:00")
    found = _inspect(blog.build() / "posts/maths/index.html")
    assert set(found.scripts) <= {"application/ld+json"} and found.handlers == []
    assert "img" not in found.tags


# Symlinks ------------------------------------------------------------------------------------


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file and a folder outside the repository, with words that must never be published."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "diary.md").write_text("# Diary\n\nSECRET-WORDS from outside.\n")
    (folder / "key.txt").write_text("SECRET-WORDS key\n")
    return folder


def _published(site: Path) -> str:
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file()
    )


def _links(blog, secret: Path) -> None:
    os.symlink(secret / "diary.md", blog.root / "posts/diary.md")
    os.symlink(secret / "key.txt", blog.root / "posts/key.txt")
    os.symlink(secret, blog.root / "posts/private")
    os.symlink(secret / "diary.md", blog.root / "posts/own/index.md")
    os.symlink("../.git/config", blog.root / "posts/git-config.md")


def test_committed_symlinks_out_of_the_repository_are_never_followed(blog, secret):
    blog.write("posts/own/photo.txt", "Mine.\n")
    blog.write("posts/real.md", "# Real\n\nMine.\n")
    _links(blog, secret)
    blog.commit("Add real posts and links", "2024-01-10T09:00:00+00:00")
    assert blog.git("ls-files", "-s", "posts/diary.md").startswith("120000")
    for drafts in (False, True):
        site = blog.build(drafts=drafts)
        assert "SECRET-WORDS" not in _published(site)
        assert "[core]" not in _published(site)
        assert not (site / "posts/diary").exists() and not (site / "posts/private").exists()
        assert "Mine." in parse_html(site / "posts/real/index.html").text


def test_working_tree_symlinks_are_never_followed_by_drafts(blog, secret):
    blog.write("posts/real.md", "# Real\n\nMine.\n")
    blog.commit("Add a real post", "2024-01-10T09:00:00+00:00")
    (blog.root / "posts/own").mkdir()
    _links(blog, secret)  # untracked: only --drafts would look at them
    site = blog.build(drafts=True)
    assert "SECRET-WORDS" not in _published(site)
    assert "[core]" not in _published(site)
    assert "Mine." in parse_html(site / "posts/real/index.html").text


def test_a_posts_folder_that_is_a_symlink_out_is_never_followed(blog, secret):
    os.symlink(secret, blog.root / "posts")
    blog.commit("Posts live elsewhere", "2024-01-10T09:00:00+00:00")
    for drafts in (False, True):
        assert "SECRET-WORDS" not in _published(blog.build(drafts=drafts))


def test_theme_symlinks_out_of_the_repository_are_not_copied(blog, secret):
    blog.write("posts/real.md", "# Real\n\nMine.\n")
    (blog.root / "theme/static").mkdir(parents=True)
    os.symlink(secret / "key.txt", blog.root / "theme/static/extra.css")
    os.symlink(secret, blog.root / "theme/static/private")
    blog.commit("Theme with links", "2024-01-10T09:00:00+00:00")
    site = blog.build()
    assert "SECRET-WORDS" not in _published(site)
    assert (site / "static/style.css").is_file()
