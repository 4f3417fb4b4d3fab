"""Parser and metric registries.

A parser turns raw model text into an answer string, or None when the output is unusable
(scored as invalid, never an exception). A metric is a pure function of a `ScoreContext`
returning one or more named values; each value is declared binary (0/1, reported with a Wilson
interval) or continuous (mean with a bootstrap interval). Metrics that need teacher-forced
log-probabilities say so, and the runner asks the backend for them only then.
"""

from __future__ import annotations

from harness.registry import same_callable

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from harness.backends.base import Loglikelihood
from harness.generators.base import Item

Kind = Literal["binary", "continuous"]
Scores = dict[str, float | None]


@dataclass
class ScoreContext:
    item: Item
    output: str
    parsed: str | None
    loglikelihood: Loglikelihood | None = None
    trajectory: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    prompt: str | list[dict[str, Any]] | None = None  # what the model was shown (text, or chat messages)

    @property
    def prompt_text(self) -> str:
        if isinstance(self.prompt, list):
            return "\n".join(str(m.get("content", "")) for m in self.prompt)
        return self.prompt or ""

    @property
    def valid(self) -> bool:
        return self.parsed is not None


@dataclass(frozen=True)
class Metric:
    name: str
    outputs: dict[str, Kind]
    fn: Callable[[ScoreContext], Scores]
    needs_loglikelihood: bool = False
    doc: str = ""
    # Lower values are better for these outputs (error rates, distances); used by plots and rules.
    lower_is_better: frozenset[str] = frozenset()


ParserFn = Callable[..., "str | None"]

PARSERS: dict[str, ParserFn] = {}
METRICS: dict[str, Metric] = {}
OUTPUT_KINDS: dict[str, Kind] = {}


def register_parser(name: str) -> Callable[[ParserFn], ParserFn]:
    def deco(fn: ParserFn) -> ParserFn:
        if name in PARSERS and not same_callable(PARSERS[name], fn):
            raise ValueError(f"parser {name!r} registered twice")
        PARSERS[name] = fn
        return fn

    return deco


def register_metric(
    name: str, outputs: dict[str, Kind], *, needs_loglikelihood: bool = False, lower_is_better: tuple[str, ...] = ()
) -> Callable[[Callable[[ScoreContext], Scores]], Callable[[ScoreContext], Scores]]:
    def deco(fn: Callable[[ScoreContext], Scores]) -> Callable[[ScoreContext], Scores]:
        if name in METRICS and not same_callable(METRICS[name].fn, fn):
            raise ValueError(f"metric {name!r} registered twice")
        for out, kind in outputs.items():
            if OUTPUT_KINDS.get(out, kind) != kind:
                raise ValueError(f"metric output {out!r} declared with two kinds")
            OUTPUT_KINDS[out] = kind
        METRICS[name] = Metric(name, outputs, fn, needs_loglikelihood, (fn.__doc__ or "").strip(), frozenset(lower_is_better))
        return fn

    return deco


def lower_is_better(output: str) -> bool:
    return any(output in m.lower_is_better for m in METRICS.values())
