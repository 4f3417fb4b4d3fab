"""The typed result schema: one `ItemRecord` per (model, task, item), one `RunMeta` per (model, task).

Records hold no timestamps or timings, so two runs with the same seed produce byte-identical
records; everything time- and machine-dependent lives in RunMeta.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class ItemRecord(BaseModel):
    """Everything about one evaluated item: what was asked, what came back, how it scored."""

    model_config = ConfigDict(extra="forbid")
    schema_version: int = SCHEMA_VERSION
    model: str = Field(..., description="model registry name")
    task: str
    task_hash: str = Field(..., description="hash of the task config (generator, prompt, metrics, ...)")
    item_id: str
    item_hash: str = Field(..., description="hash of the item's fields and target")
    seed: int
    prompt: str | list[dict[str, Any]] = Field(..., description="rendered prompt text, or chat messages")
    output: str = Field(..., description="raw model output (cut at the stop sequence)")
    parsed: str | None = Field(..., description="answer extracted by the task's parser; null = invalid output")
    target: str
    valid: bool
    scores: dict[str, float | None]
    n_output_tokens: int = 0
    finish_reason: str = "stop"
    gold_logprobs: list[float] | None = Field(None, description="teacher-forced log-probs of the gold tokens")
    gold_tokens: list[str] | None = None
    gold_greedy: list[bool] | None = None
    trajectory: list[dict[str, Any]] | None = Field(None, description="agent steps (tool calls, observations)")
    error: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict, description="item metadata from the generator")


class RunMeta(BaseModel):
    """Provenance of one (model, task) run: what a verdict depends on."""

    model_config = ConfigDict(extra="allow")
    schema_version: int = SCHEMA_VERSION
    model: str
    model_id: str
    model_params: int
    model_family: str
    model_instruct: bool
    weights_hash: str | None
    backend: str
    device: str
    dtype: str
    task: str
    task_hash: str
    task_version: int
    seed: int
    n_items: int
    n_done: int = 0
    limit: int | None = None
    items_hash: str = Field(..., description="hash over all item hashes, in order")
    prompt_hash: str = Field(..., description="hash of the rendered prompts")
    git_commit: str | None = None
    packages: dict[str, str] = Field(default_factory=dict)
    host: dict[str, Any] = Field(default_factory=dict)
    elapsed_s: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    prompt_format: str | None = Field(None, description="'chat' or 'completion': the format this model got (issue 15)")
    facets: dict[str, str] = Field(default_factory=dict, description="variant facets: format, template, arm (prompts.render.task_facets)")
