"""The emergence diagnostics of one (model, task) cell, from item-level records.

Zhang Junlin's point (000-25): with per-digit error e on L-digit answers, exact match can lie
anywhere in [max(0, 1 - L*e), 1 - e]. Schaeffer et al.'s point: if digit errors were independent,
exact match would be p^L with p = 1 - e. We report both, the clustering index
c = (EM - (1 - L e)) / ((L - 1) e) (0: errors spread one per item, 1: errors all in the same
items), and the resolution 1/(N*L) below which a 0% says nothing.

When answer lengths vary across items (1-digit sums are 1 or 2 digits long), the bounds are
computed per item, which is exact: a wrong item has at least one wrong digit, so
EM >= 1 - mean(e_i * L_i), and at most all of its digits wrong (e_i <= 1), so EM <= 1 - mean(e_i).
With a constant L these are the [1 - L e, 1 - e] above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class EmergenceCell:
    n: int
    answer_len: float
    exact_match: float
    digit_error: float
    em_lower_bound: float  # 1 - mean(L_i e_i) (= 1 - L e for constant L), floored at 0
    em_upper_bound: float  # 1 - e
    independence_em: float  # mean over items of (1 - e)^L_i
    independence_residual: float  # EM - independence_em
    clustering_index: float | None
    tf_token_acc: float | None  # teacher-forced per-token accuracy p
    tf_pL: float | None  # mean of p^(gold tokens): the S(L) ~ p^L prediction from teacher forcing
    resolution: float  # 1 / (N * L)


def emergence_cell(em: Sequence[float], digit_err: Sequence[float], answer_len: Sequence[float], tf_acc: Sequence[float | None] = (), gold_tokens: Sequence[float | None] = ()) -> EmergenceCell:
    em_a, e_a, L_a = (np.asarray(x, dtype=float) for x in (em, digit_err, answer_len))
    n = int(em_a.size)
    EM = float(em_a.mean())
    e = float(e_a.mean())
    L = float(L_a.mean())
    wrong_digits = float(np.mean(e_a * L_a))  # mean number of wrong digits per item
    lower = max(0.0, 1 - wrong_digits)
    upper = 1 - e
    indep = float(np.mean((1 - e) ** L_a))
    span = wrong_digits - e
    clustering = (EM - (1 - wrong_digits)) / span if e > 0 and span > 1e-12 else None
    tf = [t for t in tf_acc if t is not None]
    p = float(np.mean(tf)) if tf else None
    toks = [t for t in gold_tokens if t is not None]
    tf_pL = float(np.mean([p**t for t in toks])) if (p is not None and toks) else None
    return EmergenceCell(n, L, EM, e, lower, upper, indep, EM - indep, clustering, p, tf_pL, 1.0 / (n * L) if n else float("nan"))


def emergence_score(values_by_scale: Sequence[float]) -> float:
    """Schaeffer et al. (2023) emergence score of a metric ordered by model scale:
    sign(argmax y - argmin y) * (max y - min y) / sqrt(median((y_i - y_{i-1})^2)).
    Large when the whole change happens in one step; inf when all other steps are zero."""
    y = np.asarray(values_by_scale, dtype=float)
    if y.size < 2:
        return float("nan")
    sign = float(np.sign(int(np.argmax(y)) - int(np.argmin(y))))
    spread = float(y.max() - y.min())
    denom = float(np.sqrt(np.median(np.diff(y) ** 2)))
    if spread == 0:
        return 0.0
    return sign * spread / denom if denom > 0 else sign * float("inf")
