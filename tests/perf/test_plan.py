"""`harness run --plan`: items still to do, tokens, and an ETA priced from measured throughput (no timings asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.backends.fake import FakeBackend, arithmetic_responder
from harness.plan import fit_rates, machine_key, plan_sweep, record_throughput
from harness.runner import Runner
from harness.store import ResultStore

from tests.test_runner import REGISTRY, TASK


@pytest.fixture(autouse=True)
def _throughput_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "throughput.json"
    monkeypatch.setenv("HARNESS_THROUGHPUT_FILE", str(path))
    return path


def test_fit_rates_recovers_prompt_and_decode_costs() -> None:
    a, b = 2e-4, 3e-2
    calls = [[p, d, a * p + b * d] for p, d in [(800, 0), (200, 64), (1600, 32), (400, 128), (100, 8)]]
    rates = fit_rates({"calls": calls, "load_s": [4.0, 6.0]})
    assert rates is not None
    assert rates.per_parallel_token == pytest.approx(a, rel=1e-6)
    assert rates.per_decode_step == pytest.approx(b, rel=1e-6)
    assert rates.load_s == 5.0
    assert fit_rates({"calls": []}) is None


def test_plan_counts_what_is_left_and_prices_it(tmp_path: Path) -> None:
    runner = Runner(ResultStore(tmp_path), REGISTRY, backend_factory=lambda k, s, o: FakeBackend(arithmetic_responder(0.0)),
                    chunk_size=8, show_progress=False)
    runner.run(["fake-small"], [TASK], limit=12)
    unmeasured = plan_sweep(["fake-small"], [TASK], REGISTRY, output_dir=str(tmp_path), backend_kind="hf", limit=20)
    assert [(r.items, r.todo, r.eta_s) for r in unmeasured] == [(20, 8, None)]  # never measured: no guess
    row = unmeasured[0]
    assert row.prompt_tokens > 0 and row.gold_tokens > 0 and row.max_new_tokens == TASK.generation.max_new_tokens

    record_throughput(machine_key("fake-small", "hf", "cpu", "float32"), [(1000, 0, 0.5), (100, 80, 2.5), (500, 40, 1.45)], load_s=3.0)
    (planned,) = plan_sweep(["fake-small"], [TASK], REGISTRY, output_dir=str(tmp_path), backend_kind="hf", limit=20)
    rates = fit_rates({"calls": [[1000, 0, 0.5], [100, 80, 2.5], [500, 40, 1.45]], "load_s": [3.0]})
    expected = rates.per_parallel_token * (row.prompt_tokens + row.gold_tokens) + rates.per_decode_step * row.max_new_tokens * 8 + 3.0
    assert planned.eta_s == pytest.approx(expected)


def test_cli_plan_prints_and_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    reg = tmp_path / "models.yaml"
    reg.write_text(yaml.safe_dump(REGISTRY.model_dump(mode="json")))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "plan-test", "models": ["fake-small"], "tasks": [TASK.name], "backend": {"kind": "fake"},
                                     "output_dir": str(tmp_path / "out"), "model_registry": str(reg)}))
    assert main(["run", str(sweep), "--plan", "--limit", "5"]) == 0
    err = capsys.readouterr().err
    assert "plan" in err and TASK.name in err and "5/5" in err
    assert not (tmp_path / "out" / "records").exists()
