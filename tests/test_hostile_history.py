"""Hostile history: renames, restores, merges, odd dates, odd names, binary and huge files.

Every test builds a real git repository whose history was made the awkward way on purpose, then
reads the built pages and feeds: trails stay whole, dates stay the ones git recorded, and a file
no page can hold is refused with a message instead of a traceback.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest
from click.testing import CliRunner

from conftest import parse_html
from redraft.cli import main
from redraft.errors import RedraftError

REDRAFT = Path(sys.executable).with_name("redraft")


def _dates(site: Path, url: str) -> tuple[str, str]:
    data = parse_html(site / url / "index.html").json_ld[0]
    return data["datePublished"], data["dateModified"]


def _history(site: Path, url: str):
    return parse_html(site / url / "history/index.html")


def _classes(page) -> list[str]:
    return [a["class"] for t, a in page.elements if t == "li" and "revision" in a.get("class", "")]


def _feed(path: Path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    return feed


# Renames ----------------------------------------------------------------------------------


def test_rename_then_edit_keeps_published_and_redirects(blog):
    blog.write("posts/working-title.md", "# Notes\n\nFirst words.\n")
    blog.commit("Add notes", "2024-01-10T09:00:00+01:00")
    blog.git("mv", "posts/working-title.md", "posts/notes.md")
    blog.commit("Rename notes", "2024-01-20T09:00:00+01:00")
    blog.write("posts/notes.md", "# Notes\n\nFirst words, then more.\n")
    blog.commit("Extend notes", "2024-02-01T09:00:00+01:00")
    site = blog.build()
    assert _dates(site, "posts/notes") == ("2024-01-10T09:00:00+01:00", "2024-02-01T09:00:00+01:00")
    page = _history(site, "posts/notes")
    assert page.texts("h2") == ["Extend notes", "Rename notes", "Add notes"]
    redirect = parse_html(site / "posts/working-title/index.html")
    assert redirect.link("canonical") == "https://example.org/posts/notes/"


def test_rename_and_edit_in_one_commit_is_one_revision_with_a_diff(blog):
    text = "# Essay\n\n" + "A sentence that stays the same in both versions.\n" * 8
    blog.write("posts/essay-draft.md", text)
    blog.commit("Add essay", "2024-01-10T09:00:00+00:00")
    blog.git("mv", "posts/essay-draft.md", "posts/essay.md")
    blog.write("posts/essay.md", text + "\nOne closing thought.\n")
    blog.commit("Rename and finish the essay", "2024-01-11T09:00:00+00:00")
    site = blog.build()
    page = _history(site, "posts/essay")
    assert page.texts("h2") == ["Rename and finish the essay", "Add essay"]
    assert "Moved from /posts/essay-draft/ to /posts/essay/." in page.text
    assert page.texts("ins")[0].strip() == "One closing thought."
    assert _dates(site, "posts/essay")[1] == "2024-01-11T09:00:00+00:00"


def test_case_only_rename_follows_the_trail(blog):
    blog.write("posts/Post.md", "# Post\n\nWords.\n")
    blog.commit("Add Post", "2024-01-10T09:00:00+00:00")
    blog.git("mv", "posts/Post.md", "posts/post.md")
    blog.commit("Lower-case the name", "2024-01-11T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/post")[0] == "2024-01-10T09:00:00+00:00"
    assert _history(site, "posts/post").texts("h2") == ["Lower-case the name", "Add Post"]
    assert "Words." in parse_html(site / "posts/post/index.html").text


def test_case_only_rename_writes_no_paths_that_clash_on_a_case_insensitive_disk(blog):
    blog.write("posts/Post.md", "# Post\n\nWords.\n")
    blog.commit("Add Post", "2024-01-10T09:00:00+00:00")
    blog.git("mv", "posts/Post.md", "posts/post.md")
    blog.commit("Lower-case the name", "2024-01-11T09:00:00+00:00")
    site = blog.build()
    paths = [p.relative_to(site).as_posix() for p in site.rglob("*")]
    assert len({p.casefold() for p in paths}) == len(paths)


# Deletes, copies, merges --------------------------------------------------------------------


def test_delete_then_restore_continues_the_trail(blog):
    words = "# Log\n\n" + "".join(f"Entry {n} of the log.\n\n" for n in range(10))
    blog.write("posts/log.md", words)
    blog.commit("Start the log", "2024-01-10T09:00:00+00:00")
    blog.git("rm", "-q", "posts/log.md")
    blog.commit("Retire the log", "2024-02-01T09:00:00+00:00")
    blog.write("posts/log.md", words + "Entry after the restore.\n")
    blog.commit("Bring the log back", "2024-03-01T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/log") == ("2024-01-10T09:00:00+00:00", "2024-03-01T09:00:00+00:00")
    page = _history(site, "posts/log")
    assert page.texts("h2") == ["Bring the log back", "Retire the log", "Start the log"]
    kinds = _classes(page)
    assert "revision-restored" in kinds[0] and "revision-deleted" in kinds[1]
    # The restore is compared with the text it had when deleted: four words new, none lost.
    restore = " ".join(page.texts("li")[0].split())
    assert "+4 −0" in restore and "Entry after the restore." in restore
    assert page.texts("ins")[0].strip() == "Entry after the restore."


def test_the_same_content_at_two_paths_keeps_two_trails(blog):
    text = "# Twin\n\nIdentical words in two files.\n"
    blog.write("posts/original.md", text)
    blog.commit("Add the original", "2024-01-10T09:00:00+00:00")
    blog.write("posts/copy.md", text)
    blog.commit("Copy it", "2024-02-10T09:00:00+00:00")
    blog.write("posts/copy.md", text + "\nOnly the copy changes.\n")
    blog.commit("Change the copy", "2024-03-10T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/original") == ("2024-01-10T09:00:00+00:00",) * 2
    assert _dates(site, "posts/copy") == ("2024-02-10T09:00:00+00:00", "2024-03-10T09:00:00+00:00")
    assert _history(site, "posts/original").texts("h2") == ["Add the original"]
    assert _history(site, "posts/copy").texts("h2") == ["Change the copy", "Copy it"]


def test_a_merge_resolved_by_hand_is_a_revision_with_its_diff(blog):
    blog.write("posts/plan.md", "# Plan\n\nThe plan is simple.\n")
    blog.commit("Add the plan", "2024-01-10T09:00:00+00:00")
    blog.git("checkout", "-q", "-b", "side")
    blog.write("posts/plan.md", "# Plan\n\nThe plan is bold.\n")
    blog.commit("Bolder plan", "2024-01-12T09:00:00+00:00")
    blog.git("checkout", "-q", "main")
    blog.write("posts/plan.md", "# Plan\n\nThe plan is careful.\n")
    blog.commit("Careful plan", "2024-01-13T09:00:00+00:00")
    with pytest.raises(subprocess.CalledProcessError):
        blog.git("merge", "-q", "side")  # both changed the same line: a conflict
    blog.write("posts/plan.md", "# Plan\n\nThe plan is careful and bold.\n")
    merge = blog.commit("Merge side: keep both", "2024-01-14T09:00:00+00:00")
    assert len(blog.git("rev-list", "--parents", "-1", "HEAD").split()) == 3

    site = blog.build()
    page = _history(site, "posts/plan")
    # Newest first in git's topological order: the merge, then the branch it brought in.
    assert page.texts("h2") == [
        "Merge side: keep both",
        "Bolder plan",
        "Careful plan",
        "Add the plan",
    ]
    assert "revision-merged" in _classes(page)[0]
    # Compared with the first parent (main's "careful"), the hand resolution adds "and bold".
    merge_item = page.texts("li")[0]
    assert "+2 −0" in " ".join(merge_item.split())
    snapshot = parse_html(site / f"posts/plan/history/{merge[:7]}/index.html")
    assert "The plan is careful and bold." in snapshot.text
    feed = _feed(site / "posts/plan/feed.xml")
    assert feed.entries[0].title == "Merge side: keep both"


# Dates --------------------------------------------------------------------------------------


def test_out_of_order_and_future_author_dates(blog):
    blog.write("posts/odd.md", "# Odd\n\nOne.\n")
    blog.commit("Add", "2024-05-01T09:00:00+05:45")
    blog.write("posts/odd.md", "# Odd\n\nOne. Two.\n")
    blog.commit("Edit written earlier", "2024-03-01T09:00:00-12:00")
    site = blog.build()
    published, modified = _dates(site, "posts/odd")
    assert published == "2024-05-01T09:00:00+05:45"  # the commit that added it, whatever its date
    assert dt.datetime.fromisoformat(modified) >= dt.datetime.fromisoformat(published)

    blog.write("posts/odd.md", "# Odd\n\nOne. Two. Three.\n")
    blog.commit("Edit from the future", "2099-12-31T23:00:00+14:00")
    blog.write("posts/later.md", "# Later\n\nWords.\n")
    blog.commit("Add later", "2024-06-01T09:00:00+00:00")
    site = blog.build()
    assert _dates(site, "posts/odd") == ("2024-05-01T09:00:00+05:45", "2099-12-31T23:00:00+14:00")
    page = _history(site, "posts/odd")
    assert page.texts("h2") == ["Edit from the future", "Edit written earlier", "Add"]
    assert page.times == [
        "2099-12-31T23:00:00+14:00",
        "2024-03-01T09:00:00-12:00",
        "2024-05-01T09:00:00+05:45",
    ]
    assert "31 December 2099" in page.text or "31 December 2099" in _history(site, "posts/odd").text
    index = parse_html(site / "index.html")
    assert index.text.index("Later") < index.text.index("Odd")  # newest published first
    sitemap = (site / "sitemap.xml").read_text()
    assert "2099-12-31" in sitemap


def test_a_commit_dated_after_the_year_9999_is_named(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-10T09:00:00+00:00")
    blog.write("posts/a.md", "# A\n\nMore words.\n")
    sha = blog.commit("From far away", "@300000000000 +0000")
    with pytest.raises(RedraftError, match=f"commit {sha[:7]} is dated 11476-"):
        blog.build()


def test_mailmap_applies_to_pages_and_feeds(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-10T09:00:00+00:00", author="Old Name", email="old@example.org")
    blog.write(".mailmap", "New Name <new@example.org> <old@example.org>\n")
    blog.write("posts/a.md", "# A\n\nMore words.\n")
    blog.commit("Edit a", "2024-01-11T09:00:00+00:00", author="New Name", email="new@example.org")
    site = blog.build()
    page = _history(site, "posts/a")
    assert "Old Name" not in page.text and page.text.count("New Name") >= 2
    assert [e.author for e in _feed(site / "posts/a/feed.xml").entries] == ["New Name"] * 2


def test_a_mailmap_added_later_renames_old_revisions_on_a_cached_rebuild(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit("Add a", "2024-01-10T09:00:00+00:00", author="Old Name", email="old@example.org")
    assert "Old Name" in _history(blog.build(), "posts/a").text
    blog.write(".mailmap", "New Name <new@example.org> <old@example.org>\n")
    blog.commit("Map my old name", "2024-01-11T09:00:00+00:00")
    page = _history(blog.build(), "posts/a")
    assert "Old Name" not in page.text


def test_commit_messages_with_control_characters_still_build(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    blog.commit(
        "Add \x1b[31ma\x1b[0m\n\nPasted from a terminal \x07 bell.",
        "2024-01-10T09:00:00+00:00",
        author="Tab\x0bName",
    )
    site = blog.build()
    page = _history(site, "posts/a")
    assert page.texts("h2") == ["Add \ufffd[31ma\ufffd[0m"]
    assert "Pasted from a terminal \ufffd bell." in page.text
    assert _feed(site / "posts/a/feed.xml").entries[0].author == "Tab\ufffdName"


def test_an_empty_commit_message_still_has_a_title(blog):
    blog.write("posts/a.md", "# A\n\nWords.\n")
    sha = blog.commit("", "2024-01-10T09:00:00+00:00")
    site = blog.build()
    assert _history(site, "posts/a").texts("h2") == ["(no message)"]
    assert _feed(site / "posts/a/feed.xml").entries[0].title == f"Revision {sha[:7]}"


# Names --------------------------------------------------------------------------------------

ODD_NAMES = {
    "posts/with space.md": "posts/with space/",
    'posts/it\'s "quoted".md': 'posts/it\'s "quoted"/',
    "posts/café/日本語.md": "posts/café/日本語/",
    "posts/new\nline.md": "posts/new\nline/",
    "posts/-dash #hash %pct ?q.md": "posts/-dash #hash %pct ?q/",
}


def test_paths_with_spaces_quotes_non_ascii_and_newlines_work(blog):
    for n, path in enumerate(ODD_NAMES):
        blog.write(path, f"# Title {n}\n\nWords {n}.\n")
    blog.commit("Add oddly named posts", "2024-01-10T09:00:00+00:00")
    blog.git("mv", "posts/with space.md", "posts/with more space.md")
    blog.write("posts/new\nline.md", "# Title 3\n\nWords 3, edited.\n")
    blog.commit("Rename one, edit another", "2024-02-10T09:00:00+00:00")
    site = blog.build()
    urls = {**ODD_NAMES, "posts/with space.md": "posts/with more space/"}
    for n, url in enumerate(urls.values()):
        page = parse_html(site / url / "index.html")
        assert f"Words {n}" in page.text, url
        assert page.json_ld[0]["datePublished"] == "2024-01-10T09:00:00+00:00", url
    assert _history(site, "posts/new\nline").texts("h2") == [
        "Rename one, edit another",
        "Add oddly named posts",
    ]
    moved = _history(site, "posts/with more space")
    assert "Moved from /posts/with space/ to /posts/with more space/." in moved.text
    assert "/posts/with%20space/" in {a["href"] for a in moved.anchors}
    # Every link on the front page leads to a file of the site.
    index = parse_html(site / "index.html")
    for href in {a["href"] for a in index.anchors if a.get("href", "").startswith("/posts/")}:
        assert (site / unquote(href).lstrip("/") / "index.html").is_file(), href
    assert len(_feed(site / "feed.xml").entries) == len(ODD_NAMES)


def test_a_file_name_with_a_control_character_is_named(blog):
    blog.write("posts/bell\x07.md", "# Bell\n")
    blog.commit("Add", "2024-01-10T09:00:00+00:00")
    with pytest.raises(RedraftError, match=r"'posts/bell\\x07.md': the file name contains"):
        blog.build()


def test_a_name_of_dots_does_not_become_the_front_page(blog):
    blog.write("posts/...md", "# Dots\n\nNot the front page.\n")
    blog.write("posts/real.md", "# Real\n\nA real post.\n")
    blog.commit("Add", "2024-01-10T09:00:00+00:00")
    site = blog.build()
    assert "A real post" in parse_html(site / "index.html").text
    assert parse_html(site / "index.html").texts("h1") != ["Dots"]
    assert "Not the front page." in parse_html(site / "posts/...md/index.html").text


# Binary and huge files ----------------------------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00\xff" * 8


def test_a_binary_file_in_posts_is_copied_byte_for_byte(blog):
    blog.write("posts/photo/index.md", "# Photo\n\n![A pixel](pixel.png)\n")
    blog.write("posts/photo/pixel.png", PNG)
    blog.commit("Add a photo", "2024-01-10T09:00:00+00:00")
    blog.write("posts/photo/pixel.png", PNG + b"\x00")
    blog.commit("Change the pixel", "2024-01-11T09:00:00+00:00")
    site = blog.build()
    assert (site / "posts/photo/pixel.png").read_bytes() == PNG + b"\x00"
    assert parse_html(site / "posts/photo/index.html").sources == ["/posts/photo/pixel.png"]
    # The picture changing is not a revision of the post.
    assert _history(site, "posts/photo").texts("h2") == ["Add a photo"]


def test_a_binary_file_named_md_is_named(blog):
    blog.write("posts/pixel.md", PNG)
    blog.commit("Oops", "2024-01-10T09:00:00+00:00")
    with pytest.raises(RedraftError, match=r"^posts/pixel.md:1: not valid UTF-8 text"):
        blog.build()


def test_a_post_that_was_binary_once_still_builds(blog):
    blog.write("posts/was-binary.md", PNG)
    blog.commit("Commit the wrong file", "2024-01-10T09:00:00+00:00")
    blog.write("posts/was-binary.md", "# Fixed\n\nText at last.\n")
    blog.commit("Put the text in", "2024-01-11T09:00:00+00:00")
    site = blog.build()
    assert "Text at last." in parse_html(site / "posts/was-binary/index.html").text
    assert [e.title for e in _feed(site / "posts/was-binary/feed.xml").entries] == [
        "Put the text in",
        "Commit the wrong file",
    ]


def _huge_text(seed: int) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "notes", "git", "post", "words", "trail"]
    paragraphs, size = [], 0
    while size < 10_000_000:
        paragraph = " ".join(rng.choice(words) for _ in range(80))
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "# Huge\n\n" + "\n\n".join(paragraphs) + "\n", paragraphs


def _build_within(root: Path, seconds: float) -> float:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(REDRAFT), "build", "-C", str(root), "-q", "--no-cache"],
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"building a 10 MB post took more than {seconds} s")
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def test_a_huge_post_builds_in_reasonable_time(blog):
    text, _ = _huge_text(1)
    blog.write("posts/huge.md", text)
    blog.commit("Add a 10 MB post", "2024-01-10T09:00:00+00:00")
    _build_within(blog.root, 60)
    page = blog.root / "_site/posts/huge/index.html"
    assert page.stat().st_size > 10_000_000


def test_a_huge_post_edited_once_builds_in_reasonable_time(blog):
    text, paragraphs = _huge_text(2)
    blog.write("posts/huge.md", text)
    blog.commit("Add a 10 MB post", "2024-01-10T09:00:00+00:00")
    paragraphs[len(paragraphs) // 2] += " edited"
    blog.write("posts/huge.md", "# Huge\n\n" + "\n\n".join(paragraphs) + "\n")
    blog.commit("Edit one paragraph", "2024-01-11T09:00:00+00:00")
    _build_within(blog.root, 45)
    page = _history(blog.root / "_site", "posts/huge")
    newest_change = page.texts("ins")[0]  # the history lists the edit first, the addition last
    assert newest_change.strip() == "edited"


def test_drafts_preview_of_odd_names_in_the_working_tree(blog):
    blog.write("posts/committed.md", "# Committed\n\nWords.\n")
    blog.commit("Add", "2024-01-10T09:00:00+00:00")
    blog.write("posts/untracked name é.md", "# Untracked\n\nPreview words.\n")
    result = CliRunner().invoke(main, ["build", "-C", str(blog.root), "--drafts", "-q"])
    assert result.exit_code == 0, result.output
    assert (
        "Preview words." in parse_html(blog.root / "_site/posts/untracked name é/index.html").text
    )
    os.remove(blog.root / "posts/untracked name é.md")
