"""Report sections, one module per family. Each exposes `TITLE` and `tables(agg, specs) -> list[Table]`
built only from the run's records (a section with no tasks in the run returns no tables), so
`harness report` on one sweep and the combined report over several show the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.report.table import Table
from harness.stats.intervals import Estimate, estimate


def params_label(p: int) -> str:
    return f"{p / 1e9:.2f}B" if p >= 1e9 else f"{p / 1e6:.0f}M"


def pct(e: Estimate | None, with_n: bool = False) -> str:
    """A 0/1 estimate as `12.5% [8.1, 18.6]` (Wilson 95%), optionally with `(n=…)`; — when empty."""
    if e is None or e.n == 0:
        return "—"
    return e.fmt(pct=True) + (f" (n={e.n})" if with_n else "")


def rate(values: Iterable[float | None], with_n: bool = True) -> str:
    """Share of 1s among the non-missing 0/1 values, with its Wilson interval."""
    vals = [v for v in values if v is not None]
    return pct(estimate(vals, "binary"), with_n) if vals else "—"


def modules() -> list[ModuleType]:
    from harness.report.sections import arithmetic, hallucination, reasoning, tools

    return [arithmetic, hallucination, reasoning, tools]


def family_tables(agg: Aggregate, specs: dict[str, TaskSpec] | None = None) -> list[Table]:
    """Every family's tables present in this aggregate, in a fixed order, each tagged with its section."""
    out: list[Table] = []
    for mod in modules():
        for t in mod.tables(agg, specs or {}):
            t.section = mod.TITLE
            out.append(t)
    return out


__all__ = ["Table", "family_tables", "params_label", "pct", "rate"]
