"""Comparison tables: Markdown for people, CSV for tools.

`table.md` has, per task, one row per model (sorted by parameter count) and one column per
metric output, each cell `mean [95% CI]` (binary outputs in % with Wilson intervals, continuous
ones with percentile-bootstrap intervals), then every family section's tables and provenance.
Column order, hidden outputs and percent come from the metrics' registrations
(`harness.analysis.presentation`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from harness.analysis.aggregate import Aggregate
from harness.analysis.presentation import column_order, fmt, visible
from harness.report.sections import params_label
from harness.report.table import Table


def write_csv(agg: Aggregate, path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "model",
                "model_id",
                "params",
                "family",
                "instruct",
                "task",
                "metric",
                "n",
                "mean",
                "ci_low",
                "ci_high",
                "interval",
            ]
        )
        for c in agg.cells:
            e = c.estimate
            w.writerow(
                [
                    c.model.name,
                    c.model.model_id,
                    c.model.params,
                    c.model.family,
                    c.model.instruct,
                    c.task,
                    c.metric,
                    e.n,
                    f"{e.mean:.6g}",
                    f"{e.low:.6g}",
                    f"{e.high:.6g}",
                    "wilson" if e.kind == "binary" else "bootstrap",
                ]
            )


def task_table(agg: Aggregate, task: str) -> Table:
    """One row per model, one column per visible output of the task's metrics."""
    metrics = column_order(visible(c.metric for c in agg.cells if c.task == task))
    rows = []
    for m in agg.models:
        ests = [agg.get(m.name, task, k) for k in metrics]
        if all(e is None for e in ests):
            continue
        n = max((e.n for e in ests if e is not None), default=0)
        rows.append([m.model_id, params_label(m.params), str(n), *[fmt(e, k) for e, k in zip(ests, metrics)]])
    return Table(task, ["model", "params", "n", *metrics], rows, slug=f"task_{task}", align="lrr" + "r" * len(metrics))


def task_tables(agg: Aggregate) -> list[Table]:
    return [task_table(agg, t) for t in agg.tasks]


def _provenance(agg: Aggregate) -> list[str]:
    lines = [
        "## Provenance",
        "",
        "| model | task | items | seed | task hash | items hash | weights sha256 | device | elapsed (s) | git |",
        "|---|---|---:|---:|---|---|---|---|---:|---|",
    ]
    for (model, task), m in sorted(agg.metas.items()):
        lines.append(
            f"| {model} | {task} | {m.n_done}/{m.n_items} | {m.seed} | `{m.task_hash}` | `{m.items_hash}` | `{(m.weights_hash or '—')[:12]}` | {m.device} ({m.dtype}) | {m.elapsed_s:.0f} | `{(m.git_commit or '—')[:12]}` |"
        )
    hosts = {str(m.host.get("processor")) + f", {m.host.get('cpu_count')} cores" for m in agg.metas.values()}
    pk = next(iter(agg.metas.values())).packages if agg.metas else {}
    lines += [
        "",
        f"Machine: {'; '.join(sorted(hosts))}. Packages: " + ", ".join(f"{k} {v}" for k, v in sorted(pk.items())),
        "",
    ]
    return lines


def render_markdown(agg: Aggregate, title: str = "Results", sections: list[Table] | None = None) -> str:
    """table.md: per-task tables, then the family sections' tables (computed here when not given), then provenance."""
    if sections is None:
        from harness.report.sections import family_tables

        sections = family_tables(agg)
    out = [
        f"# {title}",
        "",
        "Cells: mean [95% CI]; 0/1 metrics in % with Wilson intervals, continuous metrics with percentile-bootstrap intervals. Models are sorted by parameter count.",
        "",
    ]
    for t in task_tables(agg):
        out += t.markdown()
    for t in sections:
        out += t.markdown()
    out += _provenance(agg)
    return "\n".join(out)


def write_section_csvs(tables: list[Table], out_dir: Path) -> list[Path]:
    """One CSV per family table under `out_dir` (same strings as the Markdown and HTML)."""
    paths = []
    if tables:
        out_dir.mkdir(parents=True, exist_ok=True)
    for t in tables:
        p = out_dir / f"{t.slug}.csv"
        p.write_text(t.csv(), encoding="utf-8")
        paths.append(p)
    return paths


def write_tables(
    agg: Aggregate, out_dir: str | Path, title: str = "Results", sections: list[Table] | None = None
) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if sections is None:
        from harness.report.sections import family_tables

        sections = family_tables(agg)
    md, csv_path = out / "table.md", out / "table.csv"
    md.write_text(render_markdown(agg, title, sections))
    write_csv(agg, csv_path)
    return [md, csv_path]
