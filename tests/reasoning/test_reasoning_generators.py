"""Generators of the reasoning families: gold answers recomputed independently, determinism, config errors."""

from __future__ import annotations

import ast
import re
from fractions import Fraction

import pytest

from harness.config.task import load_tasks
from harness.errors import ConfigError
from harness.generators import get_generator


@pytest.mark.parametrize("name,params", [
    ("compounding", {"task": "addition", "length": 16}),
    ("reasoning", {"family": "word_problem", "steps": [1, 2, 3, 4, 5, 6]}),
    ("reasoning", {"family": "coin_flip", "steps": 4}),
    ("icl_map", {"fn": "add_k"}),
    ("pool", {"lang": "zh_hant"}),
])
def test_same_seed_same_items_other_seed_other_items(name: str, params: dict) -> None:
    gen = get_generator(name)
    a, b, c = gen(params, 7, 30), gen(params, 7, 30), gen(params, 8, 30)
    assert [i.hash for i in a] == [i.hash for i in b]
    assert [i.hash for i in a] != [i.hash for i in c]


@pytest.mark.parametrize("L", [2, 9, 64])
def test_compounding_answers(L: int) -> None:
    gen = get_generator("compounding")
    for it in gen({"task": "copy", "length": L}, 1, 20):
        assert it.target == it.fields["input"] and len(it.target) == L and it.meta["units"] == list(it.target)
    for it in gen({"task": "reverse", "length": L}, 1, 20):
        assert it.target.split() == it.fields["input"].split()[::-1] and len(it.meta["units"]) == L
    for it in gen({"task": "addition", "length": L}, 1, 20):
        a, b = it.fields["a"], it.fields["b"]
        assert len(str(a)) == len(str(b)) == L and int(it.target) == a + b and "".join(it.meta["units"]) == it.target


def _replay_word_problem(question: str) -> int:
    """Recompute a word problem's answer from its text alone (independent of the generator's arithmetic)."""
    value = int(re.match(r"\w+ has (\d+) ", question).group(1))
    for s in re.split(r"(?<=\.) ", question)[1:]:
        if m := re.search(r"gets (\d+) more", s):
            value += int(m.group(1))
        elif m := re.search(r"gives (\d+) ", s):
            value -= int(m.group(1))
        elif "twice as large" in s:
            value *= 2
        elif "three times as large" in s:
            value *= 3
        elif m := re.search(r"among (\d+) friends", s):
            assert value % int(m.group(1)) == 0
            value //= int(m.group(1))
    return value


def test_word_problems_gold_and_rationale() -> None:
    items = get_generator("reasoning")({"family": "word_problem", "steps": [1, 2, 3, 4, 5, 6]}, 3, 120)
    assert [it.meta["steps"] for it in items[:7]] == [1, 2, 3, 4, 5, 6, 1]
    for it in items:
        q = it.fields["question"]
        assert q.count("Then ") == it.meta["steps"]
        assert _replay_word_problem(q) == int(it.target)
        eqs = re.findall(r"(\d+) [-+*/] \d+ = (\d+)\.", it.fields["rationale"])
        assert len(eqs) == it.meta["steps"] and eqs[-1][1] == it.target
        assert all(1 <= int(v) <= 999 for _, v in eqs)


def test_last_letter_and_coin_flip_gold() -> None:
    for it in get_generator("reasoning")({"family": "last_letter", "steps": [2, 3, 4]}, 5, 30):
        words = re.search(r'"(.+)"', it.fields["question"]).group(1).split()
        assert len(words) == it.meta["steps"] and it.target == "".join(w[-1] for w in words).lower()
    items = get_generator("reasoning")({"family": "coin_flip", "steps": [2, 3, 4]}, 5, 60)
    for it in items:
        flips = it.fields["question"].count(" flips the coin.")
        assert it.target == ("yes" if flips % 2 == 0 else "no")
    assert {it.target for it in items} == {"yes", "no"}


def test_icl_maps_gold_and_wrong_targets() -> None:
    gen = get_generator("icl_map")
    from harness.generators.icl import NEGATIVE, POSITIVE

    for it in gen({"fn": "label_map"}, 2, 50):
        assert it.target == ("foo" if it.fields["input"] in POSITIVE else "bar") and it.fields["input"] in POSITIVE + NEGATIVE
        assert it.meta["wrong_target"] in ("foo", "bar")
    for it in gen({"fn": "add_k", "k": 3}, 2, 50):
        assert int(it.target) == int(it.fields["input"]) + 3 and it.meta["wrong_target"] != it.target
    for it in gen({"fn": "second_letter"}, 2, 50):
        assert it.target == it.fields["input"][1] and it.meta["wrong_target"] != it.target
    assert "positive" not in gen({"fn": "label_map"}, 1, 1)[0].fields["instruction"]
    assert "positive" in gen({"fn": "label_map", "describe": True}, 1, 1)[0].fields["instruction"]


def _pool_answer(variant: str, n: dict) -> str:
    """Simulate the pool hour by hour with exact fractions (independent of the closed forms)."""
    if variant == "volume":
        rate_in, rate_out, level, full, start_level = Fraction(n["a"]), Fraction(n["b"]), Fraction(0), Fraction(n["V"]), 0
    else:
        rate_in, rate_out, full = Fraction(1, n["x"]), Fraction(1, n["y"]), Fraction(1)
        level = Fraction(1) if variant == "start_full" else Fraction(0)
    delay = n.get("d", 0)
    if variant == "start_full":
        net = rate_out - rate_in
        return str(level / net) if net > 0 else "never"
    t = Fraction(0)
    if delay:
        level += rate_in * delay
        t += delay
    net = rate_in - rate_out
    if net <= 0:
        return "never"
    t += (full - level) / net
    assert t.denominator == 1
    return str(t.numerator)


@pytest.mark.parametrize("lang", ["zh_hans", "zh_hant", "en"])
def test_pool_gold_answers(lang: str) -> None:
    items = get_generator("pool")({"lang": lang}, 11, 120)
    assert {it.meta["variant"] for it in items} == {"base", "never_fills", "delayed_outlet", "start_full", "volume", "distractor"}
    for it in items:
        assert _pool_answer(it.meta["variant"], it.meta["numbers"]) == it.target
        if it.target != "never":
            assert 1 <= int(it.target) <= 120 * 2
        for v in (str(x) for x in it.meta["numbers"].values()):
            assert v in it.fields["question"]
    if lang == "zh_hant":
        assert "進水管" in items[0].fields["question"] and "无法" not in items[0].fields["instruction"]


def _eval_exact(node: ast.AST) -> Fraction:
    """Exact value of + - * / over integer literals (no eval)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return Fraction(node.value)
    assert isinstance(node, ast.BinOp), ast.dump(node)
    a, b = _eval_exact(node.left), _eval_exact(node.right)
    ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b} if not isinstance(node.op, ast.Div) else {ast.Div: a / b}
    return ops[type(node.op)]


def test_pool_languages_share_numbers_and_abstract_formula_is_right() -> None:
    gen = get_generator("pool")
    zh, en = gen({"lang": "zh_hans"}, 4, 24), gen({"lang": "en"}, 4, 24)
    assert [(a.meta["numbers"], a.target) for a in zh] == [(b.meta["numbers"], b.target) for b in en]
    for it in gen({"lang": "abstract", "variants": ["base", "delayed_outlet", "start_full", "volume"]}, 4, 24):
        expr = it.fields["question"].removeprefix("Compute ").rstrip(".")
        assert _eval_exact(ast.parse(expr, mode="eval").body) == Fraction(int(it.target))


def test_bad_params_name_the_file_and_field(tmp_path) -> None:
    bad = tmp_path / "tasks" / "r"
    bad.mkdir(parents=True)
    (bad / "t.yaml").write_text(
        "name: t\ngenerator: {name: pool, params: {lang: abstract, variants: [never_fills]}}\nn_items: 2\n"
        "prompt: {template: 'x'}\nmetrics: [exact_match]\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_tasks(tmp_path / "tasks")
    assert "t.yaml" in str(exc.value) and "generator" in str(exc.value)
    with pytest.raises(Exception):
        get_generator("reasoning").parse_params({"family": "word_problem", "steps": [0]})


def test_all_reasoning_tasks_load_and_render(repo) -> None:
    from harness.runner import build_items, render_all

    tasks = {n: t for n, t in load_tasks(repo / "tasks").items() if t.source_file and "/reasoning/" in t.source_file}
    assert len([n for n in tasks if n.startswith("compound_")]) == 18 and max(t.generator.params["length"] for n, t in tasks.items() if n.startswith("compound_")) >= 64
    for t in tasks.values():
        items = build_items(t, t.seed, 4)
        for instruct in (False, True):
            render_all(t, items, t.seed, instruct)
