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
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import ttost_paired


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


def exact_conditional_ci(n01: int, n10: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Interval for a paired difference of proportions (b − a) that agrees with the exact McNemar
    test: conditional on the d = n01 + n10 discordant pairs, n01 ~ Binomial(d, π) and the difference
    is d/n · (2π − 1); the Clopper–Pearson interval of π maps onto it. It excludes 0 exactly when
    the exact (central) McNemar test rejects at `alpha`, which a Wald interval does not guarantee at
    small discordant counts."""
    d = n01 + n10
    if n == 0:
        return (float("nan"), float("nan"))
    if d == 0:
        return (0.0, 0.0)
    lo, hi = proportion_confint(n01, d, alpha=alpha, method="beta")
    return (d / n * (2 * float(lo) - 1), d / n * (2 * float(hi) - 1))


def mcnemar_test(a: Sequence[float], b: Sequence[float], alpha: float = 0.05) -> PairedResult:
    """Exact McNemar test on paired 0/1 outcomes (the binomial test of n01 among the discordant pairs,
    two-sided central p), with the exact-conditional interval of the difference, so that the test and
    the interval never disagree."""
    x, y = np.asarray(a, dtype=float) > 0.5, np.asarray(b, dtype=float) > 0.5
    n = int(x.size)
    n11, n10 = int(np.sum(x & y)), int(np.sum(x & ~y))
    n01, n00 = int(np.sum(~x & y)), int(np.sum(~x & ~y))
    if n == 0:
        return PairedResult(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), "mcnemar-exact", 0, 0)
    p = 1.0 if n01 + n10 == 0 else float(mcnemar([[n11, n10], [n01, n00]], exact=True).pvalue)
    lo, hi = exact_conditional_ci(n01, n10, n, alpha)
    return PairedResult(n, float(x.mean()), float(y.mean()), (n01 - n10) / n, lo, hi, min(p, 1.0), "mcnemar-exact", n01, n10)


def newcombe_paired_ci(n01: int, n10: int, n11: int, n00: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's (1998) hybrid score interval (method 10) for a paired difference of proportions
    b − a (n01: a wrong, b right). Unconditional, so it stays honest where few pairs disagree (the
    exact-conditional interval collapses to [0, 0] at no discordant pair): the interval to bound an
    effect from above ("no gain larger than the margin")."""
    n = n01 + n10 + n11 + n00
    if n == 0:
        return (float("nan"), float("nan"))
    pa, pb = (n11 + n10) / n, (n11 + n01) / n
    la, ua = proportion_confint(n11 + n10, n, alpha=alpha, method="wilson")
    lb, ub = proportion_confint(n11 + n01, n, alpha=alpha, method="wilson")
    den = float(np.sqrt(float(n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)))
    num = n11 * n00 - n10 * n01
    phi = 0.0 if den == 0 else (max(num - n / 2, 0.0) if num > 0 else num) / den
    theta = pb - pa
    lower = np.sqrt(max((pb - lb) ** 2 - 2 * phi * (pb - lb) * (ua - pa) + (ua - pa) ** 2, 0.0))
    upper = np.sqrt(max((ub - pb) ** 2 - 2 * phi * (ub - pb) * (pa - la) + (pa - la) ** 2, 0.0))
    return (float(theta - lower), float(theta + upper))


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests (Schuirmann's TOST) of |difference| < margin."""

    margin: float
    low: float  # the (1 − 2α) interval of the difference: equivalence at α iff it lies inside ±margin
    high: float
    p_value: float  # the larger of the two one-sided p-values (nan where only the interval is defined)
    equivalent: bool
    test: str

    def fmt(self, scale: float = 100.0, unit: str = " points") -> str:
        p = "" if np.isnan(self.p_value) else f", p = {self.p_value:.3g}"
        verdict = "equivalent" if self.equivalent else "not shown equivalent"
        return f"TOST ±{scale * self.margin:g}{unit}: 90% CI [{scale * self.low:+.1f}, {scale * self.high:+.1f}]{p} → {verdict}"


def paired_counts(a: Sequence[float], b: Sequence[float]) -> tuple[int, int, int, int]:
    """(n01, n10, n11, n00) of two paired 0/1 sequences (n01: a wrong, b right)."""
    x, y = np.asarray(a, dtype=float) > 0.5, np.asarray(b, dtype=float) > 0.5
    return int(np.sum(~x & y)), int(np.sum(x & ~y)), int(np.sum(x & y)), int(np.sum(~x & ~y))


def tost_paired_binary(a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05) -> Equivalence:
    """Equivalence of two paired 0/1 conditions: Newcombe's (1 − 2α) interval of b − a inside
    (−margin, +margin) (the interval-inclusion form of TOST)."""
    c = paired_counts(a, b)
    if sum(c) == 0:
        return Equivalence(margin, float("nan"), float("nan"), float("nan"), False, "TOST (Newcombe 90% CI)")
    lo, hi = newcombe_paired_ci(*c, alpha=2 * alpha)
    return Equivalence(margin, lo, hi, float("nan"), -margin < lo and hi < margin, "TOST (Newcombe 90% CI)")


def tost_paired_mean(a: Sequence[float], b: Sequence[float], margin: float, alpha: float = 0.05) -> Equivalence:
    """Equivalence of paired continuous values (mean of b − a within ±margin): statsmodels' paired
    t TOST; the interval is the matching (1 − 2α) t interval."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = int(x.size)
    if n < 2:
        return Equivalence(margin, float("nan"), float("nan"), float("nan"), False, "TOST (paired t)")
    d = y - x
    sd = float(np.std(d, ddof=1))
    if sd == 0.0:  # every item differs by the same amount: the interval is that amount
        m = float(d[0])
        return Equivalence(margin, m, m, 0.0 if abs(m) < margin else 1.0, abs(m) < margin, "TOST (paired t)")
    p, _, _ = ttost_paired(y, x, -margin, margin)
    from scipy.stats import t as student_t

    half = float(student_t.ppf(1 - alpha, n - 1)) * sd / np.sqrt(n)
    m = float(d.mean())
    return Equivalence(margin, m - half, m + half, float(p), bool(p < alpha), "TOST (paired t)")


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
