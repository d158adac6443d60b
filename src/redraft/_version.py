"""The version of redraft, in a module of its own so any stage can read it without importing
the package's public interface.

It is set when redraft is installed, from git tags (hatch-vcs): a commit tagged v1.2.0 installs
as 1.2.0, any other commit as a development version such as 1.2.1.dev3+g1a2b3c4.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("redraft")
except PackageNotFoundError:  # a source folder that was never installed
    __version__ = "0+unknown"
