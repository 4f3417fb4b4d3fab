"""Length-controlled tasks with one deterministic answer, for error compounding (001-14).

Three tasks whose answer is L "units" long, each unit a single digit (one token in the CPU
ladder's tokenizers, which split digits), so L counts answer tokens up to a leading-space token:
- `copy`: repeat a random L-digit string;
- `reverse`: reverse a space-separated list of L digits;
- `addition`: L-digit + L-digit (the sum has L or L+1 digits; units are the sum's digits).
`units` (in `meta`) is the answer as a list of units, so sequence accuracy, first-error position
and hazard are computed per unit without re-tokenising.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for


class CompoundingParams(GeneratorParams):
    task: Literal["copy", "reverse", "addition"] = "copy"
    length: int = Field(8, ge=1, le=1024, description="L: digits per string / list / operand")


def _digits(rng, n: int, leading_nonzero: bool) -> str:  # type: ignore[no-untyped-def]
    first = str(rng.randrange(1, 10)) if leading_nonzero else str(rng.randrange(10))
    return first + "".join(str(rng.randrange(10)) for _ in range(n - 1))


@register_generator("compounding", CompoundingParams)
def compounding(params: CompoundingParams, seed: int, n: int) -> list[Item]:
    """Fields `input` (and `a`, `b` for addition); target is the exact answer string."""
    rng = rng_for(seed, "compounding", params.task, params.length)
    items: list[Item] = []
    for i in range(n):
        L = params.length
        if params.task == "copy":
            s = _digits(rng, L, leading_nonzero=False)
            fields, target, units = {"input": s}, s, list(s)
        elif params.task == "reverse":
            xs = [str(rng.randrange(10)) for _ in range(L)]
            fields, target, units = {"input": " ".join(xs)}, " ".join(reversed(xs)), list(reversed(xs))
        else:
            a, b = int(_digits(rng, L, True)), int(_digits(rng, L, True))
            target = str(a + b)
            fields, units = {"input": f"{a} + {b}", "a": a, "b": b}, list(target)
        items.append(Item(id=f"{i:05d}", fields=fields, target=target, meta={"task": params.task, "length": L, "units": units, "n_units": len(units)}))
    return items
