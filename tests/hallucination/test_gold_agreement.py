"""The hallucination detector against the gold set (results/hallucination/gold/: 324 real outputs
labelled by reading them, GUIDE.md), and the agreement statistics it is measured with."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from harness.stats.agreement import agreement, confusion, confusion_markdown

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "hallucination"
KAPPA_MIN = 0.85


def _gold_script():
    spec = importlib.util.spec_from_file_location("halluc_gold", ROOT / "scripts" / "halluc_gold.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_kappa_matches_the_textbook_value_and_statsmodels() -> None:
    # 50 items, two raters: po = 0.7, pe = 0.5 -> kappa = 0.4
    gold = ["y"] * 25 + ["n"] * 25
    pred = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    a = agreement(gold, pred, labels=["y", "n"])
    assert a.matrix.tolist() == [[20, 5], [10, 15]]  # rows = gold, columns = scorer
    assert a.kappa == pytest.approx(0.4) and a.accuracy == pytest.approx(0.7) and a.n == 50
    ref = cohens_kappa(np.array([[20, 5], [10, 15]]))
    assert a.se == pytest.approx(ref.std_kappa) and (a.ci_low, a.ci_high) == pytest.approx((ref.kappa_low, ref.kappa_upp))
    three = agreement(list("aaabbbccca"), list("aabbbbccac"))
    ref3 = cohens_kappa(three.matrix)
    assert three.kappa == pytest.approx(ref3.kappa) and three.ci_low < three.kappa < three.ci_high
    assert agreement(list("abcab"), list("abcab")).kappa == pytest.approx(1.0)
    assert agreement(list("aaaa"), list("aaaa")).accuracy == 1.0  # one class only: kappa undefined, no crash


def test_confusion_keeps_the_given_order_and_rejects_unknown_or_unequal_input() -> None:
    order, m = confusion(["x", "y"], ["y", "y"], labels=["y", "x", "z"])
    assert order == ("y", "x") and m.tolist() == [[1, 0], [1, 0]]  # "z" never used: dropped
    with pytest.raises(ValueError, match="length"):
        confusion(["x"], ["x", "y"])
    with pytest.raises(ValueError, match="not in the given order"):
        confusion(["x"], ["q"], labels=["x"])
    assert "| **x** | 1 | 0 | 1 |" in confusion_markdown(agreement(["x", "y"], ["x", "y"]))


def test_gold_sheet_has_no_detector_output_and_every_row_a_label() -> None:
    sheet = [json.loads(x) for x in (RESULTS / "gold" / "sheet.jsonl").read_text(encoding="utf-8").splitlines()]
    labels = {json.loads(x)["gold_id"] for x in (RESULTS / "gold" / "labels.jsonl").read_text(encoding="utf-8").splitlines()}
    assert len(sheet) >= 300 and {r["gold_id"] for r in sheet} == labels
    assert not any({"parsed", "scores", "cls", "valid"} & set(r) for r in sheet)
    assert {r["lang"] for r in sheet} == {"en", "zh"} and {r["split"] for r in sheet} == {"dev", "heldout", "fresh"}
    assert len({r["model"] for r in sheet}) == 4 and len({r["condition"] for r in sheet}) == 8


def test_detector_agrees_with_the_gold_labels_per_language() -> None:
    """Fails if a detector change drops Cohen's kappa below 0.85 in either language (whole gold set)."""
    mod = _gold_script()
    sheet = {r["gold_id"]: r for r in map(json.loads, (RESULTS / "gold" / "sheet.jsonl").read_text(encoding="utf-8").splitlines())}
    labels = {r["gold_id"]: r["label"] for r in map(json.loads, (RESULTS / "gold" / "labels.jsonl").read_text(encoding="utf-8").splitlines())}
    pred = mod.detector_classes(RESULTS, set(sheet))
    for lang in ("en", "zh"):
        ids = [g for g, r in sheet.items() if r["lang"] == lang]
        a = agreement([labels[g] for g in ids], [pred[g] for g in ids], labels=mod.LABELS)
        assert a.kappa >= KAPPA_MIN, f"{lang}: kappa {a.kappa:.3f} < {KAPPA_MIN} (n = {a.n}); see scripts/halluc_gold.py validate"
