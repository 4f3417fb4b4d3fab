"""Scoring: parsers (text -> answer) and metrics (answer/log-probs -> numbers), all pure."""

from __future__ import annotations

from harness.registry import import_plugins
from harness.metrics.base import METRICS, OUTPUT_KINDS, PARSERS, Metric, ScoreContext, lower_is_better, register_metric, register_parser


def load_all() -> None:
    """Import every module of this package so that its plugins register."""
    import_plugins(__name__, __path__)


def parse(name: str, text: str, item, **params) -> str | None:  # type: ignore[no-untyped-def]
    """Run parser `name`; a parser that raises marks the output invalid instead of crashing."""
    load_all()
    try:
        return PARSERS[name](text, item, **params)
    except Exception:
        return None


__all__ = ["METRICS", "OUTPUT_KINDS", "PARSERS", "Metric", "ScoreContext", "load_all", "lower_is_better", "parse", "register_metric", "register_parser"]
