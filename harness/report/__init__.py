"""Reports: aggregate records into comparison tables (Markdown, CSV) across model sizes."""

from harness.report.aggregate import Cell, aggregate
from harness.report.tables import write_tables

__all__ = ["Cell", "aggregate", "write_tables"]
