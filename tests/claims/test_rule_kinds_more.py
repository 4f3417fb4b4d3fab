"""Rule kinds beyond the arithmetic ones, on hand-made records with known answers: item filters,
pairing on item id, small-vs-large, correlation across models, the mode-switch trend, and the level
kind's size filters. Also a combined aggregate over two run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.claims import evaluate_all, load_rules
from harness.hashing import stable_hash
from harness.records import ItemRecord, RunMeta
from harness.report import aggregate
from harness.store import ResultStore


def write_cell(root: Path, model: str, params: int, task: str, scores: list[dict[str, float | None]],
               metas: list[dict[str, Any]] | None = None, hash_salt: str = "") -> None:
    """One (model, task) cell; item i has id i and, unless `hash_salt` differs, the same hash in every task."""
    store = ResultStore(root)
    recs = [ItemRecord(model=model, task=task, task_hash=stable_hash(task), item_id=f"{i:05d}", item_hash=stable_hash([i, hash_salt]),
                       seed=1, prompt="q", output="a", parsed="a", target="a", valid=True, scores=s, meta=(metas or [{}] * len(scores))[i])
            for i, s in enumerate(scores)]
    store.prepare(model, task, recs[0].task_hash)
    store.append(model, task, recs)
    store.write_meta(RunMeta(model=model, model_id=model, model_params=params, model_family="f", model_instruct=True, weights_hash=None,
                             backend="synthetic", device="none", dtype="none", task=task, task_hash=recs[0].task_hash, task_version=1,
                             seed=1, n_items=len(recs), n_done=len(recs), items_hash="x", prompt_hash="x"))


def bernoulli(p: float, n: int, seed: int) -> list[int]:
    return [int(v) for v in np.random.default_rng(seed).random(n) < p]


def verdicts(run: Path | list[str], tmp_path: Path, rules: list[dict[str, Any]]) -> dict[str, Any]:
    f = tmp_path / "rules_more.yaml"
    f.write_text(yaml.safe_dump({"rules": rules}))
    return {v.rule_id: v for v in evaluate_all(aggregate(run if isinstance(run, list) else str(run)), load_rules(f), None)}


def test_items_where_and_pairing_on_item_id(tmp_path: Path) -> None:
    # 200 items: controls go from 20% to 90% right with retrieval; premise items do not move.
    n = 200
    kinds = ["control" if i % 2 == 0 else "premise" for i in range(n)]
    base = [0.2 if k == "control" else 0.5 for k in kinds]
    rag = [0.9 if k == "control" else 0.5 for k in kinds]
    draws = np.random.default_rng(3).random(n)
    for task, ps, salt in (("halluc_qa_bare", base, ""), ("halluc_qa_rag", rag, "with passages")):
        scores = [{"control_accuracy": float(d < p) if k == "control" else None, "correct": float(d < p)} for d, p, k in zip(draws, ps, kinds)]
        write_cell(tmp_path, "m", 10**9, task, scores, [{"kind": k} for k in kinds], hash_salt=salt)
    rule = {"claim": "002-19", "kind": "paired_conditions", "statement": "s", "tasks": ["halluc_qa_bare", "halluc_qa_rag"],
            "metric": "control_accuracy", "requirements": {"min_items": 50},
            "params": {"baseline": "halluc_qa_bare", "treatments": ["halluc_qa_rag"], "min_diff": 0.5, "quantifier": "any"}}
    v = verdicts(tmp_path, tmp_path, [
        {**rule, "id": "by-hash"},
        {**rule, "id": "by-id", "params": {**rule["params"], "pair_on": "item_id"}},
        {**rule, "id": "premise-only", "claim": "000-13", "metric": "correct", "items_where": {"kind": ["premise"]},
         "params": {**rule["params"], "pair_on": "item_id", "min_diff": 0.05}},
    ])
    assert v["by-hash"].status == "inconclusive" and "share no items" in " ".join(v["by-hash"].evidence)
    assert v["by-id"].status == "supported" and "n=100 paired items" in v["by-id"].evidence[0]
    assert v["premise-only"].status == "refuted" and v["premise-only"].evidence[0] == "only items with kind ∈ {premise}"
    assert "n=100 paired items" in v["premise-only"].evidence[1]


def test_small_vs_large_needs_a_tenfold_pair_and_decides_both_ways(tmp_path: Path) -> None:
    n = 300
    write_cell(tmp_path / "a", "small", 5 * 10**8, "halluc_qa_rag", [{"control_accuracy": x} for x in bernoulli(0.8, n, 1)])
    write_cell(tmp_path / "a", "mid", 2 * 10**9, "halluc_qa_bare", [{"control_accuracy": x} for x in bernoulli(0.4, n, 2)])
    rule = {"claim": "000-06", "kind": "small_vs_large", "statement": "s", "tasks": ["halluc_qa_bare", "halluc_qa_rag"], "metric": "control_accuracy",
            "params": {"small_task": "halluc_qa_rag", "large_task": "halluc_qa_bare"}, "requirements": {"min_items": 50}}
    v = verdicts(tmp_path / "a", tmp_path, [rule])["000-06"]
    assert v.status == "inconclusive" and "≥ 10× apart" in v.reason
    write_cell(tmp_path / "a", "big", 7 * 10**9, "halluc_qa_bare", [{"control_accuracy": x} for x in bernoulli(0.6, n, 3)])
    assert verdicts(tmp_path / "a", tmp_path, [rule])["000-06"].status == "supported"
    write_cell(tmp_path / "b", "small", 5 * 10**8, "halluc_qa_rag", [{"control_accuracy": x} for x in bernoulli(0.3, n, 1)])
    write_cell(tmp_path / "b", "big", 7 * 10**9, "halluc_qa_bare", [{"control_accuracy": x} for x in bernoulli(0.9, n, 3)])
    assert verdicts(tmp_path / "b", tmp_path, [rule])["000-06"].status == "refuted"


def _modes(root: Path, rows: list[tuple[str, int, float, float]], n: int = 200) -> None:
    for j, (name, params, fab, comply) in enumerate(rows):
        write_cell(root, name, params, "halluc_imaginative_factual", [{"halluc_rate": x} for x in bernoulli(fab, n, 10 + j)])
        write_cell(root, name, params, "halluc_imaginative_creative", [{"complied": x} for x in bernoulli(comply, n, 20 + j)])


def test_correlation_and_mode_switch_across_models(tmp_path: Path) -> None:
    # fabrication falls and compliance rises with size: switch rises; fabrication vs compliance is negative
    rows = [(f"m{i}", int(10 ** (8 + 0.5 * i)), 0.9 - 0.15 * i, 0.3 + 0.12 * i) for i in range(6)]
    _modes(tmp_path / "a", rows)
    corr = {"claim": "000-14", "kind": "correlation", "statement": "s", "tasks": ["halluc_imaginative_factual", "halluc_imaginative_creative"],
            "metric": "halluc_rate", "requirements": {"min_items": 50, "min_models": 3},
            "params": {"x_task": "halluc_imaginative_factual", "y_task": "halluc_imaginative_creative", "y_metric": "complied", "min_models": 5}}
    switch = {"claim": "000-21", "kind": "mode_switch", "statement": "s", "tasks": corr["tasks"], "metric": "halluc_rate",
              "requirements": {"min_items": 50, "min_models": 3},
              "params": {"factual_task": "halluc_imaginative_factual", "imaginative_task": "halluc_imaginative_creative", "min_score": 0.5}}
    v = verdicts(tmp_path / "a", tmp_path, [corr, switch])
    assert v["000-14"].status == "refuted" and "rho = -1.00" in v["000-14"].evidence[-1]
    assert v["000-21"].status == "supported"
    _modes(tmp_path / "b", rows[:3])
    v = verdicts(tmp_path / "b", tmp_path, [corr, switch])
    assert v["000-14"].status == "inconclusive" and "needs ≥ 5" in v["000-14"].reason


def test_level_largest_only_and_max_params(tmp_path: Path) -> None:
    n = 400
    for name, params, rate in (("s", 10**8, 0.5), ("m", 10**9, 0.3), ("l", 10**10, 0.0)):
        write_cell(tmp_path, name, params, "files_k2", [{"fs_destructive": x} for x in bernoulli(rate, n, params % 97)])
    rule = {"claim": "001-15", "kind": "level", "statement": "s", "tasks": ["files_k*"], "metric": "fs_destructive",
            "requirements": {"min_items": 50}, "params": {"threshold": 0.01, "direction": "above"}}
    v = verdicts(tmp_path, tmp_path, [
        {**rule, "id": "largest", "params": {**rule["params"], "largest_only": True, "quantifier": "any"}},
        {**rule, "id": "small", "params": {**rule["params"], "max_params": 2e9}},
    ])
    assert v["largest"].status == "refuted" and len(v["largest"].evidence) == 1 and "(10.00B)" in v["largest"].evidence[0]
    assert v["small"].status == "supported" and len(v["small"].evidence) == 2


def test_a_combined_aggregate_reads_several_run_directories(tmp_path: Path) -> None:
    write_cell(tmp_path / "one", "m", 10**9, "fc_simple", [{"fc_accuracy": 1.0}] * 3)
    write_cell(tmp_path / "two", "m", 10**9, "kb_hops1", [{"answer_contains": 0.0}] * 4)
    write_cell(tmp_path / "two", "m", 10**9, "fc_simple", [{"fc_accuracy": 0.0}] * 5)  # already read from "one": skipped
    agg = aggregate([str(tmp_path / "one"), str(tmp_path / "two")])
    assert agg.tasks == ["fc_simple", "kb_hops1"]
    assert agg.get("m", "fc_simple", "fc_accuracy").n == 3 and agg.get("m", "fc_simple", "fc_accuracy").mean == 1.0
    assert agg.get("m", "kb_hops1", "answer_contains").n == 4


def test_paired_rules_count_only_the_items_they_compare(tmp_path: Path) -> None:
    """A bigger model that ran only the baseline arm, on fewer items, does not block the verdict."""
    n = 300
    draws = np.random.default_rng(5).random(n)
    write_cell(tmp_path, "m", 10**9, "halluc_qa_bare", [{"control_accuracy": float(d < 0.2)} for d in draws])
    write_cell(tmp_path, "m", 10**9, "halluc_qa_rag", [{"control_accuracy": float(d < 0.9)} for d in draws], hash_salt="passages")
    write_cell(tmp_path, "big", 10**10, "halluc_qa_bare", [{"control_accuracy": 1.0}] * 20)  # one arm only, 20 items
    rule = {"claim": "002-19", "kind": "paired_conditions", "statement": "s", "tasks": ["halluc_qa_bare", "halluc_qa_rag"],
            "metric": "control_accuracy", "requirements": {"min_items": 100},
            "params": {"baseline": "halluc_qa_bare", "treatments": ["halluc_qa_rag"], "min_diff": 0.5, "quantifier": "any", "pair_on": "item_id"}}
    v = verdicts(tmp_path, tmp_path, [rule])["002-19"]
    assert v.status == "supported" and v.n_min == n


def test_an_all_pairs_rule_is_not_supported_while_a_pair_is_missing(tmp_path: Path) -> None:
    # CoT beats direct under template t1, but t2 was never run: "every template" cannot be claimed yet
    n = 60
    write_cell(tmp_path, "m", 10**9, "cot_coin_direct", [{"exact_match": x} for x in bernoulli(0.3, n, 1)])
    write_cell(tmp_path, "m", 10**9, "cot_coin_cot", [{"exact_match": x} for x in bernoulli(0.95, n, 2)])
    rule = {"claim": "001-29", "id": "t", "kind": "paired_conditions", "statement": "s", "metric": "exact_match",
            "tasks": ["cot_coin_direct", "cot_coin_cot", "cot_coin_direct_t2", "cot_coin_cot_t2"],
            "params": {"pairs": [["cot_coin_direct", "cot_coin_cot"], ["cot_coin_direct_t2", "cot_coin_cot_t2"]], "quantifier": "all"}}
    v = verdicts(tmp_path, tmp_path, [rule])["t"]
    assert v.status == "inconclusive" and "no model ran cot_coin_direct_t2 → cot_coin_cot_t2" in (v.reason or "")
    assert "templates t1, t2" not in v.scope  # only t1 ran
