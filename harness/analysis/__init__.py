"""Analysis: the layer between the results store and its two readers, `claims/` (decisions) and
`report/` (presentation). Aggregates with intervals (`aggregate`) and how each metric output is
shown (`presentation`, from the facts declared where the metric is registered)."""

from harness.analysis.aggregate import Aggregate, Cell, ModelInfo, aggregate

__all__ = ["Aggregate", "Cell", "ModelInfo", "aggregate"]
