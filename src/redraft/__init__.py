"""redraft: a git-native blog engine.

A blog is a git repository of Markdown posts; `build_site` turns its HEAD commit into a static
site whose every date, revision and feed entry is read from git history.
"""

__version__ = "0.1.0"

from .build import BuildResult, build_site  # noqa: E402 - the build reads __version__
from .errors import RedraftError  # noqa: E402

__all__ = ["BuildResult", "RedraftError", "build_site", "__version__"]
