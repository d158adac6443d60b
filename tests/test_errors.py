"""Every failure is a message, never a traceback: bad posts, themes, settings and repositories.

Each test drives the real `redraft` command on a real git repository and checks three things:
a non-zero exit, one `Error: ...` line that names what is wrong (the file, and the line where
there is one), and no Python traceback. A crash inside the command would reach the CliRunner as
an exception other than SystemExit; `_error` treats that as the failure it is.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import expect_error
from redraft.cli import main

REDRAFT = Path(sys.executable).with_name("redraft")


def _post(blog, path: str, text: str | bytes, message: str = "Add a post") -> None:
    blog.write(path, text)
    blog.commit(message, "2024-02-01T10:00:00+00:00")


# Posts -------------------------------------------------------------------------------------


def test_invalid_yaml_names_the_file_and_line(blog):
    _post(blog, "posts/good.md", "# Good\n\nFine.\n")
    _post(blog, "posts/bad.md", "---\ntitle: Fine\ntags: [one, two\nsummary: x\n---\nBody.\n")
    message = expect_error(blog.root)
    assert message.startswith("posts/bad.md:4: invalid front matter"), message


def test_a_date_that_does_not_exist_names_the_file_and_line(blog):
    # Well-formed YAML whose timestamp cannot be built: PyYAML raises ValueError, not YAMLError.
    _post(blog, "posts/leap.md", "---\ntitle: Leap\n\ndate: 2023-02-29\n---\nBody.\n")
    message = expect_error(blog.root)
    assert message.startswith("posts/leap.md:4: invalid front matter"), message
    assert "day is out of range" in message


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("draft: 'no'", "'draft' must be true or false"),
        ("toc: 5", "'toc' must be true or false"),
        ("title: [a, b]", "'title' must be text"),
        ("tags: {a: 1}", "tags must be a list of words"),
        ("date: 9999-12-31T23:59:59-12:00", "'date' is out of range"),
        ("date: tomorrow", "'date' is not a date"),
        ("layout: wide", "unknown front matter key(s): layout"),
        ("- just\n- a list", "front matter must be 'key: value' lines"),
    ],
)
def test_front_matter_values_of_the_wrong_kind_are_named(blog, front, expected):
    _post(blog, "posts/odd.md", f"---\n{front}\n---\nBody.\n")
    message = expect_error(blog.root)
    assert message.startswith("posts/odd.md"), message
    assert expected in message


def test_non_utf8_file_names_the_file_and_line(blog):
    _post(blog, "posts/latin.md", "# Café\n\nFirst line is fine.\nThe next: naïve.\n".encode())
    _post(blog, "posts/latin.md", "# Cafe\n\nFine.\nThe next: na\xefve.\n".encode("latin-1"))
    assert expect_error(blog.root) == (
        "posts/latin.md:4: not valid UTF-8 text (byte 26); save the file as UTF-8"
    )


def test_control_characters_that_feeds_cannot_carry_are_named(blog):
    # XML (so every Atom feed) forbids C0 controls: this used to crash lxml inside feedgen.
    _post(blog, "posts/bell.md", "# Bell\n\nOne.\nTwo \x07 rings.\n")
    message = expect_error(blog.root)
    assert message.startswith("posts/bell.md:4: contains the control character U+0007"), message


def test_a_file_name_that_is_not_utf8_is_named(blog):
    folder = blog.root / "posts"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.md")).write_bytes(b"# Cafe\n")
    blog.commit("Add a Latin-1 name", "2024-02-01T10:00:00+00:00")
    message = expect_error(blog.root)
    assert message.startswith("posts/caf\\xe9.md: the file name is not UTF-8"), message


def test_two_posts_on_one_url_are_both_named(blog):
    blog.write("posts/a.md", "# A\n\nFlat file.\n")
    blog.write("posts/a/index.md", "# A again\n\nFolder with an index.\n")
    blog.commit("Two posts, one address", "2024-02-01T10:00:00+00:00")
    message = expect_error(blog.root)
    assert "posts/a.md" in message and "posts/a/index.md" in message
    assert "/posts/a/" in message


def test_an_old_revision_whose_tex_no_longer_renders_is_shown_as_its_text(blog, read_page):
    _post(blog, "posts/maths.md", "# Maths\n\nCosts $\\frac{1}{$ and more.\n")
    blog.write("posts/maths.md", "# Maths\n\nCosts 5 and 6 dollars.\n")
    blog.commit("Say dollars", "2024-03-01T10:00:00+00:00")
    site = blog.build()
    history = read_page(site / "posts/maths/history/index.html")
    old = [a["href"] for a in history.anchors if a.get("href", "").count("/history/") == 1]
    texts = [(site / h.lstrip("/") / "index.html").read_text() for h in set(old)]
    shown = 'Costs <code class="tex-source">$\\frac{1}{$</code> and more.'
    assert any(shown in text for text in texts), texts


# Themes -----------------------------------------------------------------------------------


def _theme(blog, name: str, text: str) -> None:
    blog.write(f"theme/templates/{name}", text)
    _post(blog, "posts/a.md", "# A\n\nWords.\n", "Theme and a post")


def test_a_template_that_includes_a_missing_one_is_named(blog):
    _theme(blog, "post.html", '{% extends "base.html" %}{% block main %}{% include "gone.html" %}'
           "{% endblock %}")  # fmt: skip
    message = expect_error(blog.root)
    assert "gone.html" in message and "missing" in message


def test_a_template_syntax_error_names_file_and_line(blog):
    _theme(
        blog, "post.html", '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}'
    )
    message = expect_error(blog.root)
    assert "theme/templates/post.html:3: template error" in message, message


def test_a_template_using_an_unknown_variable_is_named(blog):
    _theme(blog, "post.html", '{% extends "base.html" %}{% block main %}{{ no_such_thing.x }}'
           "{% endblock %}")  # fmt: skip
    message = expect_error(blog.root)
    assert "post.html" in message and "no_such_thing" in message


# Settings ---------------------------------------------------------------------------------


def _settings(blog, text: str | bytes, name: str = "pyproject.toml") -> None:
    blog.write(name, text)
    _post(blog, "posts/a.md", "# A\n\nWords.\n", "Settings and a post")


def test_settings_that_are_not_toml_are_named(blog):
    _settings(blog, '[tool.redraft]\ntitle = "Unclosed\n')
    message = expect_error(blog.root)
    assert "pyproject.toml: cannot read settings" in message
    assert "line 2" in message


def test_an_unknown_timezone_is_named(blog):
    _settings(blog, '[tool.redraft]\ntimezone = "Mars/Olympus_Mons"\n')
    assert expect_error(blog.root).endswith("pyproject.toml: unknown timezone 'Mars/Olympus_Mons'")


def test_an_unknown_setting_is_named(blog):
    _settings(blog, '[tool.redraft]\ntitel = "Typo"\n')
    assert expect_error(blog.root).endswith("pyproject.toml: unknown setting(s): titel")


def test_redraft_toml_wins_and_is_the_one_named(blog):
    _settings(blog, 'title = "Own file"\nminor_markers = "[typo]"\n', name="redraft.toml")
    message = expect_error(blog.root)
    assert "redraft.toml: setting minor_markers must be a list of strings" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("title = 5", "setting title must be a string"),
        ("raw_html = 'no'", "setting raw_html must be true or false"),
        ("toc_min_words = 'many'", "setting toc_min_words must be a whole number"),
        ("posts = 7", "setting posts must be a folder in quotes"),
        ("base_url = 'example.org'", "base_url must be a full http(s) URL"),
        ("posts = '../elsewhere'", "posts must name folders or patterns inside the repository"),
        ("posts = '.'", "posts must name folders or patterns inside the repository"),
        ("dates = 'written'", "dates must be 'author' or 'committer'"),
    ],
)
def test_settings_of_the_wrong_kind_are_named(blog, line, expected):
    _settings(blog, f"[tool.redraft]\n{line}\n")
    message = expect_error(blog.root)
    assert "pyproject.toml" in message and expected in message, message


def test_a_settings_file_that_cannot_be_read_is_named(blog):
    (blog.root / "redraft.toml").mkdir()  # a folder where the file should be
    message = expect_error(blog.root, "--drafts")
    assert "redraft.toml: cannot read settings" in message


def test_settings_with_invalid_utf8_are_named(blog):
    _settings(blog, b'[tool.redraft]\ntitle = "Caf\xe9"\n')
    assert "pyproject.toml: cannot read settings" in expect_error(blog.root)


# Repositories ------------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts/a.md").write_text("# A\n")
    message = expect_error(tmp_path)
    assert message == (
        f"{tmp_path} is not a git repository: run `git init` and commit your posts, "
        "or preview them with `redraft build --drafts`"
    )
    drafts = CliRunner().invoke(main, ["build", "--root", str(tmp_path), "--drafts", "-q"])
    assert drafts.exit_code == 0, drafts.output


def test_a_repository_without_commits(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts/a.md").write_text("# A\n")
    message = expect_error(tmp_path)
    assert message.startswith("this repository has no commits yet")
    assert "--drafts" in message
    drafts = CliRunner().invoke(main, ["build", "--root", str(tmp_path), "--drafts", "-q"])
    assert drafts.exit_code == 0, drafts.output


def _shallow_clone(blog, tmp_path: Path) -> Path:
    for n in range(3):
        _post(blog, "posts/a.md", f"# A\n\nVersion {n}.\n", f"Version {n}")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{blog.root}", str(clone)], check=True
    )
    return clone


def test_a_shallow_clone_is_refused_with_the_fix(blog, tmp_path):
    clone = _shallow_clone(blog, tmp_path)
    message = expect_error(clone)
    assert "fetch-depth: 0" in message and "--allow-shallow" in message
    assert "git fetch --unshallow" in message
    assert not (clone / "_site").exists()
    allowed = CliRunner().invoke(main, ["build", "--root", str(clone), "--allow-shallow", "-q"])
    assert allowed.exit_code == 0, allowed.output
    assert (clone / "_site/posts/a/index.html").is_file()


def test_the_installed_command_prints_one_line_and_no_traceback(blog, tmp_path):
    """The same refusal through the real executable, stderr and exit status as a shell sees."""
    clone = _shallow_clone(blog, tmp_path)
    done = subprocess.run(
        [str(REDRAFT), "build", "--root", str(clone)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: this clone has only the latest commit")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    bad = tmp_path / "not-a-repo"
    bad.mkdir()
    done = subprocess.run([str(REDRAFT), "build", "-C", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == f"Error: {bad} is not a git repository: run `git init` and commit " \
        "your posts, or preview them with `redraft build --drafts`\n"  # fmt: skip


@pytest.mark.parametrize("command", ["check", "history"])
def test_other_commands_explain_too(blog, command):
    _post(blog, "posts/bad.md", "---\ntitle: [unclosed\n---\nBody.\n")
    _settings(blog, '[tool.redraft]\ntimezone = "Nowhere/Town"\n')
    args = ["posts/bad.md"] if command == "history" else []
    assert "unknown timezone 'Nowhere/Town'" in expect_error(blog.root, *args, command=command)


def test_a_current_post_with_invalid_tex_shows_it_as_written_and_check_warns(blog):
    # The build before the reset cached the old revision's render: the current post's page
    # must come out the same as from a cold build, and `check` still names the line.
    _post(blog, "posts/maths.md", "# Maths\n\nCosts $\\frac{1}{$ and more.\n")
    blog.write("posts/maths.md", "# Maths\n\nCosts 5 and 6 dollars.\n")
    blog.commit("Say dollars", "2024-03-01T10:00:00+00:00")
    blog.build()
    blog.git("reset", "-q", "--hard", "HEAD~1")
    page = (blog.build() / "posts/maths/index.html").read_text(encoding="utf-8")
    assert 'Costs <code class="tex-source">$\\frac{1}{$</code> and more.' in page
    result = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert "posts/maths.md:3: warning: invalid TeX" in result.output, result.output
