"""Scoring of the reasoning families: answer extraction, sequence accuracy / first errors, pool
taxonomy, the compounding aggregates, and the format-only (wrong-answer) shots."""

from __future__ import annotations

import math
import random

import pytest

from harness.backends.base import Loglikelihood
from harness.generators import Item, get_generator
from harness.metrics import METRICS, ScoreContext, parse
from harness.stats.compounding import hazard, sequence_vs_tokens

ITEM = Item(id="0", fields={}, target="0")


@pytest.mark.parametrize("text,kind,want", [
    (" The answer is 24.", "number", "24"),
    (" Maya starts with 8 stickers. 8 * 3 = 24. 24 - 5 = 19. The answer is 19.\nQ: Tom has 3. A: The answer is 7.", "number", "19"),
    ("Step 1: 12 + 3 = 15\nStep 2: 15 * 2 = 30\n#### 30", "number", "30"),
    ("So the final answer is: **1,234**.", "number", "1234"),
    ("First 5, then 7, so we get 12 apples", "number", "12"),
    ("答案是 17", "number", "17"),
    ("\\boxed{42}", "number", "42"),
    ("I am not sure.", "number", None),
    (' The last letter of "Elon" is "n". The last letter of "Musk" is "k". Concatenating them gives "nk". The answer is nk.', "word", "nk"),
    (" The answer is \"NKY\".", "word", "nky"),
    (" nky", "word", "nky"),
    (" some rambling words", "word", None),
    (" Kira flips it, so it is now tails up. The answer is no.", "yesno", "no"),
    (" Yes.", "yesno", "yes"),
])
def test_reasoning_answer_extraction(text: str, kind: str, want: str | None) -> None:
    assert parse("reasoning_answer", text, ITEM, kind=kind) == want


@pytest.mark.parametrize("text,want", [
    ("40", "40"), ("无法注满", "never"), ("無法注滿。", "never"), ("无法注滿", "never"), ("永遠不会注满", "never"), (" never", "never"), ("答案：12小时", "12"),
    ("12/5", "2.4"), ("需要2.4小时", "2.4"), ("The answer is 36 hours.", "36"), ("???", None),
])
def test_pool_answer(text: str, want: str | None) -> None:
    assert parse("pool_answer", text, ITEM) == want


def _ctx(item: Item, output: str, parser: str, ll: Loglikelihood | None = None) -> ScoreContext:
    return ScoreContext(item=item, output=output, parsed=parse(parser, output, item), loglikelihood=ll)


def test_sequence_accuracy_first_errors() -> None:
    item = get_generator("compounding")({"task": "reverse", "length": 8}, 1, 1)[0]
    gold = item.target.split()
    fn = METRICS["sequence_accuracy"].fn
    ok = fn(_ctx(item, " " + item.target + "\n", "sequence_answer"))
    assert ok["seq_exact"] == 1.0 and ok["unit_acc"] == 1.0 and ok["free_first_error"] is None
    wrong = gold.copy()
    wrong[5] = str((int(wrong[5]) + 1) % 10)
    toks = [" "] + [t for g in gold for t in (g, " ")][:-1]  # leading space, digits and spaces
    greedy = [True] * len(toks)
    greedy[1 + 2 * 3] = False  # the 4th digit is not the greedy choice under teacher forcing
    ll = Loglikelihood(logprobs=[-0.1] * len(toks), tokens=toks, is_greedy=greedy)
    bad = fn(_ctx(item, " " + " ".join(wrong), "sequence_answer", ll))
    assert bad["seq_exact"] == 0.0 and bad["free_first_error"] == 5 / 8 and bad["unit_acc"] == 7 / 8
    assert bad["tf_first_error"] == 3 / 8
    short = fn(_ctx(item, " " + " ".join(gold[:3]), "sequence_answer"))
    assert short["free_first_error"] == 3 / 8 and short["seq_exact"] == 0.0
    garbage = fn(_ctx(item, "", "sequence_answer"))
    assert garbage["seq_exact"] == 0.0 and garbage["free_first_error"] == 0.0


def _pool_item(variant: str, lang: str = "en") -> Item:
    return next(it for it in get_generator("pool")({"lang": lang}, 9, 12) if it.meta["variant"] == variant)


def test_pool_taxonomy_matches_misreadings() -> None:
    fn = METRICS["pool_taxonomy"].fn
    base = _pool_item("base")
    x, y = base.meta["numbers"]["x"], base.meta["numbers"]["y"]
    right = fn(_ctx(base, base.target, "pool_answer"))
    assert right["pool_misread"] == 0.0 and right["pool_other_error"] == 0.0
    added = fn(_ctx(base, format(x * y / (x + y), ".4g"), "pool_answer"))
    assert added["sig_rates_added"] == 1.0 and added["pool_misread"] == 1.0
    ignored = fn(_ctx(base, str(x), "pool_answer"))
    assert ignored["sig_one_pipe"] == 1.0 and ignored["sig_rates_added"] == 0.0
    other = fn(_ctx(base, "9999", "pool_answer"))
    assert other["pool_misread"] == 0.0 and other["pool_other_error"] == 1.0
    never_said = fn(_ctx(base, "never", "pool_answer"))
    assert never_said["sig_never_for_fillable"] == 1.0
    nv = _pool_item("never_fills")
    number = fn(_ctx(nv, "12", "pool_answer"))
    assert number["sig_number_for_never"] == 1.0 and number["pool_misread"] == 1.0
    assert fn(_ctx(nv, "never", "pool_answer"))["pool_misread"] == 0.0
    invalid = fn(_ctx(nv, "???", "pool_answer"))
    assert invalid["pool_invalid"] == 1.0 and invalid["pool_misread"] == 0.0
    delayed = _pool_item("delayed_outlet")
    assert fn(_ctx(delayed, str(delayed.meta["signatures"]["delay_ignored"][0]), "pool_answer"))["sig_delay_ignored"] == 1.0


def test_sequence_vs_tokens_recovers_independence() -> None:
    rng = random.Random(0)
    p, L, n = 0.97, 32, 400
    greedy = [[rng.random() < p for _ in range(L)] for _ in range(n)]
    seq = [float(all(g)) for g in greedy]
    cell = sequence_vs_tokens(seq, greedy)
    assert abs(cell.p.mean - p) < 0.01 and cell.p.low < cell.p.mean < cell.p.high
    assert cell.S.low <= cell.pL.mean <= cell.S.high  # independent errors: S(L) ~ p^L
    assert math.isclose(cell.tf_exact.mean, cell.S.mean)
    # errors all in the same few items: S far above p^L
    clustered = [[False] * L if i < 40 else [True] * L for i in range(n)]
    c2 = sequence_vs_tokens([float(all(g)) for g in clustered], clustered)
    assert c2.S.mean == 0.9 and c2.pL.mean < 0.1


def test_hazard_flat_for_constant_risk_and_falling_for_early_errors() -> None:
    rng = random.Random(1)
    L = 40
    fe = []
    for _ in range(3000):
        fe.append(next((i for i in range(L) if rng.random() < 0.02), None))
    bins = hazard(fe, [L] * len(fe), 4)
    assert all(abs(b.h - 0.02) < 0.006 for b in bins)
    assert sum(b.events for b in bins) == sum(f is not None for f in fe)
    early = hazard([0] * 50 + [None] * 50, [L] * 100, 4)
    assert early[0].h > 0.01 and early[3].h == 0.0 and early[3].at_risk == 50 * 10


def test_wrong_answer_shots_keep_format_and_gold(repo) -> None:
    from harness.config.task import load_tasks
    from harness.runner import build_items, render_all

    tasks = load_tasks(repo / "tasks")
    right, wrong = tasks["icl_addk_k4"], tasks["icl_addk_k4_wrong"]
    items = build_items(right, right.seed, 10)
    assert [i.hash for i in items] == [i.hash for i in build_items(wrong, wrong.seed, 10)]
    p_right, p_wrong = render_all(right, items, right.seed, False), render_all(wrong, items, wrong.seed, False)
    for it, a, b in zip(items, p_right, p_wrong):
        shots_a = [line for line in a.prompt.splitlines() if line.startswith("Output:")]
        shots_b = [line for line in b.prompt.splitlines() if line.startswith("Output:")]
        assert len(shots_a) == len(shots_b) == 5  # 4 shots + the open question
        ins = [int(line.split()[1]) for line in a.prompt.splitlines() if line.startswith("Input:")][:4]
        assert [int(s.split()[1]) for s in shots_a[:4]] == [v + 3 for v in ins]
        assert all(int(s.split()[1]) != v + 3 for s, v in zip(shots_b[:4], ins))
        assert a.prompt.splitlines()[-2] == b.prompt.splitlines()[-2] == f"Input: {it.fields['input']}"
