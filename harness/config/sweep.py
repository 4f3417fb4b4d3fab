"""Sweep configs: which models x which tasks, on which backend, written where."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.config.loading import load_yaml_model


class BackendSpec(BaseModel):
    """Backend settings; `kind` picks the implementation, the rest is passed to it."""

    model_config = ConfigDict(extra="allow")
    kind: Literal["hf", "vllm", "openai", "fake"] = "hf"
    batch_size: int = Field(16, ge=1)
    dtype: str = "float32"
    device: str = "auto"

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


def load_sweep(path: str | Path) -> SweepSpec:
    return load_yaml_model(path, SweepSpec)
