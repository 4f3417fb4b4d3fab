"""OpenAI-compatible HTTP backend: `vllm serve`, SGLang, llama.cpp server, hosted APIs.

- `generate`: completion prompts go to `/completions`, chat messages (with `tools`) to
  `/chat/completions`; native tool calls from the server are returned in `Generation.tool_calls`.
- `loglikelihood`: `/completions` with `echo=true, logprobs=1` over context + continuation (the
  servers that offer it: vLLM, SGLang, older OpenAI models). The continuation's tokens are those from
  the first token that reaches past the context (the same convention as the local backends).
  A server that gives no prompt log-probabilities raises `LogprobsUnavailable`: a metric that needs
  them cannot be scored from such a server.
- Requests run concurrently (a thread pool, `max_concurrency`), with retries and exponential backoff
  on 429, 5xx and connection errors (honouring `Retry-After`). Other 4xx errors, a body that is not
  JSON and an answer without choices fail that item only (`finish_reason="error"`: no score).
- A circuit breaker stops sending when the server is down (see `OpenAIBackend`).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from typing import Any

from harness.backends.base import BackendInfo, Capabilities, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest, cut_at_stop
from harness.errors import HarnessError, ModelLoadError
from harness.redact import redact, redact_url

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class BackendRequestError(HarnessError):
    """The server kept failing (transient errors beyond the retry budget, or the circuit is open)."""


class LogprobsUnavailable(HarnessError):
    """The server does not return prompt log-probabilities (needed by log-likelihood metrics)."""


class _ClientError(Exception):
    """A non-retryable 4xx answer, or an answer that is not a usable completion, for one request."""


class _Cancelled(Exception):
    """The backend was stopped (Ctrl-C, close, or an open circuit): no request is sent any more."""


FATAL_STATUS = frozenset({401, 403, 404})  # wrong key or wrong URL: every other request would fail the same way


class OpenAIBackend:
    """A request that fails is an error, never an output: `generate` returns `finish_reason="error"`
    with the reason (the runner records no score for it and retries it on the next run), and a
    circuit breaker stops sending once `breaker_threshold` requests in a row have failed, or at the
    first 401/403/404: every later request fails at once with `BackendRequestError`.
    Requests run on daemon threads; Ctrl-C (or `close()`) stops them within one poll interval,
    and nothing is sent after it.
    """

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
        breaker_threshold: int = 8,
        native_tools: bool = False,
        **_: Any,
    ):
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - httpx is in the `openai` extra
            raise ModelLoadError("backend 'openai' needs httpx: pip install -e '.[openai]'") from exc
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1").rstrip("/")
        self.url_label = redact_url(self.base_url)  # what is printed and recorded: never a password or key
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
        self.breaker_threshold = max(1, int(breaker_threshold))
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)
        self._logprobs_ok: bool | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()  # set by Ctrl-C, close() or an open circuit: nothing is sent any more
        self._calls: set[threading.Event] = set()  # one cancel event per running generate/loglikelihood call
        self._local = threading.local()
        self._consecutive_failures = 0
        self.circuit_open: str | None = None  # why the breaker opened
        self.n_retries = 0  # transient failures retried so far (reported in info.extra on close)
        self.n_sent = 0  # HTTP requests sent (attempts, retries included)
        self.info = BackendInfo(
            backend="openai",
            model_id=model_id,
            weights_hash=weights_hash,
            device=self.url_label,
            dtype="server",
            extra={"base_url": self.url_label, "max_concurrency": self.max_concurrency},
            capabilities=Capabilities(native_tools=bool(native_tools), prompt_logprobs=None, string_tool_arguments=True),
        )

    # ------------------------------------------------------------------ HTTP
    def _trip(self, why: str) -> None:
        with self._lock:
            if self.circuit_open is None:
                self.circuit_open = why
                log.warning("%s: circuit open (%s); no more requests are sent to it", self.url_label, why)
            self._stop.set()
            for ev in self._calls:
                ev.set()

    def _cancel_event(self) -> threading.Event:
        ev = getattr(self._local, "cancel", None)
        return ev if ev is not None else self._stop

    def _open_error(self) -> BackendRequestError:
        why = self.circuit_open or "stopped"
        return BackendRequestError(f"{self.url_label}: not sending more requests ({why})")

    def _record(self, ok: bool, why: str = "") -> None:
        with self._lock:
            self._consecutive_failures = 0 if ok else self._consecutive_failures + 1
            n = self._consecutive_failures
        if not ok and n >= self.breaker_threshold:
            self._trip(f"{n} requests in a row failed; last: {why}")

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on transient failures; raises _ClientError on other failures of this request."""
        import httpx

        last = ""
        cancel = self._cancel_event()
        for attempt in range(self.max_retries + 1):
            if cancel.is_set() or self._stop.is_set():
                raise _Cancelled()
            wait = min(self.max_backoff_s, self.backoff_s * 2**attempt) * (0.5 + random.random() / 2)
            with self._lock:
                self.n_sent += 1
            try:
                resp = self._client.post(path, content=json.dumps(body))
            except httpx.TransportError as exc:
                last = redact(f"{type(exc).__name__}: {exc}")
            except RuntimeError as exc:  # the client was closed under us (Ctrl-C / close)
                raise _Cancelled() from exc
            else:
                if resp.status_code < 400:
                    try:
                        data = resp.json()
                    except ValueError:
                        self._record(False, "invalid JSON")
                        raise _ClientError(f"HTTP {resp.status_code} but the body is not JSON: {resp.text[:200]!r}") from None
                    if not isinstance(data, dict):
                        self._record(False, "not a JSON object")
                        raise _ClientError(f"HTTP {resp.status_code} but the body is not a JSON object: {resp.text[:200]!r}")
                    return data
                last = redact(f"HTTP {resp.status_code}: {resp.text[:300]}")
                if resp.status_code in FATAL_STATUS:
                    self._trip(f"{last} (check the URL, the served model name and the API key variable)")
                    raise _ClientError(last)
                if resp.status_code not in RETRY_STATUS:
                    self._record(False, last)
                    raise _ClientError(last)
                retry_after = resp.headers.get("retry-after")
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    wait = min(self.max_backoff_s, float(retry_after))
            if attempt < self.max_retries:
                with self._lock:
                    self.n_retries += 1
                log.info("%s%s failed (%s); retry %d in %.1fs", self.url_label, path, last, attempt + 1, wait)
                if cancel.wait(wait):
                    raise _Cancelled()
        # a request that exhausted its retries means the server is down: stop sending (circuit breaker)
        self._trip(f"gave up after {self.max_retries + 1} attempts; last error: {last}")
        raise BackendRequestError(f"{self.url_label}{path}: gave up after {self.max_retries + 1} attempts; last error: {last}")

    def _map(self, fn: Any, items: list[Any]) -> list[Any]:
        """`fn` over `items` on up to `max_concurrency` daemon threads.

        The first exception (or Ctrl-C in the caller) stops every worker: no new request starts,
        waits are cut short, and the call returns at once (a request already on the wire is
        abandoned, not awaited: its thread is a daemon and its answer is dropped).
        """
        if self._stop.is_set():
            raise self._open_error()
        if not items:
            return []
        results: list[Any] = [None] * len(items)
        errors: list[BaseException] = []
        next_i = iter(range(len(items)))
        pending = [len(items)]
        done = threading.Event()
        cancel = threading.Event()  # this call only: one failed item stops its siblings, not the backend
        with self._lock:
            self._calls.add(cancel)

        def work() -> None:
            self._local.cancel = cancel
            while not cancel.is_set():
                with self._lock:
                    i = next(next_i, None)
                if i is None:
                    return
                try:
                    results[i] = fn(items[i])
                except _Cancelled:
                    pass
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    with self._lock:
                        errors.append(exc)
                    cancel.set()
                finally:
                    with self._lock:
                        pending[0] -= 1
                        if pending[0] == 0:
                            done.set()
            done.set()

        for _ in range(min(self.max_concurrency, len(items))):
            threading.Thread(target=work, daemon=True, name="openai").start()
        try:
            while not done.wait(0.1):
                pass
        except BaseException:  # Ctrl-C: stop everything now, send nothing more
            self._trip("interrupted")
            raise
        finally:
            with self._lock:
                self._calls.discard(cancel)
        if errors:
            raise errors[0]
        if cancel.is_set() or self._stop.is_set():
            raise self._open_error()
        return results

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
                if tool_calls is not None and not (isinstance(tool_calls, list) and all(isinstance(t, dict) for t in tool_calls)):
                    raise TypeError(f"tool_calls is not a list of objects: {str(tool_calls)[:200]}")
            else:
                body["prompt"] = r.prompt
                data = self._post("/completions", body)
                choice = data["choices"][0]
                text, tool_calls = choice.get("text") or "", None
            if not isinstance(text, str):
                raise TypeError(f"the completion text is a {type(text).__name__}, not a string")
            usage = data.get("usage") or {}
            n_tokens = int(usage.get("completion_tokens") or 0) if isinstance(usage, dict) else 0
            finish = choice.get("finish_reason") or "stop"
        except _ClientError as exc:
            return Generation(text="", finish_reason="error", error=str(exc))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            self._record(False, "malformed answer")
            return Generation(text="", finish_reason="error", error=f"malformed answer from server: {exc!r}"[:500])
        self._record(True)
        text, stopped = cut_at_stop(text, r.stop)
        reason = "stop" if stopped or finish in ("stop", "tool_calls", "eos") else "length"
        return Generation(text=text, n_tokens=n_tokens, finish_reason=reason, tool_calls=tool_calls)

    # --------------------------------------------------------- loglikelihood
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        if self._logprobs_ok is False:
            raise LogprobsUnavailable(self._no_logprobs_msg("earlier request"))
        return self._map(self._loglikelihood_one, requests)

    def _no_logprobs_msg(self, why: str) -> str:
        return (
            f"server {self.url_label} ({self.model}) gives no prompt log-probabilities ({why}); metrics that need "
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
        self._record(True)
        lps = [float(token_lps[i]) for i in range(start, n_prompt)]  # type: ignore[arg-type]
        greedy = []
        for i, v in zip(range(start, n_prompt), lps):
            top = tops[i] or {}
            greedy.append(all(float(x) <= v + 1e-6 for x in top.values()) if top else False)
        return Loglikelihood(logprobs=lps, tokens=tokens[start:n_prompt], is_greedy=greedy)

    def close(self) -> None:
        """Stop at once: no new request starts; requests still on the wire are abandoned."""
        self.info.extra["n_retries"] = self.n_retries
        self._stop.set()
        self._client.close()
