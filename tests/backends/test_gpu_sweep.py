"""scripts/gpu_sweep.py: the dry run lists every (model, task) run with estimates; shards merge into one store."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gpu_sweep():
    spec = importlib.util.spec_from_file_location("gpu_sweep", REPO / "scripts" / "gpu_sweep.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["gpu_sweep"] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_dry_run_lists_every_run(gpu_sweep, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.config import load_model_registry, load_sweep, load_tasks
    from harness.config.task import select_tasks

    assert gpu_sweep.main(["configs/sweeps/gpu_addition.yaml", "--dry-run"]) == 0
    out = capsys.readouterr().out
    sweep = load_sweep("configs/sweeps/gpu_addition.yaml")
    tasks = [t.name for t in select_tasks(load_tasks("tasks"), sweep.tasks)]
    reg = load_model_registry("configs/models.yaml")
    assert len(sweep.models) >= 48 and all("gpu-ladder" in reg.get(m).tags for m in sweep.models)
    lines = out.splitlines()
    model_lines = {ln.split()[0]: ln for ln in lines if ln and not ln.startswith((" ", "#", "model", "TOTAL", "WARN", "ERROR"))}
    assert set(model_lines) == set(sweep.models)
    run_lines = [ln for ln in lines if ln.startswith("  ")]
    assert len(run_lines) == len(sweep.models) * len(tasks)
    assert f"{len(sweep.models) * len(tasks)} runs" in lines[-1]
    # the 72B needs several 80 GB GPUs and the sweep gives it 4; a 70M model fits on one
    assert model_lines["qwen2.5-72b"].split()[5] == "4" and "!" not in model_lines["qwen2.5-72b"]
    assert model_lines["pythia-70m"].split()[5] == "1"


def test_kv_rule_of_thumb_is_an_upper_bound_for_llama_7b(gpu_sweep) -> None:
    # Llama-7B (MHA, 32 layers x 4096, fp16) stores 2*32*4096*2 = 524 kB per token
    est = gpu_sweep.kv_bytes_per_token(6.74e9, 2)
    assert 0.9 * 524e3 < est < 1.5 * 524e3


def test_shards_merge_into_one_store(gpu_sweep, tmp_path: Path) -> None:
    from harness.cli import main

    sweep = tmp_path / "sweep.yaml"
    models = ["smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b"]
    sweep.write_text(json.dumps({"name": "fake-shards", "models": models, "tasks": ["addition_1digit", "addition_2digit"],
                                 "limit": 6, "backend": {"kind": "fake"}, "output_dir": str(tmp_path / "unused")}))
    shards = []
    for k in range(2):
        d = tmp_path / f"shard{k}"
        assert gpu_sweep.main([str(sweep), "--shard", f"{k}/2", "--split-tasks", "--output-dir", str(d)]) == 0
        shards.append(d)
    files = [{p.relative_to(d / "records") for p in (d / "records").glob("*/*.jsonl")} for d in shards]
    assert files[0] and files[1] and not files[0] & files[1]  # disjoint (model, task) runs
    merged = tmp_path / "merged"
    assert gpu_sweep.main(["--merge", str(merged), *map(str, shards)]) == 0
    assert main(["report", str(merged)]) == 0
    from harness.report import aggregate

    agg = aggregate(str(merged))
    assert {(c.model.name, c.task) for c in agg.cells} == {(m, t) for m in models for t in ("addition_1digit", "addition_2digit")}
    # merging the same shard twice is fine; a conflicting copy of a run is refused
    assert gpu_sweep.main(["--merge", str(merged), str(shards[0])]) == 0
    f = next((shards[1] / "records").glob("*/*.jsonl"))
    f.write_text(f.read_text().replace('"valid":true', '"valid":false', 1))
    with pytest.raises(SystemExit, match="merge conflict"):
        gpu_sweep.main(["--merge", str(merged), str(shards[1])])


def test_dry_run_of_the_full_claims_ladder_checks_every_entry(gpu_sweep, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.config import load_sweep

    assert gpu_sweep.main(["configs/sweeps/gpu_claims.yaml", "--dry-run", "--summary"]) == 0
    out = capsys.readouterr().out
    sweep = load_sweep("configs/sweeps/gpu_claims.yaml")
    assert f"# offline checks of {len(sweep.models)} registry entries and their backend options: 0 error(s)" in out
    assert "# assumptions" in out and "Not modelled" in out
    model_lines = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln and ln.split()[0] in sweep.models}
    assert set(model_lines) == set(sweep.models)
    for cols in model_lines.values():  # params, weights GB, KV GB, peak GB, GPUs, time
        assert cols[1].endswith("B") and float(cols[2]) > 0 and float(cols[4]) > float(cols[2]) and int(cols[5]) >= 1


def test_dry_run_reports_what_is_wrong_offline(gpu_sweep, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    reg = yaml.safe_load((REPO / "configs" / "models.yaml").read_text())
    reg["models"]["qwen2.5-7b"]["params"] = 700_000_000  # a typo: 0.7B for a 7B model
    reg["models"]["pythia-1b"]["instruct"] = True  # a base model marked instruct
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(reg))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(json.dumps({
        "name": "broken", "models": ["pythia-1b", "qwen2.5-7b", "qwen2.5-72b"], "tasks": ["addition_3digit"],
        "backend": {"kind": "vllm", "dtype": "bfloat16", "tensor_paralel_size": 2},
        "per_model_backend": {"qwen2.5-7b": {"tensor_parallel_size": 3}, "pythia-12b": {"dtype": "bfloat16"}},
        "model_registry": str(tmp_path / "models.yaml"),
    }))
    # a misspelt backend option is refused when the sweep loads (typed backend options), naming the field
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match="backend: tensor_paralel_size: unknown option for backend 'vllm'"):
        gpu_sweep.main([str(sweep), "--dry-run"])
    cfg = json.loads(sweep.read_text())
    del cfg["backend"]["tensor_paralel_size"]
    sweep.write_text(json.dumps(cfg))
    assert gpu_sweep.main([str(sweep), "--dry-run"]) == 1
    errors = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("ERROR")]
    text = "\n".join(errors)
    assert "qwen2.5-7b: params 7e+08 does not match the size in its name (7B)" in text
    assert "pythia-1b: instruct=True" in text
    assert "qwen2.5-7b: tensor_parallel_size 3 should be a power of two" in text
    assert "qwen2.5-72b: needs ~4 GPUs" in text  # 145 GB of bf16 weights, no tensor_parallel_size given
    assert len(errors) == 4, text
