"""The fast ways words.py counts and splits rendered HTML agree with its tokens: a page's words
are those of its pieces (`segments`), whatever the HTML holds (entities, maths, comments and
raw HTML left open)."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redraft import words

EXAMPLES = settings(
    max_examples=int(os.environ.get("REDRAFT_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_PIECES = st.sampled_from(
    ["<p>", "</p>", "\n", " ", "word", "don", "'", "t", "&amp;", "&amp", "&#39;", "&#x27;", "&",
     "amp;", "&lt;", "<", ">", "x-y", "’", "é", "<math><mi>x</mi>&lt;<mn>2</mn></math>", "<math>",
     "</math>", "<svg><text>drawn words</text></svg>", "<script>var a = 1;</script>", "<style>",
     "<!-- note -->", "<!--", "-->", '<a href="/x" title="a > b">', "</a>", "<br>", "<img src=a>",
     "<pre><code>", "</code></pre>", "<textarea>", "</textarea>", "<!DOCTYPE html>", "<?php ?>",
     '<h2 id="a">', "</h2>", "1", "_", "-"]
)  # fmt: skip
_MARKUP = st.lists(_PIECES, max_size=30).map("".join)


_WHOLE = ("math", "svg", "script", "style", "textarea")


def _reference(markup: str) -> tuple[int, bool]:
    """count_closed as its docstring defines it, token by token."""
    found = words.segments(markup)
    alone = bool(found) and found[0].kind != "text"
    total = 0
    for token in found:
        if token.kind == "tag":
            unended = token.raw.startswith("<!--") and not token.raw.endswith("-->")
            if unended or words.tag_name(token.raw) in _WHOLE:
                alone = False
            continue
        total += words.count(token.text)
        if token.kind == "text" and "<" in token.raw:
            alone = False
    return total, alone


@EXAMPLES
@given(_MARKUP)
def test_counting_at_once_equals_counting_piece_by_piece(markup):
    assert words.count_closed(markup) == _reference(markup)
    assert words.count_html(markup) == _reference(markup)[0]


def test_entities_and_maths_count_as_a_reader_reads_them():
    assert words.count_html("<p>don&#39;t stop</p>") == 2
    assert words.count_html("<p>a&amp;b</p>") == 2
    # A formula's text is decoded once: '&amp;lt;' in MathML reads '&lt;' (a word), not '<'.
    assert words.count_html("<math><mi>&amp;lt;</mi></math>") == 1
    assert words.count_closed("text <p>") == (1, False)
    assert words.count_closed("<p>a</p><!-- open") == (2, False)  # not a comment: text


@EXAMPLES
@given(_MARKUP)
def test_cutting_gives_the_pieces_of_segments(markup):
    found = words.cut(markup)
    pieces = []
    for at, text in enumerate(found.texts):
        if text:
            pieces.append(("text", text))
        if at < len(found.pieces):
            pieces.append(("atom" if found.names[at] else "tag", found.pieces[at]))
    assert pieces == [(token.kind, token.raw) for token in words.segments(markup)]
