"""Views: what templates and feeds are given about a post, computed in Python.

Owns `PostView` and `RevisionView` (a post with its rendered body and trail, one history line),
the figures derived from them (reading time, whether a post is a living document), the JSON-LD
a post page carries and the coordinates of the 'changed over time' timeline. Templates only
present what is here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from . import urls
from .config import Settings
from .content import Post
from .diffs import WordDiff
from .history import Revision
from .markdown import Rendered

WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class RevisionView:
    """One line of a history page, and one snapshot page."""

    revision: Revision
    short: str
    url: str  # the snapshot page ('' for a rename without content change)
    commit_url: str
    diff: WordDiff | None
    words: int


@dataclass(frozen=True)
class PostView:
    post: Post
    rendered: Rendered
    revisions: tuple[RevisionView, ...] = ()  # newest first
    former_urls: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.post.url

    @property
    def history_url(self) -> str:
        return urls.history(self.post.url)

    @property
    def feed_url(self) -> str:
        return urls.post_feed(self.post.url)

    @property
    def summary(self) -> str:
        return self.post.summary or self.rendered.first_paragraph

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.rendered.words / WORDS_PER_MINUTE))

    @property
    def edits(self) -> int:
        """Revisions that changed the words and are not minor."""
        return sum(1 for r in self.revisions if r.revision.counts)

    @property
    def living(self) -> bool:
        return self.edits >= 3

    @property
    def toc_sections(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """The table of contents nested: (id, text, subsections) for each h2, its h3s inside,
        so a list numbers the sections alone (an h3 before any h2 stands on its own)."""
        sections: list[tuple[str, str, list[tuple[str, str]]]] = []
        for level, ident, text in self.rendered.toc:
            if level > 2 and sections:
                sections[-1][2].append((ident, text))
            else:
                sections.append((ident, text, []))
        return sections

    @property
    def was_updated(self) -> bool:
        post = self.post
        return bool(post.updated and post.published and post.updated > post.published)


def json_ld(view: PostView, settings: Settings) -> str:
    """The post's schema.org BlogPosting, safe to place inside a <script> element."""
    post = view.post
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "datePublished": post.published.isoformat() if post.published else None,
        "dateModified": (post.updated or post.published).isoformat() if post.published else None,
        "author": {"@type": "Person", "name": settings.author},
        "url": urls.absolute(settings.base_url, post.url),
        "mainEntityOfPage": urls.absolute(settings.base_url, post.url),
        "description": view.summary,
        "keywords": list(post.tags),
        "wordCount": view.rendered.words,
    }
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Timeline:
    """Coordinates for the 'changed over time' SVG: one point per revision, y = words."""

    width: int
    height: int
    points: tuple[tuple[float, float, RevisionView], ...]
    polyline: str
    max_words: int
    first: dt.datetime | None
    last: dt.datetime | None


def timeline(view: PostView, width: int = 640, height: int = 120, pad: int = 10) -> Timeline | None:
    """A timeline of the post's content revisions, or None when there is nothing to draw."""
    revisions = [r for r in reversed(view.revisions) if r.url]
    if len(revisions) < 2:
        return None
    times = [r.revision.commit.authored.timestamp() for r in revisions]
    start, span = min(times), (max(times) - min(times)) or 1
    top = max(r.words for r in revisions) or 1
    points = tuple(
        (
            round(pad + (t - start) / span * (width - 2 * pad), 1),
            round(height - pad - r.words / top * (height - 2 * pad), 1),
            r,
        )
        for t, r in zip(times, revisions, strict=True)
    )
    return Timeline(
        width=width,
        height=height,
        points=points,
        polyline=" ".join(f"{x},{y}" for x, y, _ in points),
        max_words=top,
        first=revisions[0].revision.date,
        last=revisions[-1].revision.date,
    )
