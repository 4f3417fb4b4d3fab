"""Fault injection: a loopback fake OpenAI-compatible server whose failure mode a test sets.

`FakeOpenAI.mode`:
- "ok": correct answers to "What is A plus B?" (the fake responder), echo log-probs per character;
- an int (401, 400, 503, ...): that HTTP status for every request;
- "badjson": 200 with a body that is not JSON; "empty": 200 with `choices: []`;
  "notobject": 200 with a JSON list;
- "hang": accept the request and never answer (until the test ends);
- "slow": "ok" after `delay` seconds;
- "hostile": 200 whose text is `hostile_text` (and, for chat, whose `tool_calls` are `hostile_tool_calls`).
It counts requests (`n`) and keeps the last Authorization header seen.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.backends.fake import arithmetic_responder

_answer = arithmetic_responder()


class FakeOpenAI:
    def __init__(self) -> None:
        self.mode: Any = "ok"
        self.n = 0
        self.delay = 0.05
        self.hostile_text = ""
        self.hostile_tool_calls: list[dict[str, Any]] | None = None  # native tool calls sent back in "hostile" mode
        self.auth: str | None = None
        self.release = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.n += 1
                    fake.auth = self.headers.get("Authorization")
                mode = fake.mode
                if mode == "hang":
                    fake.release.wait(30)
                    return
                if mode == "slow":
                    time.sleep(fake.delay)
                    mode = "ok"
                if isinstance(mode, int):
                    self._send(mode, json.dumps({"error": {"message": f"status {mode}"}}).encode())
                elif mode == "badjson":
                    self._send(200, b"<html>upstream proxy error</html>")
                elif mode == "empty":
                    self._send(200, json.dumps({"choices": []}).encode())
                elif mode == "notobject":
                    self._send(200, b"[1, 2, 3]")
                else:
                    self._send(200, json.dumps(fake.answer(self.path, body)).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("/chat/completions"):
            prompt = "\n".join(str(m.get("content", "")) for m in body["messages"])
            text = self.hostile_text if self.mode == "hostile" else _answer(prompt)
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if self.mode == "hostile" and self.hostile_tool_calls is not None:
                message["tool_calls"] = self.hostile_tool_calls
            return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
        prompt = body["prompt"]
        if body.get("echo"):  # one "token" per character, log p = -0.1 each
            toks = list(prompt)
            return {"choices": [{"index": 0, "text": prompt, "logprobs": {
                "tokens": toks, "token_logprobs": [None] + [-0.1] * (len(toks) - 1),
                "text_offset": list(range(len(toks))), "top_logprobs": [None] + [{t: -0.1} for t in toks[1:]]}}]}
        text = self.hostile_text if self.mode == "hostile" else _answer(prompt)
        return {"choices": [{"index": 0, "text": text, "finish_reason": "stop"}], "usage": {"completion_tokens": 3}}

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def fake_server() -> Iterator[FakeOpenAI]:
    s = FakeOpenAI()
    yield s
    s.close()


@pytest.fixture()
def registry_file(tmp_path: Path) -> Path:
    """Models served over HTTP or by the fake backend (no weights); `served-chat` is an instruct model (chat format)."""
    path = tmp_path / "models.yaml"
    models = {
        name: {"name": name, "display_name": name, "family": "fake", "params": 1_000_000, "instruct": name.endswith("chat"),
               "source": {"kind": "local", "path": "/nonexistent"}}
        for name in ("served", "other", "served-chat")
    }
    path.write_text(json.dumps({"models": models}))
    return path


def write_sweep(tmp_path: Path, registry_file: Path, backend: dict[str, Any], *, tasks: list[str] | None = None, limit: int = 6,
                name: str = "sweep.yaml", model: str = "served") -> Path:
    sweep = tmp_path / name
    sweep.write_text(json.dumps({"name": "reliability", "models": [model], "tasks": tasks or ["addition_3digit"], "limit": limit,
                                 "model_registry": str(registry_file), "backend": backend}))
    return sweep


def http_backend(server: FakeOpenAI, **over: Any) -> dict[str, Any]:
    return {"kind": "openai", "base_url": server.base_url, "served_model": "fake", "max_retries": 1, "backoff_s": 0.01,
            "timeout_s": 2, "max_concurrency": 2, **over}


def record_lines(out: Path, model: str = "served", task: str = "addition_3digit") -> list[dict[str, Any]]:
    path = out / "records" / model / f"{task}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
