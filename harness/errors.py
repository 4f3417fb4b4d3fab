"""Errors the CLI reports as one clear line instead of a traceback."""

from __future__ import annotations


class HarnessError(Exception):
    """Base class: anything the user can fix (bad config, missing model, ...)."""


class ConfigError(HarnessError):
    """A config file is malformed. The message names the file and the field."""

    def __init__(self, path: str, field: str | None, message: str):
        self.path = path
        self.field = field
        self.message = message
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {message}")


class ModelLoadError(HarnessError):
    """A model could not be loaded (missing weights, hash mismatch, unknown id)."""
