"""A synthetic run with known ground truth: records written as a real run would write them.

Digit-level errors are drawn independently with a per-model accuracy p, so exact match follows
p^L by construction (or, for a `clustered` model, all digits of an item are right or wrong together); tests use it to check that the verdict logic, the statistics and the report
recover what was put in. Never used to report a number about a real model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.hashing import stable_hash
from harness.records import ItemRecord, RunMeta
from harness.store import ResultStore


@dataclass(frozen=True)
class SynthModel:
    name: str
    params: int
    family: str
    p_digit: float  # probability each answer digit is right (3-shot condition)
    zero_shot_penalty: float = 0.0  # subtracted from p_digit in the *_0shot condition
    clustered: bool = False  # one draw per item decides all its digits (errors fully correlated)


def _task_records(model: SynthModel, task: str, digits: int, n: int, p: float, seed: int) -> list[ItemRecord]:
    rng = np.random.default_rng([seed, digits])  # items depend on the task's digits only: conditions share items
    err_rng = np.random.default_rng([seed, digits, int(model.params), len(task)])
    out = []
    for i in range(n):
        a, b = (int(v) for v in rng.integers(10 ** (digits - 1), 10**digits, size=2))
        target = str(a + b)
        L = len(target)
        right = np.full(L, err_rng.random() < p) if model.clustered else err_rng.random(L) < p
        answer = "".join(c if ok else str((int(c) + 1) % 10) for c, ok in zip(target, right))
        wrong = int((~right).sum())
        scores = {
            "exact_match": float(wrong == 0), "digit_error": wrong / L, "digit_errors": float(wrong), "answer_len": float(L),
            "digit_edit_distance": float(wrong), "tf_token_acc": float(right.mean()), "tf_exact": float(wrong == 0),
            "gold_tokens": float(L), "gold_logprob": float(L * np.log(max(p, 1e-6))), "valid": 1.0,
        }
        out.append(ItemRecord(
            model=model.name, task=task, task_hash=stable_hash(task), item_id=f"{i:05d}", item_hash=stable_hash([a, b]), seed=seed,
            prompt=f"Q: What is {a} plus {b}? A:", output=f" {answer}", parsed=answer, target=target, valid=True, scores=scores,
        ))
    return out


def write_synthetic_run(root: str | Path, models: list[SynthModel], tasks: dict[str, int], n: int = 200, seed: int = 7) -> Path:
    """Write records and metas for `tasks` ({task name: digits}); a task name ending in `_0shot`
    uses the model's zero-shot accuracy. Returns the run directory."""
    store = ResultStore(root)
    for m in models:
        for task, digits in tasks.items():
            p = m.p_digit - (m.zero_shot_penalty if task.endswith("_0shot") else 0.0)
            recs = _task_records(m, task, digits, n, max(0.0, min(1.0, p)), seed)
            store.prepare(m.name, task, recs[0].task_hash)
            store.append(m.name, task, recs)
            store.write_meta(RunMeta(
                model=m.name, model_id=f"synthetic/{m.name}", model_params=m.params, model_family=m.family, model_instruct=False,
                weights_hash=None, backend="synthetic", device="none", dtype="none", task=task, task_hash=recs[0].task_hash, task_version=1,
                seed=seed, n_items=n, n_done=n, items_hash=stable_hash([r.item_hash for r in recs]), prompt_hash=stable_hash(task),
            ))
    return Path(root)


DEFAULT_LADDER = [
    SynthModel("synth-100m", 100_000_000, "synth-a", 0.30, 0.15),  # two families, as on the real ladder
    SynthModel("synth-300m", 300_000_000, "synth-a", 0.55, 0.20),
    SynthModel("synth-1b", 1_000_000_000, "synth-b", 0.80, 0.25),
    SynthModel("synth-3b", 3_000_000_000, "synth-b", 0.93, 0.25),
]
DEFAULT_TASKS = {"addition_2digit": 2, "addition_3digit": 3, "addition_3digit_0shot": 3, "addition_4digit": 4}
