"""Does sequence accuracy follow p^L from teacher-forced per-token accuracy? (001-14, 000-25)"""

from __future__ import annotations

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.emergence import emergence_cell
from harness.stats.intervals import wilson_ci


class PLParams(KindParams):
    per_token: str = "tf_token_acc"
    length: str = "gold_tokens"
    tol: float = 0.05  # |EM − p^L| within this (or p^L inside EM's 95% CI) counts as agreement
    min_signal: float = 0.05  # cells where both EM and p^L are below this say nothing
    support_share: float = 0.8
    refute_share: float = 0.5
    min_cells: int = 3

    def metrics(self) -> list[str]:
        return [self.per_token, self.length]


@register_kind("pL_agreement", PLParams)
def pl_agreement(rule, p: PLParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Per (model, task) cell: observed EM vs mean over items of p^L (p: teacher-forced per-token
    accuracy, L: gold answer tokens). Supported if most informative cells agree; refuted if in at
    least `refute_share` of them EM is well above p^L (errors correlated, not independent)."""
    evidence, agree, above, info = [], 0, 0, 0
    for task in data.tasks:
        for m in data.models:
            c = data.cell(m.name, task)
            if c is None or not c.has(p.per_token):
                continue
            recs = c.records
            cell = emergence_cell([r.scores.get(rule.metric) or 0.0 for r in recs], [0.0] * len(recs), [1.0] * len(recs),
                                  [r.scores.get(p.per_token) for r in recs], [r.scores.get(p.length) for r in recs])
            if cell.tf_pL is None:
                continue
            em, pl = cell.exact_match, cell.tf_pL
            lo, hi = wilson_ci(int(round(em * cell.n)), cell.n)
            ok = max(em, pl) >= p.min_signal
            tag = ""
            if ok:
                info += 1
                if abs(em - pl) <= p.tol or lo <= pl <= hi:
                    agree += 1
                    tag = "agrees"
                elif pl < lo:
                    above += 1
                    tag = "EM above p^L"
                else:
                    tag = "EM below p^L"
            evidence.append(f"{task} · {m.model_id} ({fmt_params(m.params)}), n={cell.n}: EM {100 * em:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] vs p^L {100 * pl:.1f}% (p={cell.tf_token_acc:.3f}) {tag or '(both near 0: uninformative)'}")
    if info < p.min_cells:
        return Outcome("inconclusive", evidence, reason=f"only {info} informative cell(s) (EM or p^L ≥ {100 * p.min_signal:g}%); need ≥ {p.min_cells}")
    if above / info >= p.refute_share:
        return Outcome("refuted", evidence)
    if agree / info >= p.support_share:
        return Outcome("supported", evidence)
    return Outcome("inconclusive", evidence, reason=f"{agree}/{info} informative cells agree, {above} have EM above p^L: neither pre-registered share reached")
