"""`redraft serve`: the preview builds the working tree, serves it, and rebuilds on changes.

Every test runs a real server on a free port against a real git repository and fetches pages
over HTTP; waiting for a rebuild polls the version endpoint, never sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from redraft import serve as serve_module
from redraft.errors import RedraftError
from redraft.serve import VERSION_PATH, Preview

WAIT = 10  # seconds a rebuild may take to show up before a test fails


@pytest.fixture
def preview(blog):
    """A preview of `blog` on a free port; started by the test (so it can set the blog up)."""
    made = Preview(blog.root, port=0)
    yield made
    made.stop()


def fetch(preview: Preview, path: str = "") -> tuple[int, str]:
    """Status and body of a page of the preview (error statuses included)."""
    try:
        with urllib.request.urlopen(preview.url + path.lstrip("/"), timeout=WAIT) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode("utf-8")


def served_version(preview: Preview) -> dict:
    status, body = fetch(preview, VERSION_PATH)
    assert status == 200
    return json.loads(body)


def wait_for_rebuild(preview: Preview, after: int) -> dict:
    """Poll the version endpoint, as the reload script does, until a build after `after`."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        state = served_version(preview)
        if state["version"] > after:
            return state
        time.sleep(0.02)
    raise AssertionError(f"no rebuild within {WAIT} s (still version {after})")


def parse(tmp_path: Path, read_page, body: str):
    page = tmp_path / "page.html"
    page.write_text(body, encoding="utf-8")
    return read_page(page)


def test_untracked_post_is_served_with_its_draft_banner(blog, preview, tmp_path, read_page):
    blog.write("posts/idea.md", "# An idea\n\nNot committed yet.\n")
    preview.start()
    status, body = fetch(preview, "/posts/idea/")
    assert status == 200 and "Not committed yet." in body
    page = parse(tmp_path, read_page, body)
    assert any("banner-draft" in (attrs.get("class") or "") for _, attrs in page.elements)
    assert preview.error is None and preview.version == 1


def test_modified_post_shows_its_uncommitted_text_and_a_banner(blog, preview):
    blog.write("posts/essay.md", "# Essay\n\nCommitted words.\n")
    blog.commit("Add essay", "2024-02-01T10:00:00+00:00")
    blog.write("posts/essay.md", "# Essay\n\nWords still being written.\n")
    preview.start()
    status, body = fetch(preview, "/posts/essay/")
    assert status == 200
    assert "Words still being written." in body and "Committed words." not in body
    assert "banner-uncommitted" in body and "Uncommitted changes" in body


def test_links_point_at_the_preview_server(blog, preview, tmp_path, read_page):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    preview.start()
    assert preview.url.startswith("http://127.0.0.1:") and not preview.url.endswith(":0/")
    page = parse(tmp_path, read_page, fetch(preview, "/posts/a/")[1])
    assert page.link("canonical") == preview.url + "posts/a/"
    assert page.json_ld[0]["url"] == preview.url + "posts/a/"
    assert "example.org" not in fetch(preview, "/posts/a/")[1]
    # Following the site's own links stays on the preview.
    for href in (a["href"] for a in page.anchors if a.get("href", "").startswith("/")):
        assert fetch(preview, href)[0] == 200, href


def test_saving_a_post_rebuilds_and_raises_the_counter(blog, preview):
    blog.write("posts/a.md", "# A\n\nFirst draft.\n")
    preview.start()
    before = served_version(preview)
    assert before == {"version": 1, "error": None, "session": before["session"]}
    blog.write("posts/a.md", "# A\n\nSecond draft.\n")
    after = wait_for_rebuild(preview, before["version"])
    assert after["error"] is None and after["session"] == before["session"]
    assert "Second draft." in fetch(preview, "/posts/a/")[1]


def test_a_commit_rebuilds(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    blog.write("posts/a.md", "# A\n\nMore words.\n")
    preview.start()
    assert "Uncommitted changes" in fetch(preview, "/posts/a/")[1]
    version = preview.version
    blog.commit("More words", "2024-02-02T10:00:00+00:00")
    wait_for_rebuild(preview, version)
    # Whatever the rebuild caught first (the edit or the new HEAD), the last one shows HEAD.
    deadline = time.monotonic() + WAIT
    while "Uncommitted changes" in fetch(preview, "/posts/a/")[1]:
        assert time.monotonic() < deadline, "the banner outlived the commit"
        wait_for_rebuild(preview, preview.version)
    assert "More words." in fetch(preview, "/posts/a/")[1]


def test_moving_head_without_touching_posts_rebuilds(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    preview.start()
    version = preview.version
    blog.git("commit", "-q", "--allow-empty", "-m", "Nothing but a new HEAD")
    wait_for_rebuild(preview, version)
    assert preview.error is None


def test_moving_head_alone_rebuilds(blog, preview):
    """A detached checkout of the same commit changes .git/HEAD and nothing else."""
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    preview.start()
    version = preview.version
    blog.git("checkout", "-q", "--detach")
    wait_for_rebuild(preview, version)


def test_a_settings_edit_rebuilds(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    preview.start()
    assert "Test notebook" in fetch(preview, "/")[1]
    version = preview.version
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings.replace("Test notebook", "Renamed notebook"))
    wait_for_rebuild(preview, version)
    assert "Renamed notebook" in fetch(preview, "/")[1]


def test_a_theme_appearing_and_changing_rebuilds(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    preview.start()
    assert fetch(preview, "/static/extra.css")[0] == 404
    version = preview.version
    blog.write("theme/static/extra.css", "body { color: red; }\n")
    wait_for_rebuild(preview, version)
    assert fetch(preview, "/static/extra.css") == (200, "body { color: red; }\n")
    # theme/ did not exist when the preview started: its new watcher sees edits inside it.
    version = preview.version
    blog.write("theme/static/extra.css", "body { color: blue; }\n")
    wait_for_rebuild(preview, version)
    assert fetch(preview, "/static/extra.css") == (200, "body { color: blue; }\n")


def test_a_posts_folder_appearing_is_watched(blog, preview):
    preview.start()
    version = preview.version
    blog.write("posts/first.md", "# First\n\nHello.\n")
    wait_for_rebuild(preview, version)
    version = preview.version
    blog.write("posts/first.md", "# First\n\nHello again.\n")
    wait_for_rebuild(preview, version)
    assert "Hello again." in fetch(preview, "/posts/first/")[1]


def test_every_posts_folder_is_watched(blog, preview):
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings + 'posts = ["posts", "notes/*/*.md"]\n')
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.write("notes/lab/b.md", "# B\n\nFirst reading.\n")
    preview.start()
    assert "First reading." in fetch(preview, "/notes/lab/b/")[1]
    version = preview.version
    blog.write("notes/lab/b.md", "# B\n\nSecond reading.\n")
    wait_for_rebuild(preview, version)
    assert "Second reading." in fetch(preview, "/notes/lab/b/")[1]


def test_broken_front_matter_shows_the_escaped_error_and_keeps_the_old_site(blog, preview):
    blog.write("posts/a.md", "# A\n\nGood words.\n")
    preview.start()
    version = preview.version
    blog.write("posts/a.md", "---\n<script>alert(1)</script>: x\n---\n# A\n\nBroken words.\n")
    state = wait_for_rebuild(preview, version)
    assert "posts/a.md" in state["error"] and "<script>alert(1)</script>" in state["error"]
    assert preview.error == state["error"]
    status, body = fetch(preview, "/posts/a/")
    assert status == 200 and "Good words." in body and "Broken words." not in body
    assert 'id="redraft-error"' in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert body.index("<body") < body.index('id="redraft-error"') < body.index("<main")
    # Fixing it clears the error.
    version = preview.version
    blog.write("posts/a.md", "# A\n\nFixed words.\n")
    state = wait_for_rebuild(preview, version)
    assert state["error"] is None and preview.error is None
    body = fetch(preview, "/posts/a/")[1]
    assert "Fixed words." in body and 'id="redraft-error"' not in body


def test_a_failing_first_build_still_serves_an_error_page(blog, preview):
    blog.write("posts/a.md", "---\ntitle: [unclosed\n---\nWords.\n")
    preview.start()
    assert preview.version == 1 and "posts/a.md" in preview.error
    status, body = fetch(preview, "/")
    assert status == 404
    assert 'id="redraft-error"' in body and "posts/a.md" in body and VERSION_PATH in body
    version = preview.version
    blog.write("posts/a.md", "# A\n\nWords.\n")
    assert wait_for_rebuild(preview, version)["error"] is None
    assert fetch(preview, "/")[0] == 200


def test_pages_asked_for_during_the_first_build_reload_when_it_is_done(blog, monkeypatch):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    release = threading.Event()
    real_build = serve_module.build_site

    def slow_build(*args, **kwargs):
        release.wait(WAIT)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve_module, "build_site", slow_build)
    preview = Preview(blog.root, port=0)
    starting = threading.Thread(target=preview.start)
    starting.start()
    try:
        deadline = time.monotonic() + WAIT
        while preview.output is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        status, body = fetch(preview, "/posts/a/")
        assert status == 404 and "first build is running" in body and VERSION_PATH in body
        assert served_version(preview)["version"] == 0
    finally:
        release.set()
        starting.join(WAIT)
    try:
        assert fetch(preview, "/posts/a/")[0] == 200
    finally:
        preview.stop()


def test_missing_pages_get_the_sites_404_page(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    preview.start()
    status, body = fetch(preview, "/no/such/page/")
    site_404 = (preview.output / "404.html").read_text(encoding="utf-8")
    assert status == 404 and VERSION_PATH in body
    assert body.startswith(site_404[: site_404.rindex("</body>")])
    assert fetch(preview, "/static/")[0] == 404  # a folder without index.html: no listing
    assert fetch(preview, "/posts/a")[0] == 200  # redirected to /posts/a/


def test_responses_are_not_cached(blog, preview):
    preview.start()
    for path in ("/", "/static/code.css", VERSION_PATH, "/missing"):
        try:
            response = urllib.request.urlopen(preview.url + path.lstrip("/"), timeout=WAIT)
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            assert response.headers["Cache-Control"] == "no-cache", path


def test_a_busy_port_is_a_one_line_error(blog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RedraftError) as raised:
            Preview(blog.root, port=port).start()
    message = str(raised.value)
    assert "\n" not in message and f"127.0.0.1:{port}" in message and "in use" in message


def test_stop_removes_the_temporary_folder_and_frees_the_port(blog, preview):
    preview.start()
    folder = preview.output.parent
    assert preview.output.is_dir() and not preview.output.is_relative_to(blog.root)
    assert not (blog.root / "_site").exists()
    preview.stop()
    assert not folder.exists()
    port = int(preview.url.rsplit(":", 1)[1].rstrip("/"))
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        again.bind(("127.0.0.1", port))
        again.listen()
    preview.stop()  # a second stop is harmless


def test_the_reload_script_is_served_but_never_written(blog, preview):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    preview.start()
    for path in ("/", "/posts/a/", "/missing/"):
        body = fetch(preview, path)[1]
        assert body.count(VERSION_PATH) == 1
        assert body.index(VERSION_PATH) < body.rindex("</body>")
    written = [p for p in preview.output.rglob("*") if p.is_file()]
    assert written and not any(b"__redraft__" in p.read_bytes() for p in written)


def test_changes_during_a_build_cause_exactly_one_more_build(blog, preview, monkeypatch):
    blog.write("posts/a.md", "# A\n\nVersion 0.\n")
    entered, release = threading.Event(), threading.Event()
    calls = []
    real_build = serve_module.build_site

    def held_build(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first rebuild waits until the test has saved more
            entered.set()
            release.wait(WAIT)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve_module, "build_site", held_build)
    preview.start()
    blog.write("posts/a.md", "# A\n\nVersion 1.\n")
    assert entered.wait(WAIT)
    for n in (2, 3, 4):
        blog.write("posts/a.md", f"# A\n\nVersion {n}.\n")
    deadline = time.monotonic() + WAIT
    while preview._changes.empty():  # the watcher reported the saves made during the build
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    assert preview.wait_for_version(3, WAIT)
    assert "Version 4." in fetch(preview, "/posts/a/")[1]
    assert len(calls) == 3 and preview.version == 3 and preview._changes.empty()


def test_what_the_watchers_ignore(blog, preview):
    preview.start()
    root = blog.root
    wanted = [
        "posts/a.md",
        "posts/2024/notes/index.md",
        "posts/image.png",
        "theme/templates/base.html",
        "pyproject.toml",
        "redraft.toml",
        "posts",
        "theme",
        ".git/HEAD",
        ".git/packed-refs",
        ".git/refs/heads/main",
    ]
    ignored = [
        ".git/index",
        ".git/index.lock",
        ".git/refs/heads/main.lock",
        ".git/objects/ab/cdef",
        ".git/COMMIT_EDITMSG",
        ".git/logs/HEAD",
        "posts/a.md~",
        "posts/.a.md.swp",
        "posts/4913",
        "posts/.#a.md",
        "_site/index.html",
        ".redraft-cache/cache.sqlite3",
        "README.md",
        "notes/todo.md",
    ]
    assert [p for p in wanted if not preview._wanted(str(root / p))] == []
    assert [p for p in ignored if preview._wanted(str(root / p))] == []
    assert not preview._wanted(str(preview.output / "index.html"))


def test_builds_do_not_trigger_builds(blog, preview):
    """Each build runs `git status`, which rewrites .git/index: watching it would loop."""
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-02-01T10:00:00+00:00")
    blog.write("posts/b.md", "# B\n\nDraft.\n")
    preview.start()
    version = preview.version
    blog.write("posts/b.md", "# B\n\nDraft, edited.\n")
    wait_for_rebuild(preview, version)
    settled = preview.version
    # Nothing to poll for when nothing should happen: give a loop several bursts' time.
    assert not preview.wait_for_version(settled + 1, timeout=1.5)


def _ignore_sigint() -> None:
    """What a non-interactive shell does to a command it starts in the background (`cmd &`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve_in_subprocess(blog, tmp_path, sigint_ignored=False):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "redraft", "serve", "--root", str(blog.root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_ignore_sigint if sigint_ignored else None,
    )
    lines = []
    url = None
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " at http://" in line:
            url = line.split(" at ", 1)[1].split()[0]
        if "Built" in line:
            break
    assert url and any("Built" in line for line in lines), lines
    return process, url, temp, lines


@pytest.mark.parametrize(
    ("stop_with", "sigint_ignored"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGINT", "SIGTERM", "SIGINT-when-started-with-it-ignored"],
)
def test_the_serve_command_stops_cleanly(blog, tmp_path, stop_with, sigint_ignored):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    process, url, temp, lines = _serve_in_subprocess(blog, tmp_path, sigint_ignored)
    try:
        with urllib.request.urlopen(url + "posts/a/", timeout=WAIT) as response:
            assert b"Words." in response.read()
        assert [p.name for p in temp.iterdir()] != []  # the preview's folder, while serving
        process.send_signal(stop_with)
        out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.rstrip().endswith("Stopped")
    assert "Traceback" not in err and "Traceback" not in out
    assert list(temp.iterdir()) == []


def test_the_serve_command_reports_a_busy_port(blog):
    from click.testing import CliRunner

    from redraft.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--root", str(blog.root), "-p", str(port)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "in use" in lines[0], result.output


def test_pages_are_served_throughout_rebuilds(blog, preview):
    """A page that exists before and after a rebuild is never a 404 (nor an empty page) while
    it runs: four clients race a loop of rebuilds (a bounded number of each, to 127.0.0.1)."""
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.write("posts/b/index.md", "# B\n\nMore.\n")
    blog.write("posts/b/data.txt", "data\n")
    preview.start()
    done = threading.Event()
    wrong: list[tuple[str, int, str]] = []
    expected = {"/posts/a/": "Words", "/posts/b/": "More.", "/posts/b/data.txt": "data", "/": "B"}

    def ask() -> None:
        for _ in range(5_000):
            for path, text in expected.items():
                status, body = fetch(preview, path)
                if status != 200 or text not in body:
                    wrong.append((path, status, body[:80]))
            if done.is_set():
                return

    clients = [threading.Thread(target=ask) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        for n in range(25):
            blog.write("posts/a.md", f"# A\n\nWords, version {n}.\n")
            preview.rebuild()
    finally:
        done.set()
        for client in clients:
            client.join()
    assert wrong == []


def test_malformed_requests_get_an_error_response(blog, preview):
    preview.start()
    port = int(preview.url.rsplit(":", 1)[1].strip("/"))
    for request in (b"GET /" + b"x" * 70_000 + b" HTTP/1.1\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
            sock.sendall(request)
            reply = sock.recv(100)
        assert reply.startswith(b"HTTP/1.") and reply.split()[1] in (b"400", b"414", b"505")
    assert fetch(preview, "/")[0] == 200


def test_the_listen_backlog_takes_a_crowd():
    assert serve_module._Server.request_queue_size >= 128


def test_the_preview_says_when_it_shows_uncommitted_settings(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-02-01T10:00:00+00:00")
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings.replace("Test notebook", "Renamed notebook"))
    lines: list[str] = []
    preview = Preview(blog.root, port=0, report=lambda line, error: lines.append(line))
    try:
        preview.start()
        assert "Renamed notebook" in fetch(preview, "/")[1]
    finally:
        preview.stop()
    assert any("previewing uncommitted settings or theme changes (pyproject.toml)" in line
               for line in lines), lines  # fmt: skip
