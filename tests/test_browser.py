"""The built site in a real browser: layout at phone and desktop widths, light and dark,
accessibility (axe-core), keyboard use, printing, navigation, and valid HTML (Nu HTML Checker).

Two sites are built once for the module and served over HTTP under a sub-path, the way GitHub
Pages serves a project site: this repository's sample blog at /blog/ and a small stress blog
(unbreakable title, wide table, long code line, wide equation, 1600-px figure, a revision whose
front matter was broken, a moved post) at /stress/. A missing path gets 404.html with status 404.

Needs Debian's Chromium, Java and `npm ci --prefix tests/browser` (axe-core, vnu-jar). Without
them the tests are skipped, except on CI (`CI` set), where they fail instead.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import new_blog
from redraft import build_site
from redraft.config import Now

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # reported by _require() as a skip, or a failure on CI
    sync_playwright = expect = None

REPO = Path(__file__).resolve().parents[1]
TOOLS = Path(__file__).resolve().parent / "browser"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
VNU = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = TOOLS / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": 390, "desktop": 1280}
SCHEMES = ("light", "dark")


def _require(*needs: str) -> None:
    """Skip (fail on CI) with a clear reason when a tool the test needs is missing."""
    missing = []
    if "browser" in needs:
        if sync_playwright is None:
            missing.append("the Python package playwright (pip install -e '.[test]')")
        if not CHROMIUM.exists():
            missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
        if not AXE.is_file():
            missing.append(f"axe-core in {AXE.parent} (npm ci --prefix tests/browser)")
    if "vnu" in needs:
        if shutil.which("java") is None:
            missing.append("Java (apt-get install default-jre-headless)")
        if not VNU.is_file():
            missing.append(f"vnu-jar in {VNU.parents[2]} (npm ci --prefix tests/browser)")
    if missing:
        reason = "browser tests need " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)


# --- serving: a folder per sub-path, 404.html for what is missing, as GitHub Pages does ---


class _SiteHandler(BaseHTTPRequestHandler):
    mounts: dict[str, Path] = {}

    def do_GET(self) -> None:
        status, headers, body = self._answer()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> tuple[int, dict[str, str], bytes]:
        path = unquote(urlsplit(self.path).path)
        for prefix, folder in self.mounts.items():
            if path == prefix.rstrip("/"):
                return 301, {"Location": prefix, "Content-Length": "0"}, b""
            if not path.startswith(prefix):
                continue
            target = (folder / path[len(prefix) :]).resolve()
            if target.is_relative_to(folder) and target.is_dir():
                if not path.endswith("/"):
                    return 301, {"Location": path + "/", "Content-Length": "0"}, b""
                target = target / "index.html"
            if target.is_relative_to(folder) and target.is_file():
                return 200, self._headers(target), target.read_bytes()
            missing = folder / "404.html"
            return 404, self._headers(missing), missing.read_bytes()
        return 404, {"Content-Type": "text/plain", "Content-Length": "9"}, b"not found"

    @staticmethod
    def _headers(target: Path) -> dict[str, str]:
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("+xml", "/xml")):
            kind += "; charset=utf-8"
        return {"Content-Type": kind, "Content-Length": str(target.stat().st_size)}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    handler = type("Handler", (_SiteHandler,), {"mounts": {}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, handler.mounts
    httpd.shutdown()
    httpd.server_close()


def _origin(server) -> str:
    return f"http://127.0.0.1:{server[0].server_address[1]}"


@pytest.fixture(scope="module")
def sample(server, tmp_path_factory) -> str:
    """This repository's sample blog, built from HEAD and served at /blog/; returns its URL."""
    base = _origin(server) + "/blog/"
    output = tmp_path_factory.mktemp("sample") / "site"
    # As of a fixed moment after every date in it (its scheduled post included): the same pages
    # whatever the day the tests run.
    later = Now(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "--now")
    build_site(REPO, output=output, base_url=base, cache=False, now=later)
    server[1]["/blog/"] = output.resolve()
    return base


STRESS_TITLE = (
    "Stress: Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-words-joined-without-spaces "
    "https://example.org/an/address/that/goes/on/and/on/without/a/single/space/in/it"
)
STRESS_POST = f"""\
---
title: "{STRESS_TITLE}"
tags: [stress, layout]
summary: Everything that could make a page wider than a phone.
---

A long link: <https://example.org/a/very/long/address/that/has/no/spaces/and/must/wrap/inside/the/column/instead/of/widening/the/page>.

| {" | ".join(f"measurement {i}" for i in range(1, 13))} |
|{"---|" * 12}
| {" | ".join(f"value {i * 1000}" for i in range(1, 13))} |

```python
@dataclass
class Example(Base):  # every kind of token the light code colours must keep readable
    count: int = 0x1F + 42 * 3.5
    name = f"total {{count!r}}" + 'single' + r"\\d+"
result = some_function_with_a_long_name(argument_number_one=1, argument_number_two=2, argument_number_three=3, argument_number_four=4)
```

$$
\\sum_{{i=1}}^{{n}} a_i + b_i + c_i + d_i + e_i + f_i + g_i + h_i + x_1 + x_2 + x_3 + x_4 + x_5 + x_6 + x_7 + x_8 + x_9 + y_1 + y_2 + y_3 + y_4 + y_5 + y_6 + z_1 + z_2 = \\int_0^1 f(t) dt
$$

![A figure drawn 1600 pixels wide](wide.svg "A figure drawn 1600 pixels wide, scaled to fit the column.")
"""
WIDE_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="240" viewBox="0 0 1600 240">
<rect width="1600" height="240" fill="#e9dccb"/>
<text x="40" y="140" font-family="sans-serif" font-size="64" fill="#1f1b16">1600 pixels wide</text>
</svg>
"""


@pytest.fixture(scope="module")
def stress(server, tmp_path_factory) -> str:
    """A blog made to break layouts, served at /stress/; returns its URL."""
    base = _origin(server) + "/stress/"
    blog = new_blog(tmp_path_factory.mktemp("stress") / "blog")
    blog.write("posts/old-name/index.md", "---\ntitle: [never closed\n---\n\nA first draft.\n")
    blog.commit("First draft (its front matter is broken)", "2024-02-01T10:00:00+00:00")
    blog.write("posts/old-name/index.md", STRESS_POST)
    blog.write("posts/old-name/wide.svg", WIDE_SVG)
    blog.commit("Fix the front matter, add everything wide", "2024-02-10T10:00:00+00:00")
    blog.git("mv", "posts/old-name", "posts/stress")
    blog.commit("Move the stress post", "2024-03-01T10:00:00+00:00")
    output = tmp_path_factory.mktemp("stress-site") / "site"
    blog.build(output=output, base_url=base, cache=False)
    server[1]["/stress/"] = output.resolve()
    return base


@pytest.fixture(scope="module")
def german(server, tmp_path_factory) -> str:
    """A blog in German with a living document and a page, served at /de/; returns its URL."""
    base = _origin(server) + "/de/"
    blog = new_blog(tmp_path_factory.mktemp("german") / "blog")
    settings = (blog.root / "pyproject.toml").read_text(encoding="utf-8")
    blog.write("pyproject.toml", settings + 'language = "de"\nnav = ["ueber"]\nper_page = 1\n')
    blog.write("pages/ueber.md", "# Über dieses Heft\n\nNotizen über Software.\n")
    for number, day in enumerate(("2024-03-05", "2024-04-09", "2024-05-14", "2024-06-18")):
        words = " ".join(["Notiz"] * (number + 1))
        blog.write("posts/notizen.md", f"---\ntags: [notizen]\n---\n# Notizen\n\n{words}.\n")
        blog.commit(f"Notizen, Fassung {number + 1}", f"{day}T10:00:00+02:00")
    blog.write("posts/hallo.md", "---\ntags: [notizen]\n---\n# Hallo\n\nErste Worte.\n")
    blog.commit("Hallo", "2024-07-01T10:00:00+02:00")
    output = tmp_path_factory.mktemp("german-site") / "site"
    blog.build(output=output, base_url=base, cache=False)
    server[1]["/de/"] = output.resolve()
    return base


@pytest.fixture(scope="module")
def urls(sample, stress, german, server) -> dict[str, str]:
    """Every page the layout checks visit, by name."""

    def oldest(base: str, prefix: str, post: str) -> str:
        history = (server[1][prefix] / post / "history" / "index.html").read_text("utf-8")
        links = re.findall(r'href="(/[^"]*/history/[0-9a-f]+/)"', history)
        assert links, f"no snapshot links on {post}history/"
        return _origin(server) + links[-1]

    return {
        "index": sample,
        "post": sample + "posts/reading-history-in-one-pass/",
        "living": sample + "posts/lab-notebook/",
        "history": sample + "posts/lab-notebook/history/",
        "snapshot": oldest(sample, "/blog/", "posts/lab-notebook/"),
        "tags": sample + "tags/",
        "tag": sample + "tags/redraft/",
        "changes": sample + "changes/",
        "404": sample + "no-such-page/",
        "stress-index": stress,
        "stress-post": stress + "posts/stress/",
        "stress-history": stress + "posts/stress/history/",
        "stress-snapshot": oldest(stress, "/stress/", "posts/stress/"),
        "stress-redirect": stress + "posts/old-name/",
        "index-2": sample + "page/2/",
        "archive": sample + "archive/",
        "about": sample + "about/",
        "german-index": german,
        "german-living": german + "posts/notizen/",
        "german-history": german + "posts/notizen/history/",
        "german-tag-2": german + "tags/notizen/page/2/",
        "german-page": german + "ueber/",
    }


# --- the browser ---


@pytest.fixture(scope="module")
def tab():
    """One browser tab for the module: each check resizes it and sets its colour scheme, which
    costs a fraction of a fresh browser context (the whole file must stay under 60 s of CPU)."""
    _require("browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(reduced_motion="reduce")
        yield context.new_page()
        context.close()
        browser.close()


class Visit:
    """The tab at one width and colour scheme, recording everything that goes wrong in it."""

    def __init__(self, page, url: str, *, width: int = 1280, scheme: str = "light") -> None:
        self.page = page
        self.url = url
        self.problems: list[str] = []
        self.expected_status = 200
        self.leaving = False
        self.response = None
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        page.emulate_media(media="screen", color_scheme=scheme)
        self._listeners = {
            "console": self._console,
            "pageerror": self._page_error,
            "requestfailed": self._failed,
            "response": self._response,
        }
        for event, listener in self._listeners.items():
            page.on(event, listener)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium reports the expected 404 of the page itself as a console error.
        if self.expected_status == 404 and message.location.get("url") == self.url:
            return
        self.problems.append(f"console error: {message.text}")

    def _page_error(self, error) -> None:
        self.problems.append(f"script error: {error}")

    def _failed(self, request) -> None:
        # A page that navigates away at once (a redirect, a click) cancels what it was loading.
        if self.leaving and request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status < 400:
            return
        if response.url == self.url and response.status == self.expected_status:
            return
        self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, *, status: int = 200) -> Visit:
        self.expected_status = status
        self.response = self.page.goto(self.url, wait_until="load")
        assert self.response is not None and self.response.status == status, self.url
        # Lazy images load now, so their requests are checked and they show in screenshots.
        self.page.evaluate(
            """() => Promise.all([...document.images].map(image => {
                 image.loading = 'eager';
                 return image.decode().catch(() => {});
               }))"""
        )
        return self

    def __enter__(self) -> Visit:
        return self

    def __exit__(self, *exc: object) -> None:
        for event, listener in self._listeners.items():
            self.page.remove_listener(event, listener)


def _axe(page) -> list[str]:
    """Serious and critical axe-core violations, one line per rule, with no exclusions."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
             const result = await axe.run(document, {resultTypes: ['violations']});
             return result.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => `${v.impact} ${v.id}: ${v.help} at ` +
                         v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '));
           }"""
    )
    return violations


def _links_told_apart_by_colour_only(page) -> list[str]:
    """Links inside running text that are not underlined. (axe's link-in-text-block counts any
    difference in the `text-decoration` shorthand, such as a thickness, as a visible style.)"""
    return page.evaluate(
        """() => [...document.querySelectorAll('body a[href]')].filter(link => {
             if (link.closest('svg, nav, .masthead')) return false;
             let block = link.parentElement;
             while (block && getComputedStyle(block).display.startsWith('inline')) {
               block = block.parentElement;
             }
             const words = element => element.textContent.replace(/\\s+/g, ' ').trim();
             if (!block || !block.matches('p, li, td, th, dd, figcaption, blockquote')) return false;
             if (words(block).length <= words(link).length + 2) return false;
             return !getComputedStyle(link).textDecorationLine.includes('underline');
           }).map(link => link.outerHTML.slice(0, 100))"""
    )


def _outline(page) -> dict:
    """Facts about the page's structure that the theme promises on every page."""
    return page.evaluate(
        """() => ({
             h1: document.querySelectorAll('h1').length,
             entryTitles: [...new Set([...document.querySelectorAll('.entry-title')]
                                        .map(e => e.tagName.toLowerCase()))],
             current: [...document.querySelectorAll('.site-nav [aria-current]')]
                        .map(a => a.textContent.trim() + '=' + a.getAttribute('aria-current')),
             brokenDates: [...document.querySelectorAll('time')]
                            .filter(t => t.getClientRects().length > 1).map(t => t.textContent),
           })"""
    )


CURRENT = {
    "index": ["Writing=page"],
    "tags": ["Topics=page"],
    "tag": ["Topics=true"],
    "changes": ["Changes=page"],
    "index-2": ["Writing=true"],
    "archive": ["Archive=page"],
    "about": ["About=page"],
    "german-index": ["Texte=page"],
    "german-tag-2": ["Themen=true"],
    "german-page": ["Über dieses Heft=page"],
}


def _page_width(page) -> dict:
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )


PAGES = ["index", "post", "living", "history", "snapshot", "tags", "tag", "changes", "404"]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_loads_cleanly_and_passes_axe(tab, urls, name, width, scheme):
    with Visit(tab, urls[name], width=width, scheme=scheme) as visit:
        visit.open(status=404 if name == "404" else 200)
        page = visit.page
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
        size = _page_width(page)
        assert size["scroll"] <= size["inner"], f"{name} scrolls sideways at {width}px: {size}"
        violations = _axe(page)
        assert not violations, "\n".join(violations)
        assert not _links_told_apart_by_colour_only(page)
        outline = _outline(page)
        assert outline["h1"] == 1, outline
        assert outline["entryTitles"] in ([], ["h2"]), "post titles in lists are h2"
        assert not outline["brokenDates"], f"a date breaks across lines: {outline}"
        if name in CURRENT:
            assert outline["current"] == CURRENT[name], outline
        assert not visit.problems, "\n".join(visit.problems)


# Page types of lists, pages and languages: both widths, the light scheme (CPU time is dear).
NEW_PAGES = [
    "index-2",
    "archive",
    "about",
    "german-index",
    "german-living",
    "german-history",
    "german-tag-2",
    "german-page",
]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", NEW_PAGES)
def test_new_page_types_fit_load_cleanly_and_pass_axe(tab, urls, name, width):
    with Visit(tab, urls[name], width=width) as visit:
        visit.open()
        page = visit.page
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-light.png"), full_page=True)
        size = _page_width(page)
        assert size["scroll"] <= size["inner"], f"{name} scrolls sideways at {width}px: {size}"
        violations = _axe(page)
        assert not violations, "\n".join(violations)
        assert not _links_told_apart_by_colour_only(page)
        outline = _outline(page)
        assert outline["h1"] == 1, outline
        assert not outline["brokenDates"], f"a date breaks across lines: {outline}"
        if name in CURRENT:
            assert outline["current"] == CURRENT[name], outline
        if name.startswith("german"):
            assert page.locator("html").get_attribute("lang") == "de"
        assert not visit.problems, "\n".join(visit.problems)


def test_paging_by_clicking_and_a_german_date(tab, urls):
    with Visit(tab, urls["index"]) as visit:
        page = visit.open().page
        page.locator(".pager a[rel=next]").click()
        page.wait_for_url(urls["index-2"])
        assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    with Visit(tab, urls["german-living"]) as visit:
        page = visit.open().page
        published = page.locator(".post-meta time.dt-published").inner_text()
        assert published == "5. März 2024"
        assert "Veröffentlicht" in page.locator(".post-meta").inner_text()


STRESS_PAGES = ["stress-index", "stress-post", "stress-history", "stress-snapshot"]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", STRESS_PAGES)
def test_stress_pages_fit_a_phone(tab, urls, name, scheme):
    with Visit(tab, urls[name], width=WIDTHS["phone"], scheme=scheme) as visit:
        visit.open()
        page = visit.page
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390-{scheme}.png"), full_page=True)
        size = _page_width(page)
        assert size["scroll"] <= size["inner"], f"{name} scrolls sideways on a phone: {size}"
        violations = _axe(page)
        assert not violations, "\n".join(violations)
        assert not visit.problems, "\n".join(visit.problems)


def test_wide_things_scroll_inside_their_boxes_on_a_phone(tab, urls):
    with Visit(tab, urls["stress-post"], width=WIDTHS["phone"]) as visit:
        page = visit.open().page
        for selector in (".code", ".table-wrap", ".math-block"):
            box = page.locator(f".prose {selector}").first
            scrolled = box.evaluate(
                """box => {
                     const wide = box.scrollWidth > box.clientWidth;
                     // Nothing may hang off the left edge, where it could never be scrolled to.
                     const start = box.getBoundingClientRect().left;
                     const clipped = [...box.querySelectorAll('*')].some(
                       e => e.getBoundingClientRect().left < start - 1);
                     box.scrollLeft = 80;
                     const rect = box.getBoundingClientRect();
                     return {wide, clipped, left: box.scrollLeft, right: rect.right,
                             overflowX: getComputedStyle(box).overflowX};
                   }"""
            )
            assert scrolled["wide"], f"{selector} should be wider than the phone in this post"
            assert scrolled["left"] > 0, f"{selector} does not scroll sideways: {scrolled}"
            assert scrolled["right"] <= WIDTHS["phone"], f"{selector} sticks out: {scrolled}"
            assert not scrolled["clipped"], f"{selector} hides its start: {scrolled}"
        figure = page.locator(".prose figure img").first.evaluate(
            "img => ({shown: img.getBoundingClientRect().width, natural: img.naturalWidth})"
        )
        assert figure["natural"] == 1600 and figure["shown"] < WIDTHS["phone"], figure
        title = page.locator("h1").evaluate("h => [h.scrollWidth, h.clientWidth]")
        assert title[0] <= title[1], f"the unbreakable title overflows its heading: {title}"
        size = _page_width(page)
        assert size["scroll"] <= size["inner"], size


def test_a_snapshot_whose_front_matter_was_broken_shows_its_source(tab, urls):
    with Visit(tab, urls["stress-snapshot"], width=WIDTHS["phone"]) as visit:
        page = visit.open().page
        expect(page.locator("main pre")).to_contain_text("title: [never closed")
        expect(page.locator("[role=note]").first).to_contain_text("You are reading the version of")


def test_history_navigation_by_clicking(tab, urls):
    with Visit(tab, urls["living"]) as visit:
        page = visit.open().page
        visit.leaving = True  # a click may cancel what the page was still loading (its icon)
        page.locator("main a[rel~='version-history']").first.click()
        page.wait_for_url(urls["history"])
        assert page.locator("h1").count() == 1
        page.get_by_role("link", name="Read this version").last.click()
        page.wait_for_url(urls["snapshot"])
        notice = page.get_by_role("note").filter(has_text="You are reading the version of")
        expect(notice).to_be_visible()
        notice.get_by_role("link", name="Read the latest version").click()
        page.wait_for_url(urls["living"])
        expect(page.locator("h1")).to_have_text("Lab notebook")
        assert not visit.problems, "\n".join(visit.problems)


def test_history_page_leads_with_what_matters(tab, urls):
    with Visit(tab, urls["history"]) as visit:
        page = visit.open().page
        opened = page.locator("li.revision details.changes[open]")
        assert opened.count() >= 1
        assert page.locator("li.revision-minor details.changes[open]").count() == 0
        insertion = page.locator(".diff ins").first
        expect(insertion).to_be_visible()
        styles = insertion.evaluate(
            "e => ({line: getComputedStyle(e).textDecorationLine, bg: getComputedStyle(e).backgroundColor})"
        )
        assert styles["line"] == "none" and styles["bg"] != "rgba(0, 0, 0, 0)", styles
        assert not visit.problems, "\n".join(visit.problems)


def test_chart_and_section_dates_on_a_living_document(tab, urls):
    with Visit(tab, urls["living"]) as visit:
        page = visit.open().page
        chart = page.get_by_role("group", name=re.compile("Changed over time"))
        expect(chart).to_be_visible()
        points = chart.locator("a")
        assert points.count() >= 2
        page.locator("summary", has_text="The chart as a table").click()
        rows = page.locator(".timeline-data tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.count() == points.count()
        dates = page.locator("main .prose h2 + p.section-date a")
        assert dates.count() == page.locator("main .prose h2").count()
        dates.first.click()
        page.wait_for_url(re.compile(r"/history/#r-[0-9a-f]{7}$"))
        target = page.url.rsplit("#", 1)[1]
        assert page.locator(f"[id='{target}']").count() == 1
        assert not visit.problems, "\n".join(visit.problems)


def test_an_old_address_redirects_to_the_new_one(tab, urls):
    with Visit(tab, urls["stress-redirect"]) as visit:
        page = visit.page
        visit.leaving = True
        page.goto(urls["stress-redirect"])
        page.wait_for_url(urls["stress-post"])
        expect(page.locator("h1")).to_contain_text("Pneumonoultramicroscopic")
        assert not visit.problems, "\n".join(visit.problems)


_FOCUS = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const rect = element.getBoundingClientRect();
  return {
    tag: element.tagName.toLowerCase(), cls: element.className && String(element.className),
    text: (element.textContent || '').trim().slice(0, 40),
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
    top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right,
    width: rect.width, height: rect.height,
  };
}"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_keyboard_skip_link_and_focus_rings(tab, urls, scheme):
    with Visit(tab, urls["post"], scheme=scheme) as visit:
        page = visit.open().page
        page.keyboard.press("Tab")
        skip = page.evaluate(_FOCUS)
        assert skip["cls"] == "skip", f"the first Tab should reach the skip link: {skip}"
        assert skip["top"] >= 0 and skip["width"] > 0 and skip["height"] > 0, skip
        assert skip["outline"] != "none" and skip["outlineWidth"] >= 2, skip
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate(_FOCUS)
            if focused["tag"] == "body":
                break
            seen.append(focused)
            assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, (
                f"no visible focus ring on {focused}"
            )
            assert focused["width"] > 0 and focused["height"] > 0, focused
        tags = {f["cls"] for f in seen}
        assert "code" in tags, "code blocks should be reachable by keyboard, to scroll them"
        assert "math-block" in tags, "display maths should be reachable by keyboard"
        assert "table-wrap" in tags, "tables should be reachable by keyboard"


def test_skip_link_moves_to_the_content(tab, urls):
    with Visit(tab, urls["index"]) as visit:
        page = visit.open().page
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        page.keyboard.press("Tab")
        inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
        assert inside, "after the skip link, the next Tab should land inside main"


def test_print_stylesheet(tab, urls):
    with Visit(tab, urls["post"], scheme="dark") as visit:
        page = visit.open().page
        page.emulate_media(media="print")
        styles = page.evaluate(
            """() => {
                 const shown = selector => {
                   const element = document.querySelector(selector);
                   return element ? getComputedStyle(element).display !== 'none' : null;
                 };
                 const body = getComputedStyle(document.body);
                 const code = getComputedStyle(document.querySelector('.code pre'));
                 const words = getComputedStyle(document.querySelector('.code code'));
                 return {nav: shown('.masthead nav'), skip: shown('.skip'), article: shown('article'),
                         footer: shown('.post-footer'), background: body.backgroundColor,
                         color: body.color, codeWrap: code.whiteSpace, codeColor: words.color};
               }"""
        )
        assert styles["nav"] is False, styles
        # (a post published once has no history footer at all)
        assert styles["skip"] is False and styles["footer"] in (False, None), styles
        assert styles["article"] is True, styles
        assert styles["background"] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), styles
        assert styles["color"] == "rgb(0, 0, 0)", styles
        assert styles["codeWrap"] == "pre-wrap", "long code lines should wrap on paper"
        assert styles["codeColor"] == "rgb(0, 0, 0)", "dark-scheme code colours are for screens"


def test_every_page_type_is_valid_html(sample, stress, german, server):
    _require("vnu")
    blog, stressed, deutsch = server[1]["/blog/"], server[1]["/stress/"], server[1]["/de/"]
    kinds = {
        "index": blog / "index.html",
        "post": blog / "posts/reading-history-in-one-pass/index.html",
        "history": blog / "posts/lab-notebook/history/index.html",
        "snapshot": next((blog / "posts/lab-notebook/history").glob("*/index.html"), None),
        "tags": blog / "tags/index.html",
        "tag": blog / "tags/redraft/index.html",
        "changes": blog / "changes/index.html",
        "404": blog / "404.html",
        "redirect": stressed / "posts/old-name/index.html",
        "index page 2": blog / "page/2/index.html",
        "archive": blog / "archive/index.html",
        "standalone page": blog / "about/index.html",
        "tag with a feed": blog / "tags/redraft/index.html",
        "German": deutsch / "posts/notizen/index.html",
    }
    for kind, path in kinds.items():
        assert path is not None and path.is_file(), f"no {kind} page to check"
    pages = sorted(p for folder in (blog, stressed, deutsch) for p in folder.rglob("*.html"))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]

    def where(url: str) -> str:
        folder = "stress/" if "/stress-site" in url else "de/" if "/german-site" in url else "blog/"
        return folder + url.rsplit("/site/", 1)[-1]

    errors = [
        f"{where(m.get('url', ''))}:{m.get('lastLine', '?')}: {m['message']}" for m in messages
    ]
    assert not errors, "\n".join(errors)
    assert result.returncode == 0, result.stderr[-2000:]


# The page bodies are checked in a browser above; these keep the head tags honest without one.


def _head(folder: Path, relative: str) -> str:
    return (folder / relative).read_text("utf-8").split("</head>", 1)[0]


def test_head_tags_for_sharing_and_browsers(sample, stress, german, server):
    folders = server[1]
    blog, stressed = folders["/blog/"], folders["/stress/"]
    post = _head(blog, "posts/reading-history-in-one-pass/index.html")
    assert (
        '<meta property="og:title" content="Reading a blog&#39;s whole history in one pass">'
        in post
    )
    assert 'property="article:published_time"' in post
    assert 'property="article:modified_time"' in post
    assert post.count('property="article:tag"') == 3
    assert '<meta property="og:locale" content="en">' in post or 'og:locale" content="en_' in post
    assert 'name="twitter:title"' in post and 'name="twitter:description"' in post
    for scheme in ("light", "dark"):
        assert (
            'name="theme-color" content="#' in post and f"(prefers-color-scheme: {scheme})" in post
        )
    tag = _head(blog, "tags/redraft/index.html")
    assert 'type="application/atom+xml"' in tag and 'href="/blog/tags/redraft/feed.xml"' in tag
    assert 'rel="next" href="/blog/page/2/"' in _head(blog, "index.html")
    assert '<meta property="og:locale" content="en_US">' in post
    assert '<meta property="og:locale" content="de_DE">' in _head(
        folders["/de/"], "posts/notizen/index.html"
    )
    missing = _head(blog, "404.html")
    assert '<meta name="robots" content="noindex">' in missing
    redirect = _head(stressed, "posts/old-name/index.html")
    assert 'rel="icon"' in redirect and 'http-equiv="refresh"' in redirect
    for folder in (blog, stressed):
        for page in folder.rglob("*.html"):
            html = page.read_text("utf-8")
            assert 'rel="icon"' in _head(page.parent, page.name), page
            assert html.count("<h1") == 1, f"{page}: one h1 per page"
            scripts = re.findall(r"<script[^>]*>", html)
            assert all('type="application/ld+json"' in s for s in scripts), f"{page}: {scripts}"
