"""Sharded sweep end to end on a real model: `gpu_sweep.py --shard 0/2` and `1/2` run at the same time
into two folders (HF backend, real SmolLM2-135M, small --limit), `--merge` joins them through the
results store, and the merged report equals an unsharded run's report byte for byte. The one
exception is the provenance table's wall-clock column (`elapsed (s)`), a measurement of each run,
which is blanked on both sides before comparing; every record file is compared byte for byte too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

pytestmark = pytest.mark.real_model

REPO = Path(__file__).resolve().parents[2]
TASKS = ["addition_1digit", "addition_2digit", "addition_3digit_0shot"]


def _gpu_sweep(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, str(REPO / "scripts" / "gpu_sweep.py"), *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _blank_elapsed(md: bytes) -> bytes:
    """The provenance table's `elapsed (s)` cell (second-to-last column) is a wall-clock measurement."""
    lines = md.decode().split("\n")
    out = [re.sub(r"\| [0-9]+ \| (`[^`]*`) \|$", r"| - | \1 |", ln) if ln.startswith("| smollm2") and ln.endswith("` |") else ln for ln in lines]
    return "\n".join(out).encode()


def test_two_shards_merge_into_the_unsharded_report(smollm2_path: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(json.dumps({
        "name": "shard-real", "models": ["smollm2-135m"], "tasks": TASKS, "limit": 5,
        # one thread per process: the three runs share the cores, and a fixed thread count keeps fp32 sums identical
        "backend": {"kind": "hf", "device": "cpu", "dtype": "float32", "batch_size": 8, "threads": 1},
        "output_dir": str(tmp_path / "unused"),
    }))
    procs = [_gpu_sweep(str(sweep), "--shard", f"{k}/2", "--split-tasks", "--output-dir", str(tmp_path / f"shard{k}")) for k in range(2)]
    procs.append(_gpu_sweep(str(sweep), "--output-dir", str(tmp_path / "full")))
    for p in procs:
        out, _ = p.communicate(timeout=900)
        assert p.returncode == 0, out
    shard_runs = [{p.name for p in (tmp_path / f"shard{k}" / "records").glob("*/*.jsonl")} for k in range(2)]
    assert shard_runs[0] and shard_runs[1] and not shard_runs[0] & shard_runs[1]
    assert shard_runs[0] | shard_runs[1] == {f"{t}.jsonl" for t in TASKS}

    merged = tmp_path / "merged"
    p = _gpu_sweep("--merge", str(merged), str(tmp_path / "shard0"), str(tmp_path / "shard1"))
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0 and "2 shard(s)" in out, out
    full, mrg = _files(tmp_path / "full" / "records"), _files(merged / "records")
    assert {k for k in full if k.endswith(".jsonl")} == {k for k in mrg if k.endswith(".jsonl")}
    for k in full:
        if k.endswith(".jsonl"):
            assert full[k] == mrg[k], k  # same records, byte for byte

    for d in ("full", "merged"):
        assert main(["report", str(tmp_path / d), "--out", str(tmp_path / f"report-{d}"), "--title", "shard-real"]) == 0
    a, b = _files(tmp_path / "report-full"), _files(tmp_path / "report-merged")
    assert set(a) == set(b) and "report.md" in a and "table.csv" in a
    for name in a:
        if name == "table.md":
            assert _blank_elapsed(a[name]) == _blank_elapsed(b[name])
        else:
            assert a[name] == b[name], name
