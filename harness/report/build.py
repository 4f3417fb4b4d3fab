"""The full report of a run: tables, verdicts, plots, Markdown and HTML.

    write_report("results/cpu-addition")  ->  report/{table.md, table.csv, tables/*.csv, verdicts.json,
                                                 report.md, report.html, plots/*.png}

Every family's tables (harness/report/sections/) are built once and rendered into table.md,
report.md, report.html and one CSV each, for one run directory or the combined report.

Works on any run directory: tasks without a rule are shown in tables and plots only; rules whose
tasks did not run say "not run".
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from harness.analysis.aggregate import Aggregate, aggregate
from harness.analysis.presentation import answer_length, kind, primary_output as _primary
from harness.claims.catalogue import DEFAULT_CATALOGUE
from harness.claims.rules import DEFAULT_RULES_GLOB
from harness.claims.limitations import limitations
from harness.claims.verdicts import Verdict, compute_verdicts, templates_of, write_verdicts_json
from harness.config.task import TaskSpec
from harness.errors import HarnessError
from harness.report.anchors import DEFAULT_ANCHORS
from harness.report.html import Figure, ReportPage, render_html
from harness.report.plots import conditions_plot, scaling_plot
from harness.report.sections import family_tables, modules, params_label
from harness.report.table import Table
from harness.report.tables import task_tables, write_section_csvs, write_tables
from harness.report.verdicts import all_models, render_limitations_markdown, render_verdicts_markdown
from harness.stats.power import mde_proportion, resolution, zero_check

log = logging.getLogger(__name__)


def _task_specs(task_dir: str) -> dict[str, TaskSpec]:
    from harness.config import load_tasks

    try:
        return load_tasks(task_dir)
    except (HarnessError, OSError) as exc:  # a report must still work on records alone
        log.warning("tasks not loaded (%s): plots fall back to the metrics in the records", exc)
        return {}


def primary_output(agg: Aggregate, task: str, spec: TaskSpec | None) -> str | None:
    """The output a task is about: its primary metric's declared primary output (see `register_metric`)."""
    return _primary(spec.primary_metric if spec is not None else None, {c.metric for c in agg.cells if c.task == task})


def build_figures(agg: Aggregate, specs: dict[str, TaskSpec], anchors_path: str = DEFAULT_ANCHORS) -> list[Figure]:
    """Per task: a family section's own figure where it has one (the arithmetic emergence view),
    else the primary output across sizes; then the conditions of each task file side by side."""
    figs: list[Figure] = []
    for task in agg.tasks:
        own = [
            f for mod in modules() if hasattr(mod, "task_figure") and (f := mod.task_figure(agg, task, anchors_path))
        ]
        if own:
            figs.append(own[0])
            continue
        out = primary_output(agg, task, specs.get(task))
        if out is None:
            continue
        png = scaling_plot(agg, task, [out], None)
        if png:
            figs.append(Figure(f"scaling_{task}", task, f"{task}: {out} vs parameter count (95% CI).", png))
    groups: dict[str, list[str]] = defaultdict(list)
    for task in agg.tasks:
        spec = specs.get(task)
        if spec is not None and spec.source_file:
            groups[spec.source_file].append(task)
    for src, tasks in sorted(groups.items()):
        if len(tasks) < 2:
            continue
        out = primary_output(agg, tasks[0], specs.get(tasks[0]))
        if out is None:
            continue
        name = Path(src).stem
        for k in range(0, len(tasks), 8):  # at most 8 conditions per chart, or the bars get unreadable
            part = tasks[k : k + 8]
            suffix = "" if len(tasks) <= 8 else f"_{k // 8 + 1}"
            png = conditions_plot(agg, part, out, f"{name}{suffix}: conditions side by side ({out})")
            if png:
                figs.append(
                    Figure(
                        f"conditions_{name}{suffix}",
                        f"{name} conditions",
                        f"Tasks of {Path(src).parent.name}/{Path(src).name} side by side per model ({out}, 95% CI).",
                        png,
                    )
                )
    return figs


def anchor_lines(agg: Aggregate, anchors_path: str = DEFAULT_ANCHORS) -> list[str]:
    return [line for mod in modules() if hasattr(mod, "anchor_lines") for line in mod.anchor_lines(agg, anchors_path)]


def power_table(agg: Aggregate, specs: dict[str, TaskSpec]) -> Table:
    """Resolution and power of each (model, task) cell's primary 0/1 metric at the N used."""
    rows, warnings = [], 0
    for task in agg.tasks:
        out = primary_output(agg, task, specs.get(task))
        if out is None or kind(out) != "binary":
            continue
        for m in agg.models:
            recs = agg.records.get((m.name, task))
            e = agg.get(m.name, task, out)
            if not recs or e is None or e.n == 0:
                continue
            lens = [answer_length(r.scores) for r in recs]
            L = float(sum(x for x in lens if x) / max(1, sum(1 for x in lens if x))) or 1.0
            hits = int(round(e.mean * e.n))
            z = zero_check(hits, e.n, L)
            warnings += z.warning is not None
            rows.append(
                [
                    f"{m.model_id} · {task}",
                    out,
                    str(e.n),
                    f"{L:.1f}",
                    f"{100 * resolution(e.n, L):.2f}%",
                    f"{hits}/{e.n}",
                    f"{100 * z.upper:.1f}%",
                    f"{100 * mde_proportion(e.n, e.mean, two_sample=True):.1f} pts",
                    z.warning or "",
                ]
            )
    note = (
        "Resolution = 1/(N·L): the smallest per-token rate one can see. Upper bound: the true rate a 0/N (or k/N) result cannot exclude (95%). "
        "MDE: the smallest difference from this rate a two-sided test between two conditions of N items each detects with 80% power at α = 0.05."
        + (f" {warnings} cell(s) read 0% only because N is small." if warnings else "")
    )
    return Table(
        "Resolution and power at the N used",
        ["cell", "metric", "N", "L", "resolution 1/(N·L)", "hits", "95% upper bound", "MDE (2 conditions)", "warning"],
        rows,
        note,
    )


def write_report(
    run_dir: str | Path | Sequence[str | Path],
    out_dir: str | Path | None = None,
    title: str | None = None,
    rules_glob: str = DEFAULT_RULES_GLOB,
    catalogue_path: str = DEFAULT_CATALOGUE,
    task_dir: str = "tasks",
    anchors_path: str = DEFAULT_ANCHORS,
    embed_figures: bool = False,
) -> list[Path]:
    """Tables, verdicts, plots, report.md and report.html for one run directory, or for several
    combined (then `out_dir` is required: the verdicts use every directory's records). The HTML
    links the PNGs in plots/ (written either way); `embed_figures` inlines them as data URIs for a
    single-file page (several MB for a combined report, so not what is committed)."""
    dirs = [str(run_dir)] if isinstance(run_dir, (str, Path)) else [str(d) for d in run_dir]
    if len(dirs) > 1 and out_dir is None:
        raise HarnessError("a report over several run directories needs an output folder (--out)")
    agg = aggregate(dirs)
    if not agg.cells:
        raise HarnessError(f"no records under {', '.join(f'{d}/records' for d in dirs)}")
    out = Path(out_dir or Path(dirs[0]) / "report")
    title = title or " + ".join(Path(d).name for d in dirs)
    specs = _task_specs(task_dir)
    sections = family_tables(agg, specs)
    paths = [*write_tables(agg, out, title=title, sections=sections), *write_section_csvs(sections, out / "tables")]
    order = {"supported": 0, "refuted": 0, "inconclusive": 1, "undecidable": 2, "no rule": 3, "not run": 4}
    verdicts = sorted(compute_verdicts(agg, specs, rules_glob, catalogue_path, dirs), key=lambda v: order.get(v.status, 4))
    write_verdicts_json(verdicts, str(out / "verdicts.json"))
    figs = build_figures(agg, specs, anchors_path)
    plot_dir = out / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    for f in figs:
        (plot_dir / f"{f.name}.png").write_bytes(f.png)
    models = ", ".join(f"{m.model_id} ({params_label(m.params)})" for m in agg.models)
    n_items = sorted({len(r) for r in agg.records.values()})
    subtitle = (
        f"Models: {models}. Tasks: {len(agg.tasks)}. Items per (model, task): {n_items[0]}–{n_items[-1]}."
        if n_items
        else ""
    )
    anchors = anchor_lines(agg, anchors_path)
    pw = power_table(agg, specs)
    limits = limitations(agg, templates_of(specs))
    (out / "report.md").write_text(
        render_report_markdown(title, subtitle, verdicts, figs, anchors, sections, pw, limits), encoding="utf-8"
    )
    prov = [
        f"{k[0]} · {k[1]}: {m.n_done}/{m.n_items} items, seed {m.seed}, task {m.task_hash}, {m.device} ({m.dtype}), git {(m.git_commit or '—')[:12]}"
        for k, m in sorted(agg.metas.items())
    ]
    page = ReportPage(
        title,
        subtitle,
        verdicts,
        task_tables(agg),
        figs,
        anchors,
        prov,
        sections=[*sections, *([pw] if pw.rows else [])],
        models=all_models(verdicts),
        limitations=limits,
        embed_figures=embed_figures,
    )
    (out / "report.html").write_text(render_html(page), encoding="utf-8")
    return [
        *paths,
        out / "verdicts.json",
        out / "report.md",
        out / "report.html",
        *(plot_dir / f"{f.name}.png" for f in figs),
    ]


def render_report_markdown(
    title: str,
    subtitle: str,
    verdicts: list[Verdict],
    figs: list[Figure],
    anchors: list[str],
    sections: list[Table],
    power: Table,
    limits: list[str] | None = None,
) -> str:
    """report.md: limitations, verdicts, plots, published numbers, every family section's tables, the power table."""
    md = [f"# {title}", "", subtitle, "", *render_limitations_markdown(limits or []), render_verdicts_markdown(verdicts), "## Plots", ""]
    md += [f"![{f.title}](plots/{f.name}.png)\n\n*{f.caption}*\n" for f in figs]
    if anchors:
        md += ["## Published numbers beside ours", "", *[f"- {a}" for a in anchors], ""]
    current = None
    for t in sections:
        if t.section != current:
            current = t.section
            md += [f"## {current}", ""]
        md += Table(t.title, t.header, t.rows, t.note, t.slug, t.level + 1, align=t.align, extra=t.extra).markdown()
    if power.rows:
        md += power.markdown()
    md += [
        "## Tables",
        "",
        "Per-task comparison tables across model sizes, the family tables above and provenance: [table.md](table.md) "
        "(CSV: [table.csv](table.csv) per cell, `tables/*.csv` per family table).",
        "",
    ]
    return "\n".join(md)
