"""`redraft serve`: a local preview that rebuilds the working tree on every save and reloads pages.

Owns the preview server, the file watching and the reload protocol; the build itself is
`build_site(drafts=True, future=True)`, so the preview shows uncommitted, draft and scheduled
posts with their banners.

- The site is built into a private temporary folder (never the blog's `_site`), with the
  server's own address as base_url: the port is bound before the first build, so port 0 works.
- Pages are served by the standard library's HTTP server. HTML responses get a small script that
  polls `/__redraft__/version` and reloads when the build counter moves; after a failed build
  they also carry the error. Neither is ever written into the built files.
- Watchers (watchfiles) follow the posts folders, theme/ and .git/refs recursively, and the blog
  root (settings files; posts/ or theme/ appearing) and .git itself (HEAD, packed-refs) one
  level deep. Never .git/index or objects: every build runs `git status`, which rewrites the
  index, so watching it would rebuild forever.
- Changes are debounced (about 50 ms of quiet, at most 400 ms) into one rebuild per burst;
  changes made during a build cause exactly one more build.
"""

from __future__ import annotations

import datetime as dt
import errno
import html
import io
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

import click
from watchfiles._rust_notify import RustNotify

from . import urls
from ._text import plural
from .build import build_site
from .cache import FOLDER as CACHE_FOLDER
from .config import load_settings
from .errors import RedraftError

VERSION_PATH = "/__redraft__/version"
POLL_MS = 500
QUIET_MS = 50  # a burst of changes ends after this long without one...
BURST_MAX_MS = 400  # ...or after this long at most
JOIN_MS = 20  # bursts that two watchers report this close together make one rebuild
SETTINGS_FILES = ("pyproject.toml", "redraft.toml")
_SCRATCH_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".lock")

SETTLE_SECONDS = 30  # a request for a page missing mid-rebuild waits this long at most
Report = Callable[[str, bool], None]  # (one line, is it an error)


class Preview:
    """A preview server for the blog in `root`: builds with drafts, serves, watches, rebuilds.

    `start()` binds the port, builds once and returns; `stop()` finishes a running build, then
    stops serving and removes the temporary folder. Port 0 picks a free port (see `url`).
    `report(line, is_error)`, if given, hears about every build in one line.
    """

    def __init__(
        self,
        root: Path | str,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        report: Report | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self.url: str | None = None
        self.output: Path | None = None
        self._report = report
        self._state: tuple[int, str | None] = (0, None)  # (version, error), replaced whole
        self._session = secrets.token_hex(4)
        self._temp: Path | None = None
        self._server: _Server | None = None
        self._serving: threading.Thread | None = None
        self._builder: threading.Thread | None = None
        self._watchers: list[_Watcher] = []
        self._aimed: _Aim | None = None
        self._changes: queue.Queue[set[str] | None] = queue.Queue()
        self._build_lock = threading.Lock()
        self._built = threading.Condition()
        self._stopping = threading.Event()
        self._started = False

    @property
    def version(self) -> int:
        """How many builds have finished (failed ones too); moves only after the swap."""
        return self._state[0]

    @property
    def error(self) -> str | None:
        """The last build's error message, or None if it succeeded."""
        return self._state[1]

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind the port, start serving and watching, and return after the first build."""
        if self._started:
            raise RuntimeError("this preview has already been started")
        self._started = True
        if not self.root.is_dir():
            raise RedraftError(f"{self.root}: no such folder")
        self._server = _bind(self.host, self.port, self)
        port = self._server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{port}/"
        try:
            self._temp = Path(tempfile.mkdtemp(prefix="redraft-serve-")).resolve()
            self.output = self._temp / "site"
            self._serving = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="redraft-serve-http",
                daemon=True,
            )
            self._serving.start()
            self._say(f"Serving {self.root} at {self.url} (Ctrl-C to stop)")
            # Watch before the first build: a save during it then causes one more build.
            self._aim()
            self._builder = threading.Thread(
                target=self._build_loop, name="redraft-serve-build", daemon=True
            )
            self._builder.start()
            with self._built:
                while self.version < 1 and self._builder.is_alive():
                    self._built.wait(0.5)
            if self.version < 1:
                raise RuntimeError("the preview's build thread stopped before building")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop watching and serving, after the running build (if any) finishes; remove the
        temporary folder. Safe to call again, also after an interrupted call."""
        self._stopping.set()
        self._changes.put(None)
        if self._serving is not None and self._server is not None:
            self._server.shutdown()
        if self._builder is not None:
            self._builder.join()
        for watcher in self._watchers:
            watcher.stop()
        for watcher in self._watchers:
            watcher.join()
        self._watchers = []
        if self._server is not None:
            self._server.server_close()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)

    def rebuild(self, changed: Iterable[str] = ()) -> bool:
        """Build the working tree into the preview folder now; True if the build succeeded.

        The counter moves after the new site is in place, or after a failure (so served pages
        show the error); a failed build leaves the previous site served.
        """
        if self.output is None or self.url is None:
            raise RuntimeError("start() the preview before rebuilding it")
        with self._build_lock:
            started = time.perf_counter()
            error = None
            try:
                result = build_site(
                    self.root,
                    output=self.output,
                    drafts=True,
                    future=True,
                    base_url=self.url,
                    cache=True,
                )
            except RedraftError as exc:
                error = str(exc)
            except Exception as exc:  # an engine bug must not take the preview down
                error = f"unexpected error: {type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with self._built:
                self._state = (self.version + 1, error)
                self._built.notify_all()
        if self._stopping.is_set():
            return error is None
        if error is None:
            outcome = (
                f"built {plural(result.posts, 'post')} ({plural(result.files, 'file')}) "
                f"in {elapsed:.2f} s"
            )
            if result.site_changes:
                shown = ", ".join(result.site_changes[:3])
                more = len(result.site_changes) - 3
                shown += f" and {more} more" if more > 0 else ""
                outcome += f"; previewing uncommitted settings or theme changes ({shown})"
        else:
            outcome = f"build failed: {' '.join(error.split())}"
        cause = _describe(changed, self.root)
        line = f"{cause}: {outcome}" if cause else outcome[0].upper() + outcome[1:]
        self._say(line, error=error is not None)
        return error is None

    def settle(self, seen: int) -> bool:
        """Wait for a running rebuild to finish; whether the site may have changed since
        version `seen` (so a missing page is worth looking up again). Before the first build
        there is nothing to wait for: the page says the build is running, and reloads."""
        if seen == 0:
            return False
        if self._build_lock.acquire(timeout=SETTLE_SECONDS):
            self._build_lock.release()
        return self.version != seen

    def wait_for_version(self, version: int, timeout: float | None = None) -> bool:
        """Block until at least `version` builds have finished; False on timeout."""
        with self._built:
            return self._built.wait_for(lambda: self.version >= version, timeout)

    # Building on changes

    def _build_loop(self) -> None:
        _block_stop_signals()
        changed: set[str] = set()
        while not self._stopping.is_set():
            try:
                self._aim()
            except Exception as exc:  # watching less must not stop the previews
                self._say(f"cannot watch for changes: {type(exc).__name__}: {exc}", error=True)
            self.rebuild(changed)
            burst = self._next_burst()
            if burst is None:
                return
            changed = burst

    def _next_burst(self) -> set[str] | None:
        """The paths changed in the next burst of changes; None when stopping."""
        first = self._changes.get()
        if first is None or self._stopping.is_set():
            return None
        changed = set(first)
        # Watchers debounce on their own; this joins bursts that two watchers saw together.
        deadline = time.monotonic() + BURST_MAX_MS / 1000
        while (left := deadline - time.monotonic()) > 0:
            try:
                more = self._changes.get(timeout=min(JOIN_MS / 1000, left))
            except queue.Empty:
                break
            if more is None or self._stopping.is_set():
                return None
            changed |= more
        return changed

    # Watching

    def _aim(self) -> None:
        """(Re)start watchers on what exists now, if that differs from what they watch."""
        aim = _Aim.of(self.root, self._temp, self._aimed)
        healthy = not any(watcher.failed for watcher in self._watchers)
        if self._aimed is not None and aim.targets == self._aimed.targets and healthy:
            self._aimed = aim  # the same folders; what counts may still have changed
            return
        fresh = []
        for paths, recursive in ((aim.recursive, True), (aim.shallow, False)):
            if paths:
                try:
                    fresh.append(_Watcher(paths, recursive, self._wanted, self._deliver))
                except (OSError, RuntimeError) as exc:
                    # A folder removed between the look and the watch: the root watcher
                    # reports the removal, which re-aims.
                    self._say(f"cannot watch {', '.join(map(str, paths))}: {exc}", error=True)
        self._aimed = aim
        old, self._watchers = self._watchers, fresh
        for watcher in old:
            watcher.stop()

    def _deliver(self, changed: set[str]) -> None:
        self._changes.put(changed)

    def _wanted(self, path: str) -> bool:
        aim = self._aimed
        return aim is not None and aim.wants(path)

    # Serving

    def _say(self, line: str, error: bool = False) -> None:
        if self._report is not None:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            with suppress(OSError):  # nobody reads the terminal any more (a closed pipe)
                self._report(f"{stamp} {line}", error)

    def decorate(self, page: bytes, state: tuple[int, str | None] | None = None) -> bytes:
        """A served HTML page: the reload script before </body>, the error banner after <body>.

        `state` is (version, error) as it was before the page was read, so a build finishing
        in between makes the page reload rather than go stale.
        """
        version, error = state or self._state
        seen = json.dumps(f"{self._session}:{version}")
        text = _RELOAD_SCRIPT.replace("SEEN", seen).replace("PATH", json.dumps(VERSION_PATH))
        script = text.replace("POLL", str(POLL_MS)).encode()
        ends = list(re.finditer(rb"</body\s*>", page, re.IGNORECASE))
        at = ends[-1].start() if ends else len(page)
        page = page[:at] + script + page[at:]
        if error is not None:
            banner = _ERROR_BANNER.format(error=html.escape(error)).encode()
            body = re.search(rb"<body\b[^>]*>", page, re.IGNORECASE)
            at = body.end() if body else 0
            page = page[:at] + banner + page[at:]
        return page

    def status(self) -> bytes:
        version, error = self._state
        return json.dumps({"version": version, "error": error, "session": self._session}).encode()


@dataclass(frozen=True)
class _Aim:
    """What to watch and which changes count, from the settings and the folders that exist."""

    root: Path
    posts: tuple[Path, ...]  # every folder a `posts` entry looks in
    theme: Path
    sources: tuple[Path, ...]  # posts, theme, pages and site files: whatever a build reads
    git_dirs: tuple[Path, ...]
    ignored: tuple[Path, ...]
    recursive: tuple[Path, ...]
    shallow: tuple[Path, ...]

    @property
    def targets(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        return self.recursive, self.shallow

    @classmethod
    def of(cls, root: Path, temp: Path | None, before: _Aim | None) -> _Aim:
        try:
            settings = load_settings(root)
            post_folders, output_setting = settings.post_folders, settings.output
            folders = (settings.pages, settings.static)
        except RedraftError:  # broken settings: keep watching what we watched
            post_folders = (
                tuple(os.path.relpath(p, root) for p in before.posts) if before else ("posts",)
            )
            output_setting = "_site"
            folders = ("pages", "static")
        posts = tuple(Path(os.path.normpath(root / folder)) for folder in post_folders)
        theme = root / "theme"
        sources = (*posts, theme, *(Path(os.path.normpath(root / f)) for f in folders))
        git_dirs = _git_dirs(root)
        ignored = tuple(
            p for p in (temp, root / output_setting, root / CACHE_FOLDER) if p is not None
        )
        recursive = [p for p in sources if p.is_dir()]
        recursive += [d / "refs" for d in git_dirs if (d / "refs").is_dir()]
        shallow = [root, *git_dirs]
        for missing in (p for p in sources if not p.is_dir()):
            # The nearest folder that exists, to see the missing one appear.
            parent = next(p for p in missing.parents if p.is_dir() or p == root)
            shallow.append(parent)
        return cls(
            root=root,
            posts=posts,
            theme=theme,
            sources=sources,
            git_dirs=git_dirs,
            ignored=ignored,
            recursive=tuple(_unique(p for p in recursive if p.is_dir())),
            shallow=tuple(_unique(p for p in shallow if p.is_dir())),
        )

    def wants(self, raw: str) -> bool:
        """Whether a change to `raw` (an absolute path) should rebuild the site."""
        path = Path(raw)
        name = path.name
        if name.endswith(_SCRATCH_SUFFIXES) or name == "4913" or name.startswith(".#"):
            return False  # editors' swap, backup and lock files; git's lock files
        if name.startswith("#") and name.endswith("#"):
            return False  # Emacs auto-save
        if any(path == p or path.is_relative_to(p) for p in self.ignored):
            return False
        for git_dir in self.git_dirs:
            if path.is_relative_to(git_dir):
                inside = path.relative_to(git_dir).parts
                return inside[:1] == ("refs",) or inside in (("HEAD",), ("packed-refs",))
        if path.parent == self.root and name in (*SETTINGS_FILES, ".git"):
            return True
        # Inside posts/, theme/, pages/ or static/, or a folder on the way to them appearing.
        return any(path.is_relative_to(p) or p.is_relative_to(path) for p in self.sources)


def _git_dirs(root: Path) -> tuple[Path, ...]:
    """The repository's git folder and, for a linked worktree, its common folder."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return (dot_git,)
    try:
        pointer = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ()
    if not pointer.startswith("gitdir:"):
        return ()
    git_dir = Path(os.path.normpath(root / pointer.removeprefix("gitdir:").strip()))
    try:
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return (git_dir,)
    return tuple(_unique([git_dir, Path(os.path.normpath(git_dir / common))]))


def _unique(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


class _Watcher:
    """One watchfiles notifier on some folders, feeding wanted changes to the preview.

    The notifier is made here, in the caller's thread, so the folders are watched when the
    constructor returns (no save is missed between starting and watching).
    """

    def __init__(
        self,
        paths: tuple[Path, ...],
        recursive: bool,
        wants: Callable[[str], bool],
        deliver: Callable[[set[str]], None],
    ) -> None:
        self.paths = paths
        self.failed = False
        self._notify = RustNotify(
            [str(p) for p in paths], False, _force_polling(), 300, recursive, True
        )
        self._wants = wants
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(deliver,), name="redraft-serve-watch", daemon=True
        )
        self._thread.start()

    def _run(self, deliver: Callable[[set[str]], None]) -> None:
        try:
            while True:
                raw = self._notify.watch(BURST_MAX_MS, QUIET_MS, 0, self._stop)
                if raw == "stop":
                    return
                if isinstance(raw, str):  # 'timeout' or 'signal': neither applies here
                    continue
                wanted = {path for _, path in raw if self._wants(path)}
                if wanted:
                    deliver(wanted)
        except Exception:  # a watched folder vanished under the notifier: re-aim
            if not self._stop.is_set():
                self.failed = True
                deliver({str(p) for p in self.paths})
        finally:
            self._notify.close()

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join(timeout=2)


def _block_stop_signals() -> None:
    """Keep Ctrl-C and SIGTERM away from this thread and the processes it starts.

    A terminal's Ctrl-C goes to every process in its group: without this, it would kill the git
    commands and worker processes of a running build (workers still importing print tracebacks)
    instead of letting the build finish. A blocked mask is inherited through fork and exec; the
    main thread still gets the signals and stops the preview.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _force_polling() -> bool:
    """Polling instead of OS notifications, as watchfiles decides: WATCHFILES_FORCE_POLLING."""
    value = os.environ.get("WATCHFILES_FORCE_POLLING", "")
    return bool(value) and value.lower() not in ("false", "disable", "disabled")


_RELOAD_SCRIPT = (
    "<script>/* redraft serve: reload when the site is rebuilt */(function(){"
    "var seen=SEEN;function poll(){fetch(PATH,{cache:'no-store'})"
    ".then(function(r){return r.json()}).then(function(s){"
    "if(s.session+':'+s.version!==seen){location.reload()}else{setTimeout(poll,POLL)}},"
    "function(){setTimeout(poll,POLL)})}setTimeout(poll,POLL)})();</script>"
)

_ERROR_BANNER = (
    '<div id="redraft-error" role="alert" style="position:sticky;top:0;z-index:2147483647;'
    "margin:0;padding:.75em 1em;background:#9b1c1c;color:#fff;font:15px/1.45 system-ui,"
    'sans-serif;white-space:pre-wrap;text-align:left"><strong>The last build failed</strong>'
    " (showing the site as it was before it): {error}</div>"
)

_NOTHING_BUILT = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    "<title>redraft preview</title></head>\n<body>\n<h1>Nothing built yet</h1>\n"
    "<p>{next}: this page reloads by itself.</p>\n</body>\n</html>\n"
)


def _nothing_built(error: str | None) -> bytes:
    step = "Fix the error above and save" if error else "The first build is running"
    return _NOTHING_BUILT.format(next=step).encode()


class _Handler(SimpleHTTPRequestHandler):
    """Serves the preview folder: no listings, no caching, pages decorated for the preview."""

    server_version = "redraft-serve"
    # The version assumed until the request line is parsed: an error about a malformed line
    # (an unknown HTTP version) then gets a status line and headers, not a bare HTML body.
    default_request_version = "HTTP/1.0"

    def __init__(
        self,
        request: socket.socket,
        client_address: tuple[str, int],
        server: socketserver.BaseServer,
        *,
        preview: Preview,
    ) -> None:
        self.preview = preview
        super().__init__(request, client_address, server, directory=str(preview.output))

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        parts = urlsplit(self.path)
        if parts.path == VERSION_PATH:
            return self._send(HTTPStatus.OK, self.preview.status(), "application/json")
        seen = self.preview.version
        found = self._lookup(parts.path)
        # A rebuild swaps the site folder (and removes the old one) while pages are asked for:
        # a page missing meanwhile is looked up again once the rebuild is over.
        if found is None and self.preview.settle(seen):
            found = self._lookup(parts.path)
        if found is None:
            return self._not_found()
        if isinstance(found, str):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", urlunsplit(parts._replace(path=found)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if isinstance(found, bytes):
            return self._send(HTTPStatus.OK, self.preview.decorate(found, self.preview._state))
        opened, kind = found
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _with_charset(kind))
        self.send_header("Content-Length", str(os.fstat(opened.fileno()).st_size))
        self.end_headers()
        return opened

    def _lookup(self, path: str) -> str | bytes | tuple[BinaryIO, str] | None:
        """What the site holds at `path`: a redirect (the address with its slash), a page's
        bytes, another file opened with its type, or None. Nothing is sent yet."""
        local = self.translate_path(path)
        if os.path.isdir(local):
            if not path.endswith("/"):
                return path + "/"
            local = os.path.join(local, urls.file_of(""))
        kind = self.guess_type(local)
        try:
            if kind == "text/html":
                with open(local, "rb") as file:
                    return file.read()
            # An open file stays readable even if the swap removes it: the server copies it.
            return open(local, "rb"), kind  # noqa: SIM115 - the server closes it after copying
        except OSError:
            return None

    def _not_found(self) -> io.BytesIO:
        page = self.preview.output / urls.NOT_FOUND if self.preview.output else None
        if page is not None and page.is_file():
            return self._send_page(HTTPStatus.NOT_FOUND, str(page))
        state = self.preview._state
        return self._send(
            HTTPStatus.NOT_FOUND, self.preview.decorate(_nothing_built(state[1]), state)
        )

    def _send_page(self, status: HTTPStatus, local: str) -> io.BytesIO:
        state = self.preview._state
        try:
            with open(local, "rb") as file:
                page = file.read()
        except OSError:
            page = _nothing_built(state[1])
        return self._send(status, self.preview.decorate(page, state))

    def _send(
        self, status: HTTPStatus, data: bytes, kind: str = "text/html; charset=utf-8"
    ) -> io.BytesIO:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> io.BytesIO:
        return self._not_found()  # never reached through send_head; no listings either way

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else code
        # A request line too long or malformed to parse leaves no command or path behind.
        path = getattr(self, "path", "")
        if str(status).isdigit() and int(status) >= 400 and path != "/favicon.ico":
            shown = path if len(path) <= 200 else path[:200] + "..."
            self.log_message("%s %s -> %s", self.command or "-", shown or "-", status)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        self.preview._say(format % args, error=True)


def _with_charset(kind: str) -> str:
    textual = kind.startswith("text/") or kind.endswith(("xml", "json", "javascript"))
    return f"{kind}; charset=utf-8" if textual else kind


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Browsers open several connections per page and a reload opens them all at once; the
    # default backlog of 5 made the kernel drop connections under load.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, self._handler)

    def _handler(
        self, request: socket.socket, address: tuple[str, int], server: socketserver.BaseServer
    ) -> _Handler:
        return _Handler(request, address, server, preview=self.preview)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError) or self.preview._stopping.is_set():
            return  # the browser went away, or we are shutting down
        self.preview._say(f"error serving a request: {type(exc).__name__}: {exc}", error=True)


class _Server6(_Server):
    address_family = socket.AF_INET6


def _bind(host: str, port: int, preview: Preview) -> _Server:
    kind = _Server6 if ":" in host else _Server
    try:
        return kind((host, port), preview)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise RedraftError(
                f"cannot serve on {host}:{port}: the port is in use (another `redraft serve`?); "
                "stop that server or choose another port with --port (0 picks a free one)"
            ) from None
        reason = exc.strerror or str(exc)
        raise RedraftError(f"cannot serve on {host}:{port}: {reason}") from None


def _describe(changed: Iterable[str], root: Path) -> str:
    shown = []
    for raw in sorted(changed):
        path = Path(raw)
        shown.append(path.relative_to(root).as_posix() if path.is_relative_to(root) else raw)
    if not shown:
        return ""
    if len(shown) == 1:
        return f"{shown[0]} changed"
    return f"{shown[0]} and {plural(len(shown) - 1, 'other')} changed"


def serve(root: Path | str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Preview the blog in `root` until Ctrl-C or SIGTERM: prints the URL and every build.

    Stopping finishes a running build first and removes the temporary folder; a busy port is a
    RedraftError.
    """
    preview = Preview(root, host, port, report=_echo)
    with _terminate_as_interrupt():
        try:
            preview.start()
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            with _signals_ignored():
                preview.stop()
    click.echo("Stopped")


def _echo(line: str, error: bool) -> None:
    if error:
        click.secho(line, fg="red", err=True)
    else:
        click.echo(line)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the server (in the main thread only).

    The SIGINT handler is installed explicitly: a process started in the background by a
    non-interactive shell inherits SIGINT as ignored, and Python then leaves it ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """While stopping, a second Ctrl-C or SIGTERM must not cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
