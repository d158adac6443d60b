"""The site is a function of a commit: the same commit gives byte-identical output, wherever built."""

import subprocess

from conftest import files_of
from redraft import build_site


def _history(blog) -> None:
    blog.write("posts/notes.md", "# Notes\n\nFirst words, $x^2$ and `code`.\n")
    blog.commit("Add notes", "2024-01-10T09:00:00+02:00")
    blog.write("posts/essay/index.md", "---\ntags: [b, a]\n---\n# Essay\n\n![fig](fig.svg)\n")
    blog.write("posts/essay/fig.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    blog.commit("Add essay", "2024-02-10T09:00:00-05:00")
    blog.write("posts/notes.md", "# Notes\n\nFirst words, then more, $x^2$ and `code`.\n")
    blog.commit("Extend notes", "2024-03-10T09:00:00+09:00")
    blog.git("mv", "posts/notes.md", "posts/field-notes.md")
    blog.commit("Rename notes", "2024-04-10T09:00:00+00:00")


def test_the_same_commit_built_twice_is_byte_identical(blog, tmp_path):
    _history(blog)
    first = blog.build(output=tmp_path / "one")
    second = blog.build(output=tmp_path / "two", cache=False)
    assert files_of(first) == files_of(second)


def test_two_clones_at_different_paths_build_the_same_bytes(blog, tmp_path):
    _history(blog)
    sites = []
    for name in ("clone-a", "somewhere/else/clone-b"):
        clone = tmp_path / name
        clone.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", str(blog.root), str(clone)], check=True)
        sites.append(build_site(clone, output=tmp_path / f"{clone.name}-site").output)
    assert files_of(sites[0]) == files_of(sites[1])
    assert "posts/notes/index.html" in files_of(sites[0])  # the redirect is part of the site
