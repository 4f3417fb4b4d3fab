"""The decision statistics of the verdict layer against reference values (scipy/statsmodels and
hand computations from the published formulas)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import (
    exact_conditional_ci, holdout_calibration, holm, mcnemar_test, mde_paired, n_paired, sizes_for_holdout, tost_paired_binary,
    tost_paired_mean,
)


def _pairs(n01: int, n10: int, n11: int, n00: int) -> tuple[list[int], list[int]]:
    a = [0] * n01 + [1] * n10 + [1] * n11 + [0] * n00
    b = [1] * n01 + [0] * n10 + [1] * n11 + [0] * n00
    return a, b


def test_exact_conditional_ci_is_clopper_pearson_mapped_to_the_difference() -> None:
    lo, hi = exact_conditional_ci(10, 2, 50)
    ref = sps.binomtest(10, 12).proportion_ci(confidence_level=0.95, method="exact")
    assert lo == pytest.approx(12 / 50 * (2 * ref.low - 1), rel=1e-9)
    assert hi == pytest.approx(12 / 50 * (2 * ref.high - 1), rel=1e-9)


@pytest.mark.parametrize("n", [20, 40, 100])
def test_interval_and_exact_mcnemar_never_disagree(n: int) -> None:
    # the audit found the Wald interval excluding 0 where the exact test did not reject (small counts)
    for n01 in range(0, 15):
        for n10 in range(0, 15):
            if n01 + n10 > n:
                continue
            r = mcnemar_test(*_pairs(n01, n10, 0, n - n01 - n10))
            excludes_zero = r.low > 0 or r.high < 0
            assert excludes_zero == (r.p_value < 0.05), (n01, n10, r)


def test_mcnemar_p_is_the_two_sided_binomial_on_discordant_pairs() -> None:
    r = mcnemar_test(*_pairs(86, 150, 794, 570))  # Agresti (2013) Table 11.1, now tested exactly
    assert r.test == "mcnemar-exact"
    assert r.p_value == pytest.approx(min(1.0, 2 * sps.binom.cdf(86, 236, 0.5)), rel=1e-9)
    assert r.diff == pytest.approx((86 - 150) / 1600)


def test_tost_paired_mean_matches_the_two_one_sided_t_tests() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0.5, 0.2, 60)
    y = x + rng.normal(0.01, 0.05, 60)
    e = tost_paired_mean(x, y, margin=0.05)
    d = y - x
    se = d.std(ddof=1) / math.sqrt(d.size)
    p_low = sps.t.sf((d.mean() + 0.05) / se, d.size - 1)  # H0: mean ≤ −margin
    p_high = sps.t.cdf((d.mean() - 0.05) / se, d.size - 1)  # H0: mean ≥ +margin
    assert e.p_value == pytest.approx(max(p_low, p_high), rel=1e-9)
    half = sps.t.ppf(0.95, d.size - 1) * se
    assert (e.low, e.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert e.equivalent == (e.p_value < 0.05) == (-0.05 < e.low and e.high < 0.05)


def test_tost_published_example_schuirmann_style() -> None:
    # Lakens (2017, Soc Psych Pers Sci, "Equivalence tests"), paired example recomputed by hand:
    # mean difference 0.1, SD 1, n = 100, bounds ±0.3 -> t1 = 4, t2 = −2, p = P(T99 > 2) = 0.0241
    d = np.array([0.1 + (1.0 if i % 2 else -1.0) * math.sqrt(99 / 100) for i in range(100)])
    e = tost_paired_mean(np.zeros(100), d, margin=0.3)
    assert d.std(ddof=1) == pytest.approx(1.0)
    assert e.p_value == pytest.approx(sps.t.sf(2.0, 99), rel=1e-6)
    assert e.equivalent


def test_tost_binary_needs_a_narrow_interval_not_a_non_significant_test() -> None:
    # 3 vs 2 discordant pairs out of 40: not significant, but far from shown equivalent at ±5 points
    a, b = _pairs(3, 2, 20, 15)
    assert mcnemar_test(a, b).p_value > 0.5
    assert not tost_paired_binary(a, b, margin=0.05).equivalent
    # 1 vs 1 discordant out of 400: equivalent within ±5 points
    a, b = _pairs(1, 1, 200, 198)
    eq = tost_paired_binary(a, b, margin=0.05)
    assert eq.equivalent and -0.05 < eq.low < 0 < eq.high < 0.05


def test_holm_matches_hand_computation() -> None:
    # sorted p: 0.01, 0.02, 0.04 with m = 3 -> 0.03, 0.04, 0.04 (monotone)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def test_mcnemar_power_connor_formula() -> None:
    # Connor (1987): psi = 0.3, delta = 0.1, alpha 0.05, power 0.8 -> (1.96√.3 + 0.8416√.29)² / .01 = 233.1 -> 234
    assert n_paired(0.1, 0.3) == 234
    assert mde_paired(234, 0.3) == pytest.approx(0.0998, abs=5e-4)
    # the audit's point: with n = 40 pairs and 20% discordance the MDE is ~19 points, not "≥ 5"
    assert 0.15 < mde_paired(40, 0.2) < 0.25
    assert math.isnan(mde_paired(10, 0.05))  # too few discordant pairs: nothing is detectable


def test_leave_largest_out_with_four_sizes_cannot_decide() -> None:
    dof, p, ok = holdout_calibration(4, 3.0)
    assert dof == 1 and p == pytest.approx(2 * sps.t.sf(3.0, 1)) and not ok
    assert sizes_for_holdout(3.0) == 7  # dof 4: p(|t4| > 3) = 0.040


def test_newcombe_hybrid_score_published_example() -> None:
    # Fagerland, Lydersen & Laake (2014, Stat Med 33:2850), airway hyper-responsiveness before/after
    # (Bentur et al. 2009): n11 = 1, n10 = 1, n01 = 7, n00 = 12 -> difference 0.286, Newcombe 0.026 to 0.507
    from harness.stats import newcombe_paired_ci

    lo, hi = newcombe_paired_ci(7, 1, 1, 12)
    assert (lo, hi) == pytest.approx((0.026, 0.507), abs=1e-3)
    # no discordant pair out of 40 does not prove "no difference" (the conditional interval is [0, 0])
    lo, hi = newcombe_paired_ci(0, 0, 20, 20)
    assert lo < -0.04 and hi > 0.04
