"""Sweep configs: which models x which tasks, on which backend, written where."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from harness.backends.options import validate_options
from harness.config.loading import load_yaml_model


class BackendSpec(BaseModel):
    """Backend settings; `kind` picks the implementation, the rest is passed to it.

    The other keys are checked against the typed options of `kind` (harness/backends/options.py):
    `backend: {kind: hf, batchsize: 4}` is an error naming `batchsize`, and `api_key:` is refused.
    """

    model_config = ConfigDict(extra="allow")
    kind: Literal["hf", "vllm", "openai", "fake"] = "hf"
    batch_size: int = Field(16, ge=1)
    dtype: str = "float32"
    device: str = "auto"

    @model_validator(mode="after")
    def _typed_options(self) -> "BackendSpec":
        validate_options(self.kind, self.options())
        return self

    def options(self) -> dict[str, Any]:
        return self.model_dump(exclude={"kind"})


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    models: list[str] = Field(..., min_length=1)
    tasks: list[str] = Field(..., min_length=1, description="task names or globs (e.g. addition_*)")
    backend: BackendSpec = Field(default_factory=BackendSpec)
    output_dir: str = "runs/default"
    limit: int | None = Field(None, ge=1, description="cap on items per task (smoke runs)")
    seed: int | None = Field(None, description="overrides every task's seed")
    task_dir: str = "tasks"
    model_registry: str = "configs/models.yaml"
    per_model_backend: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="backend overrides per model, e.g. a smaller batch for the largest"
    )


    @field_validator("per_model_backend")
    @classmethod
    def _per_model_options(cls, v: dict[str, dict[str, Any]], info: ValidationInfo) -> dict[str, dict[str, Any]]:
        backend = info.data.get("backend")
        if backend is not None:
            for model, opts in v.items():
                try:
                    validate_options(backend.kind, {**backend.options(), **opts})
                except ValueError as exc:
                    raise ValueError(f"{model}.{exc}") from None
        return v


def load_sweep(path: str | Path) -> SweepSpec:
    return load_yaml_model(path, SweepSpec)
