"""OpenAI-compatible HTTP backend: `vllm serve`, SGLang, llama.cpp server, hosted APIs.

- `generate`: completion prompts go to `/completions`, chat messages (with `tools`) to
  `/chat/completions`; native tool calls from the server are returned in `Generation.tool_calls`.
- `loglikelihood`: `/completions` with `echo=true, logprobs=1` over context + continuation (the
  servers that offer it: vLLM, SGLang, older OpenAI models). The continuation's tokens are those from
  the first token that reaches past the context (the same convention as the local backends).
  A server that gives no prompt log-probabilities raises `LogprobsUnavailable`: a metric that needs
  them cannot be scored from such a server.
- Requests run concurrently (a thread pool, `max_concurrency`), with retries and exponential backoff
  on 429, 5xx and connection errors (honouring `Retry-After`). Other 4xx errors fail that item only.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness.backends.base import BackendInfo, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest, cut_at_stop
from harness.errors import HarnessError, ModelLoadError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class BackendRequestError(HarnessError):
    """The server kept failing (transient errors beyond the retry budget)."""


class LogprobsUnavailable(HarnessError):
    """The server does not return prompt log-probabilities (needed by log-likelihood metrics)."""


class _ClientError(Exception):
    """A non-retryable 4xx answer for one request."""


class OpenAIBackend:
    def __init__(
        self,
        model_id: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        max_concurrency: int = 8,
        max_retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        timeout_s: float = 120.0,
        max_stop: int = 4,
        weights_hash: str | None = None,
        **_: Any,
    ):
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - httpx is in the `openai` extra
            raise ModelLoadError("backend 'openai' needs httpx: pip install -e '.[openai]'") from exc
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1").rstrip("/")
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.model = model_id
        self.max_concurrency = max(1, int(max_concurrency))
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_stop = max_stop
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self._pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="openai")
        self._logprobs_ok: bool | None = None
        self.n_retries = 0  # transient failures retried so far (reported in info.extra on close)
        self.info = BackendInfo(
            backend="openai",
            model_id=model_id,
            weights_hash=weights_hash,
            device=self.base_url,
            dtype="server",
            extra={"base_url": self.base_url, "max_concurrency": self.max_concurrency},
        )

    # ------------------------------------------------------------------ HTTP
    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on transient failures; raises _ClientError on other 4xx answers."""
        import httpx

        last = ""
        for attempt in range(self.max_retries + 1):
            wait = min(self.max_backoff_s, self.backoff_s * 2**attempt) * (0.5 + random.random() / 2)
            try:
                resp = self._client.post(path, content=json.dumps(body))
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 400:
                    return resp.json()  # type: ignore[no-any-return]
                last = f"HTTP {resp.status_code}: {resp.text[:300]}"
                if resp.status_code not in RETRY_STATUS:
                    raise _ClientError(last)
                retry_after = resp.headers.get("retry-after")
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    wait = min(self.max_backoff_s, float(retry_after))
            if attempt < self.max_retries:
                self.n_retries += 1
                log.info("%s%s failed (%s); retry %d in %.1fs", self.base_url, path, last, attempt + 1, wait)
                time.sleep(wait)
        raise BackendRequestError(f"{self.base_url}{path}: gave up after {self.max_retries + 1} attempts; last error: {last}")

    def _map(self, fn: Any, items: list[Any]) -> list[Any]:
        return list(self._pool.map(fn, items))

    # -------------------------------------------------------------- generate
    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        return self._map(self._generate_one, requests)

    def _generate_one(self, r: GenerateRequest) -> Generation:
        body: dict[str, Any] = {"model": self.model, "max_tokens": r.max_new_tokens, "temperature": r.temperature}
        if r.temperature > 0:
            body["top_p"] = r.top_p
            if r.seed is not None:
                body["seed"] = r.seed
        stops = [s for s in r.stop if s][: self.max_stop]  # the API accepts at most 4; all are applied below
        if stops:
            body["stop"] = stops
        try:
            if r.messages is not None:
                body["messages"] = r.messages
                if r.tools:
                    body["tools"] = r.tools
                data = self._post("/chat/completions", body)
                choice = data["choices"][0]
                msg = choice.get("message") or {}
                text = msg.get("content") or ""
                tool_calls = msg.get("tool_calls") or None
            else:
                body["prompt"] = r.prompt
                data = self._post("/completions", body)
                choice = data["choices"][0]
                text, tool_calls = choice.get("text") or "", None
        except _ClientError as exc:
            return Generation(text="", finish_reason="error", error=str(exc))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            return Generation(text="", finish_reason="error", error=f"malformed answer from server: {exc!r}")
        text, stopped = cut_at_stop(text, r.stop)
        usage = data.get("usage") or {}
        finish = choice.get("finish_reason") or "stop"
        reason = "stop" if stopped or finish in ("stop", "tool_calls", "eos") else "length"
        return Generation(text=text, n_tokens=int(usage.get("completion_tokens") or 0), finish_reason=reason, tool_calls=tool_calls)

    # --------------------------------------------------------- loglikelihood
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        if self._logprobs_ok is False:
            raise LogprobsUnavailable(self._no_logprobs_msg("earlier request"))
        return self._map(self._loglikelihood_one, requests)

    def _no_logprobs_msg(self, why: str) -> str:
        return (
            f"server {self.base_url} ({self.model}) gives no prompt log-probabilities ({why}); metrics that need "
            "log-likelihoods (e.g. gold_loglikelihood) cannot be scored with it: drop those metrics or use a server "
            "with `echo`+`logprobs` on /completions (vLLM, SGLang) or the hf/vllm backends"
        )

    def _loglikelihood_one(self, r: LoglikelihoodRequest) -> Loglikelihood:
        if r.context is None:
            raise LogprobsUnavailable(self._no_logprobs_msg("chat-message contexts need the chat template on the client"))
        stripped = r.context.rstrip(" ")
        continuation = r.context[len(stripped) :] + r.continuation
        text = stripped + continuation
        body = {"model": self.model, "prompt": text, "max_tokens": 1, "temperature": 0.0, "echo": True, "logprobs": 1}
        try:
            data = self._post("/completions", body)
        except _ClientError as exc:
            self._logprobs_ok = False
            raise LogprobsUnavailable(self._no_logprobs_msg(str(exc))) from exc
        try:
            lp = data["choices"][0]["logprobs"]
            tokens: list[str] = lp["tokens"]
            token_lps: list[float | None] = lp["token_logprobs"]
            offsets: list[int] = lp["text_offset"]
            tops: list[dict[str, float] | None] = lp.get("top_logprobs") or [None] * len(tokens)
        except (KeyError, IndexError, TypeError) as exc:
            self._logprobs_ok = False
            raise LogprobsUnavailable(self._no_logprobs_msg(f"answer has no echoed logprobs: {exc!r}")) from exc
        # offsets count from the echoed text, which may begin with a decoded BOS ("<s>") before the prompt
        echoed = data["choices"][0].get("text") or ""
        shift = max(echoed.find(text), 0) if not echoed.startswith(text) else 0
        offsets = [o - shift for o in offsets]
        # echoed prompt tokens are those starting inside the prompt; drop the generated one
        n_prompt = sum(1 for o in offsets if o < len(text))
        # the continuation starts at the first token that reaches past the stripped context
        start = next((i for i in range(n_prompt) if offsets[i] + len(tokens[i]) > len(stripped)), n_prompt)
        start = max(start, 1)  # the first prompt token has no log-probability
        if start >= n_prompt or any(token_lps[i] is None for i in range(start, n_prompt)):
            self._logprobs_ok = False
            raise LogprobsUnavailable(self._no_logprobs_msg("continuation tokens came back without log-probabilities"))
        self._logprobs_ok = True
        lps = [float(token_lps[i]) for i in range(start, n_prompt)]  # type: ignore[arg-type]
        greedy = []
        for i, v in zip(range(start, n_prompt), lps):
            top = tops[i] or {}
            greedy.append(all(float(x) <= v + 1e-6 for x in top.values()) if top else False)
        return Loglikelihood(logprobs=lps, tokens=tokens[start:n_prompt], is_greedy=greedy)

    def close(self) -> None:
        self.info.extra["n_retries"] = self.n_retries
        self._pool.shutdown(wait=True)
        self._client.close()
