"""Reports: per-task comparison tables, one section of tables per family, plots, verdicts; rendered
once each to Markdown, CSV and HTML. Aggregation lives beneath, in `harness.analysis`."""

from harness.analysis.aggregate import Cell, aggregate
from harness.report.tables import write_tables

__all__ = ["Cell", "aggregate", "write_tables"]
