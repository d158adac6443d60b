"""What a word is: rendered HTML split into tags, words, spaces and punctuation.

One tokenizer for every count a reader sees (a page's words, a revision's words, a diff's
+added/−removed), so the numbers add up: a revision's words plus what its diff added, minus what
it removed, are the next revision's words. Words are counted in the rendered page, never in its
Markdown source: link addresses, markup and front matter are not words.
"""

from __future__ import annotations

import functools
import html
import re
from typing import NamedTuple

# Tags (quoted attribute values may hold '>'), comments, and elements kept whole: maths and
# drawings cannot hold diff marks, and script or style text is not prose.
_MARKUP_PATTERN = (
    r"<(?P<whole>math|svg|script|style|textarea)\b.*?</(?P=whole)\s*>"
    r"|<!--.*?-->"
    r"|<[A-Za-z/!?][^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>"
)
_MARKUP = re.compile(_MARKUP_PATTERN, re.DOTALL | re.IGNORECASE)
# The same, as one group around the whole-element name, for re.split (see `cut`).
_CUT = re.compile(f"({_MARKUP_PATTERN})", re.DOTALL | re.IGNORECASE)
# Where a block may hold an element kept whole or leave one open (see count_closed): a
# comment, or a tag of an element kept whole.
_MAY_OPEN = re.compile(r"<!--|</?(?:math|svg|script|style|textarea)\b", re.IGNORECASE)
_UNITS = re.compile(r"\s+|\w+(?:[-'’]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
# Elements with no end tag: they open nothing.
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


class Token(NamedTuple):
    kind: str  # tag, text (a run of text, or one word, space run or mark of it), atom
    raw: str  # as it stands in the HTML
    text: str  # what a reader reads: '' for a tag


# A unit of text holding a character HTML escapes is that one character (see _UNITS).
_ESCAPED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


class Cut(NamedTuple):
    """Markup cut at its tags and whole elements (see `cut`)."""

    texts: tuple[str, ...]  # the run of text before each piece and after the last ('' if none)
    pieces: tuple[str, ...]  # each tag or element kept whole, as it stands
    names: tuple[str | None, ...]  # each piece's element name if kept whole (math...), else None


def cut(markup: str) -> Cut:
    """`markup` cut at its tags and whole elements at C speed: what `segments` gives, without
    decoding the text. Every block of every revision is counted and split, so none is made a
    token at a time."""
    found = tuple(_CUT.split(markup))
    return Cut(found[::3], found[1::3], found[2::3])


_WHOLE = frozenset(["math", "svg", "script", "style", "textarea"])


def closed(markup: str) -> bool:
    """Whether `markup`, put before or after any other closed markup, splits into the same
    pieces as it does alone: it starts with a tag, and every element kept whole, comment and
    tag ends within it (raw HTML may leave one open for a later block to close). A page made of
    closed blocks can be split and counted one block at a time."""
    return count_closed(markup)[1]


def count_closed(markup: str) -> tuple[int, bool]:
    """`count_html(markup)` and `closed(markup)`, in one pass."""
    found = cut(markup)
    texts = " ".join(found.texts)
    # Text first, or a '<' no tag matched: raw HTML left open.
    alone = bool(markup) and not found.texts[0] and "<" not in texts
    total = 0
    if _MAY_OPEN.search(markup):  # maths, a drawing, a script or a comment: look closer
        for raw, name in zip(found.pieces, found.names, strict=True):
            if name:  # an element kept whole: its text is decoded already
                total += count(_plain(raw))
            elif (raw.startswith("<!--") and not raw.endswith("-->")) or tag_name(raw) in _WHOLE:
                # A comment never closed, or an element kept whole whose end tag is elsewhere.
                alone = False
    # Entities are decoded after joining: a space ends any entity as a tag did, and a tag
    # ends a word as a space does.
    return total + count(html.unescape(texts)), alone


def segments(markup: str) -> list[Token]:
    """`markup` as tags, whole elements and runs of text (not yet split into words)."""
    found: list[Token] = []
    position = 0
    for match in _MARKUP.finditer(markup):
        if match.start() > position:
            raw = markup[position : match.start()]
            found.append(Token("text", raw, html.unescape(raw)))
        raw = match.group(0)
        found.append(Token("atom", raw, _plain(raw)) if match.group(1) else Token("tag", raw, ""))
        position = match.end()
    if position < len(markup):
        raw = markup[position:]
        found.append(Token("text", raw, html.unescape(raw)))
    return found


def tokens(markup: str) -> list[Token]:
    """`markup` as tags, whole elements, and its text one word, space run or mark at a time."""
    found: list[Token] = []
    for segment in segments(markup):
        if segment.kind != "text":
            found.append(segment)
            continue
        found.extend(_units(segment.text))
    return found


# Bounded: a worker splits the text of many posts; a living document's revisions repeat theirs.
@functools.lru_cache(maxsize=8192)
def _units(text: str) -> tuple[Token, ...]:
    """A run of text one word, space run or mark at a time."""
    return tuple(Token("text", _ESCAPED.get(unit, unit), unit) for unit in _UNITS.findall(text))


def _plain(raw: str) -> str:
    """The text a reader reads in a whole element: a formula's symbols, no script or style."""
    if tag_name(raw) in ("script", "style"):
        return ""
    return html.unescape(" ".join(re.sub(r"<[^>]*>", " ", raw).split()))


# Pages repeat the same few tags thousands of times.
@functools.lru_cache(maxsize=8192)
def tag_name(raw: str) -> str:
    match = _TAG_NAME.match(raw)
    return match.group(1).lower() if match else ""


def opens(raw: str) -> bool:
    """Whether a tag opens an element that a later end tag closes."""
    name = tag_name(raw)
    return bool(name) and not raw.startswith("</") and name not in VOID and not raw.endswith("/>")


def count(text: str) -> int:
    """Words in plain text."""
    return len(_WORD.findall(text))


def count_html(markup: str) -> int:
    """Words a reader reads in rendered HTML (a word never runs across a tag)."""
    return count_closed(markup)[0]
