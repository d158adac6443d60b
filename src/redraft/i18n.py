"""The theme's words in the site's language: one translation table per language, month names
and the date format, and the OpenGraph locale.

Templates write their English text through Jinja's i18n extension (`_('Topics')`,
`ngettext('%(num)d post', '%(num)d posts', n)`); the `language` setting picks the table here.
English and German are complete (a test checks every template string); another language shows
English words until it has a table. Dates come from this module's own month tables, not Babel:
the theme needs day, month and year only, and Babel's locale data is 30 MB.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
        "September", "Oktober", "November", "Dezember",
    ),
}  # fmt: skip
_DAY_FORMAT = {"en": "{day} {month} {year}", "de": "{day}. {month} {year}"}
# The region OpenGraph's og:locale names when the language setting gives none ('de' -> de_DE).
_REGIONS = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT"}

_GERMAN: dict[str, str | tuple[str, str]] = {
    # Frame and navigation
    "Skip to content": "Zum Inhalt springen",
    "Site": "Website",
    "Writing": "Texte",
    "Topics": "Themen",
    "Archive": "Archiv",
    "Feed": "Feed",
    "Every date on this site is read from git, as of commit %(commit)s.": (
        "Jedes Datum auf dieser Website stammt aus git, Stand Commit %(commit)s."
    ),
    "Every date on this site is read from git.": "Jedes Datum auf dieser Website stammt aus git.",
    "Built with redraft.": "Erstellt mit redraft.",
    # Lists of posts
    "Writing, page %(number)s of %(count)s": "Texte, Seite %(number)s von %(count)s",
    "page %(number)s": "Seite %(number)s",
    "page %(number)s of %(count)s": "Seite %(number)s von %(count)s",
    "Nothing published yet. Commit a Markdown file under %(folder)s and build again.": (
        "Noch nichts veröffentlicht. Committe eine Markdown-Datei unter %(folder)s und baue erneut."
    ),
    "Nothing published yet.": "Noch nichts veröffentlicht.",
    "Recently revised": "Kürzlich überarbeitet",
    "Living documents: pages that keep changing. Every version is kept.": (
        "Lebende Dokumente: Seiten, die sich weiter ändern. Jede Fassung bleibt erhalten."
    ),
    "%(num)d revision": ("%(num)d Überarbeitung", "%(num)d Überarbeitungen"),
    "%(num)d post, newest first.": (
        "%(num)d Beitrag, neueste zuerst.",
        "%(num)d Beiträge, neueste zuerst.",
    ),
    "%(num)d post, by the month it was published.": (
        "%(num)d Beitrag, nach dem Monat seiner Veröffentlichung.",
        "%(num)d Beiträge, nach dem Monat ihrer Veröffentlichung.",
    ),
    "post": ("Beitrag", "Beiträge"),
    "Pages of posts": "Seiten der Beiträge",
    "Newer": "Neuer",
    "Older": "Älter",
    "updated": "aktualisiert",
    "living document": "lebendes Dokument",
    "draft": "Entwurf",
    "scheduled": "geplant",
    "uncommitted changes": "nicht committete Änderungen",
    "Everything on %(site)s about %(tag)s.": "Alles auf %(site)s zum Thema %(tag)s.",
    "Follow this topic in a feed reader": "Diesem Thema im Feedreader folgen",
    "The topics %(site)s writes about.": "Die Themen, über die %(site)s schreibt.",
    "Every post is filed under the topics in its front matter.": (
        "Jeder Beitrag steht unter den Themen aus seinem Front Matter."
    ),
    "No topics yet: add %(example)s to a post's front matter.": (
        "Noch keine Themen: ergänze %(example)s im Front Matter eines Beitrags."
    ),
    "Everything %(site)s has published, by year and month.": (
        "Alles, was %(site)s veröffentlicht hat, nach Jahr und Monat."
    ),
    # Banners
    "Draft.": "Entwurf.",
    "Not committed, or marked draft: a plain build does not publish it.": (
        "Nicht committet oder als Entwurf markiert: ein normaler Build veröffentlicht ihn nicht."
    ),
    "Scheduled.": "Geplant.",
    "Dated %(date)s: a build publishes it on or after that date.": (
        "Datiert auf %(date)s: ein Build an oder nach diesem Tag veröffentlicht ihn."
    ),
    "Uncommitted changes.": "Nicht committete Änderungen.",
    "A plain build publishes the committed version of this post.": (
        "Ein normaler Build veröffentlicht die committete Fassung dieses Beitrags."
    ),
    # A post
    "Published": "Veröffentlicht",
    "Updated": "Aktualisiert",
    "Edit this page": "Diese Seite bearbeiten",
    "%(minutes)s min read": "%(minutes)s Min. Lesezeit",
    "Contents": "Inhalt",
    "%(words)s words": "%(words)s Wörter",
    "See every change": "Jede Änderung ansehen",
    "This page keeps its history:": "Diese Seite bewahrt ihre Geschichte:",
    "see how it changed": "sieh, wie sie sich verändert hat",
    "or": "oder",
    "follow its revisions in a feed reader": "folge ihren Überarbeitungen im Feedreader",
    "%(title)s: revisions": "%(title)s: Überarbeitungen",
    # History, diffs, snapshots
    "History of %(title)s": "Geschichte von %(title)s",
    "Every revision of “%(title)s”, with what changed.": (
        "Jede Überarbeitung von „%(title)s“, mit dem, was sich geändert hat."
    ),
    "How this page changed": "Wie sich diese Seite verändert hat",
    "Follow its changes in a feed reader": "Ihren Änderungen im Feedreader folgen",
    "(no message)": "(ohne Nachricht)",
    "minor": "geringfügig",
    "first version": "erste Fassung",
    "restored": "wiederhergestellt",
    "merge": "Zusammenführung",
    "removed": "entfernt",
    "Read this version": "Diese Fassung lesen",
    "What changed": "Was sich geändert hat",
    "words": "Wörter",
    "%(title)s (version of %(date)s)": "%(title)s (Fassung vom %(date)s)",
    "You are reading the version of": "Du liest die Fassung vom",
    "Read the latest version": "Die neueste Fassung lesen",
    "Versions": "Fassungen",
    "Older version": "Ältere Fassung",
    "First version": "Erste Fassung",
    "All versions": "Alle Fassungen",
    "Newer version": "Neuere Fassung",
    "Version": "Fassung",
    "of": "vom",
    "by %(author)s": "von %(author)s",
    "The front matter of this version could not be read, so it is shown as it was written.": (
        "Das Front Matter dieser Fassung ließ sich nicht lesen; sie wird so gezeigt, wie sie "
        "geschrieben wurde."
    ),
    # Recent changes, history and the timeline
    "Changes": "Änderungen",
    "Recent changes": "Letzte Änderungen",
    "%(site)s: recent changes": "%(site)s: letzte Änderungen",
    "Every revision of every page on %(site)s, newest first.": (
        "Jede Überarbeitung jeder Seite auf %(site)s, neueste zuerst."
    ),
    "Every revision of every page, newest first; minor fixes are left out.": (
        "Jede Überarbeitung jeder Seite, neueste zuerst; geringfügige Korrekturen fehlen."
    ),
    "Follow them in a feed reader": "Ihnen im Feedreader folgen",
    "Nothing has been revised yet.": "Noch wurde nichts überarbeitet.",
    "Pages of changes": "Seiten der Änderungen",
    "Newer changes": "Neuere Änderungen",
    "Older changes": "Ältere Änderungen",
    "%(newest)s to %(oldest)s": "%(newest)s bis %(oldest)s",
    "%(num)d minor": ("%(num)d geringfügig", "%(num)d geringfügig"),
    "moved once": ("einmal verschoben", "%(num)d-mal verschoben"),
    "%(num)d detail": ("%(num)d Detail", "%(num)d Details"),
    "newest first.": "neueste zuerst.",
    "Published once, never revised.": "Einmal veröffentlicht, nie überarbeitet.",
    "Follow it in a feed reader to hear of any change": (
        "Im Feedreader folgen, um von jeder Änderung zu erfahren"
    ),
    "Moved from": "Verschoben von",
    "to": "nach",
    "First published with %(words)s words.": "Zuerst mit %(words)s Wörtern veröffentlicht.",
    "punctuation, links or formatting; no words": (
        "Satzzeichen, Links oder Formatierung; keine Wörter"
    ),
    "Punctuation, links or formatting changed; no words.": (
        "Satzzeichen, Links oder Formatierung geändert; keine Wörter."
    ),
    "Changed": "Geändert",
    "Changed over time:": "Im Lauf der Zeit verändert:",
    "all on %(date)s": "alle am %(date)s",
    "from %(first)s to %(last)s": "vom %(first)s bis %(last)s",
    "now %(words)s words.": "jetzt %(words)s Wörter.",
    "The chart as a table": "Das Diagramm als Tabelle",
    "Date": "Datum",
    "Revision": "Überarbeitung",
    "Words": "Wörter",
    "This is the latest version, of": "Dies ist die neueste Fassung, vom",
    "Read it on its page": "Auf ihrer Seite lesen",
    # Not found, redirects
    "Not found": "Nicht gefunden",
    "This page does not exist on %(site)s.": "Diese Seite gibt es auf %(site)s nicht.",
    "Error 404": "Fehler 404",
    "Nothing here": "Hier ist nichts",
    "This page does not exist, or no longer does. Posts that moved redirect to their new home, so this address may never have existed.": (
        "Diese Seite gibt es nicht oder nicht mehr. Verschobene Beiträge leiten an ihre neue "
        "Adresse weiter, also gab es diese Adresse vielleicht nie."
    ),
    "The front page lists everything": "Die Startseite listet alles",
    "the topics sort it": "die Themen ordnen es",
    "Moved to %(address)s": "Umgezogen nach %(address)s",
    "This page has moved": "Diese Seite ist umgezogen",
    "It now lives at": "Sie ist jetzt unter",
}

TABLES: dict[str, dict[str, str | tuple[str, str]]] = {"en": {}, "de": _GERMAN}


def base_language(language: str) -> str:
    """'de-AT' -> 'de'."""
    return language.replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class Translations:
    """gettext and ngettext over one table; a message it lacks stays English."""

    language: str

    @functools.cached_property
    def table(self) -> dict[str, str | tuple[str, str]]:
        return TABLES.get(base_language(self.language), {})

    def gettext(self, message: str) -> str:
        found = self.table.get(message, message)
        return found if isinstance(found, str) else found[0]

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        found = self.table.get(singular)
        forms = found if isinstance(found, tuple) else (singular, plural)
        # English and German both use the singular for exactly one.
        return forms[0] if count == 1 else forms[1]


def day(moment: dt.date, language: str) -> str:
    """'3 December 2026', '3. Dezember 2026'."""
    code = base_language(language) if base_language(language) in _MONTHS else "en"
    month = _MONTHS[code][moment.month - 1]
    return _DAY_FORMAT[code].format(day=moment.day, month=month, year=moment.year)


def month(first_day: dt.date, language: str) -> str:
    """'December 2026', 'Dezember 2026'."""
    code = base_language(language) if base_language(language) in _MONTHS else "en"
    return f"{_MONTHS[code][first_day.month - 1]} {first_day.year}"


def og_locale(language: str) -> str:
    """OpenGraph's form of the language: 'en' -> 'en_US', 'de-AT' -> 'de_AT'."""
    parts = language.replace("_", "-").split("-")
    base = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else _REGIONS.get(base, base.upper())
    return f"{base}_{region}"
