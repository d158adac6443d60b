"""The theme: Jinja2 templates and static files, the site's own overriding the default's.

Owns the template environment (a site's own theme/ files, read by site_files from the commit or
the working tree, override the default theme shipped in the wheel, file by file), the filters templates use to spell links and dates, the theme's static
files, and turning a template failure into a message that names the template's line.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote, unquote

import jinja2
import jinja2.ext
from jinja2.lexer import Token, TokenStream
from pygments.formatters import HtmlFormatter

from . import i18n, urls
from ._version import __version__
from .config import Settings
from .counts import strip_markers
from .diffs import inline_styles, nested_headings
from .errors import RedraftError

# (title, address) of each standalone page in the site navigation.
Navigation = tuple[tuple[str, str], ...]


def template_environment(
    settings: Settings,
    templates: Mapping[str, bytes] | None = None,
    nav: Navigation = (),
    *,
    compiled: bool = False,
) -> jinja2.Environment:
    """Jinja2 with the site's own templates (`templates` by name, as site_files read them from
    the commit or the working tree) first, then the default theme's. With `compiled`, each
    template is compiled once for every build that uses the same one (see `_Compiled`)."""
    env = jinja2.Environment(
        bytecode_cache=_Compiled.made(settings.language) if compiled else None,
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FunctionLoader(functools.partial(_site_template, templates or {})),
                jinja2.FileSystemLoader(str(default_theme() / "templates")),
            ]
        ),
        extensions=["jinja2.ext.i18n", _FixedMessages],
        # HTML and XML are escaped; text files (robots.txt) are not HTML and are not escaped.
        autoescape=lambda name: name is None or not name.endswith(".txt"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["url"] = lambda path: urls.link(settings.base_path, str(path))
    env.filters["absolute"] = lambda path: urls.absolute(settings.base_url, str(path))
    env.filters["iso"] = lambda d: d.isoformat() if d else ""
    env.filters["day"] = lambda d: display_date(d, settings) if d else ""
    env.filters["clock"] = lambda d: f"{d.astimezone(settings.zone):%H:%M}" if d else ""
    env.filters["month"] = lambda d: i18n.month(d, settings.language)
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["tag_url"] = urls.tag
    env.filters["page_url"] = urls.post
    # An address as a reader reads it, not percent-encoded: '/posts/with space/'.
    env.filters["shown_url"] = lambda path: unquote(urls.link(settings.base_path, str(path)))
    env.filters["inline_styles"] = inline_styles
    env.filters["nested_headings"] = nested_headings
    env.filters["subject"] = lambda text: strip_markers(text, settings.minor_markers)
    env.filters["image_url"] = lambda image: (
        image if "://" in image else urls.absolute(settings.base_url, image)
    )
    env.filters["edit_url"] = lambda source: settings.edit_url.replace("{path}", quote(source))
    env.globals["site"] = settings
    env.globals["urls"] = urls
    env.globals["nav"] = nav
    env.globals["og_locale"] = i18n.og_locale(settings.language)
    words = i18n.Translations(settings.language)
    # The i18n extension's own method: newstyle gettext escapes its %(name)s values.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        words.gettext, words.ngettext, newstyle=True
    )
    env.extend(fixed_message=words.gettext)
    return env


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Templates as earlier builds compiled them (compiling is most of a small rebuild's
    template time). They are code, so they are kept where Jinja keeps them by default: a
    folder of the user's own in the temp directory, which Jinja makes private and checks;
    never in .redraft-cache, which lives in the blog's repository and holds data only.

    Jinja checks a template's text itself; the key names all else that decides what it
    compiles to: the language its fixed messages are translated to (see `_FixedMessages`),
    and the code and versions that set the environment up and translate."""

    def __init__(self, variant: str) -> None:
        super().__init__()
        self.variant = variant

    @classmethod
    def made(cls, language: str) -> _Compiled | None:
        """The cache for templates in `language`; None where the temp directory is not safe."""
        try:
            return cls(f"{_compiler_version()}\0{language}")
        except (RuntimeError, OSError):
            return None

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.variant}\0{name}\0{filename}".encode()).hexdigest()


@functools.cache
def _compiler_version() -> str:
    """A hash of what turns a template's text into code: Jinja, this module and the messages
    it translates at compile time."""
    digest = hashlib.sha256(f"{__version__}\0{jinja2.__version__}".encode())
    for module in (__file__, i18n.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


class _FixedMessages(jinja2.ext.Extension):
    """Translates `_('a fixed message')` once, when a template is compiled, instead of on
    every page: a large site fills templates hundreds of thousands of times.

    The call becomes the translated text marked safe, which is what the i18n extension's
    newstyle gettext returns for a message with no values. A message with values, or with a
    '%' in its translation, is left to gettext.
    """

    def filter_stream(self, stream: TokenStream) -> list[Token]:
        tokens = list(stream)
        translate: Callable[[str], str] | None = getattr(self.environment, "fixed_message", None)
        if translate is None:
            return tokens
        folded: list[Token] = []
        at = 0
        while at < len(tokens):
            call = tokens[at : at + 4]
            shape = [(t.type, t.value if t.type == "name" else None) for t in call]
            after_dot = bool(folded) and folded[-1].type == "dot"
            if shape == [("name", "_"), ("lparen", None), ("string", None), ("rparen", None)]:
                message = translate(call[2].value)
                if not after_dot and "%" not in message:
                    line = call[0].lineno
                    folded += [
                        Token(line, "lparen", "("),
                        Token(line, "string", message),
                        Token(line, "pipe", "|"),
                        Token(line, "name", "safe"),
                        Token(line, "rparen", ")"),
                    ]
                    at += 4
                    continue
            folded.append(tokens[at])
            at += 1
        return folded


def _site_template(
    templates: Mapping[str, bytes], name: str
) -> tuple[str, str, Callable[[], bool]] | None:
    data = templates.get(name)
    if data is None:
        return None
    filename = f"theme/templates/{name}"
    try:
        return data.decode("utf-8"), filename, lambda: True
    except UnicodeDecodeError as exc:
        raise RedraftError(
            f"{filename}: not valid UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None


def default_theme() -> Path:
    """The theme shipped with redraft: inside the wheel, or theme/ beside src/ in a checkout."""
    packaged = Path(str(files("redraft"))) / "theme"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "theme"


def display_date(moment: dt.datetime, settings: Settings) -> str:
    return i18n.day(moment.astimezone(settings.zone), settings.language)


def render_page(env: jinja2.Environment, template: str, **context: object) -> str:
    try:
        return env.get_template(template).render(**context)
    except RedraftError:
        raise
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


def static_files(own: Mapping[str, bytes], settings: Settings) -> dict[str, bytes]:
    """The files under /static/ by name: the theme's (the site's own, `own`, override the
    default's) and the code colours, light and dark, unless the site's theme has its own
    code.css."""
    static = default_theme() / "static"
    chosen = {p.relative_to(static).as_posix(): p for p in static.rglob("*") if p.is_file()}
    found = {name: path.read_bytes() for name, path in chosen.items()}
    found.setdefault(urls.CODE_CSS, code_css(settings).encode("utf-8"))
    return dict(sorted({**found, **own}.items()))


def code_css(settings: Settings) -> str:
    """Code colours in the `highlight_style`, and `highlight_style_dark` for dark mode."""
    # types-Pygments leaves get_style_defs untyped; it returns the CSS as text.
    light = HtmlFormatter(style=settings.highlight_style).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style=settings.highlight_style_dark).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


def fingerprint(own: Mapping[str, bytes]) -> str:
    """A hash of every theme file, the default's and the site's own (`own`): a changed template
    re-renders every page."""
    digest = hashlib.sha256()
    for path in sorted(default_theme().rglob("*")):
        if path.is_file():
            digest.update(f"{path}:{hashlib.sha256(path.read_bytes()).hexdigest()}\0".encode())
    for name, data in sorted(own.items()):
        digest.update(f"theme/{name}:{hashlib.sha256(data).hexdigest()}\0".encode())
    return digest.hexdigest()
