"""Typed, validated configuration: tasks, models, sweeps (and claims, in harness.claims)."""

from harness.config.loading import load_yaml_model, parse_model
from harness.config.model import ModelRegistry, ModelSpec, load_model_registry
from harness.config.sweep import SweepSpec, load_sweep
from harness.config.task import TaskSpec, load_task, load_tasks

__all__ = [
    "ModelRegistry",
    "ModelSpec",
    "SweepSpec",
    "TaskSpec",
    "load_model_registry",
    "load_sweep",
    "load_task",
    "load_tasks",
    "load_yaml_model",
    "parse_model",
]
