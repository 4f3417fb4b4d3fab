"""Typed backend options and declared capabilities, one entry per backend kind.

A sweep's `backend:` mapping (and each `per_model_backend:` entry) is validated against the
options model of its `kind` (`extra="forbid"`), so a misspelt option (`batchsize: 4`) is an
error that names the field instead of a silently ignored key. `api_key:` is refused outright:
keys come from the environment (`api_key_env:` names the variable), so none is ever written to
a config, a record or a report.

What a backend can do is declared by the backend itself (`BackendInfo.capabilities`, base.py).
This module imports nothing heavy: it is read when configs load.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SECRET_KEYS = ("api_key", "apikey", "key", "token", "password", "secret", "authorization")


class BackendOptions(BaseModel):
    """Options every backend accepts (the runner sizes its chunks from `batch_size`)."""

    model_config = ConfigDict(extra="forbid")
    batch_size: int = Field(16, ge=1)
    dtype: str = "float32"
    device: str = "auto"


class HFOptions(BackendOptions):
    loglikelihood_batch_size: int | None = Field(None, ge=1)
    revision: str | None = None
    trust_remote_code: bool = False
    threads: int | None = Field(None, ge=1)
    prefix_cache: bool = True
    gold_draft: bool = True  # gold-as-draft greedy decoding (exact; off for plain token-by-token decoding)
    draft_margin: float | None = Field(None, gt=0)  # top-2 logit gap below which a draft token is decoded, not trusted


class VLLMOptions(BackendOptions):
    revision: str | None = None
    seed: int = 0
    trust_remote_code: bool = False
    enable_prefix_caching: bool = True
    cpu_kvcache_gib: int | None = Field(None, ge=1)  # VLLM_CPU_KVCACHE_SPACE takes whole GiB
    engine_kwargs: dict[str, Any] | None = None
    data_parallel_size: int | None = Field(None, ge=1)
    ray_address: str | None = None
    ray_cpu_only: bool = False
    tensor_parallel_size: int | None = Field(None, ge=1)
    pipeline_parallel_size: int | None = Field(None, ge=1)
    distributed_executor_backend: str | None = None
    gpu_memory_utilization: float | None = Field(None, gt=0, le=1)
    max_model_len: int | None = Field(None, ge=1)
    quantization: str | None = None
    kv_cache_dtype: str | None = None
    enforce_eager: bool | None = None
    max_num_seqs: int | None = Field(None, ge=1)
    max_num_batched_tokens: int | None = Field(None, ge=1)
    swap_space: float | None = Field(None, ge=0)
    cpu_offload_gb: float | None = Field(None, ge=0)
    download_dir: str | None = None


class OpenAIOptions(BackendOptions):
    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL)")
    served_model: str | None = Field(None, description="the model name the server knows (default: the registry's display name)")
    api_key_env: str = Field("OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="environment variable holding the key")
    max_concurrency: int = Field(8, ge=1, le=512)
    max_retries: int = Field(5, ge=0, le=100)
    backoff_s: float = Field(0.5, ge=0)
    max_backoff_s: float = Field(30.0, ge=0)
    timeout_s: float = Field(120.0, gt=0)
    max_stop: int = Field(4, ge=0)
    weights_hash: str | None = Field(None, description="hash of the served weights, when known (part of a cell's identity)")
    breaker_threshold: int = Field(
        8, ge=1, description="consecutive failed requests (after retries) that open the circuit: the rest fail at once"
    )
    native_tools: bool = Field(False, description="send tool schemas to the server (it parses calls itself)")


class FakeOptions(BackendOptions):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    responder: Any = None
    fail_on: str | None = None


OPTION_MODELS: dict[str, type[BackendOptions]] = {"hf": HFOptions, "vllm": VLLMOptions, "openai": OpenAIOptions, "fake": FakeOptions}
BackendKind = Literal["hf", "vllm", "openai", "fake"]


def _secret_key_error(keys: list[str]) -> str | None:
    bad = [k for k in keys if k.lower().replace("-", "_") in SECRET_KEYS]
    if bad:
        return (f"{bad[0]}: secrets are not read from config files (they would end up in records); "
                "put the key in an environment variable and name it with `api_key_env:`")
    return None


def validate_options(kind: str, options: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check `options` against the options model of `kind`; raise ValueError naming the first bad field.

    Returns the options as given (plus defaults unless `partial`): backends keep receiving plain keywords.
    """
    if kind not in OPTION_MODELS:
        raise ValueError(f"unknown backend kind {kind!r}; known: {', '.join(OPTION_MODELS)}")
    if msg := _secret_key_error(list(options)):
        raise ValueError(msg)
    model = OPTION_MODELS[kind]
    try:
        parsed = model.model_validate(options)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(p) for p in e["loc"]) or "<options>"
        if e["type"] == "extra_forbidden":
            known = ", ".join(sorted(model.model_fields))
            raise ValueError(f"{field}: unknown option for backend {kind!r} (known: {known})") from None
        raise ValueError(f"{field}: {e['msg']}") from None
    return dict(options) if partial else {**parsed.model_dump(exclude_unset=False), **options}
