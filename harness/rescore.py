"""Recompute scores from stored outputs with the current parsers and metrics (no model calls).

A detector or metric fix should never leave stale numbers behind, and re-running models to
apply it is wasteful. For each record file: rebuild the task's items from its generator and seed,
check each record's item hash, re-parse the stored output and rerun every metric of the task
(teacher-forced metrics use the stored gold log-probs). Files whose task config changed since
the run (task hash differs) are left alone: they need a new run, not a rescore. Record files
are rewritten in place (gzip stays gzip); the folder is locked meanwhile, so a run cannot write to it.
A file with unreadable lines is never rewritten: it is reported (file and line numbers) and left
unchanged, unless `repair=True` (`harness rescore --repair`) moves those lines to
`<task>.jsonl.quarantine` first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from harness.backends.base import Loglikelihood
from harness.config.task import TaskSpec, load_tasks
from harness.metrics import METRICS, score_output
from harness.records import ItemRecord
from harness.runner import build_items
from harness.store import CorruptRecords, ResultStore

log = logging.getLogger(__name__)


@dataclass
class RescoreSummary:
    files: int = 0
    records: int = 0
    changed: int = 0  # records whose parsed answer or scores differ after rescoring
    skipped: list[str] = field(default_factory=list)  # "model/task: why"
    unreadable: list[str] = field(default_factory=list)  # files left unchanged because some lines could not be read
    repaired: list[str] = field(default_factory=list)  # files whose unreadable lines were quarantined


def rescore_record(task: TaskSpec, item_by_id: dict, r: ItemRecord) -> ItemRecord | None:  # type: ignore[type-arg]
    """The record with parsed/scores recomputed; None when its item no longer matches."""
    item = item_by_id.get(r.item_id)
    if item is None or item.hash != r.item_hash:
        return None
    ll = Loglikelihood(r.gold_logprobs, r.gold_tokens or [], r.gold_greedy or []) if r.gold_logprobs is not None else None
    parsed, scores, err = score_output(task, item, r.output, loglikelihood=ll, trajectory=r.trajectory, prompt=r.prompt)
    ll_outputs = {k for name in task.metrics if METRICS[name].needs_loglikelihood for k in METRICS[name].outputs}
    for name, value in r.scores.items():  # a metric that needs log-probs the run did not store keeps its value
        if name in ll_outputs and value is not None and scores.get(name) is None and ll is None:
            scores[name] = value
    return r.model_copy(update={"parsed": parsed, "valid": parsed is not None, "scores": scores, "error": r.error if err is None else err})


def rescore_run(root: str | Path, task_dir: str | Path = "tasks", tasks: list[str] | None = None, *, repair: bool = False) -> RescoreSummary:
    specs = load_tasks(task_dir)
    with ResultStore(root) as store:
        return _rescore(store, specs, task_dir, tasks, repair)


def _rescore(store: ResultStore, specs: dict[str, TaskSpec], task_dir: str | Path, tasks: list[str] | None, repair: bool) -> RescoreSummary:
    summary = RescoreSummary()
    for model, task_name in store.record_files():
        if tasks and task_name not in tasks:
            continue
        try:
            recs = store.read(model, task_name)
        except CorruptRecords as exc:
            if not repair or any(n == 0 for n, _ in exc.bad):  # an unreadable archive cannot be repaired line by line
                summary.unreadable.append(str(exc))
                summary.skipped.append(str(exc))
                continue
            q, n = store.quarantine(model, task_name)
            summary.repaired.append(f"{model}/{task_name}: {n} unreadable line(s) moved to {q}")
            recs = store.read(model, task_name)
        spec = specs.get(task_name)
        where = f"{model}/{task_name}"
        if spec is None:
            summary.skipped.append(f"{where}: no task of that name in {task_dir}")
            continue
        if not recs:
            continue
        if any(r.task_hash != spec.hash for r in recs):
            summary.skipped.append(f"{where}: the task changed since the run (task hash differs): rerun it instead")
            continue
        seed = recs[0].seed
        items = {it.id: it for it in build_items(spec, seed, None)}
        out = []
        for r in recs:
            new = rescore_record(spec, items, r)
            if new is None:
                summary.skipped.append(f"{where}: item {r.item_id} no longer matches its generator; file left unchanged")
                break
            summary.changed += (new.parsed, new.scores) != (r.parsed, r.scores)
            out.append(new)
        else:
            store.rewrite(model, task_name, out)
            summary.files += 1
            summary.records += len(out)
    return summary
