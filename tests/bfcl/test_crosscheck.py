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


def test_crosscheck_detects_a_deviation(monkeypatch: pytest.MonkeyPatch) -> None:
    # A matcher that compares strings case-sensitively (BFCL lower-cases them) must be caught.
    import harness.metrics.bfcl as m

    monkeypatch.setattr(m, "standardize", lambda s: m._STD.sub("", s).replace("'", '"'))
    cmp = compare(reference_python(), limit_per_category=20, keep=lambda c: c.kind in ("str_case", "gold_base"))
    assert cmp.n > 0 and cmp.agreement < 0.995
    assert {c.kind for c, _, _ in cmp.differences} == {"str_case"}


def test_named_options_deviate_only_where_documented() -> None:
    cmp = compare(reference_python(), limit_per_category=40, keep=lambda c: c.kind.startswith("parallel") or c.kind == "gold_base",
                  opts=BfclOptions(parallel_matching="optimal"))
    assert all(h and not r for _, h, r in cmp.differences)  # "optimal" only ever passes more


def test_prompting_messages_equal_bfcls_own() -> None:
    import json
    import subprocess

    from harness.bfcl_crosscheck import REFERENCE
    from harness.solvers.bfcl import prompting_messages

    fns = [{"name": "a.b", "description": "d", "parameters": {"type": "dict", "properties": {"x": {"type": "float"}}, "required": []}}]
    code = (f"import sys, json; sys.path.insert(0, {str(REFERENCE.parent)!r}); import bfcl_reference as br; br._stub_imports()\n"
            "from bfcl_eval.model_handler.utils import system_prompt_pre_processing_chat_model as f\n"
            "print(json.dumps(f(json.loads(sys.argv[1]), json.loads(sys.argv[2]), 'simple_python_0')))")
    for msgs in ([{"role": "user", "content": "hi"}], [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]):
        out = subprocess.run([str(reference_python()), "-c", code, json.dumps(msgs), json.dumps(fns)], capture_output=True, text=True, check=True)
        assert json.loads(out.stdout) == prompting_messages(msgs, fns)
