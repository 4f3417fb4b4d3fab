"""Records -> cells: one estimate per (model, task, metric output), models ordered by size."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.metrics import OUTPUT_KINDS, load_all
from harness.records import ItemRecord, RunMeta
from harness.stats.emergence import EmergenceCell, emergence_cell
from harness.stats.intervals import Estimate, estimate
from harness.store import ResultStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    model_id: str
    params: int
    family: str
    instruct: bool


@dataclass(frozen=True)
class Cell:
    model: ModelInfo
    task: str
    metric: str
    estimate: Estimate


@dataclass
class Aggregate:
    cells: list[Cell]
    records: dict[tuple[str, str], list[ItemRecord]]
    metas: dict[tuple[str, str], RunMeta]
    models: list[ModelInfo]
    tasks: list[str]

    def emergence(self, model: str, task: str) -> EmergenceCell | None:
        """Exact match vs per-digit error (and teacher-forced p^L) of one arithmetic cell; None
        where the task has no per-digit error."""
        recs = self.records.get((model, task))
        if not recs or "digit_error" not in recs[0].scores:
            return None
        return emergence_cell(
            [r.scores.get("exact_match") or 0.0 for r in recs],
            [r.scores.get("digit_error") or 0.0 for r in recs],
            [r.scores.get("answer_len") or len(r.target) for r in recs],
            [r.scores.get("tf_token_acc") for r in recs],
            [r.scores.get("gold_tokens") for r in recs],
        )

    def get(self, model: str, task: str, metric: str) -> Estimate | None:
        for c in self.cells:
            if c.model.name == model and c.task == task and c.metric == metric:
                return c.estimate
        return None


def _registry_info(model: str) -> ModelInfo:
    """Model facts from configs/models.yaml when a run has no meta for the model yet (params 0 if unknown)."""
    try:
        from harness.config import load_model_registry

        spec = load_model_registry().models.get(model)
    except Exception:  # noqa: BLE001 - the report must still render from records alone
        spec = None
    if spec is None:
        return ModelInfo(model, model, 0, "?", False)
    return ModelInfo(model, spec.display_name, spec.params, spec.family, spec.instruct)


def aggregate(roots: str | Sequence[str]) -> Aggregate:
    """One aggregate over one run directory, or several (a combined report over sweeps). A (model,
    task) pair found in more than one directory is taken from the first and the others are logged."""
    load_all()
    metas: dict[tuple[str, str], RunMeta] = {}
    records: dict[tuple[str, str], list[ItemRecord]] = defaultdict(list)
    owner: dict[tuple[str, str], str] = {}
    for root in [roots] if isinstance(roots, str) else list(roots):
        store = ResultStore(root)
        for rec in store.iter_all():
            key = (rec.model, rec.task)
            if owner.setdefault(key, root) != root:
                continue
            records[key].append(rec)
        for m in store.metas():
            if owner.get((m.model, m.task), root) == root:
                metas.setdefault((m.model, m.task), m)
        skipped = sorted({(r.model, r.task) for r in store.iter_all()} - {k for k, v in owner.items() if v == root})
        if skipped:
            log.warning(
                "%s: %d (model, task) pair(s) already read from an earlier directory, skipped: %s",
                root,
                len(skipped),
                ", ".join(f"{m}/{t}" for m, t in skipped[:5]),
            )
    models: dict[str, ModelInfo] = {}
    for (model, _task), meta in metas.items():
        models[model] = ModelInfo(model, meta.model_id, meta.model_params, meta.model_family, meta.model_instruct)
    for model, _task in records:
        if model not in models:  # a run still in progress has records before its meta
            models[model] = _registry_info(model)
    ordered = sorted(models.values(), key=lambda m: (m.params, m.name))
    tasks = sorted({t for _, t in records})
    cells = []
    for m in ordered:
        for t in tasks:
            recs = records.get((m.name, t))
            if not recs:
                continue
            outputs = sorted({k for r in recs for k in r.scores})
            for out in outputs:
                kind = OUTPUT_KINDS.get(out, "continuous")
                cells.append(Cell(m, t, out, estimate([r.scores.get(out) for r in recs], kind)))
    return Aggregate(cells, dict(records), metas, ordered, tasks)
