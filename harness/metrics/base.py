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
    # Presentation facts (harness.analysis.presentation reads them; the report holds no metric names):
    primary: str | None = None  # the output a claim is about when the metric is a task's primary metric
    hidden: frozenset[str] = frozenset()  # bookkeeping outputs (counts, lengths) kept out of tables
    column: int | None = None  # table column rank: ranked metrics first (ascending), the others alphabetically
    length: str | None = None  # the output counting the answer's units (digits, tokens): L in resolution 1/(N·L)


@dataclass(frozen=True)
class OutputInfo:
    """How one metric output is shown: binary outputs print as % with Wilson intervals."""

    name: str
    kind: Kind
    metric: str
    hidden: bool = False
    column: int | None = None

    @property
    def percent(self) -> bool:
        return self.kind == "binary"


ParserFn = Callable[..., "str | None"]

PARSERS: dict[str, ParserFn] = {}
METRICS: dict[str, Metric] = {}
OUTPUT_KINDS: dict[str, Kind] = {}
OUTPUTS: dict[str, OutputInfo] = {}


def register_parser(name: str) -> Callable[[ParserFn], ParserFn]:
    def deco(fn: ParserFn) -> ParserFn:
        if name in PARSERS and not same_callable(PARSERS[name], fn):
            raise ValueError(f"parser {name!r} registered twice")
        PARSERS[name] = fn
        return fn

    return deco


def register_metric(
    name: str, outputs: dict[str, Kind], *, needs_loglikelihood: bool = False, lower_is_better: tuple[str, ...] = (),
    primary: str | None = None, hidden: tuple[str, ...] = (), column: int | None = None, length: str | None = None,
) -> Callable[[Callable[[ScoreContext], Scores]], Callable[[ScoreContext], Scores]]:
    """Register a metric with its outputs' kinds and presentation facts: `primary` (the output claims
    and plots use; default the output named like the metric, else the first), `hidden` (outputs kept
    out of tables), `column` (rank of its outputs among table columns) and `length` (the output
    counting the answer's units)."""
    for out in (*([primary] if primary else []), *([length] if length else []), *hidden):
        if out not in outputs:
            raise ValueError(f"metric {name!r}: {out!r} is not one of its outputs")

    def deco(fn: Callable[[ScoreContext], Scores]) -> Callable[[ScoreContext], Scores]:
        if name in METRICS and not same_callable(METRICS[name].fn, fn):
            raise ValueError(f"metric {name!r} registered twice")
        for out, kind in outputs.items():
            if OUTPUT_KINDS.get(out, kind) != kind:
                raise ValueError(f"metric output {out!r} declared with two kinds")
            OUTPUT_KINDS[out] = kind
            OUTPUTS[out] = OutputInfo(out, kind, name, out in hidden, column)
        METRICS[name] = Metric(name, outputs, fn, needs_loglikelihood, (fn.__doc__ or "").strip(), frozenset(lower_is_better),
                               primary, frozenset(hidden), column, length)
        return fn

    return deco


def lower_is_better(output: str) -> bool:
    return any(output in m.lower_is_better for m in METRICS.values())
