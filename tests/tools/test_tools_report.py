"""The tools summary table is built from real run records (fake backend, scripted answers)."""

from __future__ import annotations

from pathlib import Path

from harness.config import load_sweep
from harness.config.task import load_tasks, select_tasks
from harness.runner import run_sweep
from harness.tools.report import write


def test_summary_table_from_a_sweep(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    sweep = load_sweep("configs/sweeps/cpu_tools.yaml")
    tasks = select_tasks(load_tasks("tasks"), ["tool_add3_*", "fc_irrelevance", "kb_hops1", "files_k1", "files_k2"])
    summary = run_sweep(sweep.model_copy(update={"backend": sweep.backend.model_copy(update={"kind": "fake"})}), tasks, registry,
                        output_dir=str(tmp_path), limit=3, models=["smollm2-135m"], show_progress=False)
    assert not summary.failures
    text = write(str(tmp_path)).read_text()
    row = next(line for line in text.splitlines() if line.startswith("| fake |"))
    # the fake backend answers "What is A plus B" correctly and never calls a tool
    assert "| 100% [44, 100] (n=3) | 100% [44, 100] (n=3) | 0% [0, 56] (n=3) |" in row
    assert "## File clean-up by number of required actions k" in text and "| fake | 2 | 3 |" in text
