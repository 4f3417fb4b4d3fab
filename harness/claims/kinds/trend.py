"""Monotone trend of a metric in log10(parameters) (e.g. 000-15: hallucination falls with size)."""

from __future__ import annotations

import math
from typing import Literal

from harness.claims.data import RuleData
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.scaling import fit_linear


class TrendParams(KindParams):
    direction: Literal["increase", "decrease"]
    min_slope: float = 0.0  # per decade of parameters, in the metric's units
    alpha: float = 0.05


@register_kind("trend", TrendParams)
def trend(rule, p: TrendParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """OLS of the per-model mean on log10(params), per task. Supported if every task's slope is in
    the claimed direction with p < alpha and |slope| ≥ min_slope; refuted if any task's slope is
    significantly in the other direction."""
    sign = 1.0 if p.direction == "increase" else -1.0
    evidence, ok, bad, ps = [], 0, 0, []
    tasks = 0
    for task in data.tasks:
        ser = data.series(task, rule.metric)
        if len(ser) < 3:
            evidence.append(f"{task}: {len(ser)} model size(s), need ≥ 3 for a trend")
            continue
        tasks += 1
        fit = fit_linear([math.log10(m.params) for m, _ in ser], [e.mean for _, e in ser])
        s = sign * fit.slope
        pv = fit.p_value
        ok += s >= max(p.min_slope, 0) and s > 0 and pv < p.alpha
        bad += s < 0 and pv < p.alpha
        ps.append(pv)
        evidence.append(f"{task}: slope {fit.slope:+.3f} per decade (SE {fit.slope_se:.3f}, p={pv:.3g}, R²={fit.r2:.2f}) over {len(ser)} sizes: " + ", ".join(f"{e.mean:.3f}" for _, e in ser))
    if tasks == 0:
        return Outcome("inconclusive", evidence, reason="no task has ≥ 3 model sizes")
    if bad:
        return Outcome("refuted", evidence, p_value=min(ps))
    if ok == tasks:
        return Outcome("supported", evidence, p_value=max(ps))
    return Outcome("inconclusive", evidence, reason="slopes not significant at this number of sizes", p_value=max(ps))
