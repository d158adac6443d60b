"""The theme: Jinja2 templates and static files, the site's own overriding the default's.

Owns the template environment (a site's own theme/ overrides the default theme shipped in the
wheel, file by file), the filters templates use to spell links and dates, the theme's static
files, and turning a template failure into a message that names the template's line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote

import jinja2
from pygments.formatters import HtmlFormatter

from . import urls
from .config import Settings
from .counts import strip_markers
from .diffs import inline_styles, nested_headings
from .errors import RedraftError


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
    env.filters["url"] = lambda path: urls.link(settings.base_path, str(path))
    env.filters["absolute"] = lambda path: urls.absolute(settings.base_url, str(path))
    env.filters["iso"] = lambda d: d.isoformat() if d else ""
    env.filters["day"] = lambda d: display_date(d, settings) if d else ""
    env.filters["clock"] = lambda d: f"{d.astimezone(settings.zone):%H:%M}" if d else ""
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["tag_url"] = urls.tag
    env.filters["page_url"] = urls.post
    # An address as a reader reads it, not percent-encoded: '/posts/with space/'.
    env.filters["shown_url"] = lambda path: unquote(urls.link(settings.base_path, str(path)))
    env.filters["inline_styles"] = inline_styles
    env.filters["nested_headings"] = nested_headings
    env.filters["subject"] = lambda text: strip_markers(text, settings.minor_markers)
    env.globals["site"] = settings
    env.globals["urls"] = urls
    return env


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


def static_files(root: Path) -> dict[str, bytes]:
    """The files under /static/ by name: the theme's (the site's own override the default's)
    and the code colours, light and dark."""
    chosen: dict[str, Path] = {}
    for theme in reversed(theme_dirs(root)):
        static = theme / "static"
        for path in sorted(static.rglob("*")):
            if path.is_file() and not path.is_symlink():
                chosen[path.relative_to(static).as_posix()] = path
    found = {name: path.read_bytes() for name, path in sorted(chosen.items())}
    # types-Pygments leaves get_style_defs untyped; it returns the CSS as text.
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="github-dark").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    code = f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    found["code.css"] = code.encode("utf-8")
    return found


def fingerprint(root: Path) -> str:
    """A hash of every theme file: a changed template re-renders every page."""
    digest = hashlib.sha256()
    for theme in theme_dirs(root):
        for path in sorted(theme.rglob("*")):
            if path.is_file():
                digest.update(f"{path}:{hashlib.sha256(path.read_bytes()).hexdigest()}\0".encode())
    return digest.hexdigest()
