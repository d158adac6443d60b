"""One vocabulary for a post's history, and the one count every page, feed and command shows.

- a *revision* is a commit that changed the post's words (its first version included; a
  deletion is not one, a restoration is);
- a *minor* revision is one whose message carries a minor marker such as `[minor]`: it is shown,
  folded, but moves neither `updated` nor the feeds;
- a *move* is a commit that changed the post's path, whether or not it changed its words.
"""

from __future__ import annotations

from dataclasses import dataclass

from .history import Revision, Trail

_TIMES = {1: "once", 2: "twice"}


@dataclass(frozen=True)
class TrailCount:
    revisions: int
    minor: int
    moves: int

    @property
    def substantive(self) -> int:
        """Revisions that are not minor: what the feeds and `updated` follow."""
        return self.revisions - self.minor

    @property
    def revised(self) -> bool:
        """Whether there is a history worth showing: more than the first version, or a move."""
        return self.revisions > 1 or self.moves > 0

    def __str__(self) -> str:
        """'7 revisions (1 minor) · moved once'."""
        text = f"{self.revisions} revision{'' if self.revisions == 1 else 's'}"
        if self.minor:
            text += f" ({self.minor} minor)"
        if self.moves:
            text += f" · moved {_TIMES.get(self.moves, f'{self.moves} times')}"
        return text


def is_revision(revision: Revision) -> bool:
    return revision.content_changed and revision.kind != "deleted"


def count_trail(trail: Trail) -> TrailCount:
    changed = [r for r in trail.revisions if is_revision(r)]
    return TrailCount(
        revisions=len(changed),
        minor=sum(1 for r in changed if r.minor),
        moves=sum(1 for r in trail.revisions if r.kind == "renamed"),
    )


def strip_markers(subject: str, markers: tuple[str, ...]) -> str:
    """A commit subject as a reader reads it: without '[minor]' (the page says 'minor' itself)."""
    for marker in markers:
        subject = subject.replace(marker, "")
    return " ".join(subject.split())
