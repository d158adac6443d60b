"""Small text helpers shared by several stages."""

from __future__ import annotations

import re

# Characters XML (so Atom feeds) cannot carry, and HTML parsers replace: C0 controls other than
# tab, newline and carriage return, and the two non-characters U+FFFE and U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plural(count: int, noun: str) -> str:
    """'1 post', '2,048 posts'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
