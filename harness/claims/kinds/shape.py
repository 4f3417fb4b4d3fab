"""Curve shape across sizes: does the sharp metric jump while continuous metrics stay smooth?

For each task, each metric is fitted linearly in log10(params) on all but the largest model and
the largest is predicted (leave-largest-out). A jump is an observation beyond the prediction by
more than `z` standard errors in the metric's good direction; a metric is predictable when within
`predict_z`. Predicates per task, combined by the rule's `supports_if` / `refutes_if` (each a list
of alternatives, each alternative a list of predicates that must all hold):

  sharp_jump, sharp_smooth          the rule's `metric` (exact match)
  smooth_jump, smooth_predictable   every metric in `smooth` (any for *_jump)
  smooth_linear                     every smooth metric has R² ≥ `r2` in log10 params
"""

from __future__ import annotations

import math

from scipy.stats import norm

from harness.claims.data import RuleData, se_of
from harness.claims.kinds import KindParams, Outcome, good_sign, register_kind
from harness.stats.emergence import emergence_score
from harness.stats.scaling import fit_linear, holdout_calibration, leave_largest_out, sizes_for_holdout

PREDICATES = {"sharp_jump", "sharp_smooth", "smooth_jump", "smooth_predictable", "smooth_linear"}


class ShapeParams(KindParams):
    smooth: list[str]
    z: float = 3.0
    predict_z: float = 2.0
    r2: float = 0.9
    supports_if: list[list[str]]
    refutes_if: list[list[str]]

    def metrics(self) -> list[str]:
        return list(self.smooth)

    def model_post_init(self, _ctx: object) -> None:
        bad = {x for alt in self.supports_if + self.refutes_if for x in alt} - PREDICATES
        if bad:
            raise ValueError(f"unknown predicate(s) {sorted(bad)}; known: {sorted(PREDICATES)}")


def _metric_shape(data: RuleData, task: str, metric: str, p: ShapeParams) -> dict[str, object] | None:
    ser = data.series(task, metric)
    if len(ser) < 3:
        return None
    x = [math.log10(m.params) for m, _ in ser]
    y = [e.mean for _, e in ser]
    se = [max(se_of(e), 1e-9) for _, e in ser]
    ho = leave_largest_out(x, y, se)
    s = good_sign(metric)
    floor = all(e.mean == 0 for _, e in ser)  # 0 at every size: below the resolution, no shape
    return {
        "z": s * ho.linear_z, "pred": ho.linear_pred, "obs": ho.observed, "preferred": ho.preferred,
        "r2": fit_linear(x, y).r2, "score": s * emergence_score(y), "floor": floor, "sizes": len(ser),
    }


@register_kind("emergence_shape", ShapeParams)
def emergence_shape(rule, p: ShapeParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Jump-vs-smooth test of the sharp metric and the continuous metrics on the same outputs."""
    evidence: list[str] = []
    per_task: dict[str, set[str]] = {}
    zs: list[float] = []
    for task in data.tasks:
        sharp = _metric_shape(data, task, rule.metric, p)
        smooth = {m: _metric_shape(data, task, m, p) for m in p.smooth}
        smooth = {k: v for k, v in smooth.items() if v is not None}
        if sharp is None or not smooth:
            evidence.append(f"{task}: fewer than 3 model sizes, no shape can be fitted")
            continue
        preds: set[str] = set()
        sz = float(sharp["z"])  # type: ignore[arg-type]
        if sz > p.z:
            preds.add("sharp_jump")
        if abs(sz) <= p.predict_z and not sharp["floor"]:
            preds.add("sharp_smooth")
        mz = [float(v["z"]) for v in smooth.values()]  # type: ignore[arg-type]
        if any(z > p.z for z in mz):
            preds.add("smooth_jump")
        if all(abs(z) <= p.predict_z for z in mz):
            preds.add("smooth_predictable")
        if all(float(v["r2"]) >= p.r2 for v in smooth.values()):  # type: ignore[arg-type]
            preds.add("smooth_linear")
        per_task[task] = preds
        zs += [sz, *mz]

        def desc(name: str, v: dict[str, object]) -> str:
            return (f"{name} largest {float(v['obs']):.3f} vs extrapolated {float(v['pred']):.3f} (z={float(v['z']):+.1f}, {v['preferred']} preferred held-out, "  # type: ignore[arg-type]
                    f"R²={float(v['r2']):.2f}, emergence score {float(v['score']):.2f})")  # type: ignore[arg-type]

        floor_note = "; EM is 0 at every size (at the floor: no shape can be read)" if sharp["floor"] else ""
        evidence.append(f"{task} ({sharp['sizes']} sizes): " + "; ".join([desc(rule.metric, sharp), *(desc(k, v) for k, v in smooth.items())]) + floor_note + f" → {', '.join(sorted(preds)) or 'no predicate holds'}")
    n_sizes = max((data.series(t, rule.metric).__len__() for t in data.tasks), default=0)
    dof, p_at_z, calibrated = holdout_calibration(n_sizes, p.z)
    undecidable = None
    if not calibrated:
        undecidable = (f"undecidable on this ladder: with {n_sizes} sizes the leave-largest-out fit leaves {max(dof, 0)} residual degree(s) of freedom, "
                       + (f"so |z| > {p.z:g} has p = {p_at_z:.2f} (t, {dof} dof) and no jump can be told from noise; " if dof >= 1 else "so no prediction error can be estimated; ")
                       + f"it needs ≥ {sizes_for_holdout(p.z)} sizes of one family")
    test = f"leave-largest-out linear fit in log10(params); jump = |z| > {p.z:g}, predictable = |z| ≤ {p.predict_z:g} (z is a t-statistic with n − 3 dof)"
    details: dict[str, object] = {"undecidable": undecidable} if undecidable else {}
    if not per_task:
        return Outcome("inconclusive", evidence, reason="no task has records for ≥ 3 model sizes", details=details, primary_test=test)
    families = sorted({m.family for m in data.models})
    if len(families) > 1:
        evidence.append(f"note: the sizes come from {len(families)} families ({', '.join(families)}); a curve across families mixes training recipes, so a jump may be a family difference")
    p_val = float(2 * norm.sf(max(abs(z) for z in zs))) if zs else None
    refuted = [t for t, s in per_task.items() if any(set(alt) <= s for alt in p.refutes_if)]
    supported = all(any(set(alt) <= s for alt in p.supports_if) for s in per_task.values())
    out = dict(details=details, primary_test=test, effect="; ".join(f"{t}: {', '.join(sorted(s)) or 'no predicate'}" for t, s in per_task.items()))
    if refuted and supported:
        return Outcome("inconclusive", evidence, reason=f"mixed: refuting pattern on {refuted} while the supporting pattern also holds", **out)  # type: ignore[arg-type]
    if refuted:
        return Outcome("refuted", evidence, p_value=p_val, **out)  # type: ignore[arg-type]
    if supported:
        return Outcome("supported", evidence, p_value=p_val, **out)  # type: ignore[arg-type]
    seen = "; ".join(f"{t}: {', '.join(sorted(s)) or 'none'}" for t, s in per_task.items())
    want = " or ".join("+".join(a) for a in p.supports_if)
    return Outcome("inconclusive", evidence, reason=f"neither pattern holds on every task (support needs {want} on each task); predicates seen — {seen}", **out)  # type: ignore[arg-type]

