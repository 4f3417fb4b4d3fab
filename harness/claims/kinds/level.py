"""A level claim: the metric is above (or below) a threshold for all / any model (e.g. 002-17:
every model fabricates; 002-06: a usability bar)."""

from __future__ import annotations

from typing import Literal

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.intervals import wilson_ci


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
    test = f"each cell's Wilson 95% interval vs {p.threshold:g} ({p.quantifier} cells {p.direction})"
    effect = f"{yes}/{total} cells on the claimed side, {no}/{total} on the other"
    if (p.quantifier == "all" and yes == total) or (p.quantifier == "any" and yes > 0):
        return Outcome("supported", evidence, primary_test=test, effect=effect)
    if (p.quantifier == "all" and no > 0) or (p.quantifier == "any" and no == total):
        return Outcome("refuted", evidence, primary_test=test, effect=effect)
    # can the claimed side be reached at all at these N? (e.g. "below 10%" at N = 30: even 0/30 has a
    # Wilson upper bound of 11.4%)
    ns = [e.n for task in data.tasks for _, e in data.series(task, rule.metric)]
    best = [wilson_ci(0, n)[1] if p.direction == "below" else wilson_ci(n, n)[0] for n in ns]
    unreachable = [n for n, b in zip(ns, best) if (b >= p.threshold if p.direction == "below" else b <= p.threshold)]
    note = (f"; at N = {min(unreachable)} even a perfect cell cannot put its interval {p.direction} {p.threshold:g} (Wilson bound "
            f"{100 * (wilson_ci(0, min(unreachable))[1] if p.direction == 'below' else wilson_ci(min(unreachable), min(unreachable))[0]):.1f}%): "
            "the claimed side needs more items") if unreachable else ""
    return Outcome("inconclusive", evidence, reason=f"{total - yes - no} cell(s) have intervals straddling {p.threshold:g}: N too small to decide" + note,
                   primary_test=f"each cell's Wilson 95% interval vs {p.threshold:g}")
