"""Property tests: random front matter, Markdown and file names give a page or a clean error.

The budget is small by default so CI stays fast; set REDRAFT_FUZZ_EXAMPLES (e.g. 5000) for a
longer run: `REDRAFT_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py`.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redraft import urls
from redraft.content import Source, parse_post
from redraft.errors import RedraftError
from redraft.markdown import MarkupError, render_markdown

FUZZ = settings(
    max_examples=int(os.environ.get("REDRAFT_FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_MARKDOWN_BITS = st.sampled_from(
    ["# ", "## ", "- [ ] ", "1. ", "> ", "```", "```python\n", "$", "$$\n", "|", "---", "\n",
     "\n\n", "[^1]", "[^1]: ", "![a](", "[b](", ")", "<b>", "</b>", "<script>", "**", "_",
     "~~", "==", "\\", "{", "}", "\\frac{", "^", "&amp;", "\t", "    "]
)  # fmt: skip
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_MARKDOWN = st.lists(st.one_of(_MARKDOWN_BITS, _TEXT), max_size=30).map("".join)
_YAML_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _TEXT,
    st.lists(_TEXT, max_size=3), st.sampled_from(["2024-02-30", "2024-01-01", "[unclosed", "{a: 1}"]),
)  # fmt: skip
_KEYS = st.sampled_from(["title", "tags", "summary", "draft", "date", "updated", "toc", "other"])


def _expected_outcome(call):
    try:
        return call()
    except (RedraftError, MarkupError) as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        return None


@FUZZ
@given(st.dictionaries(_KEYS, _YAML_VALUES, max_size=5), _MARKDOWN)
def test_front_matter_and_markdown_give_a_post_or_a_clean_error(meta, body):
    lines = [
        f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {value}"
        for key, value in meta.items()
    ]
    text = "---\n" + "\n".join(lines) + "\n---\n" + body
    post = _expected_outcome(lambda: parse_post(Source("posts/fuzz.md", text.encode("utf-8"))))
    if post is not None:
        assert post.url == "posts/fuzz/"
        _expected_outcome(lambda: render_markdown(post.body, raw_html=False))


@FUZZ
@given(_MARKDOWN)
def test_markdown_renders_or_names_the_post(body):
    rendered = _expected_outcome(
        lambda: render_markdown(
            body, resolve_link=lambda url: urls.resolve_link(url, "posts/fuzz.md", "/blog")
        )
    )
    if rendered is not None:
        assert rendered.words >= 0


@FUZZ
@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
            min_size=1,
            max_size=12,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_file_name_maps_to_a_url_inside_the_site(parts):
    url = urls.post("posts/" + "/".join(parts) + ".md")
    assert url.startswith("posts/") and url.endswith("/")
    assert ".." not in url.split("/")
