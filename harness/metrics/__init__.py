"""Scoring: parsers (text -> answer) and metrics (answer/log-probs -> numbers), all pure."""

from __future__ import annotations

import importlib
import pkgutil

from harness.metrics.base import METRICS, OUTPUT_KINDS, PARSERS, Metric, ScoreContext, lower_is_better, register_metric, register_parser

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def parse(name: str, text: str, item, **params) -> str | None:  # type: ignore[no-untyped-def]
    """Run parser `name`; a parser that raises marks the output invalid instead of crashing."""
    load_all()
    try:
        return PARSERS[name](text, item, **params)
    except Exception:
        return None


__all__ = ["METRICS", "OUTPUT_KINDS", "PARSERS", "Metric", "ScoreContext", "load_all", "lower_is_better", "parse", "register_metric", "register_parser"]
