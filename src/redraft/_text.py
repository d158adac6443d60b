"""Small text helpers shared by several stages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import RedraftError

# Characters XML (so Atom feeds) cannot carry, and HTML parsers replace: C0 controls other than
# tab, newline and carriage return, and the two non-characters U+FFFE and U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A byte of a file name that is not UTF-8, as git's names are decoded (surrogateescape).
_UNDECODED = re.compile("[\udc80-\udcff]")


def plural(count: int, noun: str) -> str:
    """'1 post', '2,048 posts'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_file_name(path: str) -> None:
    """A RedraftError for a file name no web address or feed can carry."""
    if _UNDECODED.search(path):
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


def check_file_names(paths: Iterable[str]) -> None:
    """`check_file_name` for each path: all are searched at once, and one by one only if one
    may be bad (so the first error is the one a check of each would give), as a site has tens
    of thousands of files."""
    names = list(paths)
    together = "/".join(names)  # "/" is in no file name, and allowed in every one
    if _UNDECODED.search(together) or CONTROL_CHARACTERS.search(together):
        for name in names:
            check_file_name(name)
