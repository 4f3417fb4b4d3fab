"""Size threshold: the smallest model whose score is clearly above chance (004-13, 004-14)."""

from __future__ import annotations

import math
from typing import Literal

from harness.claims.data import RuleData, fmt_params, se_of
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.metrics import OUTPUT_KINDS


class ThresholdParams(KindParams):
    chance: float = 0.0
    z: float = 3.0  # "clearly above chance" = mean − z·SE above chance (SE = √(p(1−p)/N) for 0/1 metrics)
    claimed_min_params: float = 1e10  # the claim: nothing clearly above chance below this size
    refute_at_or_below: float = 2e9  # clearly above chance at or below this size refutes the claim...
    refute_tasks: Literal["any", "most", "all"] = "any"  # ...on this many of the rule's tasks...
    refute_families: int = 1  # ...in at least this many model families (a "usually" claim is not refuted by one family)


@register_kind("threshold_size", ThresholdParams)
def threshold_size(rule, p: ThresholdParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Per task: the smallest model whose accuracy exceeds chance by more than z standard errors. Refuted if on any task
    that happens at or below `refute_at_or_below`; supported if on every task nothing below
    `claimed_min_params` is above chance and a model at least that large is."""
    evidence, thresholds = [], {}
    for task in data.tasks:
        first = None
        for m, e in data.series(task, rule.metric):
            if OUTPUT_KINDS.get(rule.metric) == "binary":  # the catalogue's definition: p > chance + z·SE
                lo = e.mean - p.z * math.sqrt(e.mean * (1 - e.mean) / e.n)
            else:
                lo = e.mean - p.z * se_of(e)
            if lo > p.chance + 1e-9 and e.mean > p.chance:  # (a Wilson bound at 0/n is 0 up to rounding)
                first = (m, e, lo)
                break
        thresholds[task] = first
        if first:
            m, e, lo = first
            evidence.append(f"{task}: first clearly above chance (mean − {p.z:g}·SE = {100 * lo:.1f}% > chance {100 * p.chance:g}%) at {m.model_id} ({fmt_params(m.params)}): {e.fmt(pct=True)}, n={e.n}")
        else:
            ser = data.series(task, rule.metric)
            top = ser[-1] if ser else None
            evidence.append(f"{task}: no model clearly above chance" + (f" (largest {top[0].model_id}, {fmt_params(top[0].params)}: {top[1].fmt(pct=True)}, n={top[1].n})" if top else ""))
    low = {t: f for t, f in thresholds.items() if f and f[0].params <= p.refute_at_or_below}
    # families with a clearly-above-chance model at or below the refuting size, per task
    fams: dict[str, set[str]] = {}
    for task in data.tasks:
        for m, e in data.series(task, rule.metric):
            if m.params <= p.refute_at_or_below and e.mean - p.z * math.sqrt(e.mean * (1 - e.mean) / e.n) > p.chance + 1e-9:
                fams.setdefault(task, set()).add(m.family)
    k = len(thresholds)
    need = {"any": 1, "most": k // 2 + 1, "all": k}[p.refute_tasks]
    refuting = [t for t in low if len(fams.get(t, ())) >= p.refute_families]
    test = f"threshold = smallest size with mean − {p.z:g}·SE above chance {100 * p.chance:g}% (the catalogue's definition); refuted needs it at ≤ {fmt_params(p.refute_at_or_below)} on {p.refute_tasks} task(s) in ≥ {p.refute_families} famil{'y' if p.refute_families == 1 else 'ies'}"
    effect = "; ".join(f"{t}: {fmt_params(f[0].params)} ({f[0].model_id} {f[1].fmt(pct=True)}, n={f[1].n})" if f else f"{t}: none" for t, f in thresholds.items())
    fam_txt = "; ".join(f"{t}: {', '.join(sorted(v))}" for t, v in fams.items()) or "none"
    out = dict(primary_test=test, effect="thresholds — " + effect)
    evidence.append(f"families clearly above chance at ≤ {fmt_params(p.refute_at_or_below)}, by task: {fam_txt}")
    if len(refuting) >= need:
        return Outcome("refuted", evidence, details={"thresholds": {t: (f[0].params if f else None) for t, f in thresholds.items()}}, **out)  # type: ignore[arg-type]
    if thresholds and all(f is not None and f[0].params >= p.claimed_min_params for f in thresholds.values()):
        return Outcome("supported", evidence, **out)  # type: ignore[arg-type]
    if low:
        return Outcome("inconclusive", evidence, reason=f"clearly above chance at ≤ {fmt_params(p.refute_at_or_below)} on {len(low)}/{k} task(s), but in ≥ {p.refute_families} famil{'y' if p.refute_families == 1 else 'ies'} on only {len(refuting)} (refuting needs {need}): "
                       f"one family is one recipe, and the claim says 'usually'", **out)  # type: ignore[arg-type]
    if thresholds and all(f is None for f in thresholds.values()):
        return Outcome("inconclusive", evidence, reason=f"no model is above chance, as the claim predicts, but the largest tested ({fmt_params(data.largest_params)}) is below the claimed threshold {fmt_params(p.claimed_min_params)}: the threshold itself was not reached", **out)  # type: ignore[arg-type]
    return Outcome("inconclusive", evidence, reason="thresholds fall between the refuting and the claimed range", **out)  # type: ignore[arg-type]
