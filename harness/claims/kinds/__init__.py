"""Rule kinds: one module per comparison (threshold, curve shape, paired conditions, ...).

A kind is a function `(rule, params, data) -> Outcome` registered with its parameter model. The
outcome says supported / refuted / inconclusive from the numbers alone; the verdict layer then
applies the rule's requirements (sizes, N) and the multiple-comparison correction.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from harness.claims.data import RuleData
    from harness.claims.rules import Rule

Status = Literal["supported", "refuted", "inconclusive"]


class KindParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def metrics(self) -> list[str]:
        """Metric outputs besides the rule's `metric` that this kind reads (validated to exist)."""
        return []

    def tasks(self) -> list[str]:
        """Task names named inside the params (validated to exist and to be among the rule's tasks)."""
        return []


@dataclass
class Outcome:
    status: Status
    evidence: list[str]
    reason: str | None = None
    p_value: float | None = None  # of the rule's pre-specified primary test (after Holm across its cells)
    details: dict[str, object] = field(default_factory=dict)  # n_compared: [N per compared cell]; undecidable: why
    effect: str = ""  # the headline effect with its 95% interval
    primary_test: str = ""
    equivalence: str | None = None  # TOST result behind an agreement / no-effect outcome


KindFn = Callable[["Rule", KindParams, "RuleData"], Outcome]


@dataclass(frozen=True)
class Kind:
    name: str
    params_model: type[KindParams]
    fn: KindFn
    doc: str


KINDS: dict[str, Kind] = {}
_loaded = False


def register_kind(name: str, params_model: type[KindParams]) -> Callable[[KindFn], KindFn]:
    def deco(fn: KindFn) -> KindFn:
        if name in KINDS:
            raise ValueError(f"rule kind {name!r} registered twice")
        KINDS[name] = Kind(name, params_model, fn, (fn.__doc__ or "").strip())
        return fn

    return deco


def load_kinds() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def params_of(rule: "Rule") -> KindParams:
    load_kinds()
    return KINDS[rule.kind].params_model.model_validate(rule.params)


def metrics_of(rule: "Rule") -> list[str]:
    return params_of(rule).metrics()


def good_sign(metric: str) -> float:
    """+1 when higher is better for this metric output, -1 for error rates and distances."""
    from harness.metrics import load_all, lower_is_better

    load_all()
    return -1.0 if lower_is_better(metric) else 1.0
