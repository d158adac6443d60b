"""Benchmark one living document: a long Markdown page revised hundreds of times.

Like a README of command-line tips kept for years, the page grows to thousands of words over
`--revisions` commits (each adds, rewrites or fixes a tip; one in ten is `[minor]`). The script
times redraft's cold build (every snapshot, diff and the revision feed) and its rebuild after one
more revision, the median of `--runs`, and prints a small table.

    python bench/living.py --revisions 500
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCABULARY = (
    "grep sed awk find xargs sort uniq cut paste join tr head tail less ssh rsync curl jq git "
    "tmux make the a to of and with when for files lines output input shell pipe fast quiet "
    "every pattern column field record buffer history prompt alias"
)
WORDS = VOCABULARY.split()


def tip(rng: random.Random, number: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60)))
    code = f"`{rng.choice(WORDS)} -{rng.choice('abcdefghijklmnopqrstuvwxyz')} {rng.choice(WORDS)}`"
    return f"- Tip {number}: {words.capitalize()}, as in {code}.\n"


def make_repository(root: Path, revisions: int, seed: int) -> None:
    """A repository whose posts/command-line.md has `revisions` commits, made with fast-import."""
    rng = random.Random(seed)
    tips: list[str] = []
    stream = []
    for index in range(revisions):
        if tips and rng.random() < 0.35:
            tips[rng.randrange(len(tips))] = tip(rng, rng.randint(1, 10_000))
            subject = "Rewrite a tip"
        else:
            tips.insert(rng.randrange(len(tips) + 1), tip(rng, index))
            subject = "Add a tip"
        if index % 10 == 9:
            subject = "Fix typos [minor]"
        body = "# The art of the command line\n\n" + "".join(tips)
        data = body.encode("utf-8")
        message = subject.encode("utf-8")
        stamp = 1_400_000_000 + index * 86_400
        stream.append(
            b"commit refs/heads/main\n"
            + f"author Ada <ada@example.org> {stamp} +0100\n".encode()
            + f"committer Ada <ada@example.org> {stamp} +0100\n".encode()
            + f"data {len(message)}\n".encode() + message + b"\n"
            + f"M 100644 inline posts/command-line.md\ndata {len(data)}\n".encode()
            + data + b"\n"
        )  # fmt: skip
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    (root / ".git" / "info" / "exclude").write_text("_site/\n.redraft-cache/\n")


def add_revision(root: Path) -> None:
    page = root / "posts/command-line.md"
    page.write_text(page.read_text() + "- One more tip, added for the rebuild.\n")
    env = {"GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org"}  # fmt: skip
    subprocess.run(["git", "commit", "-qam", "One more tip"], cwd=root, check=True, env=env)


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    redraft = [sys.executable, "-m", "redraft", "build", "--quiet"]
    cold, rebuild = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "blog"
            make_repository(root, args.revisions, args.seed)
            cold.append(timed([*redraft, "--no-cache"], root))
            timed(redraft, root)  # fills the cache
            add_revision(root)
            rebuild.append(timed(redraft, root))
            site = root / "_site/posts/command-line"
            snapshots = sum(1 for _ in (site / "history").glob("*/index.html"))
            words = len((root / "posts/command-line.md").read_text().split())
            history_kib = (site / "history/index.html").stat().st_size // 1024
            shutil.rmtree(root)
    print(
        f"One page, {args.revisions} revisions, {words:,} words at the end, {snapshots} snapshots,"
    )
    print(f"history page {history_kib:,} KiB. Median of {args.runs} runs:\n")
    print("| build | seconds |")
    print("|---|---:|")
    print(f"| cold (`--no-cache`) | {statistics.median(cold):.2f} |")
    print(f"| rebuild after one more revision | {statistics.median(rebuild):.2f} |")


if __name__ == "__main__":
    main()
