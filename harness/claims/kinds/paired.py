"""Paired difference between conditions (tasks that share items) for each model.

E.g. few-shot vs zero-shot on the same addition items (001-28), or retrieval vs closed-book.
Binary metrics use McNemar's test, continuous ones the paired bootstrap; items are matched by id
and content hash, so only identical items are compared.
"""

from __future__ import annotations

from typing import Literal

from scipy.stats import combine_pvalues

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.metrics import OUTPUT_KINDS
from harness.stats.paired import paired_compare


class PairedParams(KindParams):
    baseline: str | None = None
    treatments: list[str] = []
    pairs: list[tuple[str, str]] = []  # (baseline, treatment) pairs, for several task families in one rule
    direction: Literal["increase", "decrease"] = "increase"
    min_diff: float = 0.0  # a treatment must move the metric by at least this much to count
    alpha: float = 0.05
    quantifier: Literal["all", "most", "any"] = "most"  # cells with the effect needed to support
    refute_quantifier: Literal["all", "most"] = "most"  # cells without it needed to refute
    largest_only: bool = False  # only each task's largest model counts ("for the larger models")
    max_params: float | None = None  # only models up to this size count ("at ≤ 160M")
    relative_min: float | None = None  # an effect also needs (treatment / baseline − 1) ≥ this, in the claimed direction
    refute_relative_below: float | None = None  # "no effect" also when the relative change is below this
    effect_means: Literal["supports", "refutes"] = "supports"  # for claims that an effect should be absent
    min_signal: float = 0.05  # both conditions below this (or both above 1 − this): floor/ceiling, the cell says nothing
    guard_metric: str | None = None  # a side effect that must not grow (e.g. over_refusal)...
    guard_max_increase: float = 0.10  # ...by more than this (treatment − baseline, paired) for a cell to count
    pair_on: Literal["item", "item_id"] = "item"  # item_id: the treatment adds context (retrieval) to the same question

    def metrics(self) -> list[str]:
        return [self.guard_metric] if self.guard_metric else []

    def all_pairs(self) -> list[tuple[str, str]]:
        return [*((self.baseline, t) for t in self.treatments if self.baseline), *self.pairs]

    def tasks(self) -> list[str]:
        return sorted({t for pair in self.all_pairs() for t in pair})

    def model_post_init(self, _ctx: object) -> None:
        if not self.all_pairs():
            raise ValueError("give `baseline` and `treatments`, or `pairs`")


@register_kind("paired_conditions", PairedParams)
def paired_conditions(rule, p: PairedParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Supported when the treatment moves the metric in the claimed direction significantly in
    all / most / any (model, treatment) cells; refuted when most (or all) cells show no such effect
    (the difference's 95% CI stays below `min_diff`, it goes the other way significantly, or the
    relative change is below `refute_relative_below`). `effect_means: refutes` swaps the two, for
    claims that an effect should be absent (e.g. no in-context learning in small models)."""
    sign = 1.0 if p.direction == "increase" else -1.0
    binary = OUTPUT_KINDS.get(rule.metric) == "binary"
    evidence, wins, nulls, one_sided, floors = [], 0, 0, [], 0
    compared: list[int] = []  # paired items per compared cell
    for b, t in p.all_pairs():
        ran = [m for m in data.models if data.cell(m.name, b) and data.cell(m.name, t) and (p.max_params is None or m.params <= p.max_params)]
        for m in ran[-1:] if p.largest_only else ran:
            base, treat = data.cell(m.name, b), data.cell(m.name, t)
            if base is None or treat is None:
                continue
            r = paired_compare(base.by_item(rule.metric, p.pair_on), treat.by_item(rule.metric, p.pair_on), binary)
            if r.n == 0:
                evidence.append(f"{m.model_id}: {b} and {t} share no items")
                continue
            compared.append(r.n)
            d = sign * r.diff
            lo, hi = sorted((sign * r.low, sign * r.high))
            rel = sign * (r.mean_b / r.mean_a - 1) if r.mean_a > 0 else (float("inf") if d > 0 else 0.0)
            guard_ok, guard_note = True, ""
            if p.guard_metric:
                g = paired_compare(base.by_item(p.guard_metric, p.pair_on), treat.by_item(p.guard_metric, p.pair_on), OUTPUT_KINDS.get(p.guard_metric) == "binary")
                guard_ok = g.n > 0 and g.diff <= p.guard_max_increase
                guard_note = f"; {p.guard_metric} {100 * g.diff:+.1f} points (n={g.n}){'' if guard_ok else ' — too much'}"
            binary_floor = binary and (max(r.mean_a, r.mean_b) < p.min_signal or min(r.mean_a, r.mean_b) > 1 - p.min_signal)
            floors += binary_floor
            win = d > 0 and r.p_value < p.alpha and d >= p.min_diff and (p.relative_min is None or rel >= p.relative_min) and guard_ok
            null = (not win) and not binary_floor and (hi < max(p.min_diff, 1e-12) or (d < 0 and r.p_value < p.alpha)
                                  or (p.refute_relative_below is not None and rel < p.refute_relative_below) or not guard_ok)
            wins += win
            nulls += null
            one_sided.append(r.p_value / 2 if d > 0 else 1 - r.p_value / 2)
            evidence.append(f"{m.model_id} ({fmt_params(m.params)}): {t} − {b} = {100 * r.diff:+.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}], "
                            + (f"relative {100 * (r.mean_b / r.mean_a - 1):+.0f}%, " if r.mean_a > 0 else "relative n/a (baseline 0), ") + f"{r.test} p={r.p_value:.3g}, n={r.n} paired items" + (f" (b better on {r.n01}, a better on {r.n10})" if r.n01 is not None else "") + guard_note + (" — both conditions at the floor/ceiling: uninformative" if binary_floor else ""))
    k = len(one_sided)
    details: dict[str, object] = {"n_min": min(compared)} if compared else {}
    if k > 0 and floors == k:
        return Outcome("inconclusive", evidence, reason=f"every cell is at the floor or ceiling (both conditions < {100 * p.min_signal:g}% or > {100 - 100 * p.min_signal:g}%): no difference can show; needs models that partly solve the task", details=details)
    if k == 0:
        return Outcome("inconclusive", evidence, reason=f"no model ran both conditions of any pair {p.all_pairs()}", details=details)
    p_comb = float(combine_pvalues([min(max(x, 1e-300), 1.0) for x in one_sided], method="fisher").pvalue)
    need = {"all": k, "most": k // 2 + 1, "any": 1}[p.quantifier]
    effect, none = ("supported", "refuted") if p.effect_means == "supports" else ("refuted", "supported")
    if wins >= need:
        return Outcome(effect, evidence, p_value=p_comb, details=details)
    if nulls >= (k if p.refute_quantifier == "all" else k // 2 + 1):
        return Outcome(none, evidence, details=details)
    return Outcome("inconclusive", evidence, reason=f"{wins}/{k} cells show the claimed effect, {nulls}/{k} show none: too few either way at this N", p_value=p_comb, details=details)
