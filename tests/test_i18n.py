"""The theme speaks the site's language: every string a template shows has a German entry, dates
are German, og:locale is in OpenGraph's form."""

from pathlib import Path

import jinja2
import pytest

from redraft import i18n, theme
from redraft.config import load_settings

THEME = Path(__file__).resolve().parents[1] / "theme/templates"


def _messages() -> set[str]:
    """Every message the default theme's templates translate (the singular of a plural)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found = set()
    for template in sorted(THEME.iterdir()):
        for _, _, message in env.extract_translations(template.read_text(encoding="utf-8")):
            text = message if isinstance(message, str) else message[0]
            assert text is not None, f"{template.name}: translate a literal, not an expression"
            found.add(text)
    return found


def test_german_translates_every_message_of_the_theme_and_nothing_else():
    messages = _messages()
    assert len(messages) > 80
    assert messages - i18n.TABLES["de"].keys() == set()
    assert i18n.TABLES["de"].keys() - messages == set()  # no stale entries


def test_plural_messages_have_two_forms():
    words = i18n.Translations("de")
    assert words.ngettext("%(num)d revision", "%(num)d revisions", 1) == "%(num)d Überarbeitung"
    assert words.ngettext("%(num)d revision", "%(num)d revisions", 2) == "%(num)d Überarbeitungen"
    english = i18n.Translations("en")
    assert english.ngettext("%(num)d revision", "%(num)d revisions", 2) == "%(num)d revisions"
    assert i18n.Translations("eo").gettext("Topics") == "Topics"  # no table: English


@pytest.mark.parametrize(
    ("language", "locale"),
    [("en", "en_US"), ("de", "de_DE"), ("de-AT", "de_AT"), ("en-gb", "en_GB"), ("pt_BR", "pt_BR")],
)
def test_og_locale_is_in_opengraph_form(language, locale):
    assert i18n.og_locale(language) == locale


def test_a_german_site(blog, read_page):
    text = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", text + 'language = "de"\n')
    blog.write("posts/hallo.md", "---\ntags: [notizen]\n---\n# Hallo\n\nErste Worte.\n")
    blog.commit("Hallo", "2024-03-05T10:00:00+00:00")
    blog.write("posts/hallo.md", "---\ntags: [notizen]\n---\n# Hallo\n\nErste und zweite Worte.\n")
    blog.commit("Mehr Worte", "2024-05-07T10:00:00+00:00")
    site = blog.build()
    post = read_page(site / "posts/hallo/index.html")
    assert "Veröffentlicht 5. März 2024" in post.text
    assert "Aktualisiert 7. Mai 2024" in post.text
    assert "2 Überarbeitungen" in post.text
    html = (site / "posts/hallo/index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and '<meta property="og:locale" content="de_DE">' in html
    home = read_page(site / "index.html")
    assert {"Texte", "Themen", "Archiv"} <= {a_text for a_text in _nav_texts(site / "index.html")}
    assert "Startseite" not in home.text and "Writing" not in home.text
    history = read_page(site / "posts/hallo/history/index.html")
    assert "Wie sich diese Seite verändert hat" in history.texts("h1")
    archive = (site / "archive/index.html").read_text(encoding="utf-8")
    assert "<h3>März 2024</h3>" in archive


def _nav_texts(path: Path) -> list[str]:
    html = path.read_text(encoding="utf-8")
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return [part.split("<", 1)[0] for part in nav.split('">')[1:] if part.split("<", 1)[0].strip()]


@pytest.mark.parametrize("language", ["en", "de"])
def test_fixed_messages_translated_once_read_as_gettext_gives_them(tmp_path, language):
    """Messages with no values are translated when a template is compiled: the page must read
    exactly as the i18n extension's gettext makes it on every render."""
    (tmp_path / "redraft.toml").write_text(f'title = "T"\nlanguage = "{language}"\n')
    env = theme.template_environment(load_settings(tmp_path))
    plain = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    words = i18n.Translations(language)
    plain.install_gettext_callables(words.gettext, words.ngettext, newstyle=True)  # type: ignore[attr-defined]
    source = (
        "{{ _('Topics') }}|{{ _('Topics') | upper }}|{{ _(\"Skip to content\") }}|"
        "{{ _('%(n)s of 100%%', n='<b>') }}|{{ _('100%% & more') }}|"
        "{% set t = _('Archive') %}{{ t ~ '<' }}|{{ {'_': 1}._ }}"
    )
    folded = env.from_string(source).render()
    assert folded == plain.from_string(source).render()
    assert folded.startswith(
        "Themen|THEMEN|Zum Inhalt springen|" if language == "de" else "Topics|"
    )
