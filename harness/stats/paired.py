"""Paired comparisons on the same items: McNemar for 0/1 scores, paired bootstrap for continuous.

Two models (or two conditions) scored on the same item ids are not independent samples; an
unpaired test throws away the pairing and loses power (lm-evaluation-harness #3831). Items are
matched by id; ids present on only one side are dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from statsmodels.stats.contingency_tables import mcnemar


@dataclass(frozen=True)
class PairedResult:
    n: int  # matched items
    mean_a: float
    mean_b: float
    diff: float  # mean_b - mean_a
    low: float  # 95% interval of diff
    high: float
    p_value: float
    test: str
    n01: int | None = None  # a wrong, b right (binary only)
    n10: int | None = None  # a right, b wrong


def align(a: Mapping[str, float | None], b: Mapping[str, float | None]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Item ids scored (non-null) on both sides, with their scores."""
    ids = sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None)
    return ids, np.array([a[k] for k in ids], dtype=float), np.array([b[k] for k in ids], dtype=float)


def mcnemar_test(a: Sequence[float], b: Sequence[float]) -> PairedResult:
    """McNemar's test on paired 0/1 outcomes; exact binomial when there are < 25 discordant pairs."""
    x, y = np.asarray(a, dtype=float) > 0.5, np.asarray(b, dtype=float) > 0.5
    n = int(x.size)
    n11, n10 = int(np.sum(x & y)), int(np.sum(x & ~y))
    n01, n00 = int(np.sum(~x & y)), int(np.sum(~x & ~y))
    if n == 0:
        return PairedResult(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), "mcnemar", 0, 0)
    exact = (n01 + n10) < 25
    p = 1.0 if n01 + n10 == 0 else float(mcnemar([[n11, n10], [n01, n00]], exact=exact, correction=True).pvalue)
    diff = (n01 - n10) / n
    # Wald interval of a paired difference of proportions (Agresti 2013, §11.1)
    se = np.sqrt(max((n01 + n10) / n - diff**2, 0.0) / n)
    return PairedResult(n, float(x.mean()), float(y.mean()), diff, diff - 1.96 * se, diff + 1.96 * se, p, "mcnemar-exact" if exact else "mcnemar-chi2", n01, n10)


def paired_bootstrap(a: Sequence[float], b: Sequence[float], n_resamples: int = 5000, seed: int = 0, alpha: float = 0.05) -> PairedResult:
    """Percentile bootstrap of mean(b - a) over items; two-sided p from the resampled sign."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = int(x.size)
    if n == 0:
        return PairedResult(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), "paired-bootstrap")
    d = y - x
    if np.all(d == d[0]):
        p = 1.0 if d[0] == 0 else 0.0
        return PairedResult(n, float(x.mean()), float(y.mean()), float(d[0]), float(d[0]), float(d[0]), p, "paired-bootstrap")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, n, size=(n_resamples, n))].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min(float(np.mean(means <= 0)), float(np.mean(means >= 0))))
    p = max(p, 1.0 / n_resamples)
    return PairedResult(n, float(x.mean()), float(y.mean()), float(d.mean()), float(lo), float(hi), p, "paired-bootstrap")


def paired_compare(a: Mapping[str, float | None], b: Mapping[str, float | None], binary: bool) -> PairedResult:
    """Match items by id and run McNemar (binary) or the paired bootstrap (continuous)."""
    _, x, y = align(a, b)
    return mcnemar_test(x, y) if binary else paired_bootstrap(x, y)
