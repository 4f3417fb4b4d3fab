"""The harness's BFCL matcher against BFCL's own, unmodified checker (bfcl-eval in .venv-bfcl)."""

from __future__ import annotations

import pytest

from harness.bfcl_crosscheck import compare, reference_python
from harness.metrics.bfcl import BfclOptions

pytestmark = pytest.mark.usefixtures("bfcl_env")


def test_agreement_with_bfcl_checker_on_every_answer_and_mutation() -> None:
    cmp = compare(reference_python())  # every entry of the 9 categories: ~160k cases, ~20 s of CPU
    assert cmp.n > 100_000
    assert cmp.passes["gold_base"] > 0.95 * cmp.by_kind[("gold_base", True)]  # the answers pass, so the mutations test something
    assert cmp.agreement >= 0.995, "\n".join(f"{c.entry} {c.kind}: harness={h} bfcl={r}" for c, h, r in cmp.differences[:30])


def test_crosscheck_detects_a_deviation() -> None:
    # Reading `+5` as 5 (not BFCL's -5) is a deviation the comparison must see.
    cmp = compare(reference_python(), limit_per_category=20, keep=lambda c: c.kind == "text_unary_plus",
                  opts=BfclOptions(unary_plus_negates=False))
    assert cmp.n > 0 and cmp.agreement < 0.995
