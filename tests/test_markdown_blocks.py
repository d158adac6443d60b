"""Rendering a post's revisions block by block, through one memo, gives the very HTML, table
of contents and word count of rendering each revision whole, and splitting the page for a diff
block by block gives its blocks split whole.

The documents are made of lines chosen to cross block boundaries: headings after blank lines
(where sections are cut) inside fences, maths and HTML blocks, lazy lines after lists and
quotes, reference links defined in one section and used in another, duplicate headings.
"""

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redraft import markdown
from redraft.diffs import Splitter, split_blocks
from redraft.markdown import BlockMemo, render_blocks, render_markdown

EXAMPLES = settings(
    max_examples=int(os.environ.get("REDRAFT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_LINES = st.sampled_from(
    ["", "", "", "# Title", "## Notes", "## Notes", "### Deep", "#", "text with [a link][ref]",
     "[ref]: /elsewhere", "[ref]: /first 'Title'", "- item", "- [ ] task", "- [x] done", "1. one",
     "  indented", "    code", "```", "```sh", "````", "~~~", "  ```", "    ```", "``` a`b",
     "$$", "$$x^2$$", "$$ x", "a $y$ b", "> quote", "> ```", "term", ": definition", "<div>",
     "</div>", "<!-- note -->", "<!--", "-->", "<script>", "</script>", "<pre>", "</pre>",
     '<p id="notes">raw</p>', "<b>bold</b> text", "| a | b |", "|---|---|", "| 1 | 2 |", "---",
     "***", "Setext", "===", "![img](pic.png)", "plain words here", "[^1]", "[^1]: a note",
     "# Notes", "#\tTabbed", "## fn-1", "* star", "+ plus", "2) two", "   > deep", "> > nested",
     "  - sub", "   ```", "\t```", "<pre>x</pre>", "<?php", "?>", "<![CDATA[", "]]>", "<textarea>",
     "</textarea>", "<style>", "</style>", "<!DOCTYPE html>", "<section>", "</section>"]
)  # fmt: skip
_DOCUMENT = st.lists(_LINES, max_size=40).map("\n".join)


def _both_ways(revisions: list[str]) -> None:
    memo, splitter = BlockMemo(), Splitter()
    for text in revisions:
        whole = render_markdown(text)
        rendered, parts = render_blocks(text, memo=memo)
        assert rendered == whole, text
        assert rendered.words == whole.words, text
        if parts is not None:
            assert "".join(parts) == whole.html
        for inert in (True, False):
            by_block = splitter.split(rendered.html, parts, inert=inert)
            assert by_block == split_blocks(whole.html, inert=inert), text


@EXAMPLES
@given(st.lists(_DOCUMENT, min_size=1, max_size=4))
def test_revisions_render_the_same_block_by_block(revisions):
    _both_ways(revisions)


@EXAMPLES
@given(_DOCUMENT, st.lists(st.tuples(st.integers(0, 40), _LINES), max_size=6))
def test_a_history_of_line_edits_renders_the_same(first, edits):
    """Each revision changes one line of the one before, as a living document's do."""
    revisions = [first]
    for at, line in edits:
        lines = revisions[-1].split("\n")
        lines[min(at, len(lines) - 1)] = line
        revisions.append("\n".join(lines))
    _both_ways(revisions)


@pytest.mark.parametrize(
    "text",
    [
        "## A\n\ntext\n\n## A\n\nmore\n",  # duplicate headings: ids from the whole page
        "[x]: /one\n\n## A\n\n[x] here\n\n## B\n\n[x]: /two\n\n[x] again\n",
        "```\n\n# not a heading\n\n```\n\n# Heading\n",
        "- item\n```sh\ncode\n\n# comment in code\n```\n\n# After\n",
        "$$\nx\n\n# not\n$$\n\n# After\n",
        "<div>\n```\n</div>\n\n# After\n\n```\n\n# In code\n",
        "<!--\n\n# in a comment\n\n-->\n\n# After\n",
        "text[^1]\n\n# A\n\n[^1]: note\n\n# B\n\nmore[^1]\n",
        "> quote\n```\n\n# in code?\n```\n",
        "> quote\n- item\n\n# Notes\n",  # a list breaks the quote: mistune orders them oddly
        "- item\n</script>\n<?php\n\n# Title\n",  # <?php runs to ?>, past the heading
        "- [ ] task\n\n# A\n\n- [x] done\n",
        "<math><mi>x</mi></math>\n\n# A\n\n<svg/>\n\n# B\n\n</svg>\n",
    ],
)
def test_documents_that_cross_sections_render_the_same(text):
    _both_ways([text, text.replace("# A", "# A changed"), text])


def test_a_heading_reads_its_reference_links_in_each_revision():
    """A heading's text in the table of contents is kept per set of reference links: a link
    defined in one revision and gone in the next is a link, then text as written."""
    heading = "## See [the docs][r] and *more*\n\ntext\n"
    _both_ways(
        [f"[r]: /a\n\n{heading}", heading, f"[r]: /b 'B'\n\n{heading}", f"[r]: /a\n\n{heading}"]
    )
    with_link = render_blocks(f"[r]: /a\n\n{heading}", memo=BlockMemo())[0]
    without = render_blocks(heading, memo=BlockMemo())[0]
    assert with_link.toc[0][2] == "See the docs and more"
    assert without.toc[0][2] == "See [the docs][r] and more"


# What markdown.py's line patterns find, written with a multiline `^` (as they were).
_AT_LINE_START = {
    "_OPENER": re.compile(r"^( *)(`{3,}|~{3,}|\$\$|<)([^\n]*)$", re.MULTILINE),
    "_HTML_TO_END": re.compile(r"^ {0,3}<(?:script|pre|style|textarea|[!?])", re.M | re.I),
    "_BROKEN_QUOTE": re.compile(r"^ {0,3}>[^\n]*\n(?![ \t]*(?:\n|$)| {0,3}>)", re.MULTILINE),
}


@EXAMPLES
@given(_DOCUMENT.map(lambda text: text + "\n"))
def test_line_patterns_find_the_lines_a_multiline_caret_finds(text):
    for name, reference in _AT_LINE_START.items():
        found = [
            (m.start(), m.end() - 1, m.groups())
            for m in getattr(markdown, name).finditer("\n" + text)
        ]
        assert found == [(m.start(), m.end(), m.groups()) for m in reference.finditer(text)]
