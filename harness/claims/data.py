"""The slice of a run that one rule looks at: its tasks × its models, as cells with estimates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.metrics import OUTPUT_KINDS
from harness.records import ItemRecord
from harness.analysis.aggregate import Aggregate, ModelInfo
from harness.stats.intervals import Estimate, estimate


def fmt_params(p: float) -> str:
    return f"{p / 1e9:.2f}B" if p >= 1e9 else f"{p / 1e6:.0f}M"


@dataclass
class CellData:
    model: ModelInfo
    task: str
    records: list[ItemRecord]
    _est: dict[str, Estimate] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.records)

    def values(self, metric: str) -> list[float | None]:
        return [r.scores.get(metric) for r in self.records]

    def by_item(self, metric: str, key: str = "item") -> dict[str, float | None]:
        """Scores keyed by (item id, item hash), so that only identical items are paired; with
        key="item_id", by id alone (conditions that add context, e.g. retrieved passages, to the
        same question change the item hash but not the question)."""
        if key == "item_id":
            return {r.item_id: r.scores.get(metric) for r in self.records}
        return {f"{r.item_id}:{r.item_hash}": r.scores.get(metric) for r in self.records}

    def estimate(self, metric: str) -> Estimate:
        if metric not in self._est:  # bootstrap intervals are the slow part: compute each once
            self._est[metric] = estimate(self.values(metric), OUTPUT_KINDS.get(metric, "continuous"))
        return self._est[metric]

    def has(self, metric: str) -> bool:
        return any(r.scores.get(metric) is not None for r in self.records)


def se_of(e: Estimate) -> float:
    """Standard error read off the 95% interval (Wilson or bootstrap): half-width / 1.96."""
    return (e.high - e.low) / (2 * 1.96) if e.n else float("nan")


@dataclass
class RuleData:
    tasks: list[str]
    models: list[ModelInfo]  # with records for at least one of the tasks, by size
    cells: dict[tuple[str, str], CellData] = field(default_factory=dict)

    def cell(self, model: str, task: str) -> CellData | None:
        return self.cells.get((model, task))

    def series(self, task: str, metric: str) -> list[tuple[ModelInfo, Estimate]]:
        """(model, estimate) by increasing size for the task; one model per size (the first)."""
        out: list[tuple[ModelInfo, Estimate]] = []
        sizes: set[int] = set()
        for m in self.models:
            c = self.cells.get((m.name, task))
            if c is None or not c.has(metric) or m.params in sizes or m.params <= 0:
                continue
            sizes.add(m.params)
            out.append((m, c.estimate(metric)))
        return out

    @property
    def largest_params(self) -> int:
        return max((m.params for m in self.models), default=0)

    @property
    def n_sizes(self) -> int:
        return len({m.params for m in self.models})

    def min_n(self) -> int:
        return min((c.n for c in self.cells.values()), default=0)


def _keep(r: ItemRecord, where: dict[str, list[Any]]) -> bool:
    return all(r.meta.get(k) in allowed for k, allowed in where.items())


def rule_data(agg: Aggregate, task_names: list[str], models: list[str] | str, items_where: dict[str, list[Any]] | None = None) -> RuleData:
    """The rule's cells; `items_where` keeps only items whose metadata matches (e.g. premise items)."""
    chosen = [m for m in agg.models if models == "all" or m.name in models]
    recs = {(m.name, t): agg.records.get((m.name, t)) or [] for m in chosen for t in task_names}
    if items_where:
        recs = {k: [r for r in v if _keep(r, items_where)] for k, v in recs.items()}
    cells = {k: CellData(next(m for m in chosen if m.name == k[0]), k[1], v) for k, v in recs.items() if v}
    if not items_where:
        for c in agg.cells:  # reuse the intervals the aggregate already computed
            if (c.model.name, c.task) in cells:
                cells[(c.model.name, c.task)]._est[c.metric] = c.estimate
    used = [m for m in chosen if any((m.name, t) in cells for t in task_names)]
    tasks = [t for t in task_names if any((m.name, t) in cells for m in used)]
    return RuleData(tasks, used, cells)
