"""Predict the largest model of a family from the smaller ones (000-17 vs 001-03).

The per-token accuracy is extrapolated linearly in log10(params) on the logit scale (so it stays in [0, 1]) from the smaller sizes of one
family, mapped to exact match through p^L (L: gold answer tokens), and compared with the largest
model's observed exact match.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.scaling import fit_linear


class ExtrapolateParams(KindParams):
    predictor: str = "tf_token_acc"
    length: str = "gold_tokens"
    support_tol: float = 0.05
    refute_tol: float = 0.10
    min_family_sizes: int = 4  # fit on ≥ 3, predict the largest

    def metrics(self) -> list[str]:
        return [self.predictor, self.length]


def _logit(v: float, eps: float = 1e-4) -> float:
    v = min(1 - eps, max(eps, v))
    return math.log(v / (1 - v))


@register_kind("extrapolate_largest", ExtrapolateParams)
def extrapolate_largest(rule, p: ExtrapolateParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Absolute error of the predicted exact match of each family's largest model, per task."""
    families: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for m in data.models:
        if m.params > 0 and all(x.params != m.params for x in families[m.family]):
            families[m.family].append(m)
    evidence, errors = [], []
    for fam, models in families.items():
        if len(models) < p.min_family_sizes:
            evidence.append(f"family {fam}: {len(models)} size(s) ({', '.join(fmt_params(m.params) for m in models)}); need ≥ {p.min_family_sizes}")
            continue
        for task in data.tasks:
            cells = [data.cell(m.name, task) for m in models]
            if any(c is None or not c.has(p.predictor) for c in cells):
                continue
            x = [math.log10(c.model.params) for c in cells]  # type: ignore[union-attr]
            y = [_logit(c.estimate(p.predictor).mean) for c in cells]  # type: ignore[union-attr]
            fit = fit_linear(x[:-1], y[:-1])
            ph = 1.0 / (1.0 + math.exp(-fit.predict(x[-1])))
            last = cells[-1]
            lengths = [r.scores.get(p.length) or len(r.target) for r in last.records]  # type: ignore[union-attr]
            em_hat = float(np.mean([ph**L for L in lengths]))
            em = last.estimate(rule.metric).mean  # type: ignore[union-attr]
            err = abs(em_hat - em)
            errors.append(err)
            evidence.append(f"{task} · {fam}: p extrapolated to {fmt_params(last.model.params)} = {ph:.3f} → EM predicted {100 * em_hat:.1f}%, observed {100 * em:.1f}% (error {100 * err:.1f} points)")  # type: ignore[union-attr]
    if not errors:
        return Outcome("inconclusive", evidence, reason=f"no model family has ≥ {p.min_family_sizes} sizes in this run",
                       details={"undecidable": f"undecidable on this ladder: no model family has ≥ {p.min_family_sizes} sizes (fit on ≥ 3, predict the largest)"})
    if sum(e > p.refute_tol for e in errors) >= len(errors) / 2:
        return Outcome("refuted", evidence)
    if sum(e < p.support_tol for e in errors) > len(errors) / 2:
        return Outcome("supported", evidence)
    return Outcome("inconclusive", evidence, reason="prediction errors fall between the supporting and the refuting tolerance")
