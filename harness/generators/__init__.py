"""Seeded item generators, one module per item family. Modules register themselves on import."""

from __future__ import annotations

import importlib
import pkgutil

from harness.generators.base import GENERATORS, Generator, GeneratorParams, Item, get_generator, register_generator

_loaded = False


def load_all() -> None:
    """Import every module of this package so that its generators register."""
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


__all__ = ["GENERATORS", "Generator", "GeneratorParams", "Item", "get_generator", "load_all", "register_generator"]
