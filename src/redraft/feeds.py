"""Atom feeds through feedgen: the site feed, one feed per tag and one revision feed per post.

Entry ids come from a post's first commit and first path, never from its current URL, so they
survive renames; every timestamp comes from the trail, so the same commit gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from . import urls
from .config import Settings
from .views import Change, PostView

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

CHANGES_IN_FEED = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# href and src attributes in rendered HTML (the renderer always double-quotes them).
_ADDRESS = re.compile(r'\b(href|src)="([^"]*)"')
_NAMESPACE = uuid.UUID("6f1d2a4e-2b0c-4f6e-9a57-1d0c5e7b3a21")


def post_id(view: PostView) -> str:
    """A stable id for a post: its first commit and the path it was first added at."""
    first = view.post.trail.first
    key = f"{first.commit.sha}:{first.path}" if first else f"uncommitted:{view.post.source}"
    return uuid.uuid5(_NAMESPACE, key).urn


def revision_id(view: PostView, sha: str) -> str:
    return uuid.uuid5(_NAMESPACE, f"{post_id(view)}:{sha}").urn


def site_feed(views: Sequence[PostView], settings: Settings, bodies: Mapping[str, str]) -> bytes:
    """The site's Atom feed: one entry per post, newest first."""
    feed = _feed(
        settings,
        settings.title,
        urls.absolute(settings.base_url, urls.SITE_FEED),
        settings.base_url,
    )
    feed.id(uuid.uuid5(_NAMESPACE, "site:" + settings.base_url).urn)
    if settings.description:
        feed.subtitle(settings.description)
    return _post_entries(feed, views, settings, bodies)


def tag_feed(
    tag: str, views: Sequence[PostView], settings: Settings, bodies: Mapping[str, str]
) -> bytes:
    """The Atom feed of one tag: one entry per post with the tag, newest first."""
    feed = _feed(
        settings,
        f"{tag} · {settings.title}",
        urls.absolute(settings.base_url, urls.tag_feed(tag)),
        urls.absolute(settings.base_url, urls.tag(tag)),
    )
    feed.id(uuid.uuid5(_NAMESPACE, f"tag:{settings.base_url}:{urls.tag(tag)}").urn)
    return _post_entries(feed, views, settings, bodies)


def _post_entries(
    feed: FeedGenerator, views: Sequence[PostView], settings: Settings, bodies: Mapping[str, str]
) -> bytes:
    """The feed with the newest `feed_limit` posts (all for 0), each with its whole body, or
    only its summary with `feed_content = "summary"`."""
    feed.updated(max((v.post.updated or _EPOCH for v in views), default=_EPOCH))
    shown = views[: settings.feed_limit] if settings.feed_limit else views
    for view in reversed(shown):  # feedgen lists entries last-added first
        post = view.post
        entry = feed.add_entry()
        entry.id(post_id(view))
        entry.title(post.title)
        entry.link(href=urls.absolute(settings.base_url, (post.url)), rel="alternate")
        entry.published(post.published or _EPOCH)
        entry.updated(post.updated or post.published or _EPOCH)
        entry.author({"name": settings.author})
        if view.summary:
            entry.summary(view.summary)
        if settings.feed_content == "full":
            page = urls.absolute(settings.base_url, post.url)
            entry.content(absolute_links(bodies[post.url], page), type="html")
        for tag in post.tags:
            entry.category(term=tag)
    return bytes(feed.atom_str(pretty=True))


def revision_feed(view: PostView, settings: Settings, changes: dict[str, str]) -> bytes:
    """A post's own feed: one entry per non-minor revision, its content what changed (as
    `changes` gives it by commit, links already absolute: see `absolute_links`)."""
    post = view.post
    feed = _feed(
        settings,
        f"{post.title}: revisions",
        urls.absolute(settings.base_url, (view.feed_url)),
        urls.absolute(settings.base_url, (view.history_url)),
    )
    feed.id(post_id(view) + ":revisions")
    feed.subtitle(f"Every change to “{post.title}”: {view.count}.")
    counting = [r for r in view.revisions if r.revision.counts]
    feed.updated(counting[0].revision.date if counting else post.updated or _EPOCH)
    for item in reversed(counting):
        revision = item.revision
        entry = feed.add_entry()
        entry.id(revision_id(view, revision.commit.sha))
        entry.title(revision.commit.subject or f"Revision {item.short}")
        entry.link(href=urls.absolute(settings.base_url, (item.url)), rel="alternate")
        entry.published(revision.date)
        entry.updated(revision.date)
        entry.author({"name": revision.commit.author})
        entry.content(changes[revision.commit.sha], type="html")
    return bytes(feed.atom_str(pretty=True))


def changes_feed(changes: Sequence[Change], settings: Settings) -> bytes:
    """The site's recent changes: one entry per substantive revision of any post, newest first.
    Entries share their ids with the posts' own revision feeds: they are the same revisions."""
    feed = _feed(
        settings,
        f"{settings.title}: recent changes",
        urls.absolute(settings.base_url, urls.CHANGES_FEED),
        urls.absolute(settings.base_url, urls.CHANGES),
    )
    feed.id(uuid.uuid5(_NAMESPACE, "changes:" + settings.base_url).urn)
    feed.updated(changes[0].item.revision.date if changes else _EPOCH)
    for change in reversed(changes):  # feedgen lists entries last-added first
        view, item = change.view, change.item
        revision = item.revision
        entry = feed.add_entry()
        entry.id(revision_id(view, revision.commit.sha))
        subject = revision.commit.subject
        entry.title(f"{view.post.title}: {subject}" if subject else view.post.title)
        history = urls.absolute(settings.base_url, view.history_url)
        entry.link(href=f"{history}#{urls.revision_anchor(item.short)}", rel="alternate")
        entry.published(revision.date)
        entry.updated(revision.date)
        entry.author({"name": revision.commit.author})
        entry.summary(revision.commit.body or revision.commit.subject or "A new revision.")
    return bytes(feed.atom_str(pretty=True))


def absolute_links(markup: str, page: str) -> str:
    """Feed content with every link and image address absolute, resolved against the page the
    content comes from: a feed reader resolves '#heading' against the feed, not the page."""
    return _ADDRESS.sub(
        lambda m: f'{m.group(1)}="{html.escape(urljoin(page, html.unescape(m.group(2))))}"',
        markup,
    )


def _feed(settings: Settings, title: str, self_url: str, home: str) -> FeedGenerator:
    # Imported when a feed is written: a build with nothing to do writes none (feedgen brings
    # lxml, a good part of starting up).
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.title(title)
    feed.author({"name": settings.author})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=home, rel="alternate", type="text/html")
    feed.language(settings.language)
    feed.generator("redraft")
    return feed
