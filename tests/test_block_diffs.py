"""A long living document costs its changed blocks: built block by block, its pages are those of
rendering every revision whole, and an edit in a long list is diffed within the items it
touched."""

from conftest import files_of
from redraft import pages
from redraft.diffs import rendered_diff
from redraft.markdown import render_markdown

ITEMS = [f"- Item {n}: {' '.join(['word'] * 12)} number {n}." for n in range(60)]
LIST = "\n\n".join(ITEMS)


def _diff(old: str, new: str):
    return rendered_diff(render_markdown(old).html, render_markdown(new).html)


def test_a_removed_list_item_shows_as_a_removed_item():
    diff = _diff(LIST, LIST.replace(ITEMS[30] + "\n\n", ""))
    (changed,) = [b for b in diff.blocks if b.kind == "changed"]
    assert "<li><p><del>Item 30: word " in changed.html
    assert "number 30.</del></p>\n</li>" in changed.html
    assert "<li><p>Item 29: word" in changed.html and "<li><p>Item 31: word" in changed.html
    assert (diff.added, diff.removed) == (0, 16)


def test_an_edit_in_one_item_marks_only_its_words():
    diff = _diff(LIST, LIST.replace("Item 41: word", "Item 41: changed"))
    (changed,) = [b for b in diff.blocks if b.kind == "changed"]
    assert changed.html.count("<del>") == 1 and changed.html.count("<ins>") == 1
    assert "Item 41: <del>word</del> <ins>changed</ins> word" in changed.html
    assert (diff.added, diff.removed) == (1, 1)


REVISIONS = [
    "Intro with a [link][ref].\n\n## Tools\n\n" + LIST + "\n\n[ref]: /one\n",
    "Intro with a [link][ref].\n\n## Tools\n\n" + LIST.replace("Item 7:", "Item seven:") + "\n\n"
    "[ref]: /two\n\n## Tools\n\nA second section with the same heading.\n",
    "Intro.[^1]\n\n## Tools\n\n" + LIST + "\n\n[^1]: Now with a footnote.\n",
    "<div>\n\n## Tools\n\n</div>\n\n" + LIST + "\n\n```sh\n# a comment, not a heading\n```\n",
    "## Tools\n\n" + LIST.replace(ITEMS[3] + "\n\n", "") + "\n\n$$\nx^2\n\n# y\n$$\n",
]


def test_a_build_block_by_block_equals_rendering_each_revision_whole(blog, tmp_path, monkeypatch):
    """A history with reference links redefined, a footnote coming and going, raw HTML around a
    heading, a heading inside code and maths: the site is the same byte for byte."""
    for day, text in enumerate(REVISIONS, start=1):
        blog.write("posts/tools.md", f"---\ntitle: Tools\n---\n\n{text}")
        blog.commit(f"Revision {day}", f"2024-02-{day:02d}T10:00:00+00:00")
    by_block = files_of(blog.build(output=tmp_path / "by-block", cache=False))

    def whole(text: str, *, memo=None, **options):
        # No memo and no blocks: each revision parsed whole, its page split and counted whole.
        return render_markdown(text, **options), None

    monkeypatch.setattr(pages, "render_blocks", whole)
    assert files_of(blog.build(output=tmp_path / "whole", cache=False)) == by_block
