"""Word-level diffs between two revisions of a post's Markdown, with unchanged stretches folded.

Lines are compared first (cheap), and only changed blocks are compared word by word, so a small
edit to a long living document costs little.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

# Bump when word_diff's output changes, so cached diffs are not reused.
DIFF_VERSION = "1"
# Above this many old x new tokens, a changed block is shown as removed and added whole.
_WORD_DIFF_LIMIT = 50_000_000
# Above this many old x new changed lines, blank lines may not anchor a line match: matching
# on thousands of identical blank lines is what makes SequenceMatcher quadratic (a long post
# with its paragraphs reversed: 20,000 paragraphs took 40 s, now well under a second).
_LINE_DIFF_LIMIT = 1_000_000
_TOKENS = re.compile(r"\s+|\w+(?:[-'’]\w+)*|[^\w\s]")
# A line starting like this begins its own block (heading, list item, quote, table, fence...).
_BLOCK_START = re.compile(r"\s{0,3}(#|[-*+]\s|\d+[.)]\s|>|\||```|~~~|<|\$\$|\[\^|---|===)")
_OWN_LINE = ("#", "|", "```", "~~~", "---", "===", "$$")
# An indented line under a list item continues it.
_CONTINUES_ITEM = re.compile(r"\s{2,}\S")


@dataclass(frozen=True)
class Segment:
    kind: str  # same, ins, del, fold
    text: str
    folded_lines: int = 0


@dataclass(frozen=True)
class WordDiff:
    segments: tuple[Segment, ...]
    added: int  # words
    removed: int


# How a terminal shows each kind of segment, in click.style's terms.
_TERMINAL_STYLES: dict[str, dict[str, Any]] = {
    "ins": {"fg": "green", "underline": True},
    "del": {"fg": "red", "strikethrough": True},
    "fold": {"dim": True},
}


def terminal_text(diff: WordDiff, style: Callable[..., str]) -> str:
    """The diff as text for a terminal, each segment passed through `style(text, **styles)`
    (click.style) to colour it."""
    parts = []
    for segment in diff.segments:
        text = segment.text
        if segment.kind == "fold":
            text = f"\n   ... {segment.folded_lines} unchanged lines ...\n"
        parts.append(style(text, **_TERMINAL_STYLES.get(segment.kind, {})))
    return "".join(parts)


def word_diff(old: str, new: str, *, context: int = 2) -> WordDiff:
    """What changed from `old` to `new`, word by word, keeping `context` lines around changes."""
    old_lines, new_lines = _logical_lines(old), _logical_lines(new)
    segments: list[Segment] = []
    added = removed = 0
    opcodes = _line_opcodes(old_lines, new_lines)
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            segments.extend(
                _fold(new_lines[j1:j2], context, first=index == 0, last=index == len(opcodes) - 1)
            )
            continue
        for kind, text in _word_changes("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])):
            segments.append(Segment(kind, text))
            words = _count_words(text)
            added += words if kind == "ins" else 0
            removed += words if kind == "del" else 0
    return WordDiff(tuple(_merge(segments)), added, removed)


def _line_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes, computed only between the common head and tail.

    An edit to a long document leaves most lines in place; matching them first keeps
    SequenceMatcher (quadratic on repeated lines, like blank ones) to the part that changed.
    """
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
    large = len(old_middle) * len(new_middle) > _LINE_DIFF_LIMIT
    middle = SequenceMatcher(
        _is_blank if large else None, old_middle, new_middle, autojunk=False
    ).get_opcodes()
    opcodes = [("equal", 0, head, 0, head)] if head else []
    for op, i1, i2, j1, j2 in middle:
        opcodes.append((op, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        opcodes.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    merged: list[tuple[str, int, int, int, int]] = []
    for code in opcodes:
        if code[0] == "equal" and code[1] == code[2]:
            continue
        if merged and merged[-1][0] == "equal" == code[0]:
            merged[-1] = ("equal", merged[-1][1], code[2], merged[-1][3], code[4])
        else:
            merged.append(code)
    return merged


def _is_blank(line: str) -> bool:
    return not line.strip()


def _logical_lines(text: str) -> list[str]:
    """Lines as a reader sees them: a paragraph hard-wrapped in the source becomes one line.

    Diffing reflowed paragraphs keeps a one-word edit from showing as a changed line break, and
    lets a diff read as prose instead of as a source file.
    """
    lines: list[str] = []
    in_fence = False
    for raw in text.splitlines():
        # Code fences and the front matter keep their lines as they are.
        fence = raw.strip().startswith(("```", "~~~")) or (
            raw.strip() == "---" and (not lines or (in_fence and lines[0] == "---\n"))
        )
        if not in_fence and not fence and lines and _continues(lines[-1], raw):
            lines[-1] = lines[-1].rstrip("\n") + " " + raw.strip() + "\n"
        else:
            lines.append(raw + "\n")
        in_fence ^= fence
    return lines


def _continues(previous: str, line: str) -> bool:
    """Whether `line` is the soft-wrapped rest of the paragraph or list item `previous`."""
    if not previous.strip() or not line.strip() or previous.lstrip().startswith(_OWN_LINE):
        return False
    return bool(_CONTINUES_ITEM.match(line)) or not _BLOCK_START.match(line)


def _word_changes(old: str, new: str) -> list[tuple[str, str]]:
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(old_tokens) * len(new_tokens) > _WORD_DIFF_LIMIT:
        # Rewritten wholesale: word matching would take minutes and show the same thing.
        return [("del", old), ("ins", new)]
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(("same", "".join(new_tokens[j1:j2])))
            continue
        if i2 > i1:
            changes.append(("del", "".join(old_tokens[i1:i2])))
        if j2 > j1:
            changes.append(("ins", "".join(new_tokens[j1:j2])))
    return changes


def _fold(lines: list[str], context: int, *, first: bool, last: bool) -> list[Segment]:
    """Keep `context` lines next to each change; replace the rest of an unchanged run by a fold."""
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if len(lines) <= keep_head + keep_tail + 1:
        return [Segment("same", "".join(lines))]
    hidden = len(lines) - keep_head - keep_tail
    segments = [Segment("same", "".join(lines[:keep_head]))] if keep_head else []
    segments.append(Segment("fold", "", folded_lines=hidden))
    if keep_tail:
        segments.append(Segment("same", "".join(lines[len(lines) - keep_tail :])))
    return segments


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text and segment.kind != "fold":
            continue
        if merged and merged[-1].kind == segment.kind and segment.kind != "fold":
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def _count_words(text: str) -> int:
    return sum(1 for token in _TOKENS.findall(text) if token[0].isalnum() or token[0] == "_")
