"""Arithmetic items: n-digit addition (GPT-3 and Schaeffer et al. settings) and multiplication.

Operand ranges (documented because the papers differ):
- `ndigit` (default): operands uniform in [10^(n-1), 10^n), i.e. every operand has exactly n digits.
- `gpt3`: operands uniform in [0, 10^n), as in Brown et al. 2020 §3.9.1 (so some have fewer digits).
`sum_digits` optionally keeps only items whose result has exactly that many digits (e.g. the
catalogue's 3-digit sums < 1000 with fixed 3-digit answers).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.generators.base import GeneratorParams, Item, register_generator
from harness.hashing import rng_for

_OPS = {"plus": ("+", lambda a, b: a + b), "times": ("*", lambda a, b: a * b), "minus": ("-", lambda a, b: a - b)}


class ArithmeticParams(GeneratorParams):
    digits: int = Field(3, ge=1, le=30, description="digits per operand")
    op: Literal["plus", "minus", "times"] = "plus"
    operand_range: Literal["ndigit", "gpt3"] = "ndigit"
    result_digits: int | None = Field(None, ge=1, description="keep only items whose result has this many digits")


def _operand(rng, digits: int, mode: str) -> int:
    if mode == "gpt3":
        return rng.randrange(0, 10**digits)
    return rng.randrange(10 ** (digits - 1), 10**digits)


@register_generator("arithmetic", ArithmeticParams)
def arithmetic(params: ArithmeticParams, seed: int, n: int) -> list[Item]:
    """Two-operand arithmetic `a <op> b`; fields a, b, op_word, op_symbol; target is the exact result."""
    rng = rng_for(seed, "arithmetic", params.digits, params.op, params.operand_range)
    symbol, fn = _OPS[params.op]
    items: list[Item] = []
    tries = 0
    while len(items) < n:
        tries += 1
        if tries > 1000 * max(n, 1):
            raise ValueError(f"cannot draw {n} items with result_digits={params.result_digits} for {params.digits}-digit operands")
        a = _operand(rng, params.digits, params.operand_range)
        b = _operand(rng, params.digits, params.operand_range)
        result = fn(a, b)
        if params.result_digits is not None and len(str(abs(result))) != params.result_digits:
            continue
        carries = _carries(a, b) if params.op == "plus" else None
        items.append(
            Item(
                id=f"{len(items):05d}",
                fields={"a": a, "b": b, "op_word": params.op, "op_symbol": symbol},
                target=str(result),
                meta={"digits": params.digits, "answer_len": len(str(result)), "carries": carries},
            )
        )
    return items


def _carries(a: int, b: int) -> int:
    """Number of carry operations in a + b (difficulty covariate for the per-digit analysis)."""
    count, carry = 0, 0
    while a or b:
        s = a % 10 + b % 10 + carry
        carry = 1 if s >= 10 else 0
        count += carry
        a //= 10
        b //= 10
    return count
