"""What readers see of a living document's history: rendered diffs, one count, the chart, feeds."""

import re
import xml.etree.ElementTree as ET
from itertools import pairwise

import feedparser
import pytest
from click.testing import CliRunner

from conftest import parse_html
from redraft.cli import main
from redraft.diffs import as_text, rendered_diff

FRONT = "---\ntitle: {title}\ntags: [career]\n---\n\n"
V1 = """Intro paragraph about careers.

## Staff engineering

- Write things down
- Review designs

See [the notes](#staff-engineering) and a footnote.[^1]

[^1]: The footnote text.
"""
V2 = V1.replace("- Review designs", "- Review designs\n- Mentor people") + (
    "\n## Management\n\nManagers multiply the work of others.\n"
)
V3 = V2.replace("Managers multiply", "Managers amplify")
V4 = V3.replace("careers.", "careers!")  # one character, a minor fix
V5 = V4.replace("Intro paragraph", "Opening paragraph")


@pytest.fixture
def career(blog):
    """'Career thoughts': five revisions (two on one day, one minor) and a move."""
    blog.write("posts/career.md", FRONT.format(title="Career notes") + V1)
    shas = {"v1": blog.commit("First notes", "2024-01-10T09:00:00+00:00")}
    blog.write("posts/career.md", FRONT.format(title="Career thoughts") + V2)
    shas["v2"] = blog.commit("Add management", "2024-03-01T09:00:00+00:00")
    blog.write("posts/career.md", FRONT.format(title="Career thoughts") + V3)
    shas["v3"] = blog.commit("Sharper verb", "2024-03-01T15:00:00+00:00")
    blog.write("posts/career.md", FRONT.format(title="Career thoughts") + V4)
    shas["v4"] = blog.commit("Punctuation [minor]", "2024-04-01T09:00:00+00:00")
    blog.git("mv", "posts/career.md", "posts/career-thoughts.md")
    shas["move"] = blog.commit("Move the page", "2024-05-01T09:00:00+00:00")
    blog.write("posts/career-thoughts.md", FRONT.format(title="Career thoughts") + V5)
    shas["v5"] = blog.commit("Reword the opening", "2024-06-01T09:00:00+00:00")
    blog.shas = shas
    return blog


def _revision(page_path, short):
    """The HTML of one revision's entry on a history page."""
    text = page_path.read_text()
    start = text.rindex('<li class="revision', 0, text.index(f'id="r-{short}"'))
    end = text.find('<li class="revision', start + 1)
    return text[start : end if end > 0 else len(text)]


def test_diffs_show_the_page_not_its_markdown(career):
    site = career.build()
    history = site / "posts/career-thoughts/history/index.html"
    added = _revision(history, career.shas["v2"][:7])
    # A heading is a heading, a list item an item, and the front matter is never text.
    # (one level down, under the revision's own heading)
    assert "<h3><ins>Management</ins></h3>" in added
    assert "<li><ins>Mentor people</ins></li>" in added
    assert "---" not in added and "title:" not in added and "## " not in added
    assert "Title changed from “Career notes” to “Career thoughts”" in added
    assert '+9</span> <span class="removed">−0</span> words' in added


def test_a_changed_word_is_marked_and_counted_once_each_way(career):
    history = career.build() / "posts/career-thoughts/history/index.html"
    entry = _revision(history, career.shas["v3"][:7])
    assert "<del>multiply</del>" in entry and "<ins>amplify</ins>" in entry
    assert re.search(r"\+1</span> <span class=\"removed\">−1</span> words", entry)
    minor = _revision(history, career.shas["v4"][:7])
    # A changed mark is shown, though no word changed.
    assert "<ins>!</ins>" in minor and "<del>.</del>" in minor
    assert "punctuation, links or formatting; no words" in minor


def test_one_changed_letter_marks_its_word_and_counts_it():
    diff = rendered_diff("<p>The colour red.</p>\n", "<p>The color red.</p>\n")
    assert (diff.added, diff.removed) == (1, 1)
    assert diff.blocks[0].html == "<p>The <del>colour</del> <ins>color</ins> red.</p>"


def test_one_count_everywhere(career):
    site = career.build()
    expected = "5 revisions (1 minor) · moved once"
    post = parse_html(site / "posts/career-thoughts/index.html")
    assert expected in post.text
    assert post.json_ld[0]["version"] == 5
    history = parse_html(site / "posts/career-thoughts/history/index.html")
    assert f"{expected}, newest first" in history.text
    caption = next(t for t in post.texts("p") + [post.text] if "Changed over time" in t)
    assert expected in caption
    assert expected in parse_html(site / "index.html").text
    feed = feedparser.parse((site / "posts/career-thoughts/feed.xml").read_bytes())
    assert expected in feed.feed.subtitle
    args = ["history", "--root", str(career.root), "posts/career-thoughts.md"]
    assert CliRunner().invoke(main, args).output.splitlines()[-1] == expected
    # The history lists the same revisions the count names, plus the move.
    assert len(history.texts("h2")) == 6
    assert len(feed.entries) == 4  # the minor one has none


def test_words_add_up_across_revisions(career):
    site = career.build()
    history = site / "posts/career-thoughts/history/index.html"
    words = []
    for key in ("v1", "v2", "v3", "v4", "v5"):
        short = career.shas[key][:7]
        snapshot = parse_html(site / f"posts/career-thoughts/history/{short}/index.html")
        counted = re.search(
            r'class="added">\+(\d+)</span> <span class="removed">−(\d+)', _revision(history, short)
        )
        added, removed = (int(counted[1]), int(counted[2])) if counted else (0, 0)
        words.append((int(re.search(r"(\d+) words", snapshot.text).group(1)), added, removed))
    for (before, _, _), (after, added, removed) in pairwise(words):
        assert before + added - removed == after


def test_latest_substantive_changes_are_open_and_minor_ones_folded(career):
    history = career.build() / "posts/career-thoughts/history/index.html"
    assert '<details class="changes" open>' in _revision(history, career.shas["v5"][:7])
    minor = _revision(history, career.shas["v4"][:7])
    assert "revision-minor" in minor and '<details class="changes">' in minor
    assert "[minor]" not in parse_html(history).texts("h2")[1]
    assert "Moved from /posts/career/ to /posts/career-thoughts/." in parse_html(history).text


def test_chart_has_axes_from_zero_dates_and_a_table(career):
    post = (career.build() / "posts/career-thoughts/index.html").read_text()
    svg = post[post.index("<svg") : post.index("</svg>")]
    assert re.search(r">0</text>", svg) and ">words</text>" in svg
    assert "10 January 2024</text>" in svg and "1 June 2024</text>" in svg
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert len(xs) == 5 and len(set(xs)) == 5  # the two revisions of 1 March stay apart
    links = re.findall(r'<a href="(/posts/career-thoughts/history/\w+/)"', svg)
    assert len(links) == 5
    table = post[post.index('<details class="timeline-data">') :]
    assert table.index("Reword the opening") < table.index("First notes")


def test_revision_feed_reads_well_without_the_site(career):
    site = career.build()
    raw = (site / "posts/career-thoughts/feed.xml").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo
    newest, first = feed.entries[0], feed.entries[-1]
    body = newest.content[0].value
    assert "<ins" in body and "background" in body  # styled inline, not by the site's CSS
    entry_xml = ET.fromstring(raw).findall("{http://www.w3.org/2005/Atom}entry")
    for entry in entry_xml:
        content = entry.find("{http://www.w3.org/2005/Atom}content").text
        for address in re.findall(r'(?:href|src)="([^"]*)"', content):
            assert address.startswith("https://example.org/"), address
    # The first version's entry is the post itself, not a diff of nothing.
    assert "<ins" not in first.content[0].value and "Intro paragraph" in first.content[0].value


def test_former_feed_address_keeps_its_subscribers(career):
    site = career.build()
    old = feedparser.parse((site / "posts/career/feed.xml").read_bytes())
    new = feedparser.parse((site / "posts/career-thoughts/feed.xml").read_bytes())
    assert [e.id for e in old.entries] == [e.id for e in new.entries]
    self_links = [ln.href for ln in old.feed.links if ln.rel == "self"]
    assert self_links == ["https://example.org/posts/career-thoughts/feed.xml"]


def test_newest_snapshot_does_not_contradict_itself(career):
    site = career.build()
    newest = parse_html(site / f"posts/career-thoughts/history/{career.shas['v5'][:7]}/index.html")
    assert "This is the latest version" in newest.text
    assert "Newest version" not in newest.text and "Read the latest version" not in newest.text


def test_a_post_published_once_shows_no_history_to_speak_of(blog):
    blog.write("posts/once.md", "# Once\n\nWritten once.\n")
    blog.commit("Write once", "2024-02-01T09:00:00+00:00")
    site = blog.build()
    post = parse_html(site / "posts/once/index.html")
    assert "revision" not in post.text and post.link("version-history") is None
    history = parse_html(site / "posts/once/history/index.html")
    assert "Published once, never revised." in history.text
    assert not history.texts("ins")


def test_history_diff_without_a_terminal_marks_changes_in_text(career):
    args = ["history", "--root", str(career.root), "posts/career-thoughts.md", "--diff"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "[-multiply-]{+amplify+}" in result.output
    assert "[-Intro-]{+Opening+}" in result.output
    assert "\x1b[" not in result.output


def test_a_reversed_long_post_is_diffed_whole():
    paragraphs = [f"<p>Paragraph {n} of the long post.</p>" for n in range(3000)]
    diff = rendered_diff("\n".join(paragraphs), "\n".join(reversed(paragraphs)))
    assert diff.added == diff.removed
    assert diff.added >= 2999 * 6  # all but one paragraph moved: removed and added
    assert "{+" in as_text(diff) and "[-" in as_text(diff)


def test_each_section_says_when_its_words_last_changed(career):
    site = career.build()
    text = (site / "posts/career-thoughts/index.html").read_text()
    dates = dict(
        re.findall(r'<h2 id="([\w-]+)">.*?</h2>\s*<p class="section-date"><a href="([^"]+)">', text)
    )
    history = "/posts/career-thoughts/history/"
    assert dates == {
        "staff-engineering": f"{history}#r-{career.shas['v2'][:7]}",
        "management": f"{history}#r-{career.shas['v3'][:7]}",
    }
    # Each link leads to an entry of the history page.
    page = (site / "posts/career-thoughts/history/index.html").read_text()
    for link in dates.values():
        assert f'id="{link.split("#")[1]}"' in page


def test_recent_changes_list_every_substantive_revision_newest_first(career, monkeypatch):
    import redraft.pages

    career.write("posts/other.md", "# Other\n\nAnother page.\n")
    career.commit("Add another page", "2024-05-15T09:00:00+00:00")
    monkeypatch.setattr(redraft.pages, "CHANGES_PER_PAGE", 1)
    site = career.build()
    first = parse_html(site / "changes/index.html")
    # Later pages are numbered from the oldest (page 2), so each keeps its changes as more come.
    pages, addresses = [first], ["/changes/"]
    while pages[-1].link("next"):
        addresses.append(pages[-1].link("next"))
        pages.append(parse_html(site / addresses[-1].lstrip("/") / "index.html"))
    assert len(pages) > 2 and pages[1].link("prev") == "/changes/"
    assert addresses[1:] == [f"/changes/page/{n}/" for n in range(len(pages), 1, -1)]
    subjects = [text for page in pages for text in page.texts("p")]
    listed = [
        s
        for s in subjects
        if s
        in {
            "Reword the opening",
            "Add another page",
            "Sharper verb",
            "Add management",
            "First notes",
            "Punctuation",
        }
    ]
    assert listed == [
        "Reword the opening",
        "Add another page",
        "Sharper verb",
        "Add management",
        "First notes",
    ]
    for anchor in first.anchors:
        if "/history/#" in anchor.get("href", ""):
            page, fragment = anchor["href"].split("#")
            assert f'id="{fragment}"' in (site / page.lstrip("/") / "index.html").read_text()
    feed = feedparser.parse((site / "changes/feed.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries][:2] == [
        "Career thoughts: Reword the opening",
        "Other: Add another page",
    ]
    own = feedparser.parse((site / "posts/career-thoughts/feed.xml").read_bytes())
    assert feed.entries[0].id == own.entries[0].id
    assert feed.entries[0].link.startswith("https://example.org/posts/career-thoughts/history/#r-")


def test_a_changed_link_or_checkbox_is_marked_though_no_word_changed():
    old, new = '<p>See <a href="/a">mosh</a>.</p>\n', '<p>See <a href="/b">mosh</a>.</p>\n'
    assert rendered_diff(old, new).blocks[0].html == (
        '<p>See <a class="diff-link" href="/b">mosh</a>.</p>'
    )
    box = rendered_diff(
        '<ul>\n<li><input type="checkbox" disabled>task</li>\n</ul>\n',
        '<ul>\n<li><input type="checkbox" disabled checked>task</li>\n</ul>\n',
    )
    assert '<ins><input type="checkbox" disabled checked></ins>task' in box.blocks[0].html
    assert (box.added, box.removed) == (0, 0)


def test_feed_diffs_carry_their_own_styles():
    from redraft.diffs import inline_styles

    styled = inline_styles("<p><ins>a</ins><del>b</del></p><pre>c</pre>")
    assert "<ins style=" in styled and "<del style=" in styled
    assert '<pre style="white-space:pre-wrap' in styled


def test_a_first_version_is_counted_not_diffed_word_by_word(blog, monkeypatch, read_page):
    """A first version adds every word: the history page gives its count and the feed its
    text, so the build does not mark each of its words as inserted. Later revisions are
    diffed as before."""
    from redraft import pages

    compared = []
    real = pages.rendered_diff
    monkeypatch.setattr(
        pages,
        "rendered_diff",
        lambda old, new, *a, **k: compared.append(old) or real(old, new, *a, **k),
    )
    blog.write("posts/once.md", "# Once\n\nThree little words.\n")
    blog.commit("Add once", "2024-03-01T10:00:00+00:00")
    blog.write("posts/once.md", "# Once\n\nThree little words, and more.\n")
    blog.commit("More words", "2024-03-02T10:00:00+00:00")
    site = blog.build()
    assert len(compared) == 1 and compared[0], "only the second revision was diffed"
    history = read_page(site / "posts/once/history/index.html")
    assert "First published with 3 words." in history.text
    assert "+2 −0 words" in " ".join(history.text.split())
    feed = feedparser.parse((site / "posts/once/feed.xml").read_bytes())
    assert "Three little words." in feed.entries[-1].content[0].value
