"""Item-level analysis (harness.stats.item_level) on hand-computed cases and synthetic records."""

from __future__ import annotations

import random

import pytest

from harness.records import ItemRecord
from harness.stats.item_level import (
    accuracy_by,
    accuracy_by_position,
    carry_columns,
    digit_hits,
    first_error,
    first_error_distribution,
    fit_item_logit,
    independence_check,
    item_rows,
    n_carries,
    operands_from_prompt,
)


def rec(model: str, a: int, b: int, output: str | None, *, greedy: list[bool] | None = None, item_id: str = "0", chat: bool = False) -> ItemRecord:
    target = str(a + b)
    q = f"Q: What is {a} plus {b}? A:"
    prompt = [{"role": "user", "content": "Q: What is 1 plus 2? A:"}, {"role": "assistant", "content": "3"}, {"role": "user", "content": q}] if chat else "Q: What is 11 plus 22? A: 33\n" + q
    toks = [" "] + list(target) if greedy is not None else None
    return ItemRecord(
        model=model, task="addition_3digit", task_hash="h", item_id=item_id, item_hash="x", seed=1, prompt=prompt,
        output=output or "", parsed=output, target=target, valid=output is not None,
        scores={"exact_match": float(output == target)}, gold_tokens=toks, gold_greedy=None if greedy is None else [True] + greedy,
    )


@pytest.mark.parametrize(
    "a,b,cols,n",
    [(58, 67, [0, 1, 1], 2), (123, 456, [0, 0, 0], 0), (999, 1, [0, 1, 1, 1], 3), (500, 500, [0, 0, 0, 1], 1), (0, 0, [0], 0)],
)
def test_carries_known_values(a: int, b: int, cols: list[int], n: int) -> None:
    assert carry_columns(a, b) == cols
    assert n_carries(a, b) == n


def test_carries_match_generator_meta() -> None:
    from harness.generators import get_generator

    gen = get_generator("arithmetic")
    items = gen(gen.parse_params({"digits": 3, "op": "plus", "operand_range": "ndigit"}), 1234, 200)
    assert all(n_carries(int(it.fields["a"]), int(it.fields["b"])) == it.meta["carries"] for it in items)


def test_operands_digit_hits_and_first_error() -> None:
    assert operands_from_prompt("Q: What is 1 plus 2? A: 3\nQ: What is 481 plus 644? A:") == (481, 644)
    assert operands_from_prompt([{"role": "user", "content": "481 + 644 ="}]) == (481, 644)
    assert operands_from_prompt("no numbers") is None
    assert digit_hits("1125", "1125") == [True] * 4
    assert digit_hits("1135", "1125") == [True, False, True, True]  # units first
    assert digit_hits("125", "1125") == [True, True, True, False]  # aligned from the right: the missing leading digit is wrong
    assert digit_hits("115", "125") == [True, False, True]
    assert digit_hits(None, "929") == [False] * 3
    assert first_error("929", "929") is None
    assert first_error("939", "929") == 1
    assert first_error("92", "929") == 2
    assert first_error("9291", "929") == 3  # right digits then an extra one
    assert first_error(None, "929") == 0


def test_rows_and_aggregates_on_hand_made_records() -> None:
    recs = [
        rec("m", 100, 200, "300", item_id="a"),  # 0 carries, right
        rec("m", 150, 150, "300", item_id="b"),  # 1 carry, right
        rec("m", 158, 167, "315", item_id="c"),  # 2 carries (325), wrong tens digit
        rec("m", 199, 101, None, item_id="d", chat=True),  # 2 carries (300), invalid
    ]
    rows = item_rows(recs)
    assert [r.carries for r in rows] == [0, 1, 2, 2]
    by = accuracy_by(rows, "carries")
    assert by[0].mean == 1.0 and by[1].mean == 1.0 and by[2].mean == 0.0 and by[2].n == 2
    pos = accuracy_by_position(rows)
    assert pos[0].mean == 0.75 and pos[1].mean == 0.5 and pos[2].mean == 0.75
    fe = first_error_distribution(rows)
    assert fe["0"].mean == 0.5 and fe["1"].mean == 0.5  # invalid fails at 0, 315 vs 325 at 1


def _synthetic(model: str, p_carry_fail: float, n: int, seed: int) -> list[ItemRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.randrange(100, 1000), rng.randrange(100, 1000)
        wrong = rng.random() < p_carry_fail * n_carries(a, b)
        out.append(rec(model, a, b, str(a + b + (10 if wrong else 0)), item_id=f"{i:04d}"))
    return out


def test_logit_recovers_carry_effect_and_reports_separation() -> None:
    rows = item_rows(_synthetic("m1", 0.3, 400, 1) + _synthetic("m2", 0.1, 400, 2))
    fit = fit_item_logit(rows)
    coefs = {c.name: c for c in fit.coefs}
    assert "carries" in coefs and coefs["carries"].estimate < 0 and coefs["carries"].high < 0 and coefs["carries"].p < 1e-6
    assert any(name.startswith("C(model)") and c.estimate > 0 for name, c in coefs.items())  # m2 is better
    all_right = item_rows([rec("m", 100, 200, "300", item_id=str(i)) for i in range(20)])
    assert fit_item_logit(all_right).coefs == [] and "constant" in fit_item_logit(all_right).note


def _units_records(n: int, L: int, seed: int, clustered: bool) -> list[ItemRecord]:
    """Per-unit teacher-forced flags: independent with p = 0.9, or all-or-nothing per item (same mean)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a = rng.randrange(10 ** (L - 1), 10**L)
        b = 10 ** (L - 1)  # no carries: a + b keeps L digits for a < 9·10^(L-1)
        a = min(a, 8 * 10 ** (L - 1))
        if clustered:
            bad = rng.random() < 1 - 0.9**L
            greedy = [not bad] * L if not bad else [rng.random() < 0.5 for _ in range(L)]
        else:
            greedy = [rng.random() < 0.9 for _ in range(L)]
        s = str(a + b)
        out.append(rec("m", a, b, s if all(greedy) else s[:-1] + str((int(s[-1]) + 1) % 10), greedy=greedy, item_id=f"{i:04d}"))
    return out


def test_independence_check_tells_clustered_from_independent_errors() -> None:
    ind = independence_check(item_rows(_units_records(400, 6, 3, clustered=False)))
    clu = independence_check(item_rows(_units_records(400, 6, 4, clustered=True)))
    assert ind is not None and clu is not None
    assert abs(ind.z) < 2.5 and 0.7 < ind.dispersion < 1.3 and ind.p_dispersion > 0.05 and ind.verdict == "consistent with independence"
    assert clu.z > 3 and clu.dispersion > 1.5 and clu.p_dispersion < 0.01 and clu.verdict.startswith("clustered")
    assert abs(ind.observed_all_right - 0.9**6) < 0.08


def test_pooled_logit_leaves_out_a_model_at_zero() -> None:
    rows = item_rows(_synthetic("m1", 0.3, 300, 1) + [rec("dead", 100 + i, 200, "0", item_id=f"d{i}") for i in range(50)])
    fit = fit_item_logit(rows)
    assert fit.coefs and "dead" in fit.note and all("dead" not in c.name for c in fit.coefs)
