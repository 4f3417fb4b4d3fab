"""Does per-digit error determine exact match? (000-25)

With per-digit error e on L-digit answers, EM lies in [1 − L·e, 1 − e]; where a model falls in that
interval (the clustering index c) is an empirical matter. The "one function of e" is the
one-parameter family EM = (1 − e)^(β·L) (β = 1: independent digit errors), fitted across all
informative cells of the rule. Supported when, on one task, two models with nearly the same e
differ widely in EM, or the best such function misses a cell by more than `em_gap` (outside the
cell's 95% CI); refuted when it predicts every cell within `predict_tol`.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize_scalar

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.stats.emergence import EmergenceCell, emergence_cell
from harness.stats.intervals import wilson_ci


class EmBoundsParams(KindParams):
    error_metric: str = "digit_error"
    similar_e: float = 0.02
    em_gap: float = 0.10
    predict_tol: float = 0.03
    min_cells: int = 4  # informative cells needed before one function of e can be said to fit all

    def metrics(self) -> list[str]:
        return [self.error_metric]


def _fit_beta(cells: list[EmergenceCell]) -> tuple[float, np.ndarray]:
    e = np.array([c.digit_error for c in cells])
    L = np.array([c.answer_len for c in cells])
    em = np.array([c.exact_match for c in cells])
    res = minimize_scalar(lambda b: float(np.sum(((1 - e) ** (b * L) - em) ** 2)), bounds=(0.05, 20.0), method="bounded")
    beta = float(res.x)
    return beta, (1 - e) ** (beta * L)


@register_kind("em_vs_digit_error", EmBoundsParams)
def em_vs_digit_error(rule, p: EmBoundsParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Pairs of models at similar per-digit error; the best one-parameter function of e."""
    evidence: list[str] = []
    support = False
    info: list[tuple[str, str, EmergenceCell]] = []
    for task in data.tasks:
        rows = []
        for m in data.models:
            c = data.cell(m.name, task)
            if c is None or not c.has(p.error_metric):
                continue
            recs = c.records
            cell = emergence_cell(
                [r.scores.get(rule.metric) or 0.0 for r in recs], [r.scores.get(p.error_metric) or 0.0 for r in recs],
                [r.scores.get("answer_len") or len(r.target) for r in recs],
            )
            informative = cell.exact_match > 0 or (1 - cell.answer_len * cell.digit_error) > 0
            if informative:
                rows.append((m, cell))
                info.append((task, m.model_id, cell))
            clus = "—" if cell.clustering_index is None else f"{cell.clustering_index:.2f}"
            evidence.append(f"{task} · {m.model_id} ({fmt_params(m.params)}), n={cell.n}: e={cell.digit_error:.3f}, EM={100 * cell.exact_match:.1f}% "
                            f"in bounds [{100 * cell.em_lower_bound:.1f}%, {100 * cell.em_upper_bound:.1f}%], clustering c={clus}, (1−e)^L={100 * cell.independence_em:.1f}%"
                            + ("" if informative else " (uninformative: EM 0 and e ≥ 1/L)"))
        for (m1, c1), (m2, c2) in itertools.combinations(rows, 2):
            if abs(c1.digit_error - c2.digit_error) <= p.similar_e and abs(c1.exact_match - c2.exact_match) > p.em_gap:
                support = True
                evidence.append(f"{task}: {m1.model_id} and {m2.model_id} have e within {p.similar_e:g} but EM differs by {100 * abs(c1.exact_match - c2.exact_match):.1f} points")
    if len(info) >= 2:
        beta, pred = _fit_beta([c for _, _, c in info])
        misses = []
        for (task, mid, c), ph in zip(info, pred):
            lo, hi = wilson_ci(int(round(c.exact_match * c.n)), c.n)
            if abs(c.exact_match - ph) > p.em_gap and not lo <= ph <= hi:
                misses.append(f"{task} · {mid}: EM {100 * c.exact_match:.1f}% vs {100 * ph:.1f}%")
        worst = float(np.max(np.abs(pred - np.array([c.exact_match for _, _, c in info]))))
        evidence.append(f"best single function of e, EM = (1 − e)^({beta:.2f}·L), over {len(info)} informative cells: worst miss {100 * worst:.1f} points")
        if misses:
            support = True
            evidence.append("cells it misses by > {:.0f} points: {}".format(100 * p.em_gap, "; ".join(misses)))
        if not support and len(info) >= p.min_cells and worst <= p.predict_tol:
            return Outcome("refuted", evidence)
    if support:
        return Outcome("supported", evidence)
    if len(info) >= p.min_cells:
        return Outcome("inconclusive", evidence, reason=f"the best single function of e misses by between {100 * p.predict_tol:.0f} and {100 * p.em_gap:.0f} points: neither pre-registered outcome")
    return Outcome("inconclusive", evidence, reason=f"{len(info)} informative cell(s) (EM > 0 or e < 1/L): too few to show that e does or does not determine EM (need model pairs with similar e, or ≥ {p.min_cells} cells)")
