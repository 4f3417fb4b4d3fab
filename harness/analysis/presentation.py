"""How each metric output is presented, read from the facts declared where the metric is
registered (`register_metric(..., primary=, hidden=, column=)`): the report holds no metric names.

- binary outputs print as percentages with Wilson intervals, continuous ones as plain values with
  bootstrap intervals (`is_percent`, `fmt`);
- bookkeeping outputs (counts, lengths) stay out of tables (`is_hidden`);
- `column_order` puts ranked metrics' outputs first, in declaration order, then the rest A–Z;
- `primary_output` is the output a task's primary metric is about (plots, power table);
- `answer_length` reads the answer's length in units (the L of resolution 1/(N·L)).
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.metrics import METRICS, OUTPUTS, load_all
from harness.stats.intervals import Estimate


def _info(output: str):  # type: ignore[no-untyped-def]
    load_all()
    return OUTPUTS.get(output)


def kind(output: str) -> str:
    info = _info(output)
    return info.kind if info is not None else "continuous"


def is_percent(output: str) -> bool:
    info = _info(output)
    return info is not None and info.percent


def is_hidden(output: str) -> bool:
    info = _info(output)
    return info is not None and info.hidden


def visible(outputs: Iterable[str]) -> set[str]:
    return {o for o in outputs if not is_hidden(o)}


def column_order(outputs: Iterable[str]) -> list[str]:
    """Outputs of ranked metrics first (by rank, then as the metric declares them), others A–Z."""
    load_all()
    present = set(outputs)
    ranked = sorted((m for m in METRICS.values() if m.column is not None), key=lambda m: (m.column, m.name))
    first = [o for m in ranked for o in m.outputs if o in present]
    return first + sorted(present - set(first))


def primary_output(metric: str | None, present: Iterable[str]) -> str | None:
    """The output a task with primary metric `metric` is about, among the outputs present (`metric`
    may also name an output directly, e.g. `primary_metric: seq_exact`); without a registered
    metric, the first visible output in column order."""
    load_all()
    have = set(present)
    if metric in have and metric in OUTPUTS:
        return metric
    m = METRICS.get(metric or "")
    if m is not None:
        for out in (m.primary, m.name, *m.outputs):
            if out and out in have and out in m.outputs:
                return out
    order = column_order(visible(have))
    return order[0] if order else None


def answer_length(scores: dict[str, float | None]) -> float | None:
    """The answer's length in units (digits, tokens) from an item's scores: the first output a
    metric declared as its `length`, in column order; None when no metric measured it."""
    load_all()
    outs = column_order(m.length for m in METRICS.values() if m.length)
    return next((v for o in outs if (v := scores.get(o))), None)


def fmt(e: Estimate | None, output: str) -> str:
    """`mean [low, high]`, in % for binary outputs; an em dash for no estimate."""
    return "—" if e is None else e.fmt(pct=is_percent(output))
