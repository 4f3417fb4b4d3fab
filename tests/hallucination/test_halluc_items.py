"""Hallucination items: deterministic per seed, fictional names absent from the answerable tables,
conditions paired on the same items, retrieval with and without the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.task import load_task
from harness.data import load_table
from harness.generators import get_generator
from harness.generators.hallucination_names import ENTITY_TYPES, fictional_name, is_known, known_strings, normalise
from harness.hashing import rng_for


def _qa(seed: int, n: int = 90, **params):  # type: ignore[no-untyped-def]
    return get_generator("halluc_qa")(params, seed, n)


def test_items_are_deterministic_per_seed() -> None:
    a, b, c = _qa(7), _qa(7), _qa(8)
    assert [(i.id, i.hash) for i in a] == [(i.id, i.hash) for i in b]
    assert [i.fields["question"] for i in a] != [i.fields["question"] for i in c]
    film = get_generator("halluc_filmography")
    assert [i.hash for i in film({}, 1, 18)] == [i.hash for i in film({}, 2, 18)]
    imag = get_generator("halluc_imaginative")
    assert [i.hash for i in imag({"mode": "factual"}, 3, 20)] == [i.hash for i in imag({"mode": "factual"}, 3, 20)]


def test_kinds_and_languages_are_interleaved_and_balanced() -> None:
    items = _qa(1234, 24)
    kinds = [i.meta["kind"] for i in items]
    langs = [i.meta["lang"] for i in items]
    assert kinds[:3] == ["control", "fictional", "premise"] and kinds.count("fictional") == 8
    assert langs.count("zh") == langs.count("en") == 12
    assert all(("的" in i.fields["question"] or "为什么" in i.fields["question"] or "多少" in i.fields["question"]) for i in items if i.meta["lang"] == "zh")


@pytest.mark.parametrize("seed", [1, 1234, 99991])
def test_fictional_names_are_absent_from_the_answerable_tables(seed: int) -> None:
    table_strings = known_strings()
    raw = " || ".join(table_strings)
    fictional = [i for i in _qa(seed, 150) if i.meta["kind"] == "fictional"]
    fictional += get_generator("halluc_imaginative")({"mode": "factual"}, seed, 40)
    assert len(fictional) >= 80
    for it in fictional:
        for name in (it.meta["name_en"], it.meta["name_zh"]):
            n = normalise(name)
            assert not is_known(name), name
            assert n not in table_strings and f" {n} " not in f" {raw} ", name


def test_every_entity_type_draws_fresh_names_and_the_check_catches_real_ones() -> None:
    for kind in ENTITY_TYPES:
        en, zh = fictional_name(kind, rng_for(0, "names", kind))
        assert en and zh and not is_known(en) and not is_known(zh)
    # the guard is not vacuous: real names from the tables are rejected
    assert is_known("Tom Hanks") and is_known("汤姆·汉克斯") and is_known("the great gatsby") and is_known("巴黎")
    assert is_known("Forrest Gump") and not is_known("Lorena Quillington")


def test_controls_are_answerable_from_the_table() -> None:
    facts = load_table("facts.json")
    capitals = {c["capital_en"] for c in facts["capitals"]} | {c["capital_zh"] for c in facts["capitals"]}
    for it in _qa(5, 90):
        if it.meta["kind"] == "control" and it.meta["sub"] == "capital":
            assert it.target in capitals and it.target in it.meta["gold"]
        if it.meta["kind"] == "premise" and it.meta["sub"] == "capital":
            assert not any(v in it.fields["question"] for v in it.meta["true_values"])


def test_conditions_share_items(repo: Path) -> None:
    specs = {s.name: s for s in load_task(repo / "tasks" / "hallucination" / "halluc_qa.yaml")}
    assert {"halluc_qa_bare", "halluc_qa_idk", "halluc_qa_premise", "halluc_qa_fewshot", "halluc_qa_rag", "halluc_qa_rag_noanswer"} <= set(specs)
    gen = get_generator("halluc_qa")
    per = {n: gen(s.generator.params, s.seed, 30) for n, s in specs.items()}
    base = [(i.id, i.fields["question"]) for i in per["halluc_qa_bare"]]
    for name, items in per.items():
        assert [(i.id, i.fields["question"]) for i in items] == base, name


def test_retrieval_contains_or_lacks_the_answer() -> None:
    with_ans = _qa(1234, 60, retrieval="with_answer")
    without = _qa(1234, 60, retrieval="without_answer")
    ctrl = [(a, b) for a, b in zip(with_ans, without) if a.meta["kind"] == "control" and a.meta["sub"] != "arithmetic"]
    assert ctrl
    hit = sum(a.meta["gold_in_context"] for a, _ in ctrl)
    assert hit >= 0.8 * len(ctrl)  # BM25 finds the gold passage for nearly every table question
    for a, b in ctrl:
        assert not b.meta["gold_in_context"] and len(b.meta["passages"]) == 3
        if a.meta["gold_in_context"]:
            assert any(g in a.fields["context"] for g in a.meta["gold"])
        assert not any(g in b.fields["context"] for g in a.meta["gold"][:2])
    assert all(a.fields["context"].count("\n") == 2 for a in with_ans)  # k=3 passages, irrelevant ones included
    assert all(i.fields["context"] == "" for i in _qa(1234, 12))
