"""Living documents: history pages, snapshots, RFC 5829 links, revision feeds and redirects."""

import re

import feedparser
import pytest
from click.testing import CliRunner

from conftest import parse_html
from redraft.cli import main

A = "# Field notes\n\nAlpha words begin the notes.\n"
B = A + "\nBravo paragraph arrives on a branch.\n"
C = B.replace("Alpha words", "Charlie words") + "\nCharlie closing line.\n"
C_MINOR = C.replace("closing line", "closing line!")


@pytest.fixture
def living(blog):
    """A post with A, a rename, B on a merged branch, C on main, and a [minor] fix."""
    blog.write("posts/notes.md", A)
    shas = {"A": blog.commit("Begin the notes", "2024-01-10T09:00:00+01:00")}
    blog.git("mv", "posts/notes.md", "posts/field-notes.md")
    shas["rename"] = blog.commit("Rename the notes", "2024-01-20T09:00:00+01:00")
    blog.git("checkout", "-q", "-b", "side")
    blog.write("posts/field-notes.md", B)
    shas["B"] = blog.commit("Add the bravo paragraph", "2024-02-10T09:00:00-05:00")
    blog.git("checkout", "-q", "main")
    blog.write("other.txt", "unrelated\n")
    blog.commit("Unrelated change on main", "2024-02-11T09:00:00+00:00")
    merge_date = "2024-02-12T09:00:00+00:00"
    blog.git(
        "merge", "-q", "--no-ff", "side", "-m", "Merge side",
        env={"GIT_AUTHOR_DATE": merge_date, "GIT_COMMITTER_DATE": merge_date},
    )  # fmt: skip
    blog.write("posts/field-notes.md", C)
    message = "Rewrite the opening\n\nAlpha was the wrong word."
    shas["C"] = blog.commit(message, "2024-03-10T09:00:00+09:00")
    blog.write("posts/field-notes.md", C_MINOR)
    shas["minor"] = blog.commit("Punctuation [minor]", "2024-03-11T09:00:00+00:00")
    blog.shas = shas
    return blog


def test_history_page_lists_every_revision_newest_first_with_dates(living):
    site = living.build()
    page = parse_html(site / "posts/field-notes/history/index.html")
    assert page.texts("h2") == [
        "Punctuation",
        "Rewrite the opening",
        "Add the bravo paragraph",
        "Rename the notes",
        "Begin the notes",
    ]
    assert page.times == [
        "2024-03-11T09:00:00+00:00",
        "2024-03-10T09:00:00+09:00",
        "2024-02-10T09:00:00-05:00",
        "2024-01-20T09:00:00+01:00",
        "2024-01-10T09:00:00+01:00",
    ]
    assert "Alpha was the wrong word." in page.text
    assert "Moved from /posts/notes/ to /posts/field-notes/." in page.text
    assert "minor" in page.texts("li")[0]


def test_diffs_mark_added_and_removed_words(living):
    page = parse_html(living.build() / "posts/field-notes/history/index.html")
    assert "Charlie" in page.texts("ins")
    assert "Alpha" in page.texts("del")
    # The branch edit is compared with its own parent: it adds, and removes nothing.
    bravo = next(t for t in page.texts("li") if t.strip().startswith("Add the bravo"))
    assert "+6 −0" in " ".join(bravo.split())


def test_snapshots_show_the_words_of_their_time_and_chain(living):
    site = living.build()
    history = site / "posts/field-notes/history"
    short = {k: v[:7] for k, v in living.shas.items()}
    first = parse_html(history / short["A"] / "index.html")
    assert "Alpha words begin the notes." in first.text
    assert "Charlie" not in first.text
    assert "You are reading the version of 10 January 2024" in first.text
    assert first.link("latest-version") == "/posts/field-notes/"
    assert first.link("canonical") == "https://example.org/posts/field-notes/"
    assert first.link("predecessor-version") is None

    chain, url = [], first.link("successor-version")
    while url:
        chain.append(url)
        page = parse_html(site / url.strip("/") / "index.html")
        earlier = [f"/posts/field-notes/history/{short['A']}/", *chain]
        assert page.link("predecessor-version") in earlier
        url = page.link("successor-version")
    assert chain == [f"/posts/field-notes/history/{short[k]}/" for k in ("B", "C", "minor")]
    assert not (history / short["rename"]).exists()  # a pure rename has no new words to show


def test_post_page_links_its_history_and_feed(living):
    page = parse_html(living.build() / "posts/field-notes/index.html")
    assert page.link("version-history") == "/posts/field-notes/history/"
    feeds = [ln["href"] for ln in page.links if ln.get("type") == "application/atom+xml"]
    assert feeds == ["/feed.xml", "/posts/field-notes/feed.xml"]
    assert re.search(
        r"Published 10 January 2024 · Updated 10 March 2024 · 4 revisions \(1 minor\) · moved once",
        page.text,
    )


def test_revision_feed_has_one_entry_per_non_minor_revision(living):
    feed = feedparser.parse((living.build() / "posts/field-notes/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == [
        "Rewrite the opening",
        "Add the bravo paragraph",
        "Begin the notes",
    ]
    short = living.shas["C"][:7]
    assert feed.entries[0].link == f"https://example.org/posts/field-notes/history/{short}/"
    assert re.search(r"<ins[^>]*>Charlie</ins>", feed.entries[0].content[0].value)
    assert feed.entries[0].published == "2024-03-10T09:00:00+09:00"


def test_entry_ids_survive_rebuilds_and_renames(living):
    before = feedparser.parse((living.build() / "posts/field-notes/feed.xml").read_bytes())
    site_before = feedparser.parse((living.root / "_site/feed.xml").read_bytes())
    living.git("mv", "posts/field-notes.md", "posts/notes-from-the-field.md")
    living.commit("Rename again", "2024-04-01T09:00:00+00:00")
    site = living.build()
    after = feedparser.parse((site / "posts/notes-from-the-field/feed.xml").read_bytes())
    site_after = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    assert site_after.entries[0].id == site_before.entries[0].id


def test_every_former_url_redirects_to_the_current_one(living):
    living.git("mv", "posts/field-notes.md", "posts/notes-from-the-field.md")
    living.commit("Rename again", "2024-04-01T09:00:00+00:00")
    site = living.build()
    for former in ("posts/notes", "posts/field-notes"):
        page = parse_html(site / former / "index.html")
        assert page.link("canonical") == "https://example.org/posts/notes-from-the-field/"
        refresh = [e for t, e in page.elements if t == "meta" and e.get("http-equiv") == "refresh"]
        assert refresh[0]["content"] == "0; url=/posts/notes-from-the-field/"


def test_site_feed_updated_moves_when_a_living_document_changes(living):
    feed = feedparser.parse((living.build() / "feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].updated == "2024-03-10T09:00:00+09:00"
    assert feed.entries[0].published == "2024-01-10T09:00:00+01:00"


def test_mailmap_names_the_author_as_they_want(blog):
    blog.write(".mailmap", "Ada Lovelace <ada@example.org> Ada Tester <ada@example.org>\n")
    blog.write("posts/a.md", "# A\n\nText.\n")
    blog.commit("Add a", "2024-01-01T10:00:00+00:00")
    page = parse_html(blog.build() / "posts/a/history/index.html")
    assert "Ada Lovelace" in page.text
    assert "Ada Tester" not in page.texts("li")[0]


def test_history_command_prints_one_line_per_revision(living):
    args = ["history", "--root", str(living.root), "posts/field-notes.md"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert lines[-1] == "4 revisions (1 minor) · moved once"  # as the site counts them
    assert lines[0].startswith("2024-03-11 09:00 +0000") and "Punctuation [minor]" in lines[0]
    assert "renamed" in lines[3] and living.shas["rename"][:7] in lines[3]
    with_diff = CliRunner().invoke(main, [*args, "--diff"])
    assert "Charlie closing line" in with_diff.output
