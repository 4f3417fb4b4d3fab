"""The helpers main.sh ends and starts with: the terminal verdict table and the full-sweep estimate (no model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_verdict_summary_prints_one_row_per_rule_and_marks_fresh_cells(tmp_path: Path) -> None:
    report = tmp_path / "report"
    report.mkdir()
    verdicts = [
        {"rule_id": "001-14", "title": "Errors compound", "status": "supported", "tasks": ["addition_1digit"], "evidence": ["addition_1digit · EM 10.0%"]},
        {"rule_id": "004-13", "title": "Emergence at 10B+", "status": "refuted", "tasks": ["schaeffer_add_4x4"], "evidence": ["first above chance at 494M"]},
        {"rule_id": "000-15", "title": "Hallucination falls", "status": "inconclusive", "tasks": ["halluc_qa_bare"], "evidence": []},
    ]
    (report / "verdicts.json").write_text(json.dumps(verdicts))
    fresh = tmp_path / "run" / "records" / "smollm2-135m"
    fresh.mkdir(parents=True)
    (fresh / "addition_1digit.jsonl").write_text("")
    out = _script("scripts/verdict_summary.py", str(report), "--fresh", str(tmp_path / "run"))
    assert out.returncode == 0, out.stderr
    assert "001-14*" in out.stdout and "004-13*" not in out.stdout and "000-15" in out.stdout
    assert "1 supported" in out.stdout and "1 refuted" in out.stdout and "1 inconclusive" in out.stdout
    missing = _script("scripts/verdict_summary.py", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "verdicts.json not found" in missing.stderr


def test_sweep_eta_counts_what_is_left_and_uses_measured_rates(tmp_path: Path) -> None:
    results = tmp_path / "results"
    meta = results / "x" / "records" / "smollm2-135m"
    meta.mkdir(parents=True)
    (meta / "t.meta.json").write_text(json.dumps({"model": "smollm2-135m", "elapsed_s": 20.0, "n_done": 10}))  # 2 s/item
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "s", "models": ["smollm2-135m"], "tasks": ["addition_1digit"], "output_dir": str(tmp_path / "out"),
                                     "task_dir": str(REPO / "tasks"), "model_registry": str(REPO / "configs/models.yaml")}))
    out = _script("scripts/sweep_eta.py", str(sweep), "--limit", "30", "--results", str(results))
    assert out.returncode == 0, out.stderr
    assert "30 items × 2.00 s/item (measured)" in out.stdout  # nothing recorded yet: 30 items at the measured 2 s/item
    assert "estimated total: 1 min 35 s" in out.stdout  # 60 s + 35 s SmolLM2 load
