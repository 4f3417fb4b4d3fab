"""A level claim: the metric is above (or below) a threshold for all / any model (e.g. 002-17:
every model fabricates; 002-06: a usability bar)."""

from __future__ import annotations

from typing import Literal

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind


class LevelParams(KindParams):
    threshold: float
    direction: Literal["above", "below"]
    quantifier: Literal["all", "any"] = "all"
    largest_only: bool = False  # only each task's largest model counts ("even at the largest size")
    max_params: float | None = None  # only models up to this size count ("below 1B")


@register_kind("level", LevelParams)
def level(rule, p: LevelParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Each (model, task) cell's 95% interval is compared with the threshold: 'on the claimed side'
    when the whole interval is there, 'on the other side' when the whole interval is there."""
    evidence, yes, no, total = [], 0, 0, 0
    for task in data.tasks:
        ser = [(m, e) for m, e in data.series(task, rule.metric) if p.max_params is None or m.params <= p.max_params]
        for m, e in ser[-1:] if p.largest_only else ser:
            total += 1
            eps = 1e-9  # Wilson bounds at 0/n or n/n equal the ends up to rounding
            claimed = e.low > p.threshold + eps if p.direction == "above" else e.high < p.threshold - eps
            other = e.high < p.threshold - eps if p.direction == "above" else e.low > p.threshold + eps
            yes += claimed
            no += other
            evidence.append(f"{task} · {m.model_id} ({fmt_params(m.params)}): {rule.metric} {e.fmt(pct=e.kind == 'binary')}, n={e.n} → "
                            + ("claimed side" if claimed else "other side" if other else "undecided"))
    if total == 0:
        return Outcome("inconclusive", evidence, reason="no cells")
    if (p.quantifier == "all" and yes == total) or (p.quantifier == "any" and yes > 0):
        return Outcome("supported", evidence)
    if (p.quantifier == "all" and no > 0) or (p.quantifier == "any" and no == total):
        return Outcome("refuted", evidence)
    return Outcome("inconclusive", evidence, reason=f"{total - yes - no} cell(s) have intervals straddling {p.threshold:g}: N too small to decide")
