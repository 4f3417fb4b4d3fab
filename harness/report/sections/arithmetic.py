"""Arithmetic and emergence: exact match vs per-digit error on the same outputs (000-25, Schaeffer
et al.), with the teacher-forced p^L prediction. The one emergence table of the report."""

from __future__ import annotations

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.report.table import Table

TITLE = "Arithmetic and emergence"

NOTE = (
    "EM bounds from per-digit error e over L-digit answers: [1 − L·e, 1 − e] (Zhang Junlin, 000-25). "
    "(1−e)^L: Schaeffer et al.'s independence prediction. Clustering index: 0 = errors spread one per item, "
    "1 = errors concentrated in the same items. p: teacher-forced per-token accuracy of the gold answer; "
    "p^L: its prediction of EM. Resolution: 1/(N·L)."
)


def emergence_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        for t in agg.tasks:
            c = agg.emergence(m.name, t)
            if c is None:
                continue
            rows.append(
                [
                    m.model_id,
                    t,
                    str(c.n),
                    f"{100 * c.exact_match:.1f}%",
                    f"{c.digit_error:.3f}",
                    f"[{100 * c.em_lower_bound:.1f}%, {100 * c.em_upper_bound:.1f}%]",
                    f"{100 * c.independence_em:.1f}%",
                    "—" if c.clustering_index is None else f"{c.clustering_index:.2f}",
                    "—" if c.tf_token_acc is None else f"{c.tf_token_acc:.3f}",
                    "—" if c.tf_pL is None else f"{100 * c.tf_pL:.1f}%",
                    f"{100 * c.resolution:.3f}%",
                ]
            )
    header = [
        "model",
        "task",
        "n",
        "EM",
        "per-digit error e",
        "EM bounds",
        "(1−e)^L",
        "clustering",
        "p (teacher-forced)",
        "p^L",
        "resolution",
    ]
    return Table(
        "Exact match vs per-digit error on the same outputs", header, rows, NOTE, slug="emergence", align="llrrrlrrrrr"
    )


def tables(agg: Aggregate, specs: dict[str, TaskSpec]) -> list[Table]:
    t = emergence_table(agg)
    return [t] if t.rows else []
