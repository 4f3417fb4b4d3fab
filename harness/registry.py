"""Shared helper for the plugin registries (generators, parsers, metrics, solvers)."""

from __future__ import annotations


def same_callable(old: object, new: object) -> bool:
    """True when `new` is `old` re-registered: the same module and qualified name.

    That happens when a plugin module is imported again after a failed import; a different
    function under an existing name is still an error.
    """
    return (getattr(old, "__module__", None), getattr(old, "__qualname__", None)) == (getattr(new, "__module__", None), getattr(new, "__qualname__", None))
