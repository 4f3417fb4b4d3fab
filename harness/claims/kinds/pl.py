"""Does sequence accuracy follow p^L from teacher-forced per-token accuracy? (001-14, 000-25)"""

from __future__ import annotations

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
import math

from harness.stats.intervals import wilson_ci
from harness.stats.multiple import holm
from harness.stats.paired import paired_bootstrap, tost_paired_mean


class PLParams(KindParams):
    per_token: str = "tf_token_acc"
    length: str = "gold_tokens"
    tol: float = 0.05  # equivalence margin: agreement = TOST of the per-item EM − p^L within ±tol
    min_signal: float = 0.05  # cells where both EM and p^L are below this (floor) or both above 1 − this (ceiling) say nothing
    support_share: float = 0.8
    refute_share: float = 0.5
    min_cells: int = 3

    def metrics(self) -> list[str]:
        return [self.per_token, self.length]


@register_kind("pL_agreement", PLParams)
def pl_agreement(rule, p: PLParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Per (model, task) cell, paired over items: sequence correctness S_i (0/1) against the
    independence prediction p^L_i (p: the cell's teacher-forced per-token accuracy). Agreement is an equivalence test (TOST of
    mean(S − p^L) within ±tol), disagreement a significant paired difference in either direction
    (S above p^L: errors cluster; S below: free-running errors compound faster than teacher-forced
    ones). Cells at the floor or the ceiling (both < min_signal, or both > 1 − min_signal) are
    uninformative: agreement there is arithmetic. Supported if ≥ support_share of informative cells
    are equivalent, refuted if ≥ refute_share differ significantly (Holm across cells)."""
    evidence, rows = [], []
    for task in data.tasks:
        for m in data.models:
            c = data.cell(m.name, task)
            if c is None or not c.has(p.per_token):
                continue
            recs = [r for r in c.records if r.scores.get(p.per_token) is not None and r.scores.get(p.length)]
            if not recs:
                continue
            # the independence prediction uses the cell's per-token accuracy p (mean over items, as the
            # tables print it), not each item's own: an item's own p_i < 1 already means its greedy output
            # diverged, so mean(p_i^L_i) is no prediction but an upper bound of S
            p_bar = sum(float(r.scores[p.per_token]) for r in recs) / len(recs)
            s_i = [float(r.scores.get(rule.metric) or 0.0) for r in recs]
            pl_i = [p_bar ** float(r.scores[p.length]) for r in recs]
            pairs = list(zip(s_i, pl_i))
            n = len(pairs)
            em, pl = sum(s_i) / n, sum(pl_i) / n
            lo, hi = wilson_ci(int(round(em * n)), n)
            floor, ceil = max(em, pl) < p.min_signal, min(em, pl) > 1 - p.min_signal
            label = f"{task} · {m.model_id} ({fmt_params(m.params)}), n={n}: S {100 * em:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] vs p^L {100 * pl:.1f}%"
            if floor or ceil:
                evidence.append(label + f" — at the {'floor' if floor else 'ceiling'}: uninformative")
                continue
            eq = tost_paired_mean(pl_i, s_i, p.tol)
            diff = paired_bootstrap(pl_i, s_i)
            rows.append((label, eq, diff, n))
    info = len(rows)
    test = f"per cell: TOST of mean(S − p^L) within ±{100 * p.tol:g} points (paired t) for agreement, paired bootstrap for a difference; Holm across cells"
    details: dict[str, object] = {"n_compared": [n for *_, n in rows]}
    if info < p.min_cells:
        return Outcome("inconclusive", evidence + [r[0] for r in rows], reason=f"only {info} informative cell(s) (neither both below {100 * p.min_signal:g}% nor both above {100 - 100 * p.min_signal:g}%); need ≥ {p.min_cells}", details=details, primary_test=test)
    eq_adj = holm([r[1].p_value if not math.isnan(r[1].p_value) else 1.0 for r in rows])
    diff_adj = holm([r[2].p_value for r in rows])
    agree = above = below = 0
    for (label, eq, diff, _), qe, qd in zip(rows, eq_adj, diff_adj):
        tag = "undecided"
        if qe < 0.05:
            agree, tag = agree + 1, "equivalent"
        elif qd < 0.05:
            if diff.diff > 0:
                above, tag = above + 1, "S above p^L"
            else:
                below, tag = below + 1, "S below p^L"
        evidence.append(f"{label}; S − p^L = {100 * diff.diff:+.1f} points [{100 * diff.low:+.1f}, {100 * diff.high:+.1f}], {eq.fmt()} (Holm p={qe:.3g}); difference Holm p={qd:.3g} → {tag}")
    effect = f"{agree}/{info} informative cells equivalent within ±{100 * p.tol:g} points, {above} with S above p^L, {below} below; {len(evidence) - info} floor/ceiling cells set aside"
    out = dict(details=details, primary_test=test, effect=effect)
    k_sup, k_ref = math.ceil(p.support_share * info), math.ceil(p.refute_share * info)
    if above + below >= k_ref:
        return Outcome("refuted", evidence, p_value=sorted(diff_adj)[k_ref - 1], **out)  # type: ignore[arg-type]
    if agree >= k_sup:
        return Outcome("supported", evidence, p_value=sorted(eq_adj)[k_sup - 1], equivalence=f"TOST ±{100 * p.tol:g} points: {agree}/{info} informative cells equivalent (Holm)", **out)  # type: ignore[arg-type]
    return Outcome("inconclusive", evidence, reason=f"{agree}/{info} informative cells shown equivalent, {above + below} shown different: neither pre-registered share reached", **out)  # type: ignore[arg-type]
