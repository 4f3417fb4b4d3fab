"""Agreement between an automatic scorer and labels made by reading the outputs.

`agreement(gold, predicted)` builds the confusion matrix (rows = gold label, columns = scorer) over a
fixed label order and computes Cohen's kappa with its asymptotic 95% interval through
`statsmodels.stats.inter_rater.cohens_kappa` (no hand-written variance formula). Labels that occur
in neither list are dropped from the table, so a class the gold set never uses does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.stats import norm
from statsmodels.stats.inter_rater import cohens_kappa


@dataclass(frozen=True)
class Agreement:
    labels: tuple[str, ...]  # row/column order of `matrix`
    matrix: np.ndarray  # matrix[i, j] = items with gold labels[i] that the scorer called labels[j]
    n: int
    accuracy: float  # share of items on the diagonal
    kappa: float
    ci_low: float
    ci_high: float
    se: float


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    if len(gold) != len(predicted):
        raise ValueError(f"gold and predicted differ in length ({len(gold)} vs {len(predicted)})")
    seen = set(gold) | set(predicted)
    order = [x for x in (labels or sorted(seen)) if x in seen]
    unknown = seen - set(order)
    if unknown:
        raise ValueError(f"labels not in the given order: {sorted(unknown)}")
    idx = {x: i for i, x in enumerate(order)}
    m = np.zeros((len(order), len(order)), dtype=int)
    for g, p in zip(gold, predicted):
        m[idx[g], idx[p]] += 1
    return tuple(order), m


def agreement(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None, alpha: float = 0.05) -> Agreement:
    """Confusion matrix and Cohen's kappa (unweighted) with a (1 - alpha) interval."""
    order, m = confusion(gold, predicted, labels)
    n = int(m.sum())
    if n == 0:
        nan = float("nan")
        return Agreement(order, m, 0, nan, nan, nan, nan, nan)
    acc = float(np.trace(m)) / n
    if len(order) == 1:  # both raters used one class throughout: perfect agreement, kappa undefined
        return Agreement(order, m, n, acc, float("nan"), float("nan"), float("nan"), float("nan"))
    r = cohens_kappa(m)  # statsmodels: kappa and its asymptotic standard error (kappa_low/upp are fixed at 95%)
    kappa, se = float(r.kappa), float(r.std_kappa)
    z = float(norm.ppf(1 - alpha / 2))
    low, high = (kappa - z * se, kappa + z * se) if np.isfinite(se) else (float("nan"), float("nan"))
    return Agreement(order, m, n, acc, kappa, max(-1.0, low), min(1.0, high), se)


def confusion_markdown(a: Agreement, row_title: str = "gold \\ scorer") -> str:
    """The confusion matrix as a Markdown table with row totals."""
    head = f"| {row_title} | " + " | ".join(a.labels) + " | total |"
    sep = "|---" * (len(a.labels) + 2) + "|"
    rows = [f"| **{lab}** | " + " | ".join(str(v) for v in a.matrix[i]) + f" | {int(a.matrix[i].sum())} |" for i, lab in enumerate(a.labels)]
    tot = "| total | " + " | ".join(str(int(v)) for v in a.matrix.sum(axis=0)) + f" | {a.n} |"
    return "\n".join([head, sep, *rows, tot])
