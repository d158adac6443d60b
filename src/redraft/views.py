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
from collections.abc import Sequence
from dataclasses import dataclass

from . import urls
from .config import Settings
from .content import Post
from .counts import TrailCount, count_trail
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
    def count(self) -> TrailCount:
        """Its revisions, minor ones and moves: the one count every page and feed shows."""
        return count_trail(self.post.trail)

    @property
    def living(self) -> bool:
        return self.count.substantive >= 3

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


@dataclass(frozen=True)
class Change:
    """One line of the site's recent changes: a revision of a post."""

    view: PostView
    item: RevisionView


def json_ld(view: PostView, settings: Settings) -> str:
    """The post's schema.org BlogPosting, safe to place inside a <script> element."""
    post = view.post
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage" if post.is_page else "BlogPosting",
        "headline": post.title,
        "datePublished": post.published.isoformat() if post.published else None,
        "dateModified": (post.updated or post.published).isoformat() if post.published else None,
        "author": {"@type": "Person", "name": settings.author},
        "url": urls.absolute(settings.base_url, post.url),
        "mainEntityOfPage": urls.absolute(settings.base_url, post.url),
        "description": view.summary,
        "keywords": list(post.tags),
        "wordCount": view.rendered.words,
        # schema.org's version of a CreativeWork: here, how many revisions it has had.
        "version": view.count.revisions or None,
    }
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Timeline:
    """The 'changed over time' chart: words (from zero) against dates, one point per revision.

    Coordinates are SVG user units; the plot sits inside margins that hold the axis labels.
    """

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    points: tuple[tuple[float, float, RevisionView], ...]  # oldest first
    polyline: str
    y_ticks: tuple[tuple[float, str], ...]  # (y, '1,000')
    x_ticks: tuple[tuple[float, dt.datetime, str], ...]  # (x, date, text-anchor)
    max_words: int
    first: dt.datetime
    last: dt.datetime
    radius: float


def timeline(view: PostView, width: int = 640, height: int = 200) -> Timeline | None:
    """The chart of the post's revisions, or None when there is nothing to draw."""
    revisions = [r for r in reversed(view.revisions) if r.url and r.revision.date]
    if len(revisions) < 2:
        return None
    left, top, right, bottom = 64, 12, width - 16, height - 32
    times = [_moment(r).timestamp() for r in revisions]
    start, span = times[0], (times[-1] - times[0]) or 1
    scale = _nice_ceiling(max(r.words for r in revisions))
    xs = _spread([left + (t - start) / span * (right - left) for t in times], left, right)
    points = tuple(
        (round(x, 1), round(bottom - r.words / scale * (bottom - top), 1), r)
        for x, r in zip(xs, revisions, strict=True)
    )
    y_ticks = tuple(
        (round(bottom - share * (bottom - top), 1), f"{round(scale * share):,}")
        for share in (0, 0.5, 1)
    )
    first, last = _moment(revisions[0]), _moment(revisions[-1])
    x_ticks = ((float(left), first, "start"), (float(right), last, "end"))
    gap = (right - left) / (len(revisions) - 1)
    return Timeline(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        points=points,
        polyline=" ".join(f"{x},{y}" for x, y, _ in points),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        max_words=max(r.words for r in revisions),
        first=first,
        last=last,
        radius=round(max(2.0, min(5.0, gap / 2.5)), 1),
    )


def _moment(item: RevisionView) -> dt.datetime:
    return item.revision.date or item.revision.commit.authored


def _nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten (at least 10), at least `value`."""
    magnitude = int("1" + "0" * max(0, len(str(max(value, 1))) - 1))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return max(10, step * magnitude)
    return 10 * magnitude


def _spread(xs: list[float], low: float, high: float) -> list[float]:
    """Positions nudged apart so revisions of one day stay distinct points, in date order."""
    gap = min(10.0, (high - low) / (len(xs) - 1))
    spread = list(xs)
    for index in range(1, len(spread)):
        spread[index] = max(spread[index], spread[index - 1] + gap)
    spread[-1] = min(spread[-1], high)
    for index in range(len(spread) - 2, -1, -1):
        spread[index] = min(spread[index], spread[index + 1] - gap)
    return spread


@dataclass(frozen=True)
class Pager:
    """Where one page of a paginated list stands: its number and every page's address."""

    number: int  # from 1
    addresses: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.addresses)

    @property
    def newer(self) -> str | None:
        """The page before this one (newer posts), or None on the first."""
        return self.addresses[self.number - 2] if self.number > 1 else None

    @property
    def older(self) -> str | None:
        """The page after this one (older posts), or None on the last."""
        return self.addresses[self.number] if self.number < self.count else None


@dataclass(frozen=True)
class Month:
    first_day: dt.date
    views: tuple[PostView, ...]


@dataclass(frozen=True)
class Year:
    year: int
    months: tuple[Month, ...]

    @property
    def count(self) -> int:
        return sum(len(month.views) for month in self.months)


def archive(views: Sequence[PostView], zone: dt.tzinfo) -> tuple[Year, ...]:
    """Dated posts by year, then month (in the site's time zone), newest first as given."""
    months: dict[dt.date, list[PostView]] = {}
    for view in views:
        if view.post.published:
            local = view.post.published.astimezone(zone)
            months.setdefault(dt.date(local.year, local.month, 1), []).append(view)
    years: dict[int, list[Month]] = {}
    for first_day in sorted(months, reverse=True):
        years.setdefault(first_day.year, []).append(Month(first_day, tuple(months[first_day])))
    return tuple(Year(year, tuple(found)) for year, found in years.items())
