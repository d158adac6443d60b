"""A small stand-in for a CI runner, so tests can rehearse the workflows redraft writes.

It runs a GitHub Actions job's `run:` steps the way a runner does (bash, `$GITHUB_OUTPUT`, the
expressions these workflows use), stands in for `actions/cache` with a folder of saved caches
(exact key first, then the newest entry matching a restore key, never overwriting a key), and
runs a GitLab CI job's script lines with its `cache:` the same way. Every other action is the
test's job: checkout is a clone, setup-python a venv on PATH, configure-pages a given address.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# How Actions runs a `run:` step on Linux.
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class CacheStore:
    """The caches a repository's runs have saved, newest last."""

    folder: Path
    keys: list[str] = field(default_factory=list)

    def restore(self, key: str, prefixes: list[str], workdir: Path) -> str | None:
        """Copy the saved paths of the best matching entry into `workdir`; its key, or None."""
        found = key if key in self.keys else None
        for prefix in prefixes:
            found = found or next((k for k in reversed(self.keys) if k.startswith(prefix)), None)
        if found is None:
            return None
        saved = self.folder / hashlib.sha256(found.encode()).hexdigest()
        shutil.copytree(saved, workdir, dirs_exist_ok=True, symlinks=True)
        return found

    def save(self, key: str, paths: list[str], workdir: Path) -> None:
        if key in self.keys:
            return  # a cache entry is never replaced: a new one needs a new key
        saved = self.folder / hashlib.sha256(key.encode()).hexdigest()
        for path in paths:
            source = workdir / path.rstrip("/")
            if source.is_dir():
                shutil.copytree(source, saved / path.rstrip("/"), symlinks=True)
        self.keys.append(key)


@dataclass
class Run:
    """What a job run reports: each step's output, its outputs, and the cache key it restored."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    restored: str | None = None


def run_github_job(
    job: dict,
    workdir: Path,
    env: dict[str, str],
    cache: CacheStore,
    *,
    sha: str,
    outputs: dict[str, dict[str, str]] | None = None,
    skip: tuple[str, ...] = (),
) -> Run:
    """Run `job`'s steps in `workdir`: its `run:` steps and `actions/cache`, but not the steps
    named in `skip`; `outputs` stands in for other actions' outputs (like configure-pages'
    base_url). A failing step raises."""
    run = Run(outputs=dict(outputs or {}))
    context = {"github.sha": sha}
    to_save: list[tuple[str, list[str]]] = []
    for number, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or str(number)
        uses = step.get("uses", "")
        if name in skip:
            continue
        if uses.startswith("actions/cache@"):
            key = _evaluate(step["with"]["key"], run, context, workdir)
            prefixes = [
                _evaluate(line, run, context, workdir)
                for line in step["with"].get("restore-keys", "").splitlines()
                if line.strip()
            ]
            paths = [p for p in step["with"]["path"].splitlines() if p.strip()]
            run.restored = cache.restore(key, prefixes, workdir)
            to_save.append((key, paths))
        elif "run" in step:
            step_env = {
                k: _evaluate(str(v), run, context, workdir) for k, v in step.get("env", {}).items()
            }
            output_file = workdir.parent / f".github-output-{number}"
            output_file.write_text("")
            result = subprocess.run(
                [*SHELL, step["run"]],
                cwd=workdir,
                env={**env, **step_env, "GITHUB_OUTPUT": str(output_file), "CI": "true"},
                capture_output=True,
                text=True,
                timeout=600,
            )
            run.logs[name] = result.stdout + result.stderr
            if result.returncode != 0:
                raise AssertionError(f"step {name!r} failed:\n{run.logs[name]}")
            if "id" in step:
                run.outputs[step["id"]] = _read_outputs(output_file)
    for key, paths in to_save:  # actions/cache saves in its post step, after a successful job
        cache.save(key, paths, workdir)
    return run


def run_gitlab_job(
    job: dict,
    variables: dict,
    workdir: Path,
    env: dict[str, str],
    cache: CacheStore,
    skip: tuple[str, ...] = (),
) -> Run:
    """Run a GitLab CI job's script lines in `workdir` (but those starting as one in `skip`),
    its cache restored first and saved after."""
    run = Run()
    files = job["cache"]["key"]["files"]
    digest = hashlib.sha256()
    for name in files:
        path = workdir / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    key = digest.hexdigest()
    run.restored = cache.restore(key, [], workdir)
    job_env = {**env, **{k: str(v) for k, v in variables.items()}, "CI": "true"}
    for line in job["script"]:
        if line.startswith(skip):
            continue
        result = subprocess.run(
            [*SHELL, line], cwd=workdir, env=job_env, capture_output=True, text=True, timeout=600
        )
        run.logs[line] = result.stdout + result.stderr
        if result.returncode != 0:
            raise AssertionError(f"script line {line!r} failed:\n{run.logs[line]}")
    if key in cache.keys:  # GitLab replaces a key's cache on every successful job
        cache.keys.remove(key)
        shutil.rmtree(cache.folder / hashlib.sha256(key.encode()).hexdigest())
    cache.save(key, job["cache"]["paths"], workdir)
    return run


def _evaluate(text: str, run: Run, context: dict[str, str], workdir: Path) -> str:
    """Replace the `${{ }}` expressions these workflows use; any other one fails the test."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression in context:
            return context[expression]
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if step:
            return run.outputs[step.group(1)][step.group(2)]
        files = re.fullmatch(r"hashFiles\((.*)\)", expression)
        if files:
            digest = hashlib.sha256()
            for name in re.findall(r"'([^']*)'", files.group(1)):
                path = workdir / name
                if path.is_file():
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
            return digest.hexdigest()
        raise AssertionError(f"the rehearsal does not know the expression {expression!r}")

    return _EXPRESSION.sub(value, text)


def _read_outputs(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            name, _, text = line.partition("=")
            found[name] = text
    return found


def environment(*, path_first: Path | None = None, **extra: str) -> dict[str, str]:
    """The test's environment, with `path_first` (a venv's bin) ahead on PATH."""
    env = dict(os.environ)
    if path_first is not None:
        env["PATH"] = str(path_first) + os.pathsep + env.get("PATH", "")
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env
