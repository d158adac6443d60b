"""redraft: a git-native blog engine.

A blog is a git repository of Markdown posts; `build_site` turns its HEAD commit into a static
site whose every date, revision and feed entry is read from git history.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import RedraftError

if TYPE_CHECKING:
    from .build import BuildResult, build_site

__all__ = ["BuildResult", "RedraftError", "build_site", "__version__"]


def __getattr__(name: str) -> Any:
    """`build_site` and `BuildResult`, imported when first asked for: a command that reads
    only the history (`redraft history`, the benchmark's history pass) does not load the
    renderer, its templates and its Markdown extensions at start."""
    if name in ("BuildResult", "build_site"):
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module 'redraft' has no attribute {name!r}")
