"""Statistical functions against textbook numbers and independent scipy/statsmodels computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import (
    benjamini_hochberg, emergence_cell, emergence_score, fit_breakpoint, fit_linear, fit_logistic, leave_largest_out,
    mcnemar_test, mde_proportion, paired_bootstrap, paired_compare, resolution, wilson_ci, zero_check, zero_upper_bound,
)


def test_wilson_textbook() -> None:
    # Agresti & Coull (1998) / Newcombe (1998) example: 81 of 263 -> Wilson 95% [0.2553, 0.3662]
    lo, hi = wilson_ci(81, 263)
    assert lo == pytest.approx(0.2553, abs=5e-4) and hi == pytest.approx(0.3662, abs=5e-4)


def test_mcnemar_exact_matches_binomial() -> None:
    # 12 discordant pairs, 10 favour b: exact McNemar p = two-sided binomial test of 2 of 12 at 0.5
    a = [0] * 10 + [1] * 2 + [1] * 30 + [0] * 8
    b = [1] * 10 + [0] * 2 + [1] * 30 + [0] * 8
    r = mcnemar_test(a, b)
    assert (r.n01, r.n10, r.n) == (10, 2, 50)
    assert r.p_value == pytest.approx(sps.binomtest(2, 12, 0.5).pvalue, rel=1e-9)
    assert r.diff == pytest.approx(8 / 50)
    assert r.test == "mcnemar-exact"


def test_paired_bootstrap_detects_shift_and_null() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 200)
    r = paired_bootstrap(a, a + 0.3 + rng.normal(0, 0.1, 200))
    assert r.low > 0.25 and r.high < 0.35 and r.p_value < 0.001
    null = paired_bootstrap(a, a + rng.normal(0, 0.1, 200))
    assert null.low < 0 < null.high and null.p_value > 0.05
    # the interval agrees with the paired t interval to bootstrap precision
    d = (a + 0.3 + rng.normal(0, 0.1, 200)) - a
    t = sps.ttest_1samp(d, 0).confidence_interval()
    r2 = paired_bootstrap(a, a + d)
    assert r2.low == pytest.approx(t.low, abs=0.01) and r2.high == pytest.approx(t.high, abs=0.01)


def test_paired_compare_aligns_on_item_ids() -> None:
    a = {"i1": 1.0, "i2": 0.0, "i3": 1.0, "only_a": 1.0, "null": None}
    b = {"i3": 1.0, "i2": 1.0, "i1": 0.0, "only_b": 0.0, "null": 1.0}
    r = paired_compare(a, b, binary=True)
    assert r.n == 3 and r.n01 == 1 and r.n10 == 1


def test_benjamini_hochberg_matches_hand_computation() -> None:
    # BH by hand: sorted p (0.01, 0.02, 0.03, 0.04, 0.5), m=5 -> q = min_{j>=i} p_j m / j = 0.05,0.05,0.05,0.05,0.5
    rej, q = benjamini_hochberg([0.04, None, 0.01, 0.5, 0.03, 0.02])
    assert q[1] is None and rej[1] is None
    assert [round(v, 6) for v in (q[0], q[2], q[3], q[4], q[5])] == [0.05, 0.05, 0.5, 0.05, 0.05]
    assert rej[2] is True and rej[3] is False


def test_resolution_and_zero_bound() -> None:
    assert resolution(100, 3) == pytest.approx(1 / 300)
    # rule of three: 0/100 -> one-sided 95% upper bound ≈ 3/100 (exact: 1 - 0.05^(1/100) = 0.0295)
    assert zero_upper_bound(100) == pytest.approx(0.0295, abs=1e-4)
    assert zero_upper_bound(100) == pytest.approx(sps.beta.ppf(0.95, 1, 100), rel=1e-9)
    z = zero_check(0, 40)
    assert z.warning and "small N" in z.warning
    assert zero_check(0, 5000).warning is None  # 0/5000: upper bound 0.06% < 1%


def test_mde_proportion_textbook() -> None:
    # one sample vs p0 = 0.5, n = 100, alpha .05, power .8: Cohen's h = (1.95996 + 0.84162)/sqrt(100) = 0.28016
    h = (sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) / 10
    assert mde_proportion(100, 0.5) == pytest.approx(math.sin(math.asin(math.sqrt(0.5)) + h / 2) ** 2 - 0.5, rel=1e-4)  # statsmodels also counts the far tail
    assert mde_proportion(100, 0.5) == pytest.approx(0.139, abs=0.002)  # ≈ 2.8 * sqrt(.25/100) = 0.14
    assert mde_proportion(100, 0.5, two_sample=True) > mde_proportion(100, 0.5)
    assert mde_proportion(400, 0.0) < mde_proportion(100, 0.0)


def test_linear_fit_matches_linregress() -> None:
    x = [8.1, 8.4, 8.7, 9.2, 9.5]
    y = [0.9, 0.82, 0.7, 0.55, 0.41]
    f, r = fit_linear(x, y), sps.linregress(x, y)
    assert f.slope == pytest.approx(r.slope) and f.slope_se == pytest.approx(r.stderr) and f.r2 == pytest.approx(r.rvalue**2)


def test_logistic_fit_recovers_parameters() -> None:
    x = np.linspace(8, 12, 9)
    y = 1 / (1 + np.exp(-3.0 * (x - 10.5)))
    f = fit_logistic(x, y)
    assert f.ok and f.k == pytest.approx(3.0, rel=1e-3) and f.x0 == pytest.approx(10.5, rel=1e-4)


def test_breakpoint_fit_recovers_hinge_and_wins_held_out() -> None:
    x = np.array([8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0])
    y = np.where(x < 10.0, 0.01, 0.01 + 0.6 * (x - 10.0))
    bp = fit_breakpoint(x, y, grid=301)
    assert bp.x0 == pytest.approx(10.0, abs=0.02) and bp.slope == pytest.approx(0.6, rel=0.02)
    ho = leave_largest_out(x, y, [0.01] * 7)
    assert ho.preferred == "breakpoint" and ho.linear_z > 3
    smooth = leave_largest_out(x, 0.1 * x - 0.7, [0.01] * 7)
    assert smooth.preferred in ("smooth", "tie") and abs(smooth.linear_z) < 1


def test_emergence_score_hand_value() -> None:
    # diffs .1 .2 .4 -> median of squares .04 -> sqrt .2; spread .7; argmax after argmin -> +3.5
    assert emergence_score([0.1, 0.2, 0.4, 0.8]) == pytest.approx(3.5)
    assert emergence_score([0.8, 0.4, 0.2, 0.1]) == pytest.approx(-3.5)
    assert emergence_score([0, 0, 0, 1]) == math.inf
    assert emergence_score([0.5, 0.5]) == 0.0


def test_emergence_cell_bounds_zhang_example() -> None:
    # Zhang Junlin's example: e = 1/3 on 3-digit answers -> EM in [0%, 66.7%]
    cell = emergence_cell([0] * 3, [1 / 3] * 3, [3] * 3)
    assert cell.em_lower_bound == pytest.approx(0.0) and cell.em_upper_bound == pytest.approx(2 / 3)
    assert cell.clustering_index == pytest.approx(0.0)
