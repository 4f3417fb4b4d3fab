"""`harness parity` comparison rule on real run folders (fake backend: known outputs, no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.config import load_model_registry, load_tasks
from harness.config.sweep import BackendSpec, SweepSpec
from harness.config.task import select_tasks
from harness.parity import compare_runs, write_report
from harness.runner import run_sweep

TASK = "addition_2digit"


def _run(out: Path, error_rate: float) -> Path:
    sweep = SweepSpec(name="t", models=["smollm2-135m"], tasks=[TASK], backend=BackendSpec(kind="fake"), output_dir=str(out))
    tasks = select_tasks(load_tasks("tasks"), [TASK])
    factory = lambda kind, spec, opts: FakeBackend(responder=arithmetic_responder(error_rate))  # noqa: E731
    summary = run_sweep(sweep, tasks, load_model_registry("configs/models.yaml"), limit=40, show_progress=False, backend_factory=factory)
    assert not summary.failures
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("parity")
    return {"a": _run(root / "a", 0.0), "a2": _run(root / "a2", 0.0), "bad": _run(root / "bad", 0.3)}


def test_identical_runs_pass(runs: dict[str, Path], tmp_path: Path) -> None:
    r = compare_runs(runs["a"], runs["a2"], TASK)
    assert r.passed and r.n_compared == 40 and r.agreement == 1.0 and r.max_abs_dlogprob == 0.0
    md, js = write_report([r], tmp_path)
    assert "PASS" in md.read_text() and json.loads(js.read_text())[0]["passed"] is True


def test_different_outputs_fail(runs: dict[str, Path]) -> None:
    r = compare_runs(runs["a"], runs["bad"], TASK)
    assert not r.passed
    assert 0.4 < r.agreement < 1.0
    assert any("greedy agreement" in x for x in r.reasons)
    # a looser rule accepts the same data: the threshold is what decides
    assert compare_runs(runs["a"], runs["bad"], TASK, min_agreement=0.4, logprob_tol=10.0).passed


def _perturb(src: Path, dst: Path, delta: float, drop_last: bool = False) -> Path:
    path = next((src / "records").glob(f"*/{TASK}.jsonl"))
    lines = path.read_text().splitlines()
    rec = json.loads(lines[3])
    rec["gold_logprobs"][0] += delta
    lines[3] = json.dumps(rec)
    if drop_last:
        lines = lines[:-1]
    out = dst / "records" / path.parent.name / path.name
    out.parent.mkdir(parents=True)
    out.write_text("\n".join(lines) + "\n")
    return dst


def test_logprob_tolerance(runs: dict[str, Path], tmp_path: Path) -> None:
    small = compare_runs(runs["a"], _perturb(runs["a"], tmp_path / "small", 5e-4), TASK)
    assert small.passed and small.max_abs_dlogprob == pytest.approx(5e-4, rel=1e-6)
    big = compare_runs(runs["a"], _perturb(runs["a"], tmp_path / "big", 2e-3), TASK)
    assert not big.passed and "log p(gold)" in " ".join(big.reasons)


def test_missing_items_fail(runs: dict[str, Path], tmp_path: Path) -> None:
    r = compare_runs(runs["a"], _perturb(runs["a"], tmp_path / "short", 0.0, drop_last=True), TASK)
    assert not r.passed and r.n_compared == 39 and "item sets differ" in r.reasons[0]


def test_subset_ok_compares_a_small_run_with_a_full_one(runs: dict[str, Path], tmp_path: Path) -> None:
    short = _perturb(runs["a"], tmp_path / "short", 0.0, drop_last=True)
    assert compare_runs(runs["a"], short, TASK, subset_ok=True).passed
    assert not compare_runs(runs["bad"], short, TASK, subset_ok=True).passed
