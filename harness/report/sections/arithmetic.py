"""Arithmetic and emergence: exact match vs per-digit error on the same outputs (000-25, Schaeffer
et al.), with the teacher-forced p^L prediction: the one emergence table of the report, the
emergence plot of each arithmetic task and the published numbers beside ours."""

from __future__ import annotations

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.report.anchors import DEFAULT_ANCHORS, anchors_for
from harness.report.html import Figure
from harness.report.plots import Curve, Line, scaling_plot
from harness.report.sections import params_label
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


def task_figure(agg: Aggregate, task: str, anchors_path: str = DEFAULT_ANCHORS) -> Figure | None:
    """The emergence view of an arithmetic task: exact match and per-digit accuracy (1 − e) on the
    same outputs, the p^L prediction from teacher-forced token accuracy, and published GPT-3
    numbers where they apply. None for tasks without per-digit error."""
    present = {c.metric for c in agg.cells if c.task == task}
    if not {"exact_match", "digit_error"} <= present:
        return None
    px, py = [], []
    for m in agg.models:
        cell = agg.emergence(m.name, task) if m.params > 0 else None
        if cell is not None and cell.tf_pL is not None:
            px.append(float(m.params))
            py.append(100 * cell.tf_pL)
    png = scaling_plot(
        agg,
        task,
        [Curve("exact_match", "exact match"), Curve("digit_error", "per-digit accuracy (1 − e)", invert=True)],
        anchors_for(task, anchors_path),
        [Line("p^L from teacher-forced token accuracy", px, py)],
    )
    cap = (
        f"{task}: exact match and per-digit accuracy on the same outputs, with the p^L prediction from teacher-forced "
        "token accuracy; published GPT-3 numbers where they apply (dotted)."
    )
    return Figure(f"scaling_{task}", task, cap, png) if png else None


def anchor_lines(agg: Aggregate, anchors_path: str = DEFAULT_ANCHORS) -> list[str]:
    """Published numbers (GPT-3 Table 3.9 / H.1, Wei et al.'s thresholds) beside our exact match."""
    lines = []
    for task in agg.tasks:
        a = anchors_for(task, anchors_path)
        if a is None:
            continue
        ours = [
            f"{m.model_id} ({params_label(m.params)}) {e.fmt(pct=True)}"
            for m in agg.models
            if (e := agg.get(m.name, task, "exact_match")) is not None
        ]
        lines.append(f"{task} — {' '.join(a.notes)} Ours (exact match): {'; '.join(ours) or '—'}.")
    return lines
