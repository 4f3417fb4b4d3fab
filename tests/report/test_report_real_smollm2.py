"""End to end on the real SmolLM2-135M: run two addition conditions, then `harness report`.

With 4 items per cell and one model every verdict must be honest about what it cannot decide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main


@pytest.mark.real_model
def test_real_run_report_has_verdicts_and_plots(smollm2_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    rc = main(
        [
            "run",
            "--models",
            "smollm2-135m",
            "--tasks",
            "addition_3digit,addition_3digit_0shot",
            "--limit",
            "4",
            "--batch-size",
            "8",
            "--output-dir",
            str(out),
            "--no-progress",
            "--no-report",
        ]
    )
    assert rc == 0
    assert main(["report", str(out)]) == 0
    verdicts = {v["rule_id"]: v for v in json.loads((out / "report" / "verdicts.json").read_text())}
    assert verdicts["001-28"]["status"] == "inconclusive" and "n = 4 pairs" in verdicts["001-28"]["reason"]
    assert verdicts["001-28"]["n_cells"].startswith("N = 4 per cell")
    assert verdicts["001-28"]["models"] == ["HuggingFaceTB/SmolLM2-135M-Instruct (135M)"] or verdicts["001-28"][
        "models"
    ][0].endswith("(135M)")
    assert any("paired items" in e for e in verdicts["001-28"]["evidence"])
    assert verdicts["004-11"]["status"] == "undecidable"  # one model size cannot show a curve, whatever the outcome
    assert verdicts["000-17"]["status"] == "undecidable"
    assert all(v["status"] in {"inconclusive", "undecidable", "not run"} for v in verdicts.values())
    assert (out / "report" / "plots" / "scaling_addition_3digit.png").exists()
    assert "SmolLM2" in (out / "report" / "report.html").read_text()
