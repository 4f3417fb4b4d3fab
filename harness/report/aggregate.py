"""Moved to `harness.analysis.aggregate` (claims and report both read it). This alias keeps code
written against the old path importing until the branches in flight are merged; new code imports
`harness.analysis`."""

from harness.analysis.aggregate import Aggregate, Cell, ModelInfo, aggregate

__all__ = ["Aggregate", "Cell", "ModelInfo", "aggregate"]
