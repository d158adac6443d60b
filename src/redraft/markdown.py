"""Markdown to HTML: mistune 3 with heading ids, tables, footnotes, task lists, maths and code.

Owns how a post's body becomes HTML: heading anchors and the table of contents, Pygments code
blocks, MathML rendered at build time (no JavaScript), figures, and links and images written
relative to the source file resolved to their URLs in the built site.

A post's revisions are rendered block by block through one memo (`render_blocks`): each
section of the source is parsed once and each top-level block rendered once, so a revision
costs the blocks it changed, and its HTML is the very HTML of rendering it whole.
"""

from __future__ import annotations

import functools
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from xml.etree.ElementTree import tostring
from xml.sax.saxutils import unescape

import mistune
import pygments
from latex2mathml.converter import convert_to_element
from mistune.core import BlockState, InlineState
from mistune.plugins import Plugin
from mistune.plugins.math import math
from mistune.toc import normalize_toc_item
from mistune.util import striptags
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from . import words
from .urls import slugify

# A code block's highlighting may take this long; after it, the block is shown as plain text.
HIGHLIGHT_SECONDS = 2.0
_LONGEST_LINE = 5_000
# Bump when the HTML this module produces changes, so cached renders are not reused.
RENDERER_VERSION = "6"
# Maths between dollar signs, by Pandoc's tex_math_dollars rules, so that prices and shell
# snippets stay prose: `$` opens when not followed by a blank, closes when not preceded by one
# nor followed by a digit, and never across a code span (no backtick inside); `$$...$$` is
# display maths, with no blank line inside.
_INLINE_MATH = (
    r"\$\$(?P<display_math_text>(?:[^$\\\n]|\\.|\n(?![ \t]*\n))+?)\$\$|"
    r"\$(?![\s$])(?P<math_text>(?:[^$\\`\n]|\\[^\n]|\n(?![ \t]*\n))*?[^\s\\$`])\$(?!\d)"
)


def _parse_inline_math(inline: object, match: re.Match[str], state: InlineState) -> int:
    display = match.group("display_math_text")
    if display is not None:
        state.append_token({"type": "block_math", "raw": display})
    else:
        state.append_token({"type": "inline_math", "raw": match.group("math_text")})
    return match.end()


def dollar_math(md: mistune.Markdown) -> None:
    """mistune's math plugin (for $$ blocks), with inline maths by Pandoc's dollar rules."""
    math(md)
    md.inline.register("inline_math", _INLINE_MATH, _parse_inline_math, before="codespan")


# The Markdown dialect posts are written in (`redraft check` parses posts with it too).
PLUGINS: list[str | Plugin] = [
    "table", "footnotes", "strikethrough", "task_lists", dollar_math, "def_list", "mark",
]  # fmt: skip
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")  # latex2mathml passes unknown commands through
_CAPTIONED_IMAGE = re.compile(r'<img src="[^"]*" alt="[^"]*" title="([^"]*)" loading="lazy">')
# Ids the default theme's pages give their own elements; a heading must not take one.
THEME_IDS = frozenset({"main", "toc-title", "timeline-caption", "writing-title", "revised-title"})
# `\bid=...`, case-insensitively, written so the regex engine can look for its first letters
# fast: the word boundary before them is checked apart (see `_html_ids`).
_HTML_ID = re.compile(r"""[iI][dD]\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_WORD_CHARACTER = re.compile(r"\w")
_FOOTNOTE_ID = re.compile(r"fn(ref)?-")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[tuple[int, str, str], ...]  # (level, id, text) of h2/h3 headings
    first_paragraph: str
    words: int
    # Problems worth telling the author that did not stop the render (not kept in the cache).
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # (heading id, hash) of each `##` section, as diffs.section_fingerprints gives them: kept
    # with the render so a rebuild need not split every revision again. None: not known.
    sections: tuple[tuple[str, str], ...] | None = field(default=None, compare=False)


class MarkupError(ValueError):
    """Markup that cannot be rendered, such as invalid TeX."""


LinkResolver = Callable[[str], "str | None"]


def _unchanged(url: str) -> str | None:
    return None


def render_markdown(
    text: str, *, resolve_link: LinkResolver = _unchanged, raw_html: bool = True
) -> Rendered:
    """Render a post body. Nothing in it stops the render: an old revision cannot be edited, so
    markup that does not convert (invalid TeX) shows as written.

    `resolve_link(url)` gives the href of a link or image as written in the source (relative
    links lead to files that have other addresses on the site), or None to keep it as written.
    """
    return render_blocks(text, resolve_link=resolve_link, raw_html=raw_html)[0]


@dataclass(frozen=True)
class _Part:
    """One top-level block of a post, rendered."""

    html: str
    words: int
    closed: bool  # see words.closed: its words counted alone add up to the page's
    warnings: tuple[str, ...]


class BlockMemo:
    """One post's top-level Markdown blocks as rendered, by their parsed tokens and what they
    read from the rest of the document (reference links): the revisions of a living document
    share most of their blocks, so each revision renders only the blocks it changed. Made per
    post, so it holds one post's blocks at a time."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, str], _Part] = {}
        self.sections: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
        # Leaf blocks' HTML by their token, for each set of reference links.
        self.leaves: dict[str, dict[str, str]] = {}
        # The repr of each token kept in `sections`, by id: it lives as long as the memo, and
        # the hooks that change tokens in place (task lists) change a token once.
        self.reprs: dict[int, str] = {}
        # A heading's text as the table of contents gives it, by reference links and source.
        self.toc: dict[tuple[str, str], str] = {}


def render_blocks(
    text: str,
    *,
    resolve_link: LinkResolver = _unchanged,
    raw_html: bool = True,
    memo: BlockMemo | None = None,
) -> tuple[Rendered, tuple[str, ...] | None]:
    """`render_markdown`, and the HTML of each top-level block (joined, they are the page's
    HTML; each closed, see words.closed), or None when the page is whole: its footnotes are
    numbered across blocks and gathered at its end, or raw HTML in one block is closed in
    another. Blocks already in `memo` are not rendered again."""
    renderer = _Renderer(resolve_link=resolve_link, escape=not raw_html)
    md = mistune.create_markdown(renderer=renderer, plugins=PLUGINS)
    # Footnotes are numbered across the page and gathered at its end: such a page is whole.
    footnotes = "[^" in text
    headings = None if footnotes or memo is None else memo.toc
    md.before_render_hooks.append(partial(_toc_hook, set(THEME_IDS) | _html_ids(text), headings))
    state = _parsed(md, text, None if footnotes else memo)
    parts = None if footnotes else _parts(md, state, memo or BlockMemo())
    if parts is None:
        body = _whole(md, state)
        count = words.count_html(body)
        warnings = tuple(renderer.warnings)
    else:
        body = "".join(part.html for part in parts)
        warnings = tuple(w for part in parts for w in part.warnings)
        if all(part.closed for part in parts):
            count = sum(part.words for part in parts)
        else:  # raw HTML open across blocks: the page is split and counted whole
            count, parts = words.count_html(body), None
    # mistune gives the heading's text as HTML; templates escape it themselves.
    toc = tuple((lv, ident, html.unescape(t)) for lv, ident, t in state.env.get("toc_items", ()))
    rendered = Rendered(
        html=body,
        toc=toc,
        first_paragraph=_first_paragraph(body),
        words=count,
        warnings=warnings,
    )
    return rendered, None if parts is None else tuple(part.html for part in parts)


def _parsed(md: mistune.Markdown, text: str, memo: BlockMemo | None) -> BlockState:
    """The document's top-level tokens, with heading ids and task items set (`md.parse` up to
    its render). With a memo, each section (see `_sections`) is parsed once."""
    state = md.block.state_cls()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    state.process(text if text.endswith("\n") else text + "\n")
    for hook in md.before_parse_hooks:
        hook(md, state)
    if memo is None or md.before_parse_hooks:
        md.block.parse(state)
    else:
        links: dict[str, Any] = {}
        for section in _sections(state.src):
            parsed = memo.sections.get(section)
            if parsed is None:
                alone = md.block.state_cls()
                alone.process(section)
                md.block.parse(alone)
                parsed = memo.sections[section] = (alone.tokens, alone.env["ref_links"])
            # Headings are copied: the hooks below give them this revision's ids.
            state.tokens.extend(
                {**token, "attrs": dict(token["attrs"])} if token["type"] == "heading" else token
                for token in parsed[0]
            )
            for label, link in parsed[1].items():
                links.setdefault(label, link)  # the first definition of a label wins
        state.env["ref_links"] = links
    for hook in md.before_render_hooks:
        hook(md, state)
    return state


# Where a section starts: an ATX heading at the start of a line after a blank line. Nothing
# before it reaches into it (a blank line ends a paragraph, a heading in column 0 any list,
# quote or indented code), except what `_open_until` finds.
_SECTION_START = re.compile(r"\n[ \t]*\n(?=#{1,6}(?:[ \t]|\n))")
# _OPENER, _HTML_TO_END and _BROKEN_QUOTE find lines anywhere in a revision: they start with
# the newline before the line and are searched in the text after one more newline (see
# `_open_until`), as the regex engine looks for a first character fast, but tries a multiline
# `^` at every position.
# Lines that may open a block running past blank lines and headings.
_OPENER = re.compile(r"\n( *)(`{3,}|~{3,}|\$\$|<)([^\n]*)$", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\n|$)")
_QUOTE_OR_TERM = re.compile(r"^ {0,3}[>:]", re.MULTILINE)
_FENCE_OR_MATH = re.compile(r"^ *(?:`{3,}|~{3,}|\$\$)", re.MULTILINE)
# HTML blocks that run to their end tag, past blank lines and headings.
_HTML_TO_END = re.compile(r"\n {0,3}<(?:script|pre|style|textarea|[!?])", re.I)
_MATH_END = re.compile(r"\n\$\$[ \t]*(?=\n|$)")
# A quote line followed by a line that is neither blank nor quoted: a block that breaks a quote
# is parsed first and the quote put before its last token, so what follows it changes the
# order of the tokens (mistune's prepend_token).
_BROKEN_QUOTE = re.compile(r"\n {0,3}>[^\n]*\n(?![ \t]*(?:\n|$)| {0,3}>)", re.MULTILINE)


def _sections(text: str) -> list[str]:
    """`text` cut where the block parser parses what follows as if the text began there: at a
    heading after a blank line, unless a fenced code block, maths or HTML block may still be
    open there. The parser's tokens of the pieces, one after another, are those of the text."""
    starts = [match.end() for match in _SECTION_START.finditer(text)]
    if not starts:
        return [text]
    open_until = _open_until(text)
    cuts = [0]
    for start in starts:
        if not any(a < start < b for a, b in open_until):
            cuts.append(start)
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def _open_until(text: str) -> list[tuple[int, int]]:
    """Spans of `text` where a block opened in one section could still be open: a fenced code
    block or display maths from its opening line to its closing one, an HTML block to the next
    blank line. Where the span is unsure (an indented opener that may belong to a list item, an
    opener that may continue a quote, an HTML block holding a fence, a quote that a block
    breaks), to the end of the text."""
    end = len(text)
    # A match in `lines` starting at i (its newline) is one at the line at i in `text`.
    lines = "\n" + text
    spans = [
        (found.start(), end)
        for found in (_BROKEN_QUOTE.search(lines), _HTML_TO_END.search(lines))
        if found is not None
    ]
    position = 0
    for match in _OPENER.finditer(lines):
        start, line_end = match.start(), match.end() - 1
        if start < position:
            continue
        indent, mark, rest = len(match.group(1)), match.group(2), match.group(3)
        if indent > 3:
            continue  # inside a list item (a line in column 0 ends it) or indented code
        if indent:
            return [*spans, (start, end)]
        if mark == "<":
            blank = _BLANK_LINE.search(text, start)
            stop = blank.start() if blank else end
            # An HTML block ends at a blank line (those that do not are in `spans` already);
            # a fence inside it (is it a fence, or a line of HTML?) makes the rest unsure.
            if _FENCE_OR_MATH.search(text, start, stop):
                return [*spans, (start, end)]
            spans.append((start, stop))
            position = stop
            continue
        paragraph_start = text.rfind("\n\n", 0, start)
        if _QUOTE_OR_TERM.search(text, paragraph_start + 1, start):
            return [*spans, (start, end)]  # may be a lazy line of a quote or a definition
        if mark == "$$":
            if rest.strip():
                continue  # maths on one line, or no block at all
            if start and not _BLANK_LINE.match(text, start - 2 if start > 1 else 0):
                return [*spans, (start, end)]  # may be a lazy line of a list item
            closing = _MATH_END.search(text, line_end + 1)
        else:
            if mark[0] == "`" and "`" in rest:
                return [*spans, (start, end)]
            closing = re.compile(
                "^ {0,3}" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}[ \t]*$",
                re.MULTILINE,
            ).search(text, line_end + 1)
        stop = closing.end() if closing else end
        spans.append((start, stop))
        position = stop
    return spans


def _whole(md: mistune.Markdown, state: BlockState) -> str:
    """The parsed document rendered whole (`md.parse` from its render on)."""
    result = md.render_state(state)
    for hook in md.after_render_hooks:
        result = hook(md, result, state)
    assert isinstance(result, str)  # an HTML renderer renders to text
    return result


def _parts(md: mistune.Markdown, state: BlockState, memo: BlockMemo) -> list[_Part]:
    """Each top-level token rendered, or taken from the memo. A token renders the same in any
    document with the same reference links: its inline text is parsed at render time with only
    them to read (footnotes aside), and heading ids are already in its attributes."""
    context = repr(sorted(state.env.get("ref_links", {}).items()))
    renderer = md.renderer
    assert isinstance(renderer, _Renderer)
    parts: list[_Part] = []
    for token in state.tokens:
        shown = memo.reprs.get(id(token))
        if shown is None:
            shown = repr(token)
            if token["type"] != "heading":  # a heading is a copy, with this revision's id
                memo.reprs[id(token)] = shown
        key = (context, shown)
        part = memo.parts.get(key)
        if part is None:
            warned = len(renderer.warnings)
            markup = _rendered(md, renderer, token, state, memo.leaves.setdefault(context, {}))
            part = _Part(markup, *words.count_closed(markup), tuple(renderer.warnings[warned:]))
            memo.parts[key] = part
        if part.html:
            parts.append(part)
    return parts


def _rendered(
    md: mistune.Markdown,
    renderer: _Renderer,
    token: dict[str, Any],
    state: BlockState,
    leaves: dict[str, str],
) -> str:
    """What `renderer.render_token` gives for `token` once `md._iter_render` has parsed the
    inline text of its leaves, with each distinct leaf (a paragraph, a list item's text)
    rendered once: a changed list item renders that item, not the whole list. The token is
    left as it is."""
    if "raw" in token:
        return renderer.render_token(token, state)
    if "children" in token:
        text = "".join(_rendered(md, renderer, c, state, leaves) for c in token["children"])
        method = renderer._get_method(token["type"])
        attrs = token.get("attrs")
        return str(method(text, **attrs) if attrs else method(text))
    if "text" not in token:
        return renderer.render_token(token, state)
    key = repr(token)
    if key not in leaves:
        leaf = {name: value for name, value in token.items() if name != "text"}
        leaf["children"] = md.inline(token["text"].strip(" \r\n\t\f"), state.env)
        leaves[key] = renderer.render_token(leaf, state)
    return leaves[key]


def _html_ids(text: str) -> set[str]:
    """The ids that raw HTML in `text` gives its elements."""
    found: set[str] = set()
    position = 0
    while match := _HTML_ID.search(text, position):
        if match.start() and _WORD_CHARACTER.match(text, match.start() - 1):
            position = match.start() + 1  # 'valid=': a match may start inside it
            continue
        found.add(match.group(1) or match.group(2) or "")
        position = match.end()
    return found


def _toc_hook(
    used: set[str], memo: dict[tuple[str, str], str] | None, md: mistune.Markdown, state: BlockState
) -> None:
    """mistune's TOC hook (mistune.toc.add_toc_hook) for h2 and h3 with our heading ids,
    without its scan of the source for ids to avoid (`used` has them). With a memo, each
    heading's text is rendered once for all the revisions that keep it."""
    items = []
    headings = (t for t in state.tokens if t["type"] == "heading" and 2 <= t["attrs"]["level"] <= 3)
    context = repr(sorted(state.env.get("ref_links", {}).items())) if memo is not None else ""
    for index, token in enumerate(headings):
        if not token["attrs"].get("id"):
            token["attrs"]["id"] = _heading_id(used, token, index)
        if memo is None:
            items.append(normalize_toc_item(md, token, parent=state))
            continue
        key = (context, token["text"])
        if key not in memo:
            memo[key] = normalize_toc_item(md, token, parent=state)[2]
        items.append((token["attrs"]["level"], token["attrs"]["id"], memo[key]))
    state.env["toc_items"] = items


def _heading_id(used: set[str], token: dict[str, Any], index: int) -> str:
    """The heading's slug, made unique on the page: two 'Notes' headings get 'notes' and
    'notes-2', and none takes an id of the theme, a footnote or raw HTML in the post."""
    base = slugify(striptags(token["text"]))
    if _FOOTNOTE_ID.match(base):
        base = "section-" + base
    ident, count = base, 1
    while ident in used:
        count += 1
        ident = f"{base}-{count}"
    used.add(ident)
    return ident


def _first_paragraph(body: str) -> str:
    match = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
    if not match:
        return ""
    text = " ".join(html.unescape(striptags(match.group(1))).split())
    return text if len(text) <= 280 else text[:280].rsplit(" ", 1)[0] + "…"


class _Renderer(mistune.HTMLRenderer):
    def __init__(self, *, resolve_link: LinkResolver, escape: bool) -> None:
        super().__init__(escape=escape)
        self._resolve_link = resolve_link
        self.warnings: list[str] = []

    def heading(self, text: str, level: int, **attrs: object) -> str:
        ident = attrs.get("id")
        if not ident:
            return super().heading(text, level, **attrs)
        anchor = f'<a class="anchor" href="#{ident}" aria-hidden="true" tabindex="-1">#</a>'
        return f'<h{level} id="{ident}">{text}{anchor}</h{level}>\n'

    def link(self, text: str, url: str, title: str | None = None) -> str:
        return super().link(text, self._site_url(url), title)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        attrs = {"src": self.sanitize_url(self._site_url(url)), "alt": striptags(text)}
        if title:
            attrs["title"] = title
        return "<img" + self.render_attrs(attrs) + ' loading="lazy">'

    def paragraph(self, text: str) -> str:
        lone_image = _CAPTIONED_IMAGE.fullmatch(text)
        if lone_image:
            return f"<figure>{text}<figcaption>{lone_image.group(1)}</figcaption></figure>\n"
        return super().paragraph(text)

    def table(self, text: str) -> str:
        # The wrapper scrolls a wide table sideways instead of widening the page on a phone.
        return f'<div class="table-wrap" tabindex="0"><table>\n{text}</table></div>\n'

    def block_code(self, code: str, info: str | None = None) -> str:
        words = (info or "").split()
        language = words[0] if words else ""
        block, highlighted = _code_block(code, language, "linenos" in words[1:])
        if not highlighted:
            self.warnings.append(
                f"a {language} code block ({len(code):,} characters) is shown without colours: "
                f"highlighting it would take over {HIGHLIGHT_SECONDS:g} s (Pygments' "
                f"{language} lexer backtracks on text like it); check the block"
            )
        return block

    def block_math(self, text: str) -> str:
        # A span, since $$...$$ may stand inside a paragraph; focusable so a wide one can scroll.
        return f'<span class="math-block" tabindex="0">{_mathml(text, display="block")}</span>'

    def task_list_item(self, text: str, checked: bool = False) -> str:
        state = "done" if checked else "to do"
        label = html.escape(f"{state}: {' '.join(striptags(text).split())}"[:120], quote=True)
        box = (
            f'<input class="task-list-item-checkbox" type="checkbox" disabled aria-label="{label}"'
        )
        box += " checked>" if checked else ">"
        text = text.replace("<p>", "<p>" + box, 1) if text.startswith("<p>") else box + text
        return f'<li class="task-list-item">{text}</li>' + "\n"

    def inline_math(self, text: str) -> str:
        return _mathml(text, display="inline")

    def _site_url(self, url: str) -> str:
        resolved = self._resolve_link(url)
        return url if resolved is None else resolved


# A living document's revisions repeat most of their code blocks and formulas: highlight and
# convert each distinct one once.
@functools.lru_cache(maxsize=4096)
def _code_block(code: str, language: str, numbered: bool) -> tuple[str, bool]:
    """The block as HTML, and False if it had a language but is shown without colours."""
    lexer = _lexer(language) if language else None
    highlighted = _highlighted(code, lexer, numbered) if lexer is not None else None
    plain = f'<div class="highlight"><pre><code>{html.escape(code)}</code></pre></div>'
    # tabindex lets keyboard users scroll a long line sideways.
    label = f' data-lang="{html.escape(language)}"' if language else ""
    block = f'<div class="code"{label} tabindex="0">{highlighted or plain}</div>\n'
    return block, lexer is None or highlighted is not None


@functools.lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer | None:
    """The language's lexer, looked up once: a lexer keeps no state between texts, and looking
    one up by name scans Pygments' table of lexers."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def _highlighted(code: str, lexer: Lexer, numbered: bool) -> str | None:
    """Pygments' HTML for the block, or None when lexing it runs over its time budget.

    Some lexers' rules backtrack catastrophically (a line of blanks in a systemd block took
    minutes); tokens come one at a time, so the budget is checked between them. Text no lexer
    handles in time is refused before it starts: a line longer than any real code.
    """
    if any(len(line) > _LONGEST_LINE for line in code.splitlines()):
        return None
    deadline = time.monotonic() + HIGHLIGHT_SECONDS
    tokens = []
    for token in lexer.get_tokens(code):
        tokens.append(token)
        if time.monotonic() > deadline:
            return None
    return str(pygments.format(tokens, _formatter(numbered)))


@functools.lru_cache(maxsize=2)
def _formatter(numbered: bool) -> HtmlFormatter[str]:
    return HtmlFormatter(wrapcode=True, linenos="table" if numbered else False)


@functools.lru_cache(maxsize=4096)
def _mathml(tex: str, *, display: str) -> str:
    """MathML for `tex`; TeX that does not convert shows as its source, in a code span: an old
    revision cannot be fixed, and a reader still sees what was written (`redraft check` warns
    about the current text)."""
    try:
        return _checked_mathml(tex, display)
    except MarkupError:
        fence = "$$" if display == "block" else "$"
        return f'<code class="tex-source">{html.escape(fence + tex + fence)}</code>'


def tex_problem(tex: str) -> str | None:
    """Why `tex` does not render as maths ('invalid TeX in $...$: ...'), or None."""
    try:
        _checked_mathml(tex, "inline")
    except MarkupError as exc:
        return str(exc)
    return None


def _checked_mathml(tex: str, display: str) -> str:
    _check_tex(tex)
    try:
        mathml = _sanitised_mathml(tex, display)
    except Exception as exc:  # latex2mathml raises many unrelated types for bad TeX
        raise MarkupError(
            f"invalid TeX in ${_shown(tex)}$: {type(exc).__name__} {exc}".strip()
        ) from None
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MarkupError(f"invalid TeX in ${_shown(tex)}$: unknown command {unknown.group(1)}")
    return mathml


def _shown(tex: str) -> str:
    """TeX quoted in a one-line error message."""
    flat = " ".join(tex.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."


def _sanitised_mathml(tex: str, display: str) -> str:
    """latex2mathml's MathML, made safe to inline: its serialiser unescapes text, so
    \\text{<script>} would come out as a live element; links and styles are dropped too."""
    tree = convert_to_element(tex, display=display)
    for node in tree.iter():
        for name in list(node.attrib):
            if name in ("href", "style") or name.lower().startswith("on"):
                del node.attrib[name]
        # Escaped twice here, so the serialiser's own unescape leaves '&lt;', never '<'.
        if node.text:
            node.text = node.text.replace("<", "&lt;").replace(">", "&gt;")
        if node.tail:
            node.tail = node.tail.replace("<", "&lt;").replace(">", "&gt;")
    return unescape(tostring(tree, encoding="unicode"))


def _check_tex(tex: str) -> None:
    depth = 0
    for char in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            raise MarkupError(f"invalid TeX in ${_shown(tex)}$: a '}}' closes nothing")
    if depth:
        raise MarkupError(f"invalid TeX in ${_shown(tex)}$: a '{{' is never closed")
