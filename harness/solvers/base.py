"""The solver protocol and registry."""

from __future__ import annotations

from harness.registry import same_callable

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from harness.backends.base import Backend
from harness.config.task import TaskSpec
from harness.generators.base import Item
from harness.prompts.render import RenderedPrompt


@dataclass
class SolverOutput:
    text: str
    n_tokens: int = 0
    finish_reason: str = "stop"
    trajectory: list[dict[str, Any]] | None = None
    error: str | None = None
    extra: dict[str, Any] | None = None


class Solver(Protocol):
    def __call__(self, task: TaskSpec, items: list[Item], prompts: list[RenderedPrompt], backend: Backend, seed: int) -> list[SolverOutput]: ...


SOLVERS: dict[str, Solver] = {}


def register_solver(name: str) -> Callable[[Solver], Solver]:
    def deco(fn: Solver) -> Solver:
        if name in SOLVERS and not same_callable(SOLVERS[name], fn):
            raise ValueError(f"solver {name!r} registered twice")
        SOLVERS[name] = fn
        return fn

    return deco
