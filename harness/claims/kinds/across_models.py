"""Relations between two measurements across models: a rank correlation (e.g. 000-14:
hallucination goes with creativity) and a mode-switch score's trend with size (e.g. 000-21:
factual when asked for facts, imaginative when asked to imagine)."""

from __future__ import annotations

import math
from typing import Literal

from scipy.stats import spearmanr

from harness.claims.data import RuleData, fmt_params
from harness.analysis.aggregate import ModelInfo
from harness.stats.intervals import Estimate
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.scaling import fit_linear


class CorrelationParams(KindParams):
    x_task: str  # the rule's `metric` is read on this task
    y_task: str
    y_metric: str
    direction: Literal["positive", "negative"] = "positive"
    min_rho: float = 0.0  # |rho| needed, besides significance
    alpha: float = 0.05
    min_models: int = 5  # Spearman p-values with fewer points are meaningless

    def tasks(self) -> list[str]:
        return [self.x_task, self.y_task]

    def metrics(self) -> list[str]:
        return [self.y_metric]


def _pairs(data: RuleData, x_task: str, x_metric: str, y_task: str, y_metric: str) -> list[tuple[ModelInfo, Estimate, Estimate]]:
    out = []
    for m in data.models:
        a, b = data.cell(m.name, x_task), data.cell(m.name, y_task)
        if a is not None and b is not None and a.has(x_metric) and b.has(y_metric):
            out.append((m, a.estimate(x_metric), b.estimate(y_metric)))
    return out


@register_kind("correlation", CorrelationParams)
def correlation(rule, p: CorrelationParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Spearman correlation, across models, of the rule's metric on `x_task` with `y_metric` on
    `y_task`. Supported if in the claimed direction with p < alpha and |rho| ≥ min_rho; refuted if
    significantly in the other direction, or |rho| < 0.2 with ≥ 2 × min_models models."""
    pts = _pairs(data, p.x_task, rule.metric, p.y_task, p.y_metric)
    evidence = [f"{m.model_id} ({fmt_params(m.params)}): {rule.metric} {ex.fmt(pct=ex.kind == 'binary')} (n={ex.n}), "
                f"{p.y_metric} {ey.fmt(pct=ey.kind == 'binary')} (n={ey.n})" for m, ex, ey in pts]
    if len(pts) < p.min_models:
        return Outcome("inconclusive", evidence, reason=f"{len(pts)} model(s) ran both tasks; a correlation across models needs ≥ {p.min_models}")
    res = spearmanr([ex.mean for _, ex, _ in pts], [ey.mean for _, _, ey in pts])
    rho, pv = float(res.statistic), float(res.pvalue)
    if math.isnan(rho):
        return Outcome("inconclusive", evidence, reason="a constant measurement: the correlation is undefined")
    s = rho if p.direction == "positive" else -rho
    evidence.append(f"Spearman rho = {rho:+.2f} (p = {pv:.3g}) over {len(pts)} models")
    if s > 0 and pv < p.alpha and abs(rho) >= p.min_rho:
        return Outcome("supported", evidence, p_value=pv)
    if (s < 0 and pv < p.alpha) or (abs(rho) < 0.2 and len(pts) >= 2 * p.min_models):
        return Outcome("refuted", evidence, p_value=pv)
    return Outcome("inconclusive", evidence, reason="correlation not significant at this number of models", p_value=pv)


class SwitchParams(KindParams):
    factual_task: str  # the rule's `metric` (a fabrication rate, lower is better) is read here
    imaginative_task: str
    comply_metric: str = "complied"
    min_score: float = 0.5  # the largest model's switch score needed to support
    alpha: float = 0.05

    def tasks(self) -> list[str]:
        return [self.factual_task, self.imaginative_task]

    def metrics(self) -> list[str]:
        return [self.comply_metric]


@register_kind("mode_switch", SwitchParams)
def mode_switch(rule, p: SwitchParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Per model, switch = (1 − fabrication in factual mode) × compliance in imaginative mode.
    Supported if it rises with log10(params) (OLS slope > 0, p < alpha, ≥ 3 sizes) and the largest
    model's switch ≥ min_score; refuted if the slope is significantly negative, or ≤ 0 with the
    largest model below min_score / 2."""
    pts = _pairs(data, p.factual_task, rule.metric, p.imaginative_task, p.comply_metric)
    scores = [(m, (1 - ef.mean) * ei.mean) for m, ef, ei in pts]
    evidence = [f"{m.model_id} ({fmt_params(m.params)}): factual {rule.metric} {ef.fmt(pct=True)} (n={ef.n}), imaginative "
                f"{p.comply_metric} {ei.fmt(pct=True)} (n={ei.n}) → switch {s:.2f}" for (m, ef, ei), (_, s) in zip(pts, scores)]
    sizes = {m.params for m, _ in scores}
    if len(sizes) < 3:
        return Outcome("inconclusive", evidence, reason=f"{len(sizes)} model size(s) ran both modes; a trend needs ≥ 3")
    fit = fit_linear([math.log10(m.params) for m, _ in scores], [s for _, s in scores])
    top = scores[-1][1]
    evidence.append(f"switch slope {fit.slope:+.3f} per decade of parameters (p = {fit.p_value:.3g}); largest model {top:.2f}")
    if fit.slope > 0 and fit.p_value < p.alpha and top >= p.min_score:
        return Outcome("supported", evidence, p_value=fit.p_value)
    if (fit.slope < 0 and fit.p_value < p.alpha) or (fit.slope <= 0 and top < p.min_score / 2):
        return Outcome("refuted", evidence, p_value=fit.p_value)
    return Outcome("inconclusive", evidence, reason="switch score neither rises significantly nor clearly fails at this number of sizes", p_value=fit.p_value)
