"""Markdown to HTML: mistune 3 with heading ids, tables, footnotes, task lists, maths and code.

Owns how a post's body becomes HTML: heading anchors and the table of contents, Pygments code
blocks, MathML rendered at build time (no JavaScript), figures, and links and images written
relative to the source file resolved to their URLs in the built site.
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
from mistune.core import InlineState
from mistune.plugins import Plugin
from mistune.plugins.math import math
from mistune.toc import add_toc_hook
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
_HTML_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_FOOTNOTE_ID = re.compile(r"fn(ref)?-")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[tuple[int, str, str], ...]  # (level, id, text) of h2/h3 headings
    first_paragraph: str
    words: int
    # Problems worth telling the author that did not stop the render (not kept in the cache).
    warnings: tuple[str, ...] = field(default=(), compare=False)


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
    renderer = _Renderer(resolve_link=resolve_link, escape=not raw_html)
    md = mistune.create_markdown(renderer=renderer, plugins=PLUGINS)
    used = set(THEME_IDS) | {a or b for a, b in _HTML_ID.findall(text)}
    add_toc_hook(md, min_level=2, max_level=3, heading_id=partial(_heading_id, used))
    body, state = md.parse(text)
    assert isinstance(body, str)  # an HTML renderer renders to text
    # mistune gives the heading's text as HTML; templates escape it themselves.
    toc = tuple((lv, ident, html.unescape(t)) for lv, ident, t in state.env.get("toc_items", ()))
    return Rendered(
        html=body,
        toc=toc,
        first_paragraph=_first_paragraph(body),
        words=words.count_html(body),
        warnings=tuple(renderer.warnings),
    )


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
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    highlighted = _highlighted(code, lexer, numbered) if lexer is not None else None
    plain = f'<div class="highlight"><pre><code>{html.escape(code)}</code></pre></div>'
    # tabindex lets keyboard users scroll a long line sideways.
    label = f' data-lang="{html.escape(language)}"' if language else ""
    block = f'<div class="code"{label} tabindex="0">{highlighted or plain}</div>\n'
    return block, lexer is None or highlighted is not None


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
