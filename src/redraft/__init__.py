"""redraft: a git-native blog engine.

A blog is a git repository of Markdown posts; `build_site` turns its HEAD commit into a static
site whose every date, revision and feed entry is read from git history.
"""

from ._version import __version__
from .build import BuildResult, build_site
from .errors import RedraftError

__all__ = ["BuildResult", "RedraftError", "build_site", "__version__"]
