"""The build cache: a rebuild reads only new commits, reuses renders, and never trusts bad data."""

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from conftest import files_of
from redraft.build import build_site
from redraft.cache import FOLDER
from redraft.cli import main
from redraft.errors import RedraftError
from redraft.markdown import render_blocks
from redraft.output import MARKER


def _grow(blog, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        blog.write(f"posts/p{i % 3}.md", f"# Post {i % 3}\n\nRevision {i} of this post.\n")
        blog.commit(f"Revise p{i % 3} ({i})", f"2024-01-{i + 2:02d}T10:00:00+00:00")


def test_cached_rebuild_after_new_commits_equals_a_fresh_build(blog, tmp_path):
    _grow(blog, 6)
    blog.build(output=tmp_path / "warm")
    _grow(blog, 3, start=6)
    blog.git("mv", "posts/p1.md", "posts/renamed.md")
    blog.commit("Rename p1", "2024-01-20T10:00:00+00:00")
    warm = blog.build(output=tmp_path / "warm")
    cold = blog.build(output=tmp_path / "cold", cache=False)
    assert files_of(warm) == files_of(cold)
    assert (warm / "posts/p1/index.html").is_file()  # the redirect, found via the cached log


def test_rewritten_history_is_read_again_in_full(blog, tmp_path):
    _grow(blog, 4)
    blog.build(output=tmp_path / "warm")
    blog.git("reset", "-q", "--hard", "HEAD~2")
    blog.write("posts/p0.md", "# Post 0\n\nA different past.\n")
    blog.commit("Rewrite p0", "2024-02-01T10:00:00+00:00")
    warm = blog.build(output=tmp_path / "warm")
    cold = blog.build(output=tmp_path / "cold", cache=False)
    assert files_of(warm) == files_of(cold)


def test_a_changed_mailmap_is_not_answered_from_the_cache(blog, tmp_path):
    _grow(blog, 2)
    blog.build(output=tmp_path / "warm")
    blog.write(".mailmap", "Ada Lovelace <ada@example.org> Ada Tester <ada@example.org>\n")
    warm = blog.build(output=tmp_path / "warm")
    assert "Ada Lovelace" in (warm / "posts/p0/history/index.html").read_text()


def test_a_corrupt_cache_is_ignored(blog, tmp_path):
    _grow(blog, 3)
    blog.build(output=tmp_path / "first")
    for entry in (blog.root / FOLDER).iterdir():
        entry.write_bytes(b"\x00not a cache\xff" * 10)
    rebuilt = blog.build(output=tmp_path / "second")
    assert files_of(rebuilt) == files_of(tmp_path / "first")


def test_unchanged_pages_are_linked_not_rewritten(blog):
    _grow(blog, 3)
    site = blog.build()
    before = {p: (site / p).stat().st_ino for p in ("posts/p0/index.html", "posts/p2/index.html")}
    blog.write("posts/p2.md", "# Post 2\n\nA later revision.\n")
    blog.commit("Revise p2 again", "2024-03-01T10:00:00+00:00")
    site = blog.build()
    assert (site / "posts/p0/index.html").stat().st_ino == before["posts/p0/index.html"]
    assert (site / "posts/p2/index.html").stat().st_ino != before["posts/p2/index.html"]


def test_no_cache_and_clean(blog):
    _grow(blog, 2)
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--root", str(blog.root), "--no-cache"]).exit_code == 0
    assert not (blog.root / FOLDER).exists()
    assert runner.invoke(main, ["build", "--root", str(blog.root)]).exit_code == 0
    assert (blog.root / FOLDER).is_dir()
    result = runner.invoke(main, ["clean", "--root", str(blog.root)])
    assert result.exit_code == 0, result.output
    assert not (blog.root / FOLDER).exists() and not (blog.root / "_site").exists()


def test_parallel_build_equals_serial_build(blog, tmp_path, monkeypatch):
    """Workers take the longest histories first, in batches bounded by posts and revisions;
    the site is the one a single process writes."""
    import redraft.pages

    for i in range(12):
        blog.write(f"posts/many/n{i}.md", f"# Note {i}\n\nText {i}.\n")
    blog.commit("Add notes", "2024-01-05T10:00:00+00:00")
    for n in range(5):
        blog.write("posts/living.md", f"# Living\n\nVersion {n}.\n")
        blog.commit(f"Living {n}", f"2024-02-0{n + 1}T10:00:00+00:00")
    serial = blog.build(output=tmp_path / "serial", cache=False)
    monkeypatch.setattr(redraft.pages, "POSTS_PER_WORKER", 2)
    monkeypatch.setattr(redraft.pages, "POSTS_PER_BATCH", 3)
    monkeypatch.setattr(redraft.pages, "REVISIONS_PER_BATCH", 4)
    given = []
    batches = redraft.pages._batches
    monkeypatch.setattr(
        redraft.pages, "_batches", lambda *args: given.append(args) or batches(*args)
    )
    parallel = blog.build(output=tmp_path / "parallel", cache=False)
    assert files_of(serial) == files_of(parallel)
    [(posts, workers)] = given
    assert workers == min(os.cpu_count() or 1, 6)
    made = batches(posts, 1)  # one worker: batches of 13 // 4 posts
    assert [p.source for p in made[0]] == ["posts/living.md"], "5 revisions: a batch alone"
    assert [len(b) for b in made] == [1, 3, 3, 3, 3]


def test_a_rebuild_links_unchanged_posts_pages_and_equals_a_cold_build(blog, tmp_path):
    _grow(blog, 6)
    site = blog.build()
    history = site / "posts/p1/history/index.html"
    inode = history.stat().st_ino
    blog.write("posts/p0.md", "# Post 0\n\nOne more revision.\n")
    blog.commit("Revise p0 once more", "2024-02-01T10:00:00+00:00")
    site = blog.build()
    assert history.stat().st_ino == inode  # p1 did not change: its pages were linked
    assert "One more revision." in (site / "posts/p0/index.html").read_text()
    assert files_of(site) == files_of(blog.build(output=tmp_path / "cold", cache=False))


def test_a_theme_change_renders_every_post_again(blog):
    _grow(blog, 6)  # p0 revised once: its history page shows a diff
    blog.build()
    blog.write("theme/templates/diff.html", "<p>changed: {{ item.diff.added }} words</p>\n")
    blog.commit("A theme of our own", "2024-03-01T09:00:00+00:00")
    site = blog.build()
    assert "changed:" in (site / "posts/p0/history/index.html").read_text()


def test_file_lists_read_from_the_cache_must_stay_inside_the_output():
    from redraft.cache import Cache

    cache = Cache(None)
    inside = ["posts/a/index.html", "posts/a/history/abc1234/index.html"]
    cache.put_site_pages(
        "b1",
        {
            "posts/a/": ("fp", inside),
            "posts/b/": ("fp", ["posts/a/index.html", "posts/../../../etc/passwd"]),
            "posts/c/": ("fp", ["/etc/passwd"]),
        },
    )
    assert cache.site_pages("b1") == {"posts/a/": ("fp", inside)}


def _equals_cold(blog, site, tmp_path, **options):
    cold = blog.build(output=tmp_path / "cold", cache=False, **options)
    assert files_of(site) == files_of(cold)
    shutil.rmtree(cold)


def test_after_a_reset_the_rebuild_shows_the_reset_text(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nFirst text.\n")
    blog.commit("Add a", "2024-01-01T10:00:00+00:00")
    blog.build()
    blog.write("posts/a.md", "# A\n\nSecond text.\n")
    blog.commit("Edit a", "2024-02-01T10:00:00+00:00")
    blog.build()
    blog.git("reset", "-q", "--hard", "HEAD~1")
    site = blog.build()
    assert "Second text" not in (site / "posts/a/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_a_build_after_a_base_url_build_uses_its_own_base_url(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nText.\n")
    blog.commit("Add a", "2024-01-01T10:00:00+00:00")
    blog.build()
    blog.build(base_url="https://elsewhere.example/sub/")
    site = blog.build()
    assert "elsewhere.example" not in (site / "posts/a/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_a_preview_after_an_undone_edit_shows_the_committed_text(blog, tmp_path):
    blog.write("posts/a.md", "# A\n\nCommitted text.\n")
    blog.commit("Add a", "2024-01-01T10:00:00+00:00")
    blog.build(drafts=True)
    blog.write("posts/a.md", "# A\n\nAn edit, soon undone.\n")
    blog.build(drafts=True)
    blog.write("posts/a.md", "# A\n\nCommitted text.\n")
    site = blog.build(drafts=True)
    assert "soon undone" not in (site / "posts/a/index.html").read_text()
    _equals_cold(blog, site, tmp_path, drafts=True)


def _inodes(site) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def _age(site) -> None:
    """Date every file of the site to 1970, so that files a rebuild writes stand out."""
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(0, 0))


def _rewritten(site) -> set[str]:
    """Files of `site` that are new or were written since `_age`."""
    return {
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.stat().st_mtime_ns != 0
    }


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The Markdown texts the build renders from now on (the cache answers the others)."""
    import redraft.pages

    rendered: list[str] = []

    def counted(text: str, **options):
        rendered.append(text.strip())
        return render_blocks(text, **options)

    monkeypatch.setattr(redraft.pages, "render_blocks", counted)
    return rendered


def test_a_build_with_nothing_changed_writes_nothing(blog, tmp_path, renders):
    _grow(blog, 4)
    site = blog.build()
    before = _inodes(site)
    _age(site)
    renders.clear()
    again = build_site(blog.root, output=site)
    assert _inodes(site) == before and _rewritten(site) == set() and renders == []
    assert again.posts == 3 and again.files == len(before)
    _equals_cold(blog, site, tmp_path)


def test_a_build_with_nothing_changed_still_reports_uncommitted_posts(blog):
    _grow(blog, 2)
    blog.build()
    blog.write("posts/p0.md", "# Post 0\n\nAn edit not yet committed.\n")
    blog.write("posts/new.md", "# New\n\nNot yet added.\n")
    again = build_site(blog.root, output=blog.root / "_site")
    assert again.modified == ["posts/p0.md"] and again.untracked == ["posts/new.md"]


def test_a_rebuild_after_an_edit_rewrites_only_the_edited_posts_pages(blog, tmp_path, renders):
    _grow(blog, 6)
    site = blog.build()
    _age(site)
    renders.clear()
    blog.write("posts/p0.md", "# Post 0\n\nOne more revision.\n")
    blog.commit("Revise p0 once more", "2024-02-01T10:00:00+00:00")
    blog.build()
    changed = _rewritten(site)
    assert "posts/p0/index.html" in changed and "posts/p0/feed.xml" in changed
    assert not any(path.startswith(("posts/p1/", "posts/p2/")) for path in changed)
    assert renders == ["One more revision."]  # the edited text, and nothing else
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_after_a_rename_leaves_a_redirect_and_equals_a_cold_build(blog, tmp_path):
    _grow(blog, 6)
    site = blog.build()
    blog.git("mv", "posts/p1.md", "posts/moved.md")
    blog.commit("Move p1", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert (site / "posts/moved/history/index.html").is_file()
    assert not (site / "posts/p1/history").exists()  # the old address keeps only its redirect
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_after_a_delete_removes_the_posts_pages_and_folders(blog, tmp_path):
    _grow(blog, 6)
    site = blog.build()
    blog.git("rm", "-q", "posts/p2.md")
    blog.commit("Delete p2", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert not (site / "posts/p2").exists()
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_after_a_settings_change_equals_a_cold_build(blog, tmp_path):
    _grow(blog, 3)
    site = blog.build()
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings.replace('title = "', 'title = "Renamed: '))
    blog.commit("Rename the site", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert "Renamed: " in (site / "posts/p0/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_after_a_theme_change_equals_a_cold_build(blog, tmp_path):
    _grow(blog, 3)
    site = blog.build()
    blog.write("theme/static/extra.css", "body { color: teal; }\n")
    blog.write("theme/templates/diff.html", "<p>changed: {{ item.diff.added }} words</p>\n")
    blog.commit("A theme of its own", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert (site / "static/extra.css").is_file()
    _equals_cold(blog, site, tmp_path)
    (blog.root / "theme/static/extra.css").unlink()
    blog.commit("Drop the extra styles", "2024-02-02T10:00:00+00:00")
    blog.build()
    assert not (site / "static/extra.css").exists()
    _equals_cold(blog, site, tmp_path)


def test_an_engine_upgrade_renders_every_page_again(blog, tmp_path, monkeypatch, renders):
    import redraft.pages

    _grow(blog, 3)
    site = blog.build()
    renders.clear()
    monkeypatch.setattr(redraft.pages, "RENDERER_VERSION", "a later renderer")
    blog.build()
    assert {f"Revision {i} of this post." for i in range(3)} <= set(renders)
    _equals_cold(blog, site, tmp_path)


def test_a_failed_rebuild_leaves_the_site_as_it_was(blog):
    _grow(blog, 3)
    site = blog.build()
    before = files_of(site)
    blog.write("posts/p0.md", "# Post 0\n\nNew text.\n")
    blog.write("posts/broken.md", "---\ntitle: [unclosed\n---\nText.\n")
    blog.commit("Edit p0, add a broken post", "2024-02-01T10:00:00+00:00")
    with pytest.raises(RedraftError, match="broken.md"):
        blog.build()
    assert files_of(site) == before
    assert [p.name for p in site.parent.iterdir() if p.name.startswith("._site")] == []


def test_a_site_whose_update_was_interrupted_is_written_whole(blog, tmp_path):
    _grow(blog, 3)
    site = blog.build()
    marker = json.loads((site / MARKER).read_text())
    (site / MARKER).write_text(json.dumps({**marker, "updating": True}))
    (site / "posts/p0/half-moved.html").write_text("from an update killed midway")
    blog.write("posts/p0.md", "# Post 0\n\nNew text.\n")
    blog.commit("Edit p0", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert not (site / "posts/p0/half-moved.html").exists()
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_keeps_topic_pages_whose_posts_did_not_change(blog, tmp_path):
    blog.write("posts/a.md", "---\ntags: [cats]\n---\n# A\n\nAbout cats.\n")
    blog.write("posts/b.md", "---\ntags: [dogs]\n---\n# B\n\nAbout dogs.\n")
    blog.commit("Add a and b", "2024-01-02T10:00:00+00:00")
    site = blog.build()
    _age(site)
    blog.write("posts/b.md", "---\ntags: [dogs]\n---\n# B\n\nAbout dogs, revised.\n")
    blog.commit("Revise b", "2024-02-01T10:00:00+00:00")
    blog.build()
    changed = _rewritten(site)
    assert "tags/dogs/index.html" in changed and "tags/cats/index.html" not in changed
    _equals_cold(blog, site, tmp_path)


def test_a_new_revision_rewrites_only_its_own_and_its_predecessors_snapshots(blog, tmp_path):
    _grow(blog, 9)  # p0 has revisions 0, 3 and 6
    site = blog.build()
    _age(site)
    # A second paragraph: the first one, the summary in every snapshot's head, stays.
    blog.write("posts/p0.md", "# Post 0\n\nRevision 6 of this post.\n\nAnd a second paragraph.\n")
    blog.commit("Add a paragraph to p0", "2024-02-01T10:00:00+00:00")
    blog.build()
    snapshots = {
        p for p in _rewritten(site) if p.startswith("posts/p0/history/") and p.count("/") == 4
    }
    assert len(snapshots) == 2  # the new revision's page, and the one it now succeeds
    _equals_cold(blog, site, tmp_path)


def test_a_scheduled_post_appears_on_its_day_though_nothing_else_changed(blog, tmp_path):
    from redraft.config import build_now

    blog.write("posts/a.md", "# A\n\nNow.\n")
    blog.write("posts/later.md", "---\ndate: 2024-06-01\n---\n# Later\n\nOn its day.\n")
    blog.commit("Add a post and schedule one", "2024-05-01T10:00:00+00:00")
    site = blog.build(now=build_now("2024-05-02"))
    assert not (site / "posts/later/index.html").exists()
    blog.build(now=build_now("2024-06-02"))
    assert (site / "posts/later/index.html").is_file()
    _equals_cold(blog, site, tmp_path, now=build_now("2024-06-02"))


def test_a_new_revision_rewrites_the_first_page_of_lists_only(blog, tmp_path, monkeypatch):
    import redraft.pages

    monkeypatch.setattr(redraft.pages, "CHANGES_PER_PAGE", 2)
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings + "per_page = 1\n")
    _grow(blog, 7)
    blog.write("posts/q.md", "# Q\n\nA post of its own.\n")
    blog.commit("Add q", "2024-01-20T10:00:00+00:00")
    site = blog.build()
    assert (site / "changes/page/4/index.html").is_file()
    _age(site)
    blog.write("posts/q.md", "# Q\n\nA post of its own, revised.\n")
    blog.commit("Revise q", "2024-02-01T10:00:00+00:00")
    blog.build()
    changed = _rewritten(site)
    # Pages of changes are counted from the oldest: the new change is on the first page only.
    assert "changes/index.html" in changed
    assert not any(path.startswith("changes/page/") for path in changed)
    # Later pages of the front page leave out the HEAD commit: q is on the first one.
    assert "index.html" in changed and not any(p.startswith("page/") for p in changed)
    _equals_cold(blog, site, tmp_path)
    blog.write("posts/p1.md", "# Post 1\n\nOne more revision.\n")
    blog.commit("Revise p1 once more", "2024-02-02T10:00:00+00:00")
    _age(site)
    blog.build()
    assert {p for p in _rewritten(site) if p.startswith("page/")} == {"page/3/index.html"}
    _equals_cold(blog, site, tmp_path)


def test_a_front_matter_edit_that_leaves_the_body_equals_a_cold_build(blog, tmp_path):
    blog.write("posts/a.md", "---\ntitle: First title\ntags: [cats]\n---\nThe same body.\n")
    blog.write("posts/b.md", "---\ndate: 2024-01-01 09:30\n---\n# B\n\nText.\n")
    blog.commit("Add a and b", "2024-01-02T10:00:00+00:00")
    site = blog.build()
    blog.write("posts/a.md", "---\ntitle: Second title\ntags: [dogs]\n---\nThe same body.\n")
    blog.commit("Retitle a", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert "Second title" in (site / "posts/a/index.html").read_text()
    assert (site / "tags/dogs/index.html").is_file() and not (site / "tags/cats").exists()
    _equals_cold(blog, site, tmp_path)


def test_front_matter_read_from_the_cache_keeps_dates_in_the_sites_zone(blog, tmp_path):
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings.replace('"UTC"', '"Europe/Paris"'))
    blog.write("posts/a.md", "---\ndate: 2024-01-01 09:30\n---\n# A\n\nText.\n")
    blog.write("posts/b.md", "---\ndate: 2024-01-01T09:30:00-05:00\n---\n# B\n\nText.\n")
    blog.commit("Add a and b", "2024-01-02T10:00:00+00:00")
    site = blog.build()
    blog.write("posts/c.md", "# C\n\nA third post.\n")
    blog.commit("Add c", "2024-02-01T10:00:00+00:00")
    blog.build()  # a and b are read from the cache now
    assert "2024-01-01T09:30:00+01:00" in (site / "posts/a/index.html").read_text()
    assert "2024-01-01T09:30:00-05:00" in (site / "posts/b/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_an_error_in_a_post_is_found_though_its_text_was_read_before(blog):
    blog.write("posts/a.md", "# A\n\nText.\n")
    blog.commit("Add a", "2024-01-02T10:00:00+00:00")
    blog.build()
    blog.write("posts/b.md", "---\ntitle: [unclosed\n---\nText.\n")
    blog.commit("Add a broken post", "2024-02-01T10:00:00+00:00")
    with pytest.raises(RedraftError, match="b.md"):
        blog.build()
    with pytest.raises(RedraftError, match="b.md"):
        blog.build()


def test_a_long_chain_of_rebuilds_reads_the_log_as_git_does(blog, tmp_path, monkeypatch):
    import redraft.log_cache

    monkeypatch.setattr(redraft.log_cache, "_SEGMENTS", 2)  # the chain is written whole again often
    _grow(blog, 2)
    site = blog.build()
    for i in range(2, 7):
        _grow(blog, 1, start=i)
        blog.build()
        _equals_cold(blog, site, tmp_path)
    segments = list((blog.root / FOLDER).glob("log-*-*.json"))
    assert 1 <= len(segments) <= 2


def test_a_new_revision_does_not_split_the_cached_ones_into_sections_again(
    blog, tmp_path, monkeypatch
):
    """A living document's section dates come from every revision's section fingerprints:
    kept with each render, a rebuild after one more revision works them out for that one."""
    from redraft import pages

    for n in range(4):
        blog.write("posts/living.md", f"# Living\n\n## One\n\nText {n}.\n\n## Two\n\nMore.\n")
        blog.commit(f"Revision {n}", f"2024-0{n + 1}-01T10:00:00+00:00")
    site = blog.build()
    split: list[str] = []
    real = pages.section_fingerprints

    def counted(markup, blocks=None):
        if blocks is None:  # the whole page split again, not the blocks a render just made
            split.append(markup)
        return real(markup, blocks)

    monkeypatch.setattr(pages, "section_fingerprints", counted)
    blog.write("posts/living.md", "# Living\n\n## One\n\nText 4.\n\n## Two\n\nMore.\n")
    blog.commit("Revision 4", "2024-06-01T10:00:00+00:00")
    blog.build()
    assert split == [], "every render, the new one too, came with its fingerprints"
    monkeypatch.undo()
    _equals_cold(blog, site, tmp_path)


def _living(blog, revisions: int) -> None:
    for n in range(revisions):
        # The first paragraph, the summary in every snapshot's head, stays.
        blog.write("posts/living.md", f"# Living\n\nA summary.\n\n## One\n\nText {n}.\n")
        blog.commit(f"Revision {n}", f"2024-01-{n + 1:02d}T10:00:00+00:00")


def test_a_new_revision_reads_and_renders_only_the_texts_it_changed(blog, tmp_path, monkeypatch):
    """A living document's rebuild takes each old revision's word count, section
    fingerprints, diff and feed entry from the cache: git is asked for the new text and the
    one before it (its diff and its snapshot's neighbour), and one diff is rendered for the
    feed."""
    from redraft import pages, theme

    _living(blog, 5)
    site = blog.build()
    parsed: list[str] = []
    real_parse = pages.parse_revision
    monkeypatch.setattr(
        pages, "parse_revision", lambda blob, *a: parsed.append(blob) or real_parse(blob, *a)
    )
    made: list[str] = []
    real_render = theme.render_page
    monkeypatch.setattr(
        theme,
        "render_page",
        lambda env, name, **c: made.append(name) or real_render(env, name, **c),
    )
    blog.write("posts/living.md", "# Living\n\nA summary.\n\n## One\n\nText 5.\n")
    blog.commit("Revision 5", "2024-02-01T10:00:00+00:00")
    blog.build()
    blob = blog.git("rev-parse", "HEAD:posts/living.md").strip()
    old = blog.git("rev-parse", "HEAD~:posts/living.md").strip()
    assert sorted(parsed) == sorted([blob, old])
    assert made.count("diff.html") == 1  # the new revision's feed entry; the others are kept
    monkeypatch.undo()
    _equals_cold(blog, site, tmp_path)


@pytest.mark.parametrize(
    "change",
    ["rename", "delete", "settings", "theme", "title"],
)
def test_kept_revision_pieces_follow_every_kind_of_change(blog, tmp_path, change):
    """Word counts, diffs and feed entries kept by their inputs: a rebuild after any change
    to what they show equals a cold build."""
    _living(blog, 4)
    blog.write("posts/other.md", "# Other\n\nSomething else.\n")
    blog.commit("Add other", "2024-01-20T10:00:00+00:00")
    site = blog.build()
    if change == "rename":
        blog.git("mv", "posts/living.md", "posts/moved.md")
    elif change == "delete":
        blog.git("rm", "-q", "posts/other.md")
    elif change == "settings":
        settings = (blog.root / "pyproject.toml").read_text()
        blog.write("pyproject.toml", settings.replace("example.org/", "example.org/blog/"))
    elif change == "theme":
        blog.write("theme/templates/diff.html", "<p>changed: {{ item.diff.added }} words</p>\n")
    else:
        blog.write("posts/living.md", "# Lively\n\nA summary.\n\n## One\n\nText 3.\n")
    blog.commit(f"A {change}", "2024-02-01T10:00:00+00:00")
    blog.build()
    _equals_cold(blog, site, tmp_path)


def test_the_archive_is_kept_while_its_posts_keep_their_titles_and_dates(blog, tmp_path):
    _grow(blog, 6)
    site = blog.build()
    _age(site)
    blog.write("posts/p0.md", "# Post 0\n\nOne more revision.\n")
    blog.commit("Revise p0 once more", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert "archive/index.html" not in _rewritten(site)
    _equals_cold(blog, site, tmp_path)
    blog.write("posts/p1.md", "# Post one\n\nRetitled.\n")
    blog.commit("Retitle p1", "2024-02-02T10:00:00+00:00")
    blog.build()
    assert "Post one" in (site / "archive/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_a_theme_of_its_own_has_its_archive_written_every_build(blog, tmp_path):
    _grow(blog, 3)
    blog.write(
        "theme/templates/archive.html", "<p>{{ views | length }} posts at {{ commit }}</p>\n"
    )
    blog.commit("An archive of its own", "2024-01-10T10:00:00+00:00")
    site = blog.build()
    blog.write("posts/p0.md", "# Post 0\n\nOne more revision.\n")
    blog.commit("Revise p0 once more", "2024-02-01T10:00:00+00:00")
    blog.build()
    head = blog.git("rev-parse", "HEAD").strip()
    assert head in (site / "archive/index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_a_rebuild_reads_from_git_only_the_texts_of_posts_it_renders(blog, tmp_path, monkeypatch):
    """A post whose front matter the cache knows by its blob is not read again while its
    render is in the cache too."""
    from redraft import history

    _grow(blog, 6)
    site = blog.build()
    asked: list[str] = []
    read_blobs, read_blob = history.read_blobs, history.read_blob

    def counted(repo, blobs):
        blobs = list(blobs)
        asked.extend(blobs)
        return read_blobs(repo, blobs)

    monkeypatch.setattr(history, "read_blobs", counted)
    monkeypatch.setattr(
        history, "read_blob", lambda repo, blob: asked.append(blob) or read_blob(repo, blob)
    )
    blog.write("posts/p0.md", "# Post 0\n\nOne more revision.\n")
    blog.commit("Revise p0 once more", "2024-02-01T10:00:00+00:00")
    blog.build()
    kept = {blog.git("rev-parse", f"HEAD:posts/{name}.md").strip() for name in ("p1", "p2")}
    assert blog.git("rev-parse", "HEAD:posts/p0.md").strip() in asked
    assert not kept & set(asked)
    monkeypatch.undo()
    _equals_cold(blog, site, tmp_path)


def test_posts_whose_text_is_read_later_reach_the_workers_whole(blog, tmp_path, monkeypatch):
    """A theme change renders every post's pages again on the workers: a post whose body was
    not read yet is sent with it."""
    import redraft.pages

    _grow(blog, 6)
    for n in range(4):
        blog.write(f"posts/extra{n}.md", f"# Extra {n}\n\nA post of its own.\n")
    blog.commit("Add extras", "2024-01-20T10:00:00+00:00")
    site = blog.build()
    blog.write("theme/templates/diff.html", "<p>changed: {{ item.diff.added }} words</p>\n")
    blog.commit("A theme of its own", "2024-02-01T10:00:00+00:00")
    monkeypatch.setattr(redraft.pages, "POSTS_PER_WORKER", 2)
    blog.build()
    _equals_cold(blog, site, tmp_path)


def test_templates_compiled_for_one_language_are_not_taken_for_another(blog, tmp_path):
    """Fixed messages are translated when a template is compiled: a compiled template kept
    for the next build is kept per language."""
    _grow(blog, 3)
    site = blog.build()
    assert "Archive" in (site / "index.html").read_text()
    settings = (blog.root / "pyproject.toml").read_text()
    blog.write("pyproject.toml", settings + 'language = "de"\n')
    blog.commit("Auf Deutsch", "2024-02-01T10:00:00+00:00")
    blog.build()
    assert "Archiv<" in (site / "index.html").read_text()
    _equals_cold(blog, site, tmp_path)


def test_recent_changes_after_an_edit_equal_a_cold_build_ties_in_address_order(
    blog, tmp_path, monkeypatch
):
    import redraft.pages

    monkeypatch.setattr(redraft.pages, "CHANGES_PER_PAGE", 2)
    # One commit adds three posts: their changes share a date, so the address orders them.
    for name in ("c", "a", "b"):
        blog.write(f"posts/{name}.md", f"# {name.upper()}\n\nThe first text of {name}.\n")
    blog.commit("Add three posts", "2024-01-02T10:00:00+00:00")
    _grow(blog, 5)
    site = blog.build()
    blog.write("posts/b.md", "# B\n\nThe second text of b.\n")
    blog.commit("Revise b", "2024-02-01T10:00:00+00:00")
    blog.build()
    _equals_cold(blog, site, tmp_path)
    later = sorted((site / "changes/page").iterdir(), key=lambda p: -int(p.name))
    html = "".join((page / "index.html").read_text() for page in [site / "changes", *later])
    # Each post's oldest change is its last in the list: the three, of one date, by address.
    added = [html.rindex(f'href="/posts/{name}/') for name in ("a", "b", "c")]
    assert added == sorted(added)
