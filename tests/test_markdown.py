"""Markdown features a lab notebook needs, checked in the built pages."""

import pytest
from click.testing import CliRunner

from conftest import parse_html
from redraft.cli import main
from redraft.markdown import render_markdown
from redraft.urls import link_target

BODY = """\
# Reproduction

## Setup and *data*

Inline $e^{i\\pi} + 1 = 0$ and display:

$$
\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}
$$

```python
def mean(xs):
    return sum(xs) / len(xs)
```

| model | score |
|---|---:|
| base | 0.71 |

A claim.[^src] ~~Wrong~~ right.

- [x] download data
- [ ] rerun

![Loss curve](loss.svg "Training loss by epoch")

[^src]: The source of the claim.
"""


@pytest.fixture
def page(blog):
    blog.write("posts/repro/index.md", BODY)
    blog.write("posts/repro/loss.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    blog.commit("Add reproduction", "2024-01-01T10:00:00+00:00")
    site = blog.build()
    return site, parse_html(site / "posts/repro/index.html")


def test_headings_get_ids_and_the_first_heading_is_the_title(page):
    _, parsed = page
    assert parsed.texts("h1") == ["Reproduction"]
    assert ("h2", {"id": "setup-and-data"}) in parsed.elements


def test_maths_is_mathml_without_javascript(page):
    site, parsed = page
    html = (site / "posts/repro/index.html").read_text()
    assert html.count("<math") == 2 and 'display="block"' in html
    assert ("span", {"class": "math-block", "tabindex": "0"}) in parsed.elements
    assert not [e for t, e in parsed.elements if t == "script" and e.get("src")]


def test_code_tables_footnotes_tasks_and_figures(page):
    site, parsed = page
    html = (site / "posts/repro/index.html").read_text()
    assert '<span class="k">def</span>' in html
    assert "<table>" in html and "<del>Wrong</del>" in html
    assert 'href="#fn-1"' in html and 'href="#fnref-1"' in html
    boxes = [e for t, e in parsed.elements if t == "input"]
    assert [b.get("aria-label") for b in boxes] == ["done: download data", "to do: rerun"]
    assert "checked" in boxes[0] and "checked" not in boxes[1]
    assert "/posts/repro/loss.svg" in parsed.sources
    assert (site / "posts/repro/loss.svg").is_file()
    assert "Training loss by epoch" in html.split("<figcaption>")[1]


def test_invalid_tex_shows_as_its_source_and_check_warns(blog):
    blog.write("posts/bad-maths.md", "# Bad\n\nSee $x^$ here, and $<b>\\frac{1}{$.\n")
    blog.commit("Add bad maths", "2024-01-01T10:00:00+00:00")
    html = (blog.build() / "posts/bad-maths/index.html").read_text(encoding="utf-8")
    assert '<code class="tex-source">$x^$</code>' in html
    assert '<code class="tex-source">$&lt;b&gt;\\frac{1}{$</code>' in html
    result = CliRunner().invoke(main, ["check", "--root", str(blog.root)])
    assert result.exit_code == 0, result.output
    assert "posts/bad-maths.md:3: warning: invalid TeX in $x^$" in result.output


@pytest.mark.parametrize(
    ("text", "formulas"),
    [
        ("It costs $20,000 or $30,000.", 0),
        ("Run `echo $HOME` and $x$.", 1),
        ("A $ sign, then a $5 note.", 0),
        ("Not $ x$, not $x $, not $x$1.", 0),
        ("Never across code: $a `b$ c`.", 0),
        ("Escaped \\$x$ stays text.", 0),
        ("$e^{i\\pi}$ opens a line.", 1),
        ("Display $$\\sum_i x_i$$ inline.", 1),
    ],
)
def test_dollar_signs_follow_pandoc_rules(text, formulas):
    html = render_markdown(text).html
    assert html.count("<math") == formulas, html
    assert "tex-source" not in html, "valid TeX renders as maths"


def test_raw_html_can_be_turned_off():
    text = "Hello <b onclick='x()'>there</b>\n\n<script>alert(1)</script>\n"
    assert "<script>" in render_markdown(text).html
    escaped = render_markdown(text, raw_html=False).html
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("other.md", "posts/other/"),
        ("other/index.md#part", "posts/other/"),
        ("img/x.png", "posts/img/x.png"),
        ("folder/", "posts/folder/"),
        ("../tags/", "tags/"),
        ("with%20space/index.md", "posts/with space/"),
        ("https://example.org/x", None),
        ("/absolute", None),
        ("#fragment", None),
        ("../../outside.md", None),
    ],
)
def test_relative_links_resolve_against_the_source_file(url, expected):
    assert link_target(url, "posts/a.md") == expected
