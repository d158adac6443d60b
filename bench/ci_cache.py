"""Benchmark a blog's deploys with and without the CI build cache, with the workflow's own steps.

Makes the benchmark corpus a blog with `redraft init`, then runs the `build` job of the deploy
workflow that init wrote (its `run:` steps, and `actions/cache` played by a folder) twice, each
in a fresh clone as a runner does: once cold, and once after a commit that edits one post, with
the first run's cache restored. Prints each run's build line, its wall and CPU seconds, and
whether the cached site equals a cold build of the same commit byte for byte.

    python bench/ci_cache.py --posts 1000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from actions import CacheStore, Run, environment, run_github_job  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
BASE_URL = "https://example.github.io/corpus/"


def git(blog: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args]
    return subprocess.run(command, cwd=blog, check=True, capture_output=True, text=True).stdout


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def deploy(blog: Path, clone: Path, cache: CacheStore, tools: Path) -> Run:
    """One run of the deploy job in a fresh clone; this Python's redraft stands in for the
    install step (the blog pins a release, and this measures the working tree's engine)."""
    subprocess.run(["git", "clone", "-q", f"file://{blog}", str(clone)], check=True)
    job = yaml.safe_load((blog / ".github/workflows/deploy.yml").read_text())["jobs"]["build"]
    wall, cpu = time.perf_counter(), cpu_seconds()
    run = run_github_job(
        job,
        clone,
        environment(path_first=tools),
        cache,
        sha=git(blog, "rev-parse", "HEAD").strip(),
        outputs={"pages": {"base_url": BASE_URL}},
        skip=("Install redraft",),
    )
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    restored = "restored" if run.restored else "cold"
    print(f"{clone.parent.name} ({restored}): job {wall:.1f} s wall, {cpu:.1f} s CPU")
    print("  " + run.logs["Build the site"].strip().splitlines()[0])
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    tools = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="redraft-ci-cache-") as scratch:
        work = Path(scratch)
        blog = work / "blog"
        corpus = [sys.executable, str(CORPUS), str(blog), "--posts", str(options.posts)]
        subprocess.run([*corpus, "--seed", str(options.seed)], check=True, capture_output=True)
        redraft = [str(tools / "redraft"), "init", "--install", "redraft"]
        subprocess.run(redraft, cwd=blog, check=True, capture_output=True)
        git(blog, "add", "-A")
        git(blog, "commit", "-q", "-m", "Publish with redraft")
        cache = CacheStore(work / "caches")
        deploy(blog, work / "run-1" / "blog", cache, tools)

        posts = sorted((blog / "posts").glob("*.md"))
        post = posts[len(posts) // 2]
        post.write_text(post.read_text(encoding="utf-8") + "\nOne more paragraph.\n")
        git(blog, "commit", "-q", "-am", "Extend a post")
        clone = work / "run-2" / "blog"
        deploy(blog, clone, cache, tools)

        cold = work / "cold"
        build = [str(tools / "redraft"), "build", "--no-cache", "-o", str(cold)]
        subprocess.run([*build, "--base-url", BASE_URL], cwd=clone, check=True, capture_output=True)
        same = subprocess.run(["diff", "-r", "-q", str(clone / "_site"), str(cold)]).returncode
        print("cached site equals a cold build:", "yes" if same == 0 else "NO")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
