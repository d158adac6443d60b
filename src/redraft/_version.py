"""The version of redraft, in a module of its own so any stage can read it without importing
the package's public interface."""

__version__ = "0.1.0"
