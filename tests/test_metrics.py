"""Scoring on hand-made outputs: exact match, per-digit error, edit distance, parsers, invalid output."""

from __future__ import annotations

import math

import pytest

from harness.backends.base import Loglikelihood
from harness.generators import Item
from harness.metrics import METRICS, ScoreContext, load_all, parse

load_all()
ITEM = Item(id="0", fields={"a": 686, "b": 243}, target="929")


def score(output: str, parser: str = "first_integer", ll: Loglikelihood | None = None) -> dict:
    parsed = parse(parser, output, ITEM)
    ctx = ScoreContext(item=ITEM, output=output, parsed=parsed, loglikelihood=ll)
    out: dict = {}
    for name in ("exact_match", "digit_error", "digit_edit_distance", "gold_loglikelihood", "valid"):
        out.update(METRICS[name].fn(ctx))
    return out


def test_exact_and_digit_metrics() -> None:
    s = score(" 929\n")
    assert s["exact_match"] == 1.0 and s["digit_error"] == 0.0 and s["digit_edit_distance"] == 0.0
    s = score(" 939")  # one wrong digit
    assert s["exact_match"] == 0.0 and s["digit_error"] == pytest.approx(1 / 3) and s["digit_edit_distance"] == 1.0
    s = score(" 1929")  # an extra leading digit counts as one error
    assert s["digit_error"] == pytest.approx(1 / 3)
    s = score(" 29")  # a missing digit counts as one error (right-aligned)
    assert s["digit_error"] == pytest.approx(1 / 3) and s["digit_edit_distance"] == 1.0


@pytest.mark.parametrize("garbage", ["", "   ", "\x00\xff banana", "Q: what? A: no", "🙂" * 50])
def test_garbage_is_invalid_not_a_crash(garbage: str) -> None:
    s = score(garbage)
    assert s["valid"] == 0.0 and s["exact_match"] == 0.0 and s["digit_error"] == 1.0 and s["digit_edit_distance"] == 3.0


def test_answer_integer_parser_reads_chatty_outputs() -> None:
    assert parse("answer_integer", "686 + 243 = 929", ITEM) == "929"
    assert parse("answer_integer", "The answer is 929.", ITEM) == "929"
    assert parse("answer_integer", "答案是929", ITEM) == "929"
    assert parse("answer_integer", "1,024", ITEM) == "1024"
    assert parse("first_integer", "686 + 243 = 929", ITEM) == "686"
    assert parse("answer_integer", "no number here", ITEM) is None


def test_gold_loglikelihood_skips_space_token() -> None:
    ll = Loglikelihood(logprobs=[-0.01, math.log(0.5), math.log(0.5), math.log(0.5)], tokens=[" ", "9", "2", "9"], is_greedy=[True, True, False, True])
    s = score(" 929", ll=ll)
    assert s["gold_tokens"] == 3.0 and s["tf_token_acc"] == pytest.approx(2 / 3)
    assert s["gold_token_prob"] == pytest.approx(0.5) and s["tf_exact"] == 0.0
    assert s["gold_logprob"] == pytest.approx(-0.01 + 3 * math.log(0.5))
