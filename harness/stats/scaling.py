"""Scaling fits of one metric against log10(parameters), across a model ladder.

The emergence debate is about curve shape: is the metric a smooth (linear or logistic) function of
log size, or flat-then-rising with a breakpoint? Shapes are compared the way the catalogue
pre-registers it: fit on all but the largest model, predict the largest, and compare the held-out
error (a breakpoint always fits the points it saw at least as well as a line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class LinearFit:
    slope: float
    intercept: float
    slope_se: float
    r2: float
    p_value: float
    n: int

    def predict(self, x: float) -> float:
        return self.intercept + self.slope * x


def fit_linear(x: Sequence[float], y: Sequence[float]) -> LinearFit:
    """Ordinary least squares y = a + b x (scipy.stats.linregress); needs ≥ 2 distinct x."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    if xa.size < 2 or np.ptp(xa) == 0:
        raise ValueError("a linear fit needs at least two distinct x values")
    if xa.size == 2:
        b = (ya[1] - ya[0]) / (xa[1] - xa[0])
        return LinearFit(float(b), float(ya[0] - b * xa[0]), float("nan"), 1.0, float("nan"), 2)
    r = stats.linregress(xa, ya)
    return LinearFit(float(r.slope), float(r.intercept), float(r.stderr), float(r.rvalue**2), float(r.pvalue), int(xa.size))


@dataclass(frozen=True)
class LogisticFit:
    k: float  # steepness per decade of parameters
    x0: float  # log10 params at the midpoint
    sse: float
    ok: bool

    def predict(self, x: float) -> float:
        return float(1.0 / (1.0 + np.exp(-self.k * (x - self.x0))))


def fit_logistic(x: Sequence[float], y: Sequence[float]) -> LogisticFit:
    """y = 1 / (1 + exp(-k (x - x0))) for a proportion in [0, 1] (scipy curve_fit)."""
    xa, ya = np.asarray(x, float), np.clip(np.asarray(y, float), 0.0, 1.0)

    def f(t: np.ndarray, k: float, x0: float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-k * (t - x0)))

    try:
        (k, x0), _ = optimize.curve_fit(f, xa, ya, p0=(2.0, float(np.median(xa))), maxfev=20000)
        ok = True
    except (RuntimeError, optimize.OptimizeWarning, ValueError):
        k, x0, ok = 0.0, float(np.median(xa)), False
    return LogisticFit(float(k), float(x0), float(np.sum((f(xa, k, x0) - ya) ** 2)), ok)


@dataclass(frozen=True)
class BreakpointFit:
    """Flat at `level` below the breakpoint x0, then linear with `slope` above it (a hinge)."""

    level: float
    slope: float
    x0: float
    sse: float

    def predict(self, x: float) -> float:
        return self.level + self.slope * max(0.0, x - self.x0)


def fit_breakpoint(x: Sequence[float], y: Sequence[float], grid: int = 50) -> BreakpointFit:
    """Least-squares hinge; the breakpoint is searched on a grid between the smallest and the
    second-largest x (so that at least one point lies on each side)."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    if xa.size < 3:
        raise ValueError("a breakpoint fit needs at least three points")
    xs = np.sort(xa)
    best: BreakpointFit | None = None
    for x0 in np.linspace(xs[0], xs[-2], grid):
        h = np.maximum(0.0, xa - x0)
        A = np.column_stack([np.ones_like(xa), h])
        coef, *_ = np.linalg.lstsq(A, ya, rcond=None)
        sse = float(np.sum((A @ coef - ya) ** 2))
        if best is None or sse < best.sse - 1e-15:
            best = BreakpointFit(float(coef[0]), float(coef[1]), float(x0), sse)
    assert best is not None
    return best


@dataclass(frozen=True)
class HeldOut:
    """Leave-largest-out: each shape fitted on the smaller models, scored on the largest."""

    observed: float
    observed_se: float
    linear_pred: float
    breakpoint_pred: float | None
    linear_z: float  # (observed - linear prediction) / SE
    preferred: str  # "smooth" | "breakpoint" | "tie"

    @property
    def linear_error(self) -> float:
        return abs(self.observed - self.linear_pred)

    @property
    def breakpoint_error(self) -> float | None:
        return None if self.breakpoint_pred is None else abs(self.observed - self.breakpoint_pred)


def leave_largest_out(x: Sequence[float], y: Sequence[float], se: Sequence[float]) -> HeldOut:
    """Predict the largest model from the rest (linear; breakpoint when ≥ 3 remain).

    The z-score uses the observed value's SE combined with the linear prediction's SE where a
    residual variance can be estimated (≥ 3 fitted points)."""
    order = np.argsort(np.asarray(x, float))
    xa, ya, sa = (np.asarray(v, float)[order] for v in (x, y, se))
    if xa.size < 3:
        raise ValueError("leave-largest-out needs at least three models")
    lin = fit_linear(xa[:-1], ya[:-1])
    lp = lin.predict(xa[-1])
    pred_se = 0.0
    if xa.size - 1 >= 3:
        resid = ya[:-1] - np.array([lin.predict(v) for v in xa[:-1]])
        s2 = float(np.sum(resid**2) / (xa.size - 3))
        xm = xa[:-1].mean()
        pred_se = math.sqrt(s2 * (1 / (xa.size - 1) + (xa[-1] - xm) ** 2 / float(np.sum((xa[:-1] - xm) ** 2))))
    total_se = math.sqrt(sa[-1] ** 2 + pred_se**2)
    z = (ya[-1] - lp) / total_se if total_se > 0 else (0.0 if ya[-1] == lp else math.copysign(math.inf, ya[-1] - lp))
    bp = fit_breakpoint(xa[:-1], ya[:-1]).predict(xa[-1]) if xa.size - 1 >= 3 else None
    if bp is None:
        pref = "smooth"
    else:
        le, be = abs(ya[-1] - lp), abs(ya[-1] - bp)
        pref = "tie" if abs(le - be) <= max(sa[-1], 1e-12) else ("smooth" if le < be else "breakpoint")
    return HeldOut(float(ya[-1]), float(sa[-1]), float(lp), None if bp is None else float(bp), float(z), pref)


def holdout_calibration(n_sizes: int, z: float, alpha: float = 0.05) -> tuple[int, float, bool]:
    """Can a leave-largest-out |z| > `z` mean anything with `n_sizes` models? The fit on the
    n − 1 smaller models leaves n − 3 residual degrees of freedom for the prediction's variance, so
    the z-score is really a t-statistic with n − 3 dof: returns (dof, two-sided p of |t| = z, whether
    that p is below alpha). With 4 sizes (1 dof) |z| = 3 has p ≈ 0.2: the test cannot decide."""
    from scipy.stats import t as student_t

    dof = n_sizes - 3
    if dof < 1:
        return dof, float("nan"), False
    p = float(2 * student_t.sf(z, dof))
    return dof, p, p < alpha


def sizes_for_holdout(z: float, alpha: float = 0.05, most: int = 100) -> int:
    """The fewest model sizes for which a leave-largest-out |z| > `z` is significant at alpha."""
    for n in range(4, most):
        if holdout_calibration(n, z, alpha)[2]:
            return n
    return most
