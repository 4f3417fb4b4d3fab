"""The tools section of `harness report` is built from real run records (fake backend, scripted answers)."""

from __future__ import annotations

from pathlib import Path

from harness.cli import main
from harness.config import load_sweep
from harness.config.task import load_tasks, select_tasks
from harness.runner import run_sweep


def test_summary_table_from_a_sweep(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    sweep = load_sweep("configs/sweeps/cpu_tools.yaml")
    tasks = select_tasks(load_tasks("tasks"), ["tool_add3_*", "fc_irrelevance", "kb_hops1", "files_k1", "files_k2"])
    summary = run_sweep(sweep.model_copy(update={"backend": sweep.backend.model_copy(update={"kind": "fake"})}), tasks, registry,
                        output_dir=str(tmp_path), limit=3, models=["smollm2-135m"], show_progress=False)
    assert not summary.failures
    assert main(["report", str(tmp_path)]) == 0
    text = (tmp_path / "report" / "report.md").read_text().split("## Tool use and agent loops", 1)[1]
    row = next(line for line in text.splitlines() if line.startswith("| fake |"))
    # the fake backend answers "What is A plus B" correctly and never calls a tool
    assert "| 100.0% [43.9, 100.0] (n=3) | 100.0% [43.9, 100.0] (n=3) | 0.0% [0.0, 56.1] (n=3) |" in row
    assert "### File clean-up by number of required actions k" in text and "| fake | 2 | 3 |" in text
    csv = (tmp_path / "report" / "tables" / "tools_summary.csv").read_text()
    assert csv.splitlines()[0].startswith("model,add3 direct,add3 + calculator") and "100.0% [43.9, 100.0] (n=3)" in csv
