"""Shared helper for the plugin registries (generators, parsers, metrics, solvers)."""

from __future__ import annotations


def same_callable(old: object, new: object) -> bool:
    """True when `new` is `old` re-registered: the same module and qualified name.

    That happens when a plugin module is imported again after a failed import; a different
    function under an existing name is still an error.
    """
    return (getattr(old, "__module__", None), getattr(old, "__qualname__", None)) == (getattr(new, "__module__", None), getattr(new, "__qualname__", None))


def import_plugins(package: str, path: list[str]) -> None:
    """Import every module of a plugin package (except `base`) so that it registers itself.

    Called on hot paths (every parse), so a package is walked once; a failed import is retried.
    """
    import importlib
    import pkgutil

    if package in _IMPORTED:
        return
    for mod in pkgutil.iter_modules(path):
        if mod.name != "base":
            importlib.import_module(f"{package}.{mod.name}")
    _IMPORTED.add(package)


_IMPORTED: set[str] = set()
