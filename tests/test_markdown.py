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


def test_invalid_tex_is_a_build_error_naming_the_post(blog):
    blog.write("posts/bad-maths.md", "# Bad\n\nSee $x^$ here.\n")
    blog.commit("Add bad maths", "2024-01-01T10:00:00+00:00")
    result = CliRunner().invoke(main, ["build", "--root", str(blog.root)])
    assert result.exit_code == 1
    assert "posts/bad-maths.md: invalid TeX" in result.output
    assert "Traceback" not in result.output


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
