"""A small OpenAI-compatible HTTP server in front of the transformers backend.

Why: the OpenAI-compatible backend must be tested against a real server with a real model, and
`vllm serve` needs the separate vllm environment. This serves `/v1/models`, `/v1/completions`
(with `echo` + `logprobs`, like vLLM) and `/v1/chat/completions` (with `tools`; `<tool_call>{json}`
blocks in the output, the Qwen/Hermes convention, come back as native `tool_calls`) from one
HFBackend on loopback. Requests are served one at a time (the model is not thread-safe).

    python -m harness.serve --model smollm2-135m --port 8011          # then:
    harness run --models smollm2-135m --tasks addition_3digit --backend openai ...  (base_url option)

`--no-logprobs` makes it refuse `logprobs`/`echo` (a server without prompt log-probabilities).
Requests are validated: a body that is not a JSON object is a 400, a missing, negative or
non-numeric Content-Length a 400/411, a body over `max_body` bytes a 413, and a connection that
stalls is closed after `timeout_s` seconds (so it does not hold a thread forever).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness.backends.base import GenerateRequest

TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.S)


class _BadRequest(Exception):
    pass


class _HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class OpenAIServer:
    """Serves one backend over the OpenAI API on `host:port` (port 0: pick a free one)."""

    def __init__(self, backend: Any, model_name: str, host: str = "127.0.0.1", port: int = 0, *, logprobs: bool = True,
                 max_body: int = 4 * 1024 * 1024, timeout_s: float = 30.0):
        self.backend = backend
        self.model_name = model_name
        self.logprobs = logprobs
        self.lock = threading.Lock()
        self.n_requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = timeout_s  # socket timeout: a stalled client is dropped, its thread freed

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _read_body(self) -> Any:
                raw = self.headers.get("Content-Length")
                if raw is None:
                    raise _HTTPError(411, "Content-Length required")
                try:
                    n = int(raw)
                except ValueError:
                    raise _HTTPError(400, f"invalid Content-Length {raw[:40]!r}") from None
                if n < 0:
                    raise _HTTPError(400, f"invalid Content-Length {n}")
                if n > max_body:
                    raise _HTTPError(413, f"body of {n} bytes exceeds the limit of {max_body}")
                data = self.rfile.read(n)
                if len(data) < n:
                    raise _HTTPError(400, "body shorter than its Content-Length")
                try:
                    body = json.loads(data or b"{}")
                except (ValueError, RecursionError):
                    raise _HTTPError(400, "the body is not valid JSON") from None
                if not isinstance(body, dict):
                    raise _HTTPError(400, "the body must be a JSON object")
                return body

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:  # noqa: N802
                try:
                    body = self._read_body()
                    route = {"/v1/completions": server.completions, "/v1/chat/completions": server.chat}.get(self.path.rstrip("/"))
                    if route is None:
                        self._send(404, {"error": {"message": f"no route {self.path}"}})
                        return
                    with server.lock:
                        server.n_requests += 1
                        payload = route(body)
                    self._send(200, payload)
                except _HTTPError as exc:
                    self.close_connection = True
                    self._send(exc.status, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                except _BadRequest as exc:
                    self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                except TimeoutError:  # the client stalled mid-body
                    self.close_connection = True
                except Exception as exc:  # a server error must answer, not hang the client
                    self._send(500, {"error": {"message": f"{type(exc).__name__}: {exc}"}})

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "OpenAIServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --------------------------------------------------------------- routes
    @staticmethod
    def _gen_args(body: dict[str, Any]) -> dict[str, Any]:
        stop = body.get("stop") or ()
        try:
            args = {
                "max_new_tokens": int(body.get("max_tokens") or 16),
                "stop": (stop,) if isinstance(stop, str) else tuple(str(x) for x in stop),
                "temperature": float(body.get("temperature") or 0.0),
                "top_p": float(body.get("top_p") or 1.0),
                "seed": body.get("seed"),
            }
        except (TypeError, ValueError) as exc:
            raise _BadRequest(f"invalid generation parameters: {exc}") from None
        if not 1 <= args["max_new_tokens"] <= 8192 or args["temperature"] < 0 or not 0 < args["top_p"] <= 1:
            raise _BadRequest("max_tokens must be in 1..8192, temperature >= 0, top_p in (0, 1]")
        if args["seed"] is not None and not isinstance(args["seed"], int):
            raise _BadRequest("seed must be an integer")
        return args

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        prompts = body.get("prompt")
        prompts = [prompts] if isinstance(prompts, str) else prompts
        if not prompts or not all(isinstance(p, str) for p in prompts):
            raise _BadRequest("prompt must be a string or a list of strings")
        want_lp = body.get("logprobs") is not None or bool(body.get("echo"))
        if want_lp and not self.logprobs:
            raise _BadRequest("this server does not return logprobs or echo")
        args = self._gen_args(body)
        gens = self.backend.generate([GenerateRequest(prompt=p, **args) for p in prompts])
        choices = []
        n_out = 0
        for i, (p, g) in enumerate(zip(prompts, gens)):
            n_out += g.n_tokens
            choice: dict[str, Any] = {"index": i, "text": g.text, "finish_reason": g.finish_reason, "logprobs": None}
            if body.get("echo"):
                choice["text"] = p + g.text
            if want_lp:
                choice["logprobs"] = self._logprobs(p, g.text, echo=bool(body.get("echo")), top=int(body.get("logprobs") or 0))
            choices.append(choice)
        return self._envelope("text_completion", choices, n_out)

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _BadRequest("messages must be a non-empty list")
        if body.get("logprobs") and not self.logprobs:
            raise _BadRequest("this server does not return logprobs")
        g = self.backend.generate([GenerateRequest(messages=messages, tools=body.get("tools"), **self._gen_args(body))])[0]
        message: dict[str, Any] = {"role": "assistant", "content": g.text}
        calls = []
        for m in TOOL_CALL.finditer(g.text):
            try:
                obj = json.loads(m.group(1))
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "name" in obj:
                args = obj.get("arguments", {})
                calls.append({"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                              "function": {"name": obj["name"], "arguments": json.dumps(args) if not isinstance(args, str) else args}})
        finish = g.finish_reason
        if calls:
            message["tool_calls"] = calls
            message["content"] = TOOL_CALL.sub("", g.text).strip() or None
            finish = "tool_calls"
        return self._envelope("chat.completion", [{"index": 0, "message": message, "finish_reason": finish}], g.n_tokens)

    def _envelope(self, obj: str, choices: list[dict[str, Any]], n_out: int) -> dict[str, Any]:
        return {"id": f"cmpl-{uuid.uuid4().hex[:16]}", "object": obj, "created": int(time.time()), "model": self.model_name,
                "choices": choices, "usage": {"completion_tokens": n_out}}

    def _logprobs(self, prompt: str, completion: str, *, echo: bool, top: int) -> dict[str, Any]:
        """OpenAI `logprobs` object: teacher-forced over prompt (+ completion), offsets into the echoed text."""
        import torch

        tok, model = self.backend.tokenizer, self.backend.model
        p_ids = list(tok(prompt, add_special_tokens=True)["input_ids"])
        c_ids = list(tok(completion, add_special_tokens=False)["input_ids"]) if completion else []
        ids = p_ids + c_ids
        with torch.inference_mode():
            logits = model(input_ids=torch.tensor([ids], device=model.device)).logits[0].float().log_softmax(-1)
        first = 0 if echo else len(p_ids)
        tokens, lps, tops, offsets = [], [], [], []
        pos = 0 if echo else len(prompt)
        for i in range(first, len(ids)):
            s = tok.decode([ids[i]])
            tokens.append(s)
            offsets.append(pos)
            pos += len(s)
            if i == 0:
                lps.append(None)
                tops.append(None)
                continue
            row = logits[i - 1]
            lps.append(float(row[ids[i]]))
            k = max(top, 1)
            vals, idx = row.topk(k)
            tops.append({tok.decode([int(j)]): float(v) for v, j in zip(vals, idx)} | {s: float(row[ids[i]])})
        return {"tokens": tokens, "token_logprobs": lps, "top_logprobs": tops, "text_offset": offsets}


def main(argv: list[str] | None = None) -> int:
    from harness.backends import load_backend
    from harness.config import load_model_registry

    p = argparse.ArgumentParser(prog="python -m harness.serve", description=__doc__.split("\n")[0])
    p.add_argument("--model", default="smollm2-135m", help="model registry name")
    p.add_argument("--registry", default="configs/models.yaml")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8011)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--no-logprobs", action="store_true", help="refuse logprobs/echo, like servers that do not offer them")
    args = p.parse_args(argv)
    spec = load_model_registry(args.registry).get(args.model)
    backend = load_backend("hf", spec, {"batch_size": args.batch_size, "device": "auto"})
    server = OpenAIServer(backend, spec.display_name, args.host, args.port, logprobs=not args.no_logprobs)
    print(f"serving {spec.display_name} at {server.base_url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
        backend.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
