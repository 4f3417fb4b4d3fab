"""Confidence intervals: Wilson for proportions, percentile bootstrap for means.

Bootstrap resampling uses a fixed seed, so a report is byte-identical across reruns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
from statsmodels.stats.proportion import proportion_confint


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int
    kind: Literal["binary", "continuous"]

    def fmt(self, digits: int = 3, pct: bool = False) -> str:
        if self.n == 0:
            return "—"
        if pct:
            return f"{100 * self.mean:.1f}% [{100 * self.low:.1f}, {100 * self.high:.1f}]"
        return f"{self.mean:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def wilson_ci(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    lo, hi = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return float(lo), float(hi)


def bootstrap_mean_ci(values: Sequence[float], alpha: float = 0.05, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (float("nan"), float("nan"))
    if x.size == 1 or np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_resamples, x.size))].mean(axis=1)
    return float(np.quantile(means, alpha / 2)), float(np.quantile(means, 1 - alpha / 2))


def estimate(values: Sequence[float | None], kind: Literal["binary", "continuous"], alpha: float = 0.05) -> Estimate:
    """Mean of the non-null values with its 95% interval (Wilson for binary, bootstrap otherwise)."""
    x = [float(v) for v in values if v is not None]
    n = len(x)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, kind)
    mean = sum(x) / n
    if kind == "binary":
        lo, hi = wilson_ci(int(round(sum(x))), n, alpha)
    else:
        lo, hi = bootstrap_mean_ci(x, alpha)
    return Estimate(mean, lo, hi, n, kind)
