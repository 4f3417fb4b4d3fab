"""A small model with help against a much larger one without it, on the same items (e.g. 000-06:
a small model plus a knowledge base is not worse than a large model on knowledge)."""

from __future__ import annotations

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.metrics import OUTPUT_KINDS
from harness.stats.paired import paired_compare


class SmallLargeParams(KindParams):
    small_task: str  # the helped condition, run by the small model (e.g. retrieval)
    large_task: str  # the unhelped condition, run by the large model (e.g. closed-book)
    min_ratio: float = 10.0  # the large model must have at least this many times the parameters
    margin: float = 0.05  # "not worse": small − large ≥ −margin; "large wins": large − small > margin
    alpha: float = 0.05

    def tasks(self) -> list[str]:
        return [self.small_task, self.large_task]


@register_kind("small_vs_large", SmallLargeParams)
def small_vs_large(rule, p: SmallLargeParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Every (small, large) model pair with large/small ≥ min_ratio, paired on item id (the helped
    condition adds context to the same question). Supported if in every pair the small model's
    interval of (small − large) lies above −margin; refuted if in most pairs the large model wins by
    more than `margin` (its interval above +margin)."""
    binary = OUTPUT_KINDS.get(rule.metric) == "binary"
    evidence, ok, bad, k = [], 0, 0, 0
    compared: list[int] = []  # paired items per compared pair of models
    for s in data.models:
        for big in data.models:
            if big.params < p.min_ratio * s.params:
                continue
            a, b = data.cell(big.name, p.large_task), data.cell(s.name, p.small_task)
            if a is None or b is None:
                continue
            r = paired_compare(a.by_item(rule.metric, "item_id"), b.by_item(rule.metric, "item_id"), binary)
            if r.n == 0:
                continue
            k += 1
            compared.append(r.n)
            ok += r.low > -p.margin
            bad += r.high < -p.margin
            evidence.append(f"{s.model_id} ({fmt_params(s.params)}) {p.small_task} {100 * r.mean_b:.1f}% vs {big.model_id} ({fmt_params(big.params)}) "
                            f"{p.large_task} {100 * r.mean_a:.1f}%: small − large = {100 * r.diff:+.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}], "
                            f"{r.test} p={r.p_value:.3g}, n={r.n}")
    if k == 0:
        sizes = ", ".join(fmt_params(m.params) for m in data.models) or "none"
        return Outcome("inconclusive", evidence, reason=f"no pair of tested models is ≥ {p.min_ratio:g}× apart in size (sizes: {sizes}) with both conditions run")
    details: dict[str, object] = {"n_compared": compared}
    test = f"paired on item id; non-inferiority: the 95% interval of small − large above −{100 * p.margin:g} points in every pair; a large-model win: the interval below −{100 * p.margin:g} points"
    out = dict(details=details, primary_test=test, effect=f"{ok}/{k} model pairs 'not worse', {bad}/{k} large-model wins; " + evidence[-1].split(": small − large = ")[-1] if evidence else "")
    if ok == k:
        return Outcome("supported", evidence, equivalence=f"non-inferiority margin {100 * p.margin:g} points met in {ok}/{k} pairs", **out)  # type: ignore[arg-type]
    if bad >= k // 2 + 1:
        return Outcome("refuted", evidence, **out)  # type: ignore[arg-type]
    return Outcome("inconclusive", evidence, reason=f"{ok}/{k} pairs show 'not worse', {bad}/{k} a large-model win: intervals too wide at this N", **out)  # type: ignore[arg-type]
