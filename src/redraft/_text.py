"""Small text helpers shared by several stages."""

from __future__ import annotations

import re

from .errors import RedraftError

# Characters XML (so Atom feeds) cannot carry, and HTML parsers replace: C0 controls other than
# tab, newline and carriage return, and the two non-characters U+FFFE and U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plural(count: int, noun: str) -> str:
    """'1 post', '2,048 posts'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_file_name(path: str) -> None:
    """A RedraftError for a file name no web address or feed can carry."""
    if any("\udc80" <= char <= "\udcff" for char in path):
        shown = repr(path.encode("utf-8", "surrogateescape"))[2:-1]
        raise RedraftError(
            f"{shown}: the file name is not UTF-8 text, so it cannot become a web address; "
            "rename it (git mv) to a UTF-8 name"
        )
    bad = CONTROL_CHARACTERS.search(path)
    if bad:
        raise RedraftError(
            f"{path!r}: the file name contains the control character "
            f"U+{ord(bad.group()):04X}; rename it (git mv)"
        )
