"""Seeded item generators, one module per item family. Modules register themselves on import."""

from __future__ import annotations

from harness.registry import import_plugins
from harness.generators.base import GENERATORS, Generator, GeneratorParams, Item, get_generator, register_generator


def load_all() -> None:
    """Import every module of this package so that its plugins register."""
    import_plugins(__name__, __path__)


__all__ = ["GENERATORS", "Generator", "GeneratorParams", "Item", "get_generator", "load_all", "register_generator"]
