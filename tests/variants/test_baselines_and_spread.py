"""Baselines (chance, majority) and template spread / sensitivity, known answers."""

from __future__ import annotations

import pytest

from harness.records import ItemRecord
from harness.stats.baselines import baselines_from_records, beats_baseline, classification_baselines
from harness.stats.variants import sensitivity, template_spread


def _rec(i: int, target: str) -> ItemRecord:
    return ItemRecord(model="m", task="t", task_hash="h", item_id=str(i), item_hash="x", seed=1, prompt="p", output="", parsed=None, target=target, valid=False, scores={})


def test_classification_baselines_known_values() -> None:
    b = classification_baselines(["foo"] * 6 + ["bar"] * 4)
    assert b.labels == ("bar", "foo") and b.chance == 0.5 and b.majority_label == "foo"
    assert b.majority.mean == pytest.approx(0.6) and b.matched == pytest.approx(0.36 + 0.16) and b.best == pytest.approx(0.6)
    letters = classification_baselines(["a", "a", "b"], labels="abcdefghijklmnopqrstuvwxyz")
    assert letters.chance == pytest.approx(1 / 26) and letters.majority.mean == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="outside the label set"):
        classification_baselines(["maybe"], labels=["yes", "no"])
    with pytest.raises(ValueError, match="no targets"):
        classification_baselines([])


def test_baselines_from_records_skips_non_classification() -> None:
    assert baselines_from_records([_rec(i, str(100 + i)) for i in range(40)]) is None  # 40 distinct sums
    b = baselines_from_records([_rec(i, "Yes" if i % 4 else "no") for i in range(40)] + [_rec(0, "Yes")])  # duplicate id ignored
    assert b is not None and b.n == 40 and b.majority_label == "yes" and b.majority.mean == pytest.approx(0.75)


def test_beats_baseline() -> None:
    assert beats_baseline(30, 40, 0.5) < 0.01
    assert beats_baseline(22, 40, 0.5) > 0.2
    assert beats_baseline(0, 0, 0.5) == 1.0


def test_template_spread_is_paired_on_items() -> None:
    ids = [str(i) for i in range(50)]
    scores = {"t1": {i: 1.0 for i in ids}, "t2": {i: float(int(i) < 10) for i in ids}, "t3": {i: float(int(i) < 25) for i in ids}}
    s = template_spread(scores)
    assert s.low_template == "t2" and s.high_template == "t1" and s.range == pytest.approx(0.8)
    assert s.best_vs_worst.n == 50 and s.best_vs_worst.diff == pytest.approx(0.8) and s.best_vs_worst.p_value < 1e-6
    with pytest.raises(ValueError, match="at least 2 templates"):
        template_spread({"t1": scores["t1"]})


def test_sensitivity_flags_sign_or_significance_flips() -> None:
    assert not sensitivity({"t1": (0.2, 0.001), "t2": (0.3, 0.01), "t3": (0.1, 0.04)}).sensitive
    assert sensitivity({"t1": (0.2, 0.001), "t2": (0.02, 0.6)}).sensitive  # significant in one template only
    flip = sensitivity({"t1": (0.2, 0.001), "t2": (-0.2, 0.001)})
    assert flip.sensitive and flip.summary.startswith("TEMPLATE-SENSITIVE")
    assert not sensitivity({"t1": (float("nan"), float("nan")), "t2": (0.01, 0.9)}).sensitive
