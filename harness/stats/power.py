"""Resolution and power: what a measurement at this N can and cannot show.

A 0% exact match on 40 items says the true rate is below ~7%, not that it is zero; Schaeffer et
al. show that many "sharp" curves are flat at 0 only because the test set was too small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.power import NormalIndPower

from harness.stats.intervals import wilson_ci


def resolution(n: int, answer_len: float = 1.0) -> float:
    """Smallest non-zero per-token rate one can observe: 1 / (N · L)."""
    return 1.0 / (n * answer_len) if n and answer_len else float("nan")


def zero_upper_bound(n: int, alpha: float = 0.05) -> float:
    """One-sided exact (Clopper–Pearson) upper bound on a rate when 0 of n succeeded: 1 - alpha^(1/n) (≈ 3/n)."""
    return 1.0 - alpha ** (1.0 / n) if n else float("nan")


def mde_proportion(n: int, p0: float = 0.0, alpha: float = 0.05, power: float = 0.8, two_sample: bool = False) -> float:
    """Minimum detectable effect: the smallest true proportion above p0 that a two-sided test at
    `alpha` detects with probability `power` (Cohen's h, arcsine scale). One sample (against a fixed
    p0) by default; `two_sample` for two independent groups of n each."""
    if n <= 0:
        return float("nan")
    h = float(NormalIndPower().solve_power(effect_size=None, nobs1=n, alpha=alpha, power=power, ratio=1.0 if two_sample else 0.0))
    phi = math.asin(math.sqrt(p0)) + h / 2
    return (math.sin(min(phi, math.pi / 2)) ** 2) - p0


def mde_paired(n: int, discordant: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable paired difference of proportions for McNemar's test with n pairs when a
    share `discordant` (ψ = p01 + p10) of them disagree: the δ solving Connor's (1987) sample-size
    equation n = (z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²))² / δ². The power depends on the discordance,
    not on the accuracy of either arm, so a paired design at n = 40 detects far less than "5 points"."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    if n <= 0 or discordant <= 0:
        return float("nan")
    psi = min(discordant, 1.0)
    za, zb = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))

    def needed(delta: float) -> float:
        return (za * math.sqrt(psi) + zb * math.sqrt(max(psi - delta**2, 0.0))) ** 2 / delta**2 - n

    hi = psi  # |p01 − p10| ≤ p01 + p10
    if needed(hi) > 0:  # even the largest difference these discordant pairs allow is not detectable
        return float("nan")
    return float(brentq(needed, 1e-9, hi))


def n_paired(delta: float, discordant: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Pairs needed to detect a paired difference δ at discordance ψ (Connor 1987)."""
    from scipy.stats import norm

    if delta <= 0 or discordant <= 0 or delta > discordant:
        return 0
    za, zb = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))
    return math.ceil((za * math.sqrt(discordant) + zb * math.sqrt(discordant - delta**2)) ** 2 / delta**2)


@dataclass(frozen=True)
class ZeroCheck:
    n: int
    successes: int
    upper: float  # 95% upper bound on the true rate
    resolution: float
    warning: str | None


def zero_check(successes: int, n: int, answer_len: float = 1.0, of_interest: float = 0.01) -> ZeroCheck:
    """Warn when an observed 0% (or near-0%) cannot exclude a true rate of `of_interest` or more."""
    upper = zero_upper_bound(n) if successes == 0 else wilson_ci(successes, n)[1]
    res = resolution(n, answer_len)
    warn = None
    if successes == 0 and n and upper > of_interest:
        warn = f"0/{n} is consistent with a true rate up to {100 * upper:.1f}% (95% bound); a 0% here is a consequence of small N, not evidence of inability"
    return ZeroCheck(n, successes, upper, res, warn)
