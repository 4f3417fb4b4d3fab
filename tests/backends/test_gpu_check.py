"""scripts/gpu_check.sh: the device check runs offline on a seeded random model; on a machine without
CUDA it runs the CPU reference checks and reports every CUDA check as skipped (not passed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_gpu_check_runs_offline_and_reports_cuda(tmp_path: Path) -> None:
    import torch

    out_file = tmp_path / "gpu_check.txt"
    env = {**os.environ, "PYTHON": sys.executable, "HF_HUB_OFFLINE": "1"}
    p = subprocess.run(["bash", str(REPO / "scripts" / "gpu_check.sh"), str(out_file)], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [ln for ln in out_file.read_text().splitlines() if ln.split(" ", 1)[0] in ("PASS", "FAIL", "SKIP")]
    status = {ln.split(":")[0].split(" ", 1)[1]: ln.split(" ", 1)[0] for ln in lines}
    for name in ("cpu fp32 reference", "cpu fp32 batched vs single", "cpu fp32 prefix cache on vs off", "cpu bf16 vs cpu fp32"):
        assert status[name] == "PASS", lines
    cuda = [n for n in status if n.startswith("cuda ")]
    assert len(cuda) == 6
    if torch.cuda.is_available():
        assert all(status[n] == "PASS" for n in cuda), lines
    else:
        assert all(status[n] == "SKIP" for n in cuda) and "CUDA unavailable" in out_file.read_text()
    assert out_file.read_text().startswith("# command: bash scripts/gpu_check.sh")
