"""Bounded work on hostile output, and a server that validates its requests (issue 17, item 6).

A tool call nested ~1,000 deep or holding a 5,000-digit number is a malformed call (scored invalid),
never an exception that fails the task; answer and tool-call parsing stay linear on 40K-character
outputs (before: 10-100 s each); `harness.serve` answers bad requests with 4xx and drops stalled clients.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from fakeserver import FakeOpenAI, http_backend, record_lines, write_sweep

from harness.cli import main
from harness.metrics.parsers import answer_integer, first_integer
from harness.tools.calls import extract_calls, to_call

DEEP = "[" * 1000 + "]" * 1000
BIG = "9" * 5000


@pytest.mark.parametrize("args", [DEEP, BIG, '{"x": ' * 1000 + "1" + "}" * 1000])
def test_hostile_tool_calls_are_malformed_not_exceptions(args: str) -> None:
    ex = extract_calls(f'<tool_call>{{"name": "calculator", "arguments": {{"expression": {args}}}}}</tool_call>', ("calculator",))
    assert ex.calls == [] and len(ex.malformed) == 1
    native = {"type": "function", "function": {"name": "calculator", "arguments": f'{{"expression": {args}}}'}}
    assert to_call(native) is None


def test_a_huge_number_is_an_invalid_answer() -> None:
    assert answer_integer(f"The answer is {BIG}", None) is None
    assert first_integer(BIG, None) is None
    assert answer_integer("The answer is 1,024.", None) == "1024"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["=" + " " * 40_000 + "x", "answer is" + " " * 40_000 + "x", "答案" + " " * 40_000, "x" + " " * 40_000 + "y"])
def test_parsing_stays_linear_on_long_outputs(text: str) -> None:
    """Each of these took 10-100 s before (quadratic backtracking); the timeout fails the test if that returns."""
    assert answer_integer(text, None) is None
    assert extract_calls(text, ("calculator",)).calls == []


@pytest.mark.parametrize("args", [DEEP, BIG])
def test_hostile_tool_calls_from_a_server_score_invalid_and_the_task_completes(fake_server: FakeOpenAI, registry_file: Path, tmp_path: Path,
                                                                              args: str) -> None:
    """Native `tool_calls` from the server (chat format) with hostile arguments: malformed, the task completes."""
    fake_server.mode = "hostile"
    fake_server.hostile_text = ""
    fake_server.hostile_tool_calls = [{"id": "c1", "type": "function", "function": {"name": "calculator", "arguments": f'{{"expression": {args}}}'}}]
    sweep = write_sweep(tmp_path, registry_file, http_backend(fake_server), tasks=["tool_add3_calculator"], limit=2, model="served-chat")
    out = tmp_path / "out"
    assert main(["run", str(sweep), "--output-dir", str(out), "--no-progress", "--no-report"]) == 0
    recs = record_lines(out, model="served-chat", task="tool_add3_calculator")
    assert len(recs) == 2 and all(not r["valid"] and r["error"] is None for r in recs)
    assert all(any(t.get("malformed") for t in r["trajectory"] if t["role"] == "assistant") for r in recs)


# ------------------------------------------------------------------ harness.serve
@pytest.fixture()
def served() -> object:
    from harness.backends.fake import FakeBackend
    from harness.serve import OpenAIServer

    s = OpenAIServer(FakeBackend(), "fake", "127.0.0.1", 0, max_body=10_000, timeout_s=0.5).start()
    yield s
    s.stop()


def _raw(server: object, head: str, body: bytes = b"") -> tuple[int, bytes]:
    with socket.create_connection((server.host, server.port), timeout=10) as s:  # type: ignore[attr-defined]
        s.sendall(head.encode() + b"\r\n\r\n" + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


@pytest.mark.parametrize("head, body, status", [
    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 9", b"{not json", 400),
    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5", b"[1,2]", 400),
    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -1", b"", 400),
    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999", b"", 413),
    ("POST /v1/completions HTTP/1.1\r\nHost: x", b"", 411),
    ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 40", b'{"prompt": "hi", "max_tokens": "lots"}  ', 400),
])
def test_serve_rejects_bad_requests(served: object, head: str, body: bytes, status: int) -> None:
    code, _ = _raw(served, head + "\r\nConnection: close", body)
    assert code == status


def test_serve_drops_a_stalled_client(served: object) -> None:
    with socket.create_connection((served.host, served.port), timeout=10) as s:  # type: ignore[attr-defined]
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        data = s.recv(65536)  # the server gives up on the missing 99 bytes and closes
    assert data == b"" or b" 400 " in data.split(b"\r\n")[0]


def test_serve_still_answers_good_requests(served: object) -> None:
    body = json.dumps({"prompt": "Q: What is 2 plus 3? A:", "max_tokens": 4, "stop": ["\n"]}).encode()
    code, data = _raw(served, f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}", body)
    assert code == 200 and json.loads(data.split(b"\r\n\r\n", 1)[1])["choices"][0]["text"] == " 5"
