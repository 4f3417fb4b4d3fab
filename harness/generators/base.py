"""Items and the generator registry.

A generator is a pure function of (params, seed, n) that returns items; it never reads the
network or the clock, so the same seed gives the same items on every machine. Each generator
declares a pydantic model for its params, so a typo in `generator.params` is a config error
that names the field.
"""

from __future__ import annotations

from harness.registry import same_callable

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from harness.hashing import stable_hash


@dataclass(frozen=True)
class Item:
    """One evaluation item. `fields` feed the prompt template; `target` is the gold answer."""

    id: str
    fields: dict[str, Any]
    target: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def hash(self) -> str:
        return stable_hash({"fields": self.fields, "target": self.target, "meta": self.meta})

    def template_vars(self) -> dict[str, Any]:
        return {**self.fields, "target": self.target, "meta": self.meta, "id": self.id}


class GeneratorParams(BaseModel):
    """Base class for generator parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=GeneratorParams)


@dataclass(frozen=True)
class Generator(Generic[P]):
    name: str
    params_model: type[P]
    fn: Callable[[P, int, int], list[Item]]
    doc: str

    def parse_params(self, raw: dict[str, Any]) -> P:
        return self.params_model.model_validate(raw or {})

    def __call__(self, params: P | dict[str, Any], seed: int, n: int) -> list[Item]:
        if not isinstance(params, GeneratorParams):
            params = self.parse_params(params)
        items = self.fn(params, seed, n)  # type: ignore[arg-type]
        ids = [it.id for it in items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"generator {self.name!r} produced duplicate item ids")
        return items


GENERATORS: dict[str, Generator[Any]] = {}


def register_generator(name: str, params_model: type[P]) -> Callable[[Callable[[P, int, int], list[Item]]], Callable[[P, int, int], list[Item]]]:
    """Decorator: `@register_generator("addition", AdditionParams)`."""

    def deco(fn: Callable[[P, int, int], list[Item]]) -> Callable[[P, int, int], list[Item]]:
        if name in GENERATORS and not same_callable(GENERATORS[name].fn, fn):
            raise ValueError(f"generator {name!r} registered twice")
        GENERATORS[name] = Generator(name, params_model, fn, (fn.__doc__ or "").strip())
        return fn

    return deco


def get_generator(name: str) -> Generator[Any]:
    from harness.generators import load_all

    load_all()
    try:
        return GENERATORS[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; known: {', '.join(sorted(GENERATORS))}") from None
