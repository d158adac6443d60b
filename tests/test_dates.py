"""Published and updated dates come from git: first add, last non-minor change, renames followed."""

from conftest import parse_html


def _dates(site, url):
    page = parse_html(site / url / "index.html")
    data = page.json_ld[0]
    return data["datePublished"], data["dateModified"], page


def test_published_is_the_author_date_of_the_adding_commit_with_its_offset(blog):
    blog.write("posts/hello.md", "# Hello\n\nFirst words.\n")
    blog.commit(
        "Add hello", "2024-03-02T08:30:00+02:00", committer_date="2024-03-05T12:00:00-05:00"
    )
    published, modified, page = _dates(blog.build(), "posts/hello")
    assert published == "2024-03-02T08:30:00+02:00"
    assert modified == published
    assert "2024-03-02T08:30:00+02:00" in page.times


def test_updated_is_the_last_change_that_is_not_minor(blog):
    blog.write("posts/essay.md", "# Essay\n\nDraft one.\n")
    blog.commit("Add essay", "2024-01-10T10:00:00+00:00")
    blog.write("posts/essay.md", "# Essay\n\nDraft two, much better.\n")
    blog.commit("Rewrite the essay", "2024-02-10T10:00:00-08:00")
    blog.write("posts/essay.md", "# Essay\n\nDraft two, much beter.\n")
    blog.commit("Fix a typo [minor]", "2024-03-10T10:00:00+00:00")
    published, modified, page = _dates(blog.build(), "posts/essay")
    assert published == "2024-01-10T10:00:00+00:00"
    assert modified == "2024-02-10T10:00:00-08:00"
    assert "much beter" in page.text  # the minor fix is published, it just is not news


def test_committer_dates_setting(blog):
    blog.write(
        "redraft.toml", 'title = "T"\nbase_url = "https://example.org/"\ndates = "committer"\n'
    )
    blog.write("posts/a.md", "# A\n\nText.\n")
    blog.commit("Add a", "2024-01-01T10:00:00+00:00", committer_date="2024-06-01T10:00:00+03:00")
    published, _, _ = _dates(blog.build(), "posts/a")
    assert published == "2024-06-01T10:00:00+03:00"


def test_a_rename_keeps_published_and_the_old_revisions(blog):
    blog.write("posts/draft-name.md", "# Notes\n\nOne.\n")
    blog.commit("Add notes", "2024-01-05T09:00:00+01:00")
    blog.write("posts/draft-name.md", "# Notes\n\nOne. Two.\n")
    blog.commit("Extend notes", "2024-02-05T09:00:00+01:00")
    blog.git("mv", "posts/draft-name.md", "posts/notes.md")
    blog.commit("Give notes a better name", "2024-03-05T09:00:00+01:00")
    site = blog.build()
    published, modified, _ = _dates(site, "posts/notes")
    assert published == "2024-01-05T09:00:00+01:00"
    assert modified == "2024-02-05T09:00:00+01:00"  # a pure rename is not an update
    history = parse_html(site / "posts/notes/history/index.html")
    assert history.texts("h2")[:3] == ["Give notes a better name", "Extend notes", "Add notes"]


def test_rename_with_an_edit_counts_as_an_update(blog):
    blog.write("posts/old.md", "# Old\n\n" + "Stable words in a paragraph. " * 20 + "\n")
    blog.commit("Add", "2024-01-05T09:00:00+00:00")
    blog.git("mv", "posts/old.md", "posts/new.md")
    blog.write("posts/new.md", "# Old\n\n" + "Stable words in a paragraph. " * 20 + "\nAnd more.\n")
    blog.commit("Move and extend", "2024-04-05T09:00:00+00:00")
    published, modified, _ = _dates(blog.build(), "posts/new")
    assert (published, modified) == ("2024-01-05T09:00:00+00:00", "2024-04-05T09:00:00+00:00")


def test_front_matter_overrides_dates_title_tags_and_summary(blog):
    blog.write(
        "posts/old-essay.md",
        "---\ntitle: An imported essay\ndate: 2019-05-01\nupdated: 2020-01-02T03:04:05+06:00\n"
        "tags: [history, imports]\nsummary: Brought over from the old blog.\n---\n\nBody.\n",
    )
    blog.commit("Import essay", "2024-01-05T09:00:00+00:00")
    site = blog.build()
    published, modified, page = _dates(site, "posts/old-essay")
    assert published == "2019-05-01T00:00:00+00:00"
    assert modified == "2020-01-02T03:04:05+06:00"
    assert page.texts("h1") == ["An imported essay"]
    assert page.json_ld[0]["keywords"] == ["history", "imports"]
    assert page.json_ld[0]["description"] == "Brought over from the old blog."
    assert (site / "tags/imports/index.html").is_file()


def test_title_falls_back_to_first_heading_then_file_name(blog):
    blog.write("posts/with-heading.md", "# The real title\n\nText.\n")
    blog.write("posts/no_heading-here.md", "Just text.\n\n```sh\n# a comment, not a title\n```\n")
    blog.write("posts/readme/index.md", "![logo](logo.png)\n\n# The art of it\n\nText.\n")
    blog.commit("Add three", "2024-01-05T09:00:00+00:00")
    site = blog.build()
    assert parse_html(site / "posts/with-heading/index.html").texts("h1") == ["The real title"]
    assert parse_html(site / "posts/no_heading-here/index.html").texts("h1") == ["no heading here"]
    readme = parse_html(site / "posts/readme/index.html")
    assert readme.texts("h1") == ["The art of it"]  # the heading below the logo, shown once
    assert "posts/readme/logo.png" in " ".join(readme.sources)


def test_index_lists_newest_first_and_marks_updated_posts(blog):
    blog.write("posts/first.md", "# First\n\nA.\n")
    blog.commit("first", "2024-01-01T10:00:00+00:00")
    blog.write("posts/second.md", "# Second\n\nB.\n")
    blog.commit("second", "2024-02-01T10:00:00+00:00")
    blog.write("posts/first.md", "# First\n\nA, revised.\n")
    blog.commit("revise first", "2024-03-01T10:00:00+00:00")
    page = parse_html(blog.build() / "index.html")
    entries = [t for t in page.texts("li") if t.strip().startswith(("First", "Second"))]
    assert entries[0].strip().startswith("Second")
    assert "updated 1 March 2024" in " ".join(entries[1].split())
