"""What changed between two revisions of a post, shown as the page shows it.

The two rendered bodies are split into top-level blocks (paragraphs, headings, lists, tables,
code). Blocks are matched by their HTML, so an unchanged block costs a comparison of strings;
only a changed pair is compared word by word (from the list items or lines where the two
differ: an edit in a long list costs the items it touched), and its changed words are marked
with <ins> and <del> inside the block's own markup: a heading stays a heading, a link a link.
Unchanged runs fold into a count. Front matter is never shown as text: a changed title, summary, tag or date
is one line each.

Why not lxml's htmldiff: it diffs a whole document at once (no folding, slow on a long living
document), drops <ins>/<del> a post itself uses, and can move a block's words into its
neighbour's markup (lxml issue #350). Matching blocks first keeps each word diff small.
"""

from __future__ import annotations

import functools
import hashlib
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from . import words
from .content import Post
from .words import Token

# Bump when the diff's output changes, so cached diffs are not reused.
DIFF_VERSION = "3"
# Above this many old x new items, SequenceMatcher (quadratic at worst) is not asked: blocks are
# matched on those that occur once in each (patience diffing), and words are shown replaced.
_MATCH_LIMIT = 4_000_000
# Container elements whose children must be elements: a deletion's text cannot stand there.
_CONTAINERS = frozenset(["ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"])
_LEFT_OUT = frozenset(
    ["script", "style", "iframe", "object", "embed", "frame", "base", "meta", "link"]
)
_HANDLER = re.compile(r"""\s+on[\w-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_SCRIPT_ADDRESS = re.compile(
    r"""\b(href|src|action|formaction|xlink:href)\s*=\s*(?:"\s*javascript:[^"]*"|'\s*javascript:[^']*'|javascript:[^\s>]*)""",
    re.IGNORECASE,
)
_ID = re.compile(r"""\s+id\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
_SECTION_HEADING = re.compile(r'<h2 id="([^"]+)"')
# What the site's stylesheet says about a diff, for places without it (feed readers).
_INLINE_STYLES = (
    ("<ins>", '<ins style="background:#d8f5d0;text-decoration:none">'),
    ("<del>", '<del style="background:#fbe0e0;color:#6b1d1d">'),
    ("<pre>", '<pre style="white-space:pre-wrap;overflow-wrap:anywhere">'),
    ('<a class="diff-link"', '<a style="background:#d8f5d0"'),
)
_DEL_AFTER_WORD = re.compile(r"(?<=\w)<del>")
_DEL_BEFORE_WORD = re.compile(r"</del>(?=\w|<ins>)")
_Opcode = tuple[str, int, int, int, int]  # as difflib's get_opcodes gives them
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_ITEMS = frozenset(["li", "tr", "dt", "dd"])


@dataclass(frozen=True)
class Block:
    """One top-level block of the diff."""

    kind: str  # same, ins, del, changed, fold
    html: str  # the block as the page shows it, changed words in <ins>/<del>; '' for a fold
    text: str  # the same as plain text, changes marked [-old-]{+new+}; a fold's label
    folded: int = 0  # blocks a fold hides


@dataclass(frozen=True)
class WordDiff:
    blocks: tuple[Block, ...]
    added: int  # words
    removed: int
    notes: tuple[str, ...] = ()  # front matter changes, one line each

    @property
    def unchanged(self) -> bool:
        return not self.notes and all(b.kind in ("same", "fold") for b in self.blocks)


Style = Callable[[str, str], str]  # (kind 'ins' or 'del', text) -> the text marked
# How a block's plain text holds its marks until `as_text` styles them: control characters,
# which no page text holds (history.py replaces them in every text it reads).
_MARK_KINDS = {"\x01": "ins", "\x03": "del"}
_MARKS = re.compile("([\x01\x03])(.*?)[\x02\x04]", re.DOTALL)


def plain_style(kind: str, text: str) -> str:
    """Marks as `git diff --word-diff=plain` writes them."""
    return f"{{+{text}+}}" if kind == "ins" else f"[-{text}-]"


def rendered_diff(
    old_html: str,
    new_html: str,
    notes: Sequence[str] = (),
    *,
    split: Callable[[str], tuple[str, ...]] | None = None,
) -> WordDiff:
    """What changed from one rendered body to the next, with unchanged blocks folded. `split`
    is `split_blocks` (the default), or a faster way to the same blocks."""
    split = split or split_blocks
    old_blocks, new_blocks = split(old_html), split(new_html)
    entries: list[_Entry] = []
    for op, i1, i2, j1, j2 in _opcodes(old_blocks, new_blocks):
        if op == "equal":
            entries.extend(_Entry("same", "", raw) for raw in new_blocks[j1:j2])
        else:
            entries.extend(_pairs(old_blocks[i1:i2], new_blocks[j1:j2]))
    shown: list[Block] = []
    added = removed = 0
    for entry in _fold(entries):
        if isinstance(entry, Block):
            shown.append(entry)
            continue
        block, plus, minus = _shown_block(entry)
        shown.append(block)
        added, removed = added + plus, removed + minus
    return WordDiff(tuple(shown), added, removed, tuple(notes))


def as_text(diff: WordDiff, style: Style = plain_style) -> str:
    """The diff for a terminal or a file: blocks as plain text, changes marked by `style`."""
    lines = [f"* {note}" for note in diff.notes]
    for block in diff.blocks:
        if block.kind == "fold":
            lines.append(f"   ⋯ {block.text} ⋯")
        else:
            lines.append(
                _MARKS.sub(lambda m: style(_MARK_KINDS[m.group(1)], m.group(2)), block.text)
            )
    return "\n\n".join(lines)


@dataclass(frozen=True)
class _Entry:
    """A block of the diff before it is shown: how it changed, its old and new HTML."""

    kind: str  # same, ins, del, changed
    old: str
    new: str

    @property
    def raw(self) -> str:
        return self.new or self.old


def split_blocks(markup: str, *, inert: bool = True) -> tuple[str, ...]:
    """Top-level elements of rendered HTML; the spaces between them are dropped. With `inert`,
    as the history page shows them (see `_inert`), without heading anchors.

    Only tags are looked at (words are split later, in changed blocks only). A revision's HTML
    is split as the new side of one diff and the old side of the next: the last few are kept.
    """
    return _split_whole(markup, inert)


@functools.lru_cache(maxsize=8)
def _split_whole(markup: str, inert: bool) -> tuple[str, ...]:
    return _split(markup, inert, alone=False)[0]


class Splitter:
    """`split_blocks` of pages given as the HTML of their Markdown blocks: each distinct block
    is split once, as most are shared by a post's revisions. Made per post."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, bool], tuple[tuple[str, ...], bool]] = {}

    def split(
        self, markup: str, parts: Sequence[str] | None, *, inert: bool = True
    ) -> tuple[str, ...]:
        """`split_blocks(markup)`, where `parts` joined are `markup`, each closed (see
        words.closed), or None: not known."""
        if parts is None:
            return split_blocks(markup, inert=inert)
        found: list[str] = []
        for part in parts:
            split = self._memo.get((part, inert))
            if split is None:
                split = self._memo[part, inert] = _split(part, inert, alone=True)
            if not split[1]:
                # Raw HTML may leave an element open for a later block to close.
                return split_blocks(markup, inert=inert)
            found.extend(split[0])
        return tuple(found)


def _split(markup: str, inert: bool, *, alone: bool) -> tuple[tuple[str, ...], bool]:
    """`split_blocks`, and, if asked (`alone`), whether closed `markup` (see words.closed)
    splits the same wherever it stands in a page: it ends where no element, block or anchor
    is open."""
    blocks: list[str] = []
    current: list[str] = []
    depth = 0
    in_anchor = False  # a heading's '#' link: a page's own navigation, not its words
    found = words.cut(markup)
    for at, text in enumerate(found.texts):
        if text and not in_anchor and (depth or current or not text.isspace()):
            current.append(text)
            if not depth and text[-1] == "\n":
                blocks.append("".join(current).rstrip())
                current = []
        if at == len(found.pieces):
            break
        raw = found.pieces[at]
        atom = found.names[at] is not None
        name = words.tag_name(raw)
        if inert:
            if name == "a" and (in_anchor or 'class="anchor"' in raw):
                in_anchor = raw[1] != "/"
                continue
            if in_anchor:
                continue
            raw = _inert(atom, name, raw)
        current.append(raw)
        if not atom:
            if raw[:2] == "</":
                depth = max(0, depth - 1)
            elif raw and name and name not in words.VOID and raw[-2:] != "/>":
                # words.opens(raw), with the name already known ('' when left out: no tag)
                depth += 1
        if not depth:
            blocks.append("".join(current).rstrip())
            current = []
    alone = alone and not current and not in_anchor
    if current:
        blocks.append("".join(current).rstrip())
    return tuple(block for block in blocks if block), alone


def section_fingerprints(markup: str, blocks: Sequence[str] | None = None) -> dict[str, str]:
    """A hash of each `##` section's HTML, by the section's heading id ('' for what precedes
    the first): a section whose hash changed between two revisions had its words changed.
    `blocks` are `split_blocks(markup, inert=False)` when already known."""
    parts: dict[str, list[str]] = {}
    section = ""
    for block in split_blocks(markup, inert=False) if blocks is None else blocks:
        heading = _SECTION_HEADING.match(block)
        if heading:
            section = heading.group(1)
        elif block.startswith('<section class="footnotes"'):
            section = "#footnotes"  # notes gathered at the end belong to no one section
        parts.setdefault(section, []).append(block)
    return {
        name: hashlib.sha1("\0".join(blocks).encode("utf-8")).hexdigest()
        for name, blocks in parts.items()
    }


def _inert(atom: bool, name: str, raw: str) -> str:
    """A post's own HTML made inert for the history page, which never runs what a revision
    held: scripts, styles and embedded frames are left out, event handlers and javascript:
    addresses dropped. The post's page and snapshots show the HTML as written."""
    if name in _LEFT_OUT:
        return ""
    if atom or "=" not in raw:
        return raw
    # Ids are dropped too: the page holding the diff has its own, and many revisions' headings.
    raw = _ID.sub("", _HANDLER.sub("", raw))
    return _SCRIPT_ADDRESS.sub(r'\1="#"', raw) if ":" in raw else raw


def _opcodes(old: Sequence[str], new: Sequence[str]) -> list[_Opcode]:
    """difflib opcodes between two lists, matched within a bound of work.

    The common head and tail are matched first; the middle goes to SequenceMatcher when it is
    small enough, otherwise to patience matching on items that occur once in each list (linear
    after a sort), so reversing a 20,000-paragraph post costs seconds, not hours.
    """
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    middle_old, middle_new = old[head : len(old) - tail], new[head : len(new) - tail]
    codes = [("equal", 0, head, 0, head)]
    for op, i1, i2, j1, j2 in _middle(middle_old, middle_new):
        codes.append((op, i1 + head, i2 + head, j1 + head, j2 + head))
    codes.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    return _merged(codes)


def _middle(old: Sequence[str], new: Sequence[str]) -> list[_Opcode]:
    if not old or not new:
        return [("replace", 0, len(old), 0, len(new))]
    if len(old) * len(new) <= _MATCH_LIMIT:
        return [code for code in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()]
    codes: list[_Opcode] = []
    i = j = 0
    for a, b in _patience_anchors(old, new):
        codes.append(("replace", i, a, j, b))
        codes.append(("equal", a, a + 1, b, b + 1))
        i, j = a + 1, b + 1
    codes.append(("replace", i, len(old), j, len(new)))
    return codes


def _patience_anchors(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs of positions of items unique in both lists, in the longest order both agree on."""
    seen_old: dict[str, int] = {}
    for index, item in enumerate(old):
        seen_old[item] = -1 if item in seen_old else index
    seen_new: dict[str, int] = {}
    for index, item in enumerate(new):
        seen_new[item] = -1 if item in seen_new else index
    pairs = sorted(
        (i, seen_new[item])
        for item, i in seen_old.items()
        if i >= 0 and seen_new.get(item, -1) >= 0
    )
    # Longest increasing run of new positions (patience sorting, n log n).
    tops: list[int] = []
    top_index: list[int] = []
    back: list[int] = []
    for index, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile], top_index[pile] = j, index
        back.append(top_index[pile - 1] if pile else -1)
    chain: list[tuple[int, int]] = []
    index = top_index[-1] if top_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _merged(codes: list[_Opcode]) -> list[_Opcode]:
    merged: list[_Opcode] = []
    for code in codes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if merged and merged[-1][0] == code[0]:
            last = merged[-1]
            merged[-1] = (code[0], last[1], code[2], last[3], code[4])
        else:
            merged.append(code)
    return merged


def _pairs(old: Sequence[str], new: Sequence[str]) -> list[_Entry]:
    """Changed blocks side by side: a block edited in place pairs with its old self (same kind
    of element, some words in common); the others stand alone as removed or added."""
    pairs: list[_Entry] = []
    i = j = 0
    while i < len(old) and j < len(new):
        if _name(old[i]) == _name(new[j]) and _alike(old[i], new[j]):
            pairs.append(_Entry("changed", old[i], new[j]))
            i, j = i + 1, j + 1
        elif len(old) - i > len(new) - j:
            pairs.append(_Entry("del", old[i], ""))
            i += 1
        else:
            pairs.append(_Entry("ins", "", new[j]))
            j += 1
    pairs.extend(_Entry("del", block, "") for block in old[i:])
    pairs.extend(_Entry("ins", "", block) for block in new[j:])
    return pairs


def _name(block: str) -> str:
    return words.tag_name(block) if block.startswith("<") else ""


def _alike(old: str, new: str) -> bool:
    a = [t.text for t in _tokens(old) if t.kind != "tag"]
    b = [t.text for t in _tokens(new) if t.kind != "tag"]
    if not a or not b:
        return not a and not b
    return SequenceMatcher(None, a, b, autojunk=False).quick_ratio() >= 0.5


@functools.lru_cache(maxsize=32)
def _tokens(block: str) -> tuple[Token, ...]:
    """A changed block's tokens: it is compared when paired, then word by word, and again as
    the old side of the next revision's diff."""
    return tuple(words.tokens(block))


def _shown_block(entry: _Entry) -> tuple[Block, int, int]:
    """The block shown for an entry, and the words it added and removed."""
    if entry.kind == "changed":
        return _word_diff(_tokens(entry.old), _tokens(entry.new))
    parts = words.segments(entry.raw)
    text = _block_text(parts)
    if entry.kind == "same":
        return Block("same", entry.raw, text), 0, 0
    count = _words(parts)
    marked = Block(entry.kind, _marked(parts, entry.kind), _wrap(entry.kind, text))
    return (marked, count, 0) if entry.kind == "ins" else (marked, 0, count)


def _word_diff(old: Sequence[Token], new: Sequence[Token]) -> tuple[Block, int, int]:
    """One block with its changed words marked inside the new block's markup."""
    a = [t.raw if t.kind != "text" else t.text for t in old]
    b = [t.raw if t.kind != "text" else t.text for t in new]
    codes = _word_opcodes(a, b)
    out: list[str] = []
    text: list[str] = []
    stack: list[str] = []  # elements open at this point of the new block
    added = removed = 0
    for op, i1, i2, j1, j2 in codes:
        if op == "equal":
            run = new[j1:j2]
            out.append("".join([token.raw for token in run]))
            for token in run:
                if token.kind == "tag":
                    _track(stack, token)
            text.append(_text_of(run))
            continue
        gone = old[i1:i2]
        # Any character counts as a change to show (a comma too); only words count in numbers.
        if any(t.kind == "atom" or (t.kind == "text" and t.text.strip()) for t in gone):
            removed += _words(gone)
            out.append(_deletion(gone, stack))
            text.append(_wrap("del", _text_of(gone)))
        came = new[j1:j2]
        added += _words(came)
        out.append(_marked(came, "ins", changed_tags=op == "replace"))
        for token in came:
            _track(stack, token)
        text.append(_wrap("ins", _text_of(came)))
    return Block("changed", _spaced("".join(out)), _tidy("".join(text))), added, removed


def _word_opcodes(a: Sequence[str], b: Sequence[str]) -> list[_Opcode]:
    """difflib opcodes between a changed block's old and new tokens. The common head and tail
    are matched first, cut back to whole items (of a list, table or definition list) or lines:
    an edit in a long list or code block costs a comparison of the items or lines it touched,
    matched as the whole block would be.
    """
    limit = min(len(a), len(b))
    head = 0
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    while 0 < head < limit and not _starts_item_or_line(a, head):
        head -= 1
    while 0 < tail < limit and not _starts_item_or_line(a, len(a) - tail):
        tail -= 1
    codes = [("equal", 0, head, 0, head)]
    for op, i1, i2, j1, j2 in _middle(a[head : len(a) - tail], b[head : len(b) - tail]):
        codes.append((op, i1 + head, i2 + head, j1 + head, j2 + head))
    codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return _merged(codes)


def _starts_item_or_line(tokens: Sequence[str], at: int) -> bool:
    """Whether `at` is where an item starts or ends, or a line."""
    before, after = tokens[at - 1], tokens[at]
    if after.startswith("<") and not after.startswith("</") and words.tag_name(after) in _ITEMS:
        return True
    if before.startswith("</") and words.tag_name(before) in _ITEMS:
        return True
    return "\n" in before and not before.startswith("<")


def _spaced(markup: str) -> str:
    """A removed word set apart from the words around it ('both [for] beginners', not
    'both[for] beginners'): the new text has no space where the old word stood."""
    return _DEL_AFTER_WORD.sub(" <del>", _DEL_BEFORE_WORD.sub("</del> ", markup))


def _track(stack: list[str], token: Token) -> None:
    if token.kind != "tag":
        return
    if token.raw.startswith("</"):
        name = words.tag_name(token.raw)
        if name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
    elif words.opens(token.raw):
        stack.append(words.tag_name(token.raw))


def _deletion(gone: Sequence[Token], stack: list[str]) -> str:
    """Removed tokens as they can stand in the new block here: whole elements keep their
    markup (a removed list item stays an item); otherwise their text, struck."""
    if _balanced(gone):
        return _marked(list(gone), "del")
    struck = "<del>" + "".join(t.raw for t in gone if t.kind != "tag").strip() + "</del>"
    if stack and stack[-1] in ("ul", "ol"):
        return f"<li>{struck}</li>"
    if stack and stack[-1] in _CONTAINERS:
        return ""  # no text can stand between table rows; the count still says it changed
    return struck


def _balanced(run: Sequence[Token]) -> bool:
    depth = 0
    for token in run:
        if token.kind == "tag":
            if token.raw.startswith("</"):
                depth -= 1
            elif words.opens(token.raw):
                depth += 1
            if depth < 0:
                return False
    return depth == 0 and any(t.kind == "tag" for t in run)


def _marked(run: Sequence[Token], mark: str, *, changed_tags: bool = False) -> str:
    """Tokens with their words wrapped in <ins> or <del>, the markup left where it is. With
    `changed_tags`, the tags are new too: a changed image or checkbox is marked as its words
    would be, a link whose address changed is marked as such."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        joined = "".join(pending)
        if joined.strip():
            stripped = joined.rstrip()
            out.append(f"<{mark}>{stripped}</{mark}>{joined[len(stripped) :]}")
        else:
            out.append(joined)
        pending.clear()

    for token in run:
        if token.kind != "tag":
            pending.append(token.raw)
            continue
        flush()
        name = "" if token.raw.startswith("</") else words.tag_name(token.raw)
        if changed_tags and name in ("img", "input"):
            out.append(f"<{mark}>{token.raw}</{mark}>")
        elif changed_tags and name == "a" and " class=" not in token.raw:
            out.append('<a class="diff-link"' + token.raw[2:])
        else:
            out.append(token.raw)
    flush()
    return "".join(out)


def _words(run: Sequence[Token]) -> int:
    return sum(words.count(t.text) for t in run if t.kind != "tag")


def _wrap(kind: str, text: str) -> str:
    """Plain text marked as inserted or removed, the spaces around it left outside."""
    core = text.strip()
    if not core:
        return text
    start = text.index(core)
    opening, closing = ("\x01", "\x02") if kind == "ins" else ("\x03", "\x04")
    return text[:start] + opening + core + closing + text[start + len(core) :]


def _block_text(run: Sequence[Token]) -> str:
    """Tokens as plain text: headings keep their #, list items their dash, paragraphs a line."""
    return _tidy(_text_of(run))


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _text_of(run: Sequence[Token]) -> str:
    """`_block_text` for a part of a block: spaces kept as they are."""
    out: list[str] = []
    for token in run:
        if token.kind != "tag":
            out.append(token.text)
            continue
        name = words.tag_name(token.raw)
        closing = token.raw.startswith("</")
        if name in _HEADINGS and not closing:
            out.append("#" * int(name[1]) + " ")
        elif name == "li" and not closing:
            out.append("- ")
        elif name == "br" or (closing and name in ("p", "li", "tr", "dt", "dd", "pre")):
            out.append("\n")
        elif name in ("td", "th") and closing:
            out.append(" | ")
    return "".join(out)


def _fold(entries: list[_Entry]) -> list[_Entry | Block]:
    """Unchanged runs folded, keeping the block next to each change and the heading above it."""
    if all(e.kind == "same" for e in entries):
        return [_fold_of(entries)] if entries else []
    keep: set[int] = set()
    heading = None  # the last heading above the block at hand
    for index, entry in enumerate(entries):
        if entry.kind != "same":
            keep.update((index - 1, index, index + 1))
            if heading is not None:
                keep.add(heading)
        if _name(entry.raw) in _HEADINGS:
            heading = index
    shown: list[_Entry | Block] = []
    hidden: list[_Entry] = []
    for index, entry in enumerate(entries):
        if index in keep:
            if hidden:
                shown.append(_fold_of(hidden))
                hidden = []
            shown.append(entry)
        else:
            hidden.append(entry)
    if hidden:
        shown.append(_fold_of(hidden))
    return shown


def _fold_of(hidden: list[_Entry]) -> Block:
    paragraphs = all(_name(e.raw) == "p" for e in hidden)
    noun = "paragraph" if paragraphs else "block"
    label = f"{len(hidden)} unchanged {noun}{'' if len(hidden) == 1 else 's'}"
    return Block("fold", "", label, folded=len(hidden))


def front_matter_notes(old: Post, new: Post) -> tuple[str, ...]:
    """One line per changed front matter field a reader sees: 'Title changed from “A” to “B”'."""
    notes = []
    before, after = _front_matter(old), _front_matter(new)
    for field, old_value in before.items():
        new_value = after[field]
        if old_value == new_value:
            continue
        name = field.capitalize()
        if not old_value:
            notes.append(f"{name} set to {_shown(new_value)}")
        elif not new_value:
            notes.append(f"{name} removed (was {_shown(old_value)})")
        else:
            notes.append(f"{name} changed from {_shown(old_value)} to {_shown(new_value)}")
    return tuple(notes)


def _front_matter(post: Post) -> dict[str, object]:
    return {
        "title": post.title,
        "summary": post.summary,
        "tags": post.tags,
        "date": post.published.date().isoformat() if post.published else "",
        "updated": post.updated.date().isoformat() if post.updated else "",
        "draft": "yes" if post.draft else "",
    }


def _shown(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(f"“{v}”" for v in value)
    return f"“{value}”"


def nested_headings(markup: str) -> str:
    """Diff HTML with its headings one level down, to sit under the heading of its revision."""
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 1)}", markup)


def inline_styles(markup: str) -> str:
    """Diff HTML that keeps its look without the site's stylesheet (feed readers drop it)."""
    for plain, styled in _INLINE_STYLES:
        markup = markup.replace(plain, styled)
    return markup
