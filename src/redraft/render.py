"""Pages: the theme's Jinja2 templates filled with posts, trails and diffs.

Owns the template environment (a site's own theme/ overrides the default one shipped in the
wheel), the view data each template receives, and the inline SVG timeline. Templates only present;
everything they show is computed here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import jinja2

from .config import Settings
from .content import Post
from .diffs import WordDiff
from .errors import RedraftError
from .history import Revision
from .markdown import Rendered, slugify

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
    extra_head: tuple[str, ...] = field(default=(), compare=False)

    @property
    def url(self) -> str:
        return self.post.url

    @property
    def history_url(self) -> str:
        return self.post.url + "history/"

    @property
    def feed_url(self) -> str:
        return self.post.url + "feed.xml"

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
    def was_updated(self) -> bool:
        post = self.post
        return bool(post.updated and post.published and post.updated > post.published)


def template_environment(settings: Settings) -> jinja2.Environment:
    """Jinja2 with the site's theme/templates first, then the default theme's."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(p)) for p in _template_dirs(settings.source)]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["url"] = lambda path: settings.url(quote(str(path)))
    env.filters["absolute"] = lambda path: settings.absolute_url(quote(str(path)))
    env.filters["iso"] = lambda d: d.isoformat() if d else ""
    env.filters["day"] = lambda d: display_date(d, settings) if d else ""
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["tag_url"] = tag_url
    env.globals["site"] = settings
    return env


def tag_url(tag: str) -> str:
    return f"tags/{slugify(tag)}/"


def default_theme() -> Path:
    """The theme shipped with redraft: inside the wheel, or theme/ beside src/ in a checkout."""
    packaged = Path(str(files("redraft"))) / "theme"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "theme"


def theme_dirs(root: Path) -> list[Path]:
    """Theme folders, the site's own first: its files override the default theme's."""
    own = root / "theme"
    default = default_theme()
    return [own, default] if own.is_dir() and own.resolve() != default.resolve() else [default]


def _template_dirs(root: Path) -> list[Path]:
    return [d / "templates" for d in theme_dirs(root)]


def display_date(moment: dt.datetime, settings: Settings) -> str:
    local = moment.astimezone(settings.zone)
    return f"{local.day} {local:%B %Y}"


def render_page(env: jinja2.Environment, template: str, **context: object) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RedraftError(
            f"theme template {exc.name!r} is missing from theme/templates/"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RedraftError(f"{exc.filename}:{exc.lineno}: template error: {exc.message}") from None
    except Exception as exc:  # a theme's template can fail in many ways; name where it did
        raise RedraftError(f"{_template_position(exc, template)}: template error: {exc}") from None


def _template_position(exc: Exception, template: str) -> str:
    """'theme/templates/post.html:12': the innermost template line in the error's traceback."""
    position = template
    trace = exc.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            position = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return position


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
        "url": settings.absolute_url(quote(post.url)),
        "mainEntityOfPage": settings.absolute_url(quote(post.url)),
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
    first: dt.datetime
    last: dt.datetime


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
