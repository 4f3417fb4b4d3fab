"""The EM bounds from per-digit error (claim 000-25) hold on every possible cell, including
cells whose answers have different lengths."""

from __future__ import annotations

import random

import pytest

from harness.stats.emergence import emergence_cell


def test_zhang_junlin_example() -> None:
    # 100 three-digit answers, 100 of 300 digits wrong: EM anywhere in [0%, 66.7%]
    spread = emergence_cell([0.0] * 100, [1 / 3] * 100, [3] * 100)  # one wrong digit in every item
    packed = emergence_cell([0.0] * 33 + [1.0] * 67, [1.0] * 33 + [0.0] * 67, [3] * 100)
    assert spread.em_lower_bound == pytest.approx(0.0) and spread.clustering_index == pytest.approx(0.0)
    assert packed.em_upper_bound == pytest.approx(0.67) and packed.clustering_index == pytest.approx(1.0)


def test_bounds_contain_em_with_varying_lengths() -> None:
    rng = random.Random(0)
    for _ in range(500):
        n = rng.randint(1, 30)
        lengths = [rng.randint(1, 6) for _ in range(n)]
        wrong = [rng.choice([0] * 3 + list(range(1, L + 1))) for L in lengths]
        cell = emergence_cell([float(w == 0) for w in wrong], [w / L for w, L in zip(wrong, lengths)], lengths)
        assert cell.em_lower_bound - 1e-12 <= cell.exact_match <= cell.em_upper_bound + 1e-12
        if cell.clustering_index is not None:
            assert -1e-9 <= cell.clustering_index <= 1 + 1e-9
