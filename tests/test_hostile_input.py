"""Hostile or odd input gives the page the author wrote, or one bounded line saying what is wrong.

Front matter keeps the text the author wrote (YAML 1.1 would turn `12:30` into 750), error
messages never format unbounded input, and `redraft new` writes front matter that parses.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import expect_error, parse_html
from redraft.cli import main

# Front matter as written --------------------------------------------------------------------


def test_front_matter_keeps_the_text_the_author_wrote(blog):
    blog.write(
        "posts/lunch.md",
        "---\ntitle: 12:30\ntags: [no, on, 1.10, 010, 2024-05-01]\nsummary: 1e3\n"
        "draft: false\ndate: 2024-05-01 09:30:00 +02:00\n---\nBody.\n",
    )
    blog.commit("Lunch", "2024-06-01T09:00:00+00:00")
    site = blog.build()
    page = parse_html(site / "posts/lunch/index.html")
    assert page.texts("h1") == ["12:30"]
    assert page.json_ld[0]["keywords"] == ["no", "on", "1.10", "010", "2024-05-01"]
    assert page.json_ld[0]["description"] == "1e3"
    assert page.json_ld[0]["datePublished"] == "2024-05-01T09:30:00+02:00"
    for tag in ("no", "on", "110", "010", "2024-05-01"):
        assert (site / "tags" / tag / "index.html").is_file(), tag


def test_flags_and_dates_are_still_read(blog):
    blog.write("posts/a.md", "---\ndraft: yes\n---\n# A\n\nHidden.\n")
    blog.write("posts/b.md", "---\ntoc: off\ndate: 2023-03-04\n---\n# B\n\nShown.\n")
    blog.commit("Two posts", "2024-06-01T09:00:00+00:00")
    site = blog.build()
    assert not (site / "posts/a").exists()
    assert (
        parse_html(site / "posts/b/index.html")
        .json_ld[0]["datePublished"]
        .startswith("2023-03-04T00:00:00")
    )


def test_an_alias_bomb_in_a_wrongly_typed_value_gives_a_short_message(blog):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 7):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    front = "\n".join(f"# {line}" for line in levels)  # anchors need a home: a list value
    bomb = "title:\n  - &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 7):
        bomb += f"  - &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]\n"
    blog.write("posts/bomb.md", f"---\n{bomb}---\n{front}\n")
    blog.commit("A bomb", "2024-06-01T09:00:00+00:00")
    message = expect_error(blog.root)
    assert message.startswith("posts/bomb.md:2: front matter 'title' must be text"), message[:200]
    assert len(message) < 300


def test_a_huge_unknown_key_gives_a_short_message(blog):
    blog.write("posts/key.md", "---\n" + "k" * 1000 + ": 1\n---\nBody.\n")
    blog.commit("A long key", "2024-06-01T09:00:00+00:00")
    message = expect_error(blog.root)
    assert "unknown front matter key" in message and len(message) < 300


# redraft new and init ------------------------------------------------------------------------


def test_new_quotes_tags_and_titles_so_the_post_builds(blog):
    args = ["new", "--root", str(blog.root), "Notes: 'one' & \"two\""]
    for tag in ("@home", "a: b", "#1", "no", "[x]"):
        args += ["--tag", tag]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (path,) = (blog.root / "posts").glob("*.md")
    path.write_text(path.read_text() + "\nWords.\n")
    blog.commit("A new post", "2024-06-01T09:00:00+00:00")
    page = parse_html(blog.build() / "posts" / path.stem / "index.html")
    assert page.texts("h1") == ["Notes: 'one' & \"two\""]
    assert page.json_ld[0]["keywords"] == ["@home", "a: b", "#1", "no", "[x]"]


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_new_never_writes_through_a_link_out_of_the_repository(blog, outside):
    (blog.root / "posts").symlink_to(outside)
    message = expect_error(blog.root, "Hello", command="new")
    assert "link out of the repository" in message
    assert list(outside.iterdir()) == []
    (blog.root / "posts").unlink()
    (blog.root / "posts").mkdir()
    (blog.root / "posts/hello.md").symlink_to(outside / "hello.md")  # dangling
    message = expect_error(blog.root, "Hello", command="new")
    assert list(outside.iterdir()) == []


def test_init_never_writes_through_a_link_out_of_the_repository(tmp_path, outside):
    from conftest import Blog

    repo = Blog(tmp_path / "blog")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    (repo.root / ".gitignore").symlink_to(outside / "gitignore")
    message = expect_error(repo.root, command="init")
    assert ".gitignore" in message and "symbolic link" in message
    (repo.root / ".gitignore").unlink()
    (repo.root / ".github").symlink_to(outside)
    message = expect_error(repo.root, command="init")
    assert "link out of the repository" in message
    assert list(outside.iterdir()) == []
    assert not (repo.root / "redraft.toml").exists() and not (repo.root / "posts").exists()


# Table of contents -------------------------------------------------------------------------


def test_the_table_of_contents_shows_text_once_escaped_with_unique_ids(blog):
    sections = []
    for n in range(1, 11):
        sections.append(f"## Part {n}\n\nWords.\n")
        if n == 2:
            sections.append("### Detail\n\nMore.\n\n### Detail\n\nMore.\n\n### Aside\n\nMore.\n")
    body = (
        "".join(sections) + "## Fish & Chips\n\nFood.\n\n## Main\n\nMain.\n\n## Part 1\n\nAgain.\n"
    )
    blog.write("posts/long.md", "---\ntitle: Long\ntoc: true\n---\n" + body)
    blog.commit("A long post", "2024-06-01T09:00:00+00:00")
    page = (blog.build() / "posts/long/index.html").read_text()
    parsed = parse_html(blog.root / "_site/posts/long/index.html")
    ids = [attrs["id"] for _, attrs in parsed.elements if attrs.get("id")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    toc = page[
        page.index('<nav class="toc"') : page.index("</nav>", page.index('<nav class="toc"'))
    ]
    assert "Fish &amp; Chips" in toc and "&amp;amp;" not in toc
    # Sections are numbered alone: 13 items at the top level, the three h3s nested in Part 2.
    top = toc.split("<ol>", 1)[1]
    depth, top_items = 0, 0
    for piece in top.replace("</ol>", "\0close").replace("<ol>", "\0open").split("\0"):
        if piece.startswith("open"):
            depth += 1
        elif piece.startswith("close"):
            depth -= 1
        if depth == 0:
            top_items += piece.count("<li>")
    assert top_items == 13
    hrefs = [a["href"] for a in parsed.anchors if a.get("href", "").startswith("#")]
    for href in hrefs:
        assert href[1:] in ids, href


# Settings as addresses, text files, the cache ----------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('repo_url = "javascript:alert(1)//"', "repo_url must be a full http(s) URL"),
        ('repo_url = "https://github.com/me/blog?x=1"', "repo_url must not have a query"),
        ('base_url = "http://[::1/"', "base_url is not a valid address"),
        ('base_url = "https://example.org:99999/"', "base_url is not a valid address"),
        ('base_url = "https://example.org/?utm=x"', "base_url must not have a query"),
        ('base_url = "https://example.org/blog#top"', "base_url must not have a query"),
        ('title = "Bell\\u0007"', "setting title contains the control character U+0007"),
        ('minor_markers = ["ok", "\\u001b[x"]', "setting minor_markers contains the control"),
    ],
)
def test_settings_are_checked_as_addresses_and_text(blog, line, expected):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.write("redraft.toml", line + "\n")
    blog.commit("Settings and a post", "2024-06-02T09:00:00+00:00")
    message = expect_error(blog.root)
    assert message.startswith(str(blog.root / "redraft.toml")), message
    assert expected in message, message


def test_robots_txt_is_text_not_html(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-06-01T09:00:00+00:00")
    site = blog.build(base_url="https://example.org/o'brien&co/")
    robots = (site / "robots.txt").read_text()
    assert "Sitemap: https://example.org/o'brien&co/sitemap.xml" in robots, robots


def test_a_cache_linked_out_of_the_repository_is_never_written_and_clean_removes_the_link(
    blog, outside
):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-06-01T09:00:00+00:00")
    (blog.root / ".redraft-cache").symlink_to(outside)
    blog.build()
    assert list(outside.iterdir()) == []
    result = CliRunner().invoke(main, ["clean", "--root", str(blog.root)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert not (blog.root / ".redraft-cache").exists() and outside.is_dir()


def test_a_cache_that_is_a_file_or_holds_wrong_shapes_is_ignored(blog):
    import json
    import sqlite3

    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-06-01T09:00:00+00:00")
    (blog.root / ".redraft-cache").write_text("not a folder")
    first = blog.build()
    (blog.root / ".redraft-cache").unlink()
    blog.build()
    database = blog.root / ".redraft-cache/cache.sqlite3"
    with sqlite3.connect(database) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM entries")]
        for n, key in enumerate(keys):
            shape = [[1, 2], "text", 5, None, {"html": 5, "toc": "x", "files": {"a": 1}}][n % 5]
            db.execute("UPDATE entries SET value = ? WHERE key = ?", (json.dumps(shape), key))
    for log in (blog.root / ".redraft-cache").glob("log-*.json"):
        data = json.loads(log.read_text())
        data["entries"] = [[[1, 2, 3, 4, "x", "y", 7, 8], [[1, 2, 3, 4, 5, 6]]]]
        log.write_text(json.dumps(data))
    site = blog.build(output=blog.root / "_again")
    assert (site / "posts/a/index.html").read_bytes() == (first / "posts/a/index.html").read_bytes()


# Repositories git refuses or cannot complete -----------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
def test_dubious_ownership_is_named_with_what_to_do(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-06-01T09:00:00+00:00")
    subprocess.run(["chown", "-R", "12345:12345", str(blog.root)], check=True)
    message = expect_error(blog.root)
    assert "dubious ownership" in message and "safe.directory" in message, message
    assert "no commits" not in message


def test_a_tag_or_title_longer_than_a_file_name_can_be_still_builds(blog):
    long_tag = "word " * 80  # 400 bytes: no file system takes it as one folder name
    other = long_tag + "and more"
    title = "Ünïcode title " * 30
    result = CliRunner().invoke(main, ["new", "--root", str(blog.root), title, "--tag", "x"])
    assert result.exit_code == 0 and result.exception is None, result.output
    (path,) = (blog.root / "posts").glob("*.md")
    assert len(path.name.encode("utf-8")) <= 255
    path.write_text(f"---\ntitle: Long\ntags: [{long_tag}, {other}]\n---\nWords.\n")
    blog.commit("Long names", "2024-06-01T09:00:00+00:00")
    check = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert check.exit_code == 0, check.output
    site = blog.build()
    tag_pages = [p for p in (site / "tags").iterdir() if p.is_dir()]
    assert len(tag_pages) == 2 and all(len(p.name.encode()) <= 255 for p in tag_pages)


# raw_html = false covers files beside posts -------------------------------------------------


@pytest.mark.parametrize("name", ["notes.html", "diagram.svg", "feed.XML", "page.xhtml"])
def test_raw_html_false_refuses_files_that_would_run_as_pages(blog, name):
    blog.write("redraft.toml", "raw_html = false\n")
    blog.write("posts/p/index.md", "# P\n\n<script>alert(1)</script> is shown as text.\n")
    blog.write(f"posts/p/{name}", "<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script>")
    blog.write("posts/p/photo.png", b"\x89PNG\r\n")
    blog.commit("Contributed files", "2024-06-01T09:00:00+00:00")
    message = expect_error(blog.root)
    assert message.startswith(f"posts/p/{name}: raw_html = false"), message
    check = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert check.exit_code == 1 and f"posts/p/{name}: raw_html = false" in check.output
    (blog.root / f"posts/p/{name}").unlink()
    blog.commit("Without it", "2024-06-02T09:00:00+00:00")
    site = blog.build()
    assert (site / "posts/p/photo.png").is_file()
    assert "<script>" not in (site / "posts/p/index.html").read_text()


def test_raw_html_true_publishes_them(blog):
    blog.write("posts/p/index.md", "# P\n\nSee [notes](notes.html).\n")
    blog.write("posts/p/notes.html", "<p>Mine.</p>")
    blog.commit("Notes", "2024-06-01T09:00:00+00:00")
    assert (blog.build() / "posts/p/notes.html").read_text() == "<p>Mine.</p>"


# Orphans ------------------------------------------------------------------------------------

_KILLED_BUILD = """
import sys, time
from pathlib import Path
from redraft import build_site

def progress(stage, done, total):
    if stage == "posts" and done > 0:
        print("workers busy", flush=True)
        time.sleep(3600)

if __name__ == "__main__":
    build_site(Path(sys.argv[1]), output=Path(sys.argv[2]), cache=False, progress=progress)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes in /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a build uses workers on 2 cores or more")
def test_workers_exit_when_the_build_is_killed(blog, tmp_path):
    import signal
    import sys
    import time

    for n in range(250):
        blog.write(f"posts/p{n}.md", f"# Post {n}\n\nWords {n}.\n")
    blog.commit("Many posts", "2024-06-01T09:00:00+00:00")
    script = tmp_path / "killed_build.py"
    script.write_text(_KILLED_BUILD)
    build = subprocess.Popen(
        [sys.executable, str(script), str(blog.root), str(tmp_path / "site")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert build.stdout is not None and build.stdout.readline() == "workers busy\n"
        children = [
            int(pid)
            for task in Path(f"/proc/{build.pid}/task").iterdir()
            for pid in (task / "children").read_text().split()
        ]
        assert len(children) >= 2  # the workers (and multiprocessing's resource tracker)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


# Unbounded work -----------------------------------------------------------------------------


def test_reversing_a_long_posts_paragraphs_keeps_the_diff_linear(blog):
    """Counted, not timed: the lines difflib's matcher runs while the history is built. Blank
    lines used to anchor the matching, so its work grew with the square of the paragraphs."""
    import sys
    from difflib import SequenceMatcher

    paragraphs = [f"Paragraph {n} says something about topic {n % 97}." for n in range(700)]
    blog.write("posts/long.md", "# Long\n\n" + "\n\n".join(paragraphs) + "\n")
    blog.commit("A long post", "2024-06-01T09:00:00+00:00")
    blog.write("posts/long.md", "# Long\n\n" + "\n\n".join(reversed(paragraphs)) + "\n")
    blog.commit("Backwards", "2024-06-02T09:00:00+00:00")
    matching = SequenceMatcher.find_longest_match.__code__
    steps = [0]

    def count(frame, event, arg):
        steps[0] += 1
        return count

    def trace(frame, event, arg):
        return count if frame.f_code is matching else None

    sys.settrace(trace)
    try:
        site = blog.build(cache=False)
    finally:
        sys.settrace(None)
    assert steps[0] < 100_000, steps[0]
    history = parse_html(site / "posts/long/history/index.html").text
    assert "Paragraph 699" in history


def test_a_code_block_that_lexes_forever_is_shown_plain_with_a_warning(blog, capsys):
    """A line of blanks in a systemd block made Pygments backtrack for minutes; now the block
    is shown without colours after the budget, and the author is told which post."""
    blog.write(
        "posts/unit.md",
        "# Unit\n\n```systemd\n[Unit]\nx" + " " * 1500 + "\n```\n\n```python\nprint(1)\n```\n",
    )
    blog.write("posts/wide.md", "# Wide\n\n```python\nx = '" + "a" * 6000 + "'\n```\n")
    blog.commit("Units", "2024-06-01T09:00:00+00:00")
    site = blog.build(cache=False)
    errors = capsys.readouterr().err
    assert "posts/unit.md: warning: a systemd code block" in errors, errors
    assert "posts/wide.md: warning: a python code block" in errors, errors
    page = (site / "posts/unit/index.html").read_text()
    assert 'data-lang="systemd"' in page and '<span class="nb">print</span>' in page


def test_a_partial_clone_whose_remote_is_gone_is_one_line(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-06-01T09:00:00+00:00")
    blog.write("posts/a.md", "# A\n\nMore words.\n")
    blog.commit("More", "2024-06-02T09:00:00+00:00")
    remote = tmp_path / "remote.git"
    blog.git("clone", "-q", "--bare", str(blog.root), str(remote))
    subprocess.run(
        ["git", "-C", str(remote), "config", "uploadpack.allowFilter", "true"], check=True
    )
    clone = tmp_path / "clone"
    blog.git("clone", "-q", "--no-local", "--filter=blob:none", f"file://{remote}", str(clone))
    remote.rename(tmp_path / "gone.git")
    message = expect_error(clone)
    assert "partial clone" in message and "cannot be reached" in message, message


# Found while looking further ---------------------------------------------------------------


def test_a_theme_file_name_that_is_not_utf8_is_one_line(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    (blog.root / "theme/static").mkdir(parents=True)
    (blog.root / os.fsdecode(b"theme/static/caf\xe9.css")).write_text("x")
    blog.commit("A theme file", "2024-06-01T09:00:00+00:00")
    for args in ((), ("--drafts",)):
        message = expect_error(blog.root, *args)
        assert message.startswith("theme/static/caf\\xe9.css: the file name is not UTF-8"), message


def _lfs_pointer(data: bytes) -> bytes:
    import hashlib

    oid = hashlib.sha256(data).hexdigest()
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()
    )


def test_a_git_lfs_pointer_is_published_as_its_file_or_refused(blog):
    """git-lfs is not needed: the pointer is committed as is, and the file put where
    `git lfs pull` puts it."""
    import hashlib

    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    blog.write("posts/p/index.md", "# P\n\n![A figure](figure.png)\n")
    blog.write("posts/p/figure.png", _lfs_pointer(image))
    blog.commit("A figure in LFS", "2024-06-01T09:00:00+00:00")
    message = expect_error(blog.root)
    assert message.startswith("posts/p/figure.png: a Git LFS pointer whose file is not in"), message
    oid = hashlib.sha256(image).hexdigest()
    store = blog.root / ".git/lfs/objects" / oid[:2] / oid[2:4]
    store.mkdir(parents=True)
    (store / oid).write_bytes(image)
    assert (blog.build() / "posts/p/figure.png").read_bytes() == image
    blog.write("posts/q.md", _lfs_pointer(b"# Q\n\nWords.\n").decode())
    blog.commit("A post in LFS", "2024-06-02T09:00:00+00:00")
    assert "the post is stored in Git LFS" in expect_error(blog.root)
