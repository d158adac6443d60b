"""The one exception type redraft raises for bad input.

Anything a user can cause (a broken front matter, a missing setting, a shallow clone) becomes a
`RedraftError` with a message meant for people; the CLI prints it on one line and exits non-zero.
"""


class RedraftError(Exception):
    """A problem with the user's blog, settings or repository, explained in one line."""
