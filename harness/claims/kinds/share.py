"""Share of errors of one type among all errors (e.g. 004-02: misreading vs arithmetic errors).

Per (model, task) cell: k = items flagged by the rule's `metric`, m = items flagged by any of the
`of` metrics (the error types that make up the denominator); share = k/m with a Wilson interval.
"""

from __future__ import annotations

from typing import Literal

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.intervals import wilson_ci


class ShareParams(KindParams):
    of: list[str]  # binary outputs whose union is the denominator (include the rule's metric)
    threshold: float
    quantifier: Literal["all", "most"] = "most"
    min_errors: int = 10  # cells with fewer errors say nothing

    def metrics(self) -> list[str]:
        return list(self.of)


@register_kind("error_share", ShareParams)
def error_share(rule, p: ShareParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Supported when the share's 95% interval lies above `threshold` in all / most informative
    cells; refuted when it lies below in most of them."""
    evidence, above, below, cells = [], 0, 0, 0
    for task in data.tasks:
        for m in data.models:
            c = data.cell(m.name, task)
            if c is None:
                continue
            flags = [(r.scores.get(rule.metric) or 0.0, any((r.scores.get(o) or 0.0) > 0.5 for o in p.of)) for r in c.records]
            errors = sum(1 for _, e in flags if e)
            k = sum(1 for f, e in flags if e and f > 0.5)
            if errors < p.min_errors:
                evidence.append(f"{task} · {m.model_id} ({fmt_params(m.params)}): {errors} error(s) of these types, too few")
                continue
            cells += 1
            lo, hi = wilson_ci(k, errors)
            above += lo > p.threshold
            below += hi < p.threshold
            evidence.append(f"{task} · {m.model_id} ({fmt_params(m.params)}): {rule.metric} in {k}/{errors} errors = {100 * k / errors:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]")
    if cells == 0:
        return Outcome("inconclusive", evidence, reason=f"no cell has ≥ {p.min_errors} errors of the counted types")
    need = cells if p.quantifier == "all" else cells // 2 + 1
    if above >= need:
        return Outcome("supported", evidence)
    if below >= cells // 2 + 1:
        return Outcome("refuted", evidence)
    return Outcome("inconclusive", evidence, reason=f"{above}/{cells} cells clearly above {100 * p.threshold:.0f}%, {below}/{cells} clearly below")
