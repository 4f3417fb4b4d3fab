"""Backends: one small protocol (generate, loglikelihood) and its implementations."""

from __future__ import annotations

from typing import Any

from harness.backends.base import Backend, BackendInfo, Capabilities, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest
from harness.config.model import ModelSpec
from harness.errors import ModelLoadError


def load_backend(kind: str, spec: ModelSpec | None, options: dict[str, Any] | None = None) -> Backend:
    """Instantiate backend `kind` for `spec`. Heavy imports happen here, not at module import.

    `options` are checked against the kind's typed options model first (`options.py`): an unknown
    or misspelt option, or a secret such as `api_key`, is a ModelLoadError naming the field.
    """
    from harness.backends.options import validate_options

    try:
        options = validate_options(kind, dict(options or {}), partial=True)
    except ValueError as exc:
        raise ModelLoadError(f"backend {kind!r}: {exc}") from None
    if kind == "fake":
        from harness.backends.fake import FakeBackend

        return FakeBackend(**options)
    if spec is None:
        raise ModelLoadError(f"backend {kind!r} needs a model")
    if kind == "hf":
        from harness.backends.hf import HFBackend
        from harness.weights import resolve_model

        loc = resolve_model(spec)
        return HFBackend(loc.pop("model_path"), **loc, **options)
    if kind == "vllm":
        from harness.backends.vllm import load_vllm
        from harness.weights import resolve_model

        loc = resolve_model(spec)
        return load_vllm(loc.pop("model_path"), **loc, **options)  # type: ignore[no-any-return]
    if kind == "openai":
        from harness.backends.openai import OpenAIBackend  # type: ignore[import-not-found]

        return OpenAIBackend(model_id=options.pop("served_model", None) or spec.display_name, **options)
    raise ModelLoadError(f"unknown backend kind {kind!r}")


__all__ = ["Backend", "BackendInfo", "Capabilities", "Generation", "GenerateRequest", "Loglikelihood", "LoglikelihoodRequest", "load_backend"]
