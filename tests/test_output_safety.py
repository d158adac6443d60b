"""A build replaces its output folder whole, so it must refuse any folder that is not a site."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import expect_error
from redraft.cli import main
from redraft.output import MARKER


@pytest.mark.parametrize("output", [".", "..", "posts/.."])
def test_building_over_the_repository_is_refused_and_nothing_is_lost(blog, output, monkeypatch):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    monkeypatch.chdir(blog.root)
    result = CliRunner().invoke(main, ["build", "--output", output])
    assert result.exit_code == 1
    assert "refusing to build into" in result.output
    assert (blog.root / ".git").is_dir() and (blog.root / "posts/a.md").is_file()


def test_a_folder_that_is_not_a_site_is_refused(blog, tmp_path):
    notes = tmp_path / "my-notes"
    notes.mkdir()
    (notes / "important.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(notes)])
    assert result.exit_code == 1 and "files redraft did not write" in result.output
    assert (notes / "important.txt").read_text() == "keep me"


def test_the_output_setting_cannot_point_at_the_repository(blog):
    blog.write("redraft.toml", 'title = "T"\noutput = "."\n')
    blog.commit("Build into the repository", "2024-01-02T10:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and "refusing to build into" in result.output
    assert (blog.root / ".git").is_dir()


def test_a_build_without_the_cache_replaces_the_previous_site_whole(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    first = blog.build()
    (first / "posts" / "stale.html").write_text("old")
    second = blog.build(cache=False)
    assert second == first and not (second / "posts" / "stale.html").exists()


def _user_site(folder: Path, *, with_git: bool) -> None:
    """A checkout of a USER.github.io repository: a built site with its own files."""
    folder.mkdir()
    for name in ("feed.xml", "sitemap.xml", "index.html", "README.md", "CNAME"):
        (folder / name).write_text(name)
    if with_git:
        subprocess.run(["git", "init", "-q", str(folder)], check=True)


@pytest.mark.parametrize("with_git", [True, False])
def test_a_site_redraft_did_not_write_is_never_replaced(blog, tmp_path, with_git):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    pages = tmp_path / "me.github.io"
    _user_site(pages, with_git=with_git)
    before = sorted(p.relative_to(pages) for p in pages.rglob("*"))
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(pages)])
    assert result.exit_code == 1
    assert (".git folder" if with_git else "files redraft did not write") in result.output
    assert sorted(p.relative_to(pages) for p in pages.rglob("*")) == before


def test_a_redraft_site_given_a_git_folder_or_a_file_of_its_own_is_kept(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    site = blog.build()
    (site / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and (site / "notes.txt").read_text() == "mine"
    (site / "notes.txt").unlink()
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1 and (site / ".git").is_dir()


def test_a_forged_or_broken_marker_proves_nothing(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    (folder / MARKER).write_text('{"generator": "someone else", "build": "x", "top": ["keep.txt"]}')
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root), "--output", str(folder)])
    assert result.exit_code == 1 and (folder / "keep.txt").is_file()


# Output folders on odd ground ---------------------------------------------------------------


def test_an_output_folder_under_a_file_is_one_line(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("A", "2024-02-01T10:00:00+00:00")
    (blog.root / "notes.txt").write_text("a file")
    message = expect_error(blog.root, "--output", str(blog.root / "notes.txt/site"))
    assert "cannot write the site to" in message


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


_NEEDS_MOUNT = pytest.mark.skipif(
    not _can_mount(), reason="needs root and unshare -m to mount in a private namespace"
)


def _in_namespace(script: str, **paths: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace (mounts vanish when it ends)."""
    env = {**os.environ, **{k.upper(): str(v) for k, v in paths.items()}}
    env["REDRAFT"] = f"{sys.executable} -m redraft"
    for who in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{who}_NAME"], env[f"GIT_{who}_EMAIL"] = "Ada Tester", "ada@example.org"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env
    )


@_NEEDS_MOUNT
def test_a_mounted_output_folder_is_built_and_rebuilt(blog, tmp_path):
    """A Docker volume for _site: the folder itself cannot be renamed; its contents are
    replaced instead."""
    volume = tmp_path / "volume"
    volume.mkdir()
    blog.write("posts/a.md", "# A\n\nFirst words.\n")
    blog.commit("A", "2024-02-01T10:00:00+00:00")
    site = blog.root / "_site"
    site.mkdir()
    script = (
        'mount --bind "$VOLUME" "$SITE" && $REDRAFT build --root "$ROOT" --quiet && '
        'git -C "$ROOT" commit -qam "Edit a" && $REDRAFT build --root "$ROOT" --quiet'
    )
    blog.write("posts/a.md", "# A\n\nSecond words.\n")
    result = _in_namespace(script, volume=volume, site=site, root=blog.root)
    assert result.returncode == 0, result.stderr
    page = (volume / "posts/a/index.html").read_text()
    assert "Second words." in page
    assert not [
        p.name for p in volume.iterdir() if p.name.startswith((".redraft-new", ".redraft-old"))
    ]


@_NEEDS_MOUNT
def test_a_full_disk_is_one_line_and_keeps_the_previous_site(blog, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    blog.write("posts/a.md", "# A\n\nFirst words.\n")
    blog.commit("A", "2024-02-01T10:00:00+00:00")
    blog.write("posts/a/data.bin", os.urandom(1_500_000))
    blog.write("posts/a.md", "# A\n\nSecond words.\n")
    script = (
        'mount -t tmpfs -o size=1m tmpfs "$DISK" && $REDRAFT build --root "$ROOT" --quiet '
        '--output "$DISK/site" --no-cache && git -C "$ROOT" add -A && '
        'git -C "$ROOT" commit -qm "Big data" && '
        '$REDRAFT build --root "$ROOT" --quiet --output "$DISK/site" --no-cache; '
        'echo "exit $?"; cat "$DISK/site/posts/a/index.html"; ls -a "$DISK"'
    )
    result = _in_namespace(script, disk=disk, root=blog.root)
    assert "exit 1" in result.stdout, result.stdout + result.stderr
    assert result.stderr.startswith("Error: cannot write the site to"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "First words." in result.stdout  # the previous site is still served
    assert "-new-" not in result.stdout  # the half-written one is gone
