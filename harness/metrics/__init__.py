"""Scoring: parsers (text -> answer) and metrics (answer/log-probs -> numbers), all pure."""

from __future__ import annotations

from typing import Any

from harness.backends.base import Loglikelihood
from harness.metrics.base import METRICS, OUTPUT_KINDS, OUTPUTS, PARSERS, Metric, OutputInfo, ScoreContext, Scores, lower_is_better, register_metric, register_parser
from harness.registry import import_plugins


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


def score_output(task: Any, item: Any, text: str, *, loglikelihood: Loglikelihood | None = None,
                 trajectory: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
                 prompt: str | list[dict[str, Any]] | None = None) -> tuple[str | None, Scores, str | None]:
    """Parse one output and run every metric of the task on it: (parsed, scores, error). The one
    scoring path of the runner and of `harness rescore`; a metric that raises leaves its outputs
    unscored (None) and is reported in the error, never losing the item."""
    load_all()
    parsed = parse(task.parser.name, text, item, **task.parser.params)
    ctx = ScoreContext(item=item, output=text, parsed=parsed, loglikelihood=loglikelihood, trajectory=trajectory, extra=extra or {}, prompt=prompt)
    scores: Scores = {}
    errors = []
    for name in task.metrics:
        m = METRICS[name]
        try:
            scores.update(m.fn(ctx))
        except Exception as exc:  # noqa: BLE001
            scores.update({k: None for k in m.outputs})
            errors.append(f"metric {m.name} failed: {exc!r}")
    return parsed, scores, "; ".join(errors) or None


__all__ = ["METRICS", "OUTPUT_KINDS", "OUTPUTS", "PARSERS", "Metric", "OutputInfo", "ScoreContext", "load_all", "lower_is_better", "parse", "score_output", "register_metric", "register_parser"]
