"""The OpenAI-compatible backend against a real HTTP server on loopback serving the real SmolLM2.

The server (`harness.serve`) runs the transformers backend behind the OpenAI API; everything goes
over HTTP on 127.0.0.1. Outputs and log-probabilities must equal those of the model called directly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from harness.backends.base import GenerateRequest, LoglikelihoodRequest
from harness.backends.openai import BackendRequestError, LogprobsUnavailable, OpenAIBackend
from harness.errors import HarnessError
from harness.serve import OpenAIServer

pytestmark = pytest.mark.real_model

SHOTS = "Q: What is 123 plus 456? A: 579\nQ: What is 311 plus 222? A: 533\n"
PROMPTS = [SHOTS + f"Q: What is {a} plus {b}? A:" for a, b in [(100, 200), (250, 250), (431, 118), (999, 1)]]
GOLD = [" 300", " 500", " 549", " 1000"]


@pytest.fixture(scope="module")
def server(smollm2: Any) -> Iterator[OpenAIServer]:
    s = OpenAIServer(smollm2, "smollm2", "127.0.0.1", 0).start()
    yield s
    s.stop()


@pytest.fixture()
def client(server: OpenAIServer) -> Iterator[OpenAIBackend]:
    b = OpenAIBackend("smollm2", base_url=server.base_url, max_concurrency=4)
    yield b
    b.close()


def test_completions_match_the_model_called_directly(client: OpenAIBackend, smollm2: Any) -> None:
    reqs = [GenerateRequest(prompt=p, max_new_tokens=8, stop=("\n", "Q:")) for p in PROMPTS]
    over_http = client.generate(reqs)
    direct = smollm2.generate(reqs)
    assert [g.text for g in over_http] == [g.text for g in direct]
    assert all(g.error is None for g in over_http)


def test_echo_logprobs_match_teacher_forcing(client: OpenAIBackend, smollm2: Any) -> None:
    reqs = [LoglikelihoodRequest(context=p, continuation=g) for p, g in zip(PROMPTS, GOLD)]
    over_http = client.loglikelihood(reqs)
    direct = smollm2.loglikelihood(reqs)
    for h, d in zip(over_http, direct):
        assert h.tokens == d.tokens
        assert h.total == pytest.approx(d.total, abs=1e-3)
        assert h.is_greedy == d.is_greedy


def test_chat_with_tools_round_trip(client: OpenAIBackend, smollm2: Any) -> None:
    tools = [{"type": "function", "function": {"name": "add", "description": "Add two integers",
              "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}]
    req = GenerateRequest(messages=[{"role": "user", "content": "What is 2 plus 3?"}], tools=tools, max_new_tokens=12)
    (g,) = client.generate([req])
    (d,) = smollm2.generate([req])
    assert g.error is None and (g.text == d.text or g.tool_calls)


def test_server_without_logprobs_gives_a_clear_error(smollm2: Any) -> None:
    s = OpenAIServer(smollm2, "smollm2", "127.0.0.1", 0, logprobs=False).start()
    b = OpenAIBackend("smollm2", base_url=s.base_url)
    try:
        with pytest.raises(LogprobsUnavailable, match="no prompt log-probabilities") as err:
            b.loglikelihood([LoglikelihoodRequest(context=PROMPTS[0], continuation=GOLD[0])])
        assert isinstance(err.value, HarnessError)
        assert b.generate([GenerateRequest(prompt=PROMPTS[0], max_new_tokens=4)])[0].error is None  # generation still works
    finally:
        b.close()
        s.stop()


class _Flaky:
    """A loopback proxy that answers 503 (then 429) before forwarding to the real server."""

    def __init__(self, target: str, failures: list[int]):
        self.failures = list(failures)
        flaky = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if flaky.failures:
                    code = flaky.failures.pop(0)
                    self.send_response(code)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                r = httpx.post(target + self.path.removeprefix("/v1"), content=body, headers={"Content-Type": "application/json"}, timeout=120)
                self.send_response(r.status_code)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


def test_retries_transient_errors_then_succeeds(server: OpenAIServer, smollm2: Any) -> None:
    proxy = _Flaky(server.base_url, [503, 429])
    b = OpenAIBackend("smollm2", base_url=proxy.base_url, max_concurrency=1, backoff_s=0.01)
    try:
        (g,) = b.generate([GenerateRequest(prompt=PROMPTS[0], max_new_tokens=8, stop=("\n",))])
        assert b.n_retries == 2
        assert g.text == smollm2.generate([GenerateRequest(prompt=PROMPTS[0], max_new_tokens=8, stop=("\n",))])[0].text
    finally:
        b.close()
        proxy.httpd.shutdown()


def test_gives_up_after_the_retry_budget() -> None:
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()  # nothing listens there any more: connection refused
    b = OpenAIBackend("x", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2, backoff_s=0.01)
    try:
        with pytest.raises(BackendRequestError, match="gave up after 3 attempts"):
            b.generate([GenerateRequest(prompt="hi", max_new_tokens=2)])
    finally:
        b.close()


def test_sweep_through_the_server(server: OpenAIServer, tmp_path: Any) -> None:
    """The runner with `kind: openai`: records carry outputs and gold log-probs from the server."""
    from harness.cli import main

    sweep = tmp_path / "s.yaml"
    sweep.write_text(json.dumps({"name": "http", "models": ["smollm2-135m"], "tasks": ["addition_3digit"], "limit": 4,
                                 "backend": {"kind": "openai", "base_url": server.base_url, "served_model": "smollm2"}}))
    assert main(["run", str(sweep), "--output-dir", str(tmp_path / "out"), "--no-progress"]) == 0
    lines = (tmp_path / "out" / "records" / "smollm2-135m" / "addition_3digit.jsonl").read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    assert len(recs) == 4 and all(r["gold_logprobs"] for r in recs)
    assert server.n_requests >= 8


def test_agent_tasks_through_the_server(server: OpenAIServer, tmp_path: Any) -> None:
    """Tool-use tasks (agent loop and single-turn function calling) run through `kind: openai`,
    with full trajectories recorded."""
    from harness.cli import main

    sweep = tmp_path / "tools.yaml"
    sweep.write_text(json.dumps({"name": "http-tools", "models": ["smollm2-135m"], "tasks": ["tool_add3_calculator", "fc_irrelevance"], "limit": 2,
                                 "backend": {"kind": "openai", "base_url": server.base_url, "served_model": "smollm2"}}))
    assert main(["run", str(sweep), "--output-dir", str(tmp_path / "out"), "--no-progress"]) == 0
    for task in ("tool_add3_calculator", "fc_irrelevance"):
        recs = [json.loads(x) for x in (tmp_path / "out" / "records" / "smollm2-135m" / f"{task}.jsonl").read_text().splitlines()]
        assert len(recs) == 2 and all(r["trajectory"][0]["role"] == "meta" and r["trajectory"][1]["role"] == "assistant" for r in recs)
        assert all("agent_steps" in r["scores"] for r in recs)
