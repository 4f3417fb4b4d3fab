"""End to end: tasks -> runner -> records -> `harness report` (the reasoning section of report.md),
with a scripted fake model (known answers) and with the real SmolLM2-135M on a handful of items."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.backends.fake import FakeBackend
from harness.cli import main
from harness.config.task import load_tasks, select_tasks
from harness.runner import Runner
from harness.store import ResultStore


def _scripted(prompt: str) -> str:
    """Answers the last question of a prompt: copies right, reverses wrong after 2 units,
    always answers CoT-style, adds rates for pool problems."""
    last = prompt.rsplit("Input:", 1)[-1] if "Input:" in prompt else prompt.rsplit("Q:", 1)[-1]
    if "Copy the digit" in prompt:
        return " " + last.split("\n")[0].strip() + "\n"
    if "reverse order" in prompt:
        xs = last.split("\n")[0].split()[::-1]
        return " " + " ".join(xs[:2] + ["x"] * (len(xs) - 2)) + "\n"
    if "pool" in prompt:
        x, y = map(int, re.findall(r"in (\d+) hours", prompt)[-2:])
        return f" {x * y / (x + y):.4g}\n"
    if "How many" in last:
        return " Let me think. The answer is 7.\n\n"
    return " foo\n"


def _report(run: Path) -> str:
    assert main(["report", str(run)]) == 0
    return (run / "report" / "report.md").read_text(encoding="utf-8").split("## Reasoning and in-context learning", 1)[1]


def test_fake_model_through_runner_and_tables(repo: Path, registry, tmp_path: Path) -> None:
    tasks = select_tasks(load_tasks(repo / "tasks"), ["compound_copy_L08", "compound_reverse_L08", "pool_en", "cot_word_direct", "cot_word_cot", "icl_labels_k0", "icl_labels_k1_wrong"])
    runner = Runner(ResultStore(tmp_path), registry, backend_kind="fake", backend_factory=lambda kind, spec, opts: FakeBackend(_scripted), show_progress=False)
    summary = runner.run(["smollm2-135m"], tasks, limit=12)
    assert not summary.failures and len(summary.completed) == len(tasks)
    store = ResultStore(tmp_path)
    copy = store.read("smollm2-135m", "compound_copy_L08")
    assert all(r.scores["seq_exact"] == 1.0 for r in copy) and all(r.gold_greedy is not None for r in copy)
    rev = store.read("smollm2-135m", "compound_reverse_L08")
    assert all(r.scores["seq_exact"] == 0.0 and r.scores["free_first_error"] == 2 / 8 for r in rev)
    pool = store.read("smollm2-135m", "pool_en")
    base = [r for r in pool if r.meta["variant"] == "base"]
    assert base and all(r.scores["sig_rates_added"] == 1.0 for r in base)
    md = _report(tmp_path)
    assert "S(L)" in md and "| smollm2-135m |" not in md  # rows are labelled by model id
    assert re.search(r"\| fake \| copy \| 8 \| 12 \| .* \| 100\.0% \[", md)
    assert "CoT − direct" in md and "| fake | word problems | all | 12 |" in md
    assert "rates added" in md and "| fake | English | 12 |" in md
    assert "| fake | label_map (foo/bar) | 12 |" in md


@pytest.mark.real_model
def test_real_smollm2_end_to_end(repo: Path, registry, smollm2_factory, tmp_path: Path) -> None:
    tasks = select_tasks(load_tasks(repo / "tasks"), ["compound_copy_L04", "cot_coin_direct", "pool_abstract", "icl_labels_k2"])
    runner = Runner(ResultStore(tmp_path), registry, backend_factory=smollm2_factory, show_progress=False)
    summary = runner.run(["smollm2-135m"], tasks, limit=2)
    assert not summary.failures
    store = ResultStore(tmp_path)
    copy = store.read("smollm2-135m", "compound_copy_L04")
    assert len(copy) == 2 and all(r.gold_greedy and r.scores["tf_token_acc"] is not None for r in copy)
    for name in ("cot_coin_direct", "pool_abstract", "icl_labels_k2"):
        recs = store.read("smollm2-135m", name)
        assert len(recs) == 2 and all(r.scores.get("exact_match") in (0.0, 1.0) for r in recs)
    md = _report(tmp_path)
    assert "SmolLM2" in md or "smollm2" in md.lower()
