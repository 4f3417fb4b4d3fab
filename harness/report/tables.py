"""Comparison tables: Markdown for people, CSV for tools.

`table.md` has, per task, one row per model (sorted by parameter count) and one column per
metric, each cell `mean [95% CI]` (Wilson for 0/1 metrics, bootstrap for continuous ones), plus
the emergence diagnostics wherever per-digit error was measured.
"""

from __future__ import annotations

import csv
from pathlib import Path

from harness.report.aggregate import Aggregate

# Column order for the metrics people look at first; others follow alphabetically.
PREFERRED = ["exact_match", "digit_error", "digit_edit_distance", "gold_logprob", "gold_token_prob", "tf_token_acc", "tf_exact", "valid"]
PCT = {"exact_match", "tf_exact", "valid"}


def _metric_order(metrics: set[str]) -> list[str]:
    return [m for m in PREFERRED if m in metrics] + sorted(metrics - set(PREFERRED))


def _params(p: int) -> str:
    return f"{p / 1e9:.2f}B" if p >= 1e9 else f"{p / 1e6:.0f}M"


def write_csv(agg: Aggregate, path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "model_id", "params", "family", "instruct", "task", "metric", "n", "mean", "ci_low", "ci_high", "interval"])
        for c in agg.cells:
            e = c.estimate
            w.writerow([c.model.name, c.model.model_id, c.model.params, c.model.family, c.model.instruct, c.task, c.metric, e.n, f"{e.mean:.6g}", f"{e.low:.6g}", f"{e.high:.6g}", "wilson" if e.kind == "binary" else "bootstrap"])


def _task_table(agg: Aggregate, task: str) -> list[str]:
    metrics = _metric_order({c.metric for c in agg.cells if c.task == task} - {"digit_errors", "answer_len", "gold_tokens"})
    lines = ["| model | params | n | " + " | ".join(metrics) + " |", "|---|---:|---:|" + "---:|" * len(metrics)]
    for m in agg.models:
        row = [agg.get(m.name, task, k) for k in metrics]
        if all(r is None for r in row):
            continue
        n = max((r.n for r in row if r is not None), default=0)
        cells = [("—" if r is None else r.fmt(pct=k in PCT)) for r, k in zip(row, metrics)]
        lines.append(f"| {m.model_id} | {_params(m.params)} | {n} | " + " | ".join(cells) + " |")
    return lines


def _emergence_table(agg: Aggregate) -> list[str]:
    rows = []
    for m in agg.models:
        for t in agg.tasks:
            cell = agg.emergence(m.name, t)
            if cell is None:
                continue
            clus = "—" if cell.clustering_index is None else f"{cell.clustering_index:.2f}"
            p = "—" if cell.tf_token_acc is None else f"{cell.tf_token_acc:.3f}"
            pl = "—" if cell.tf_pL is None else f"{100 * cell.tf_pL:.1f}%"
            rows.append(
                f"| {m.model_id} | {t} | {cell.n} | {100 * cell.exact_match:.1f}% | {cell.digit_error:.3f} | "
                f"[{100 * cell.em_lower_bound:.1f}%, {100 * cell.em_upper_bound:.1f}%] | {100 * cell.independence_em:.1f}% | {clus} | {p} | {pl} | {100 * cell.resolution:.3f}% |"
            )
    if not rows:
        return []
    return [
        "## Exact match vs per-digit error on the same outputs",
        "",
        "EM bounds from per-digit error e over L-digit answers: [1 − L·e, 1 − e] (Zhang Junlin, 000-25). "
        "(1−e)^L: Schaeffer et al.'s independence prediction. Clustering index: 0 = errors spread one per item, "
        "1 = errors concentrated in the same items. p: teacher-forced per-token accuracy of the gold answer; "
        "p^L: its prediction of EM. Resolution: 1/(N·L).",
        "",
        "| model | task | n | EM | per-digit error e | EM bounds | (1−e)^L | clustering | p (teacher-forced) | p^L | resolution |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]


def _provenance(agg: Aggregate) -> list[str]:
    lines = ["## Provenance", "", "| model | task | items | seed | task hash | items hash | weights sha256 | device | elapsed (s) | git |", "|---|---|---:|---:|---|---|---|---|---:|---|"]
    for (model, task), m in sorted(agg.metas.items()):
        lines.append(f"| {model} | {task} | {m.n_done}/{m.n_items} | {m.seed} | `{m.task_hash}` | `{m.items_hash}` | `{(m.weights_hash or '—')[:12]}` | {m.device} ({m.dtype}) | {m.elapsed_s:.0f} | `{(m.git_commit or '—')[:12]}` |")
    hosts = {str(m.host.get('processor')) + f", {m.host.get('cpu_count')} cores" for m in agg.metas.values()}
    pk = next(iter(agg.metas.values())).packages if agg.metas else {}
    lines += ["", f"Machine: {'; '.join(sorted(hosts))}. Packages: " + ", ".join(f"{k} {v}" for k, v in sorted(pk.items())), ""]
    return lines


def render_markdown(agg: Aggregate, title: str = "Results") -> str:
    out = [f"# {title}", "", "Cells: mean [95% CI]; 0/1 metrics in % with Wilson intervals, continuous metrics with percentile-bootstrap intervals. Models are sorted by parameter count.", ""]
    for t in agg.tasks:
        out += [f"## {t}", "", *_task_table(agg, t), ""]
    out += _emergence_table(agg)
    out += _provenance(agg)
    return "\n".join(out)


def write_tables(agg: Aggregate, out_dir: str | Path, title: str = "Results") -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, csv_path = out / "table.md", out / "table.csv"
    md.write_text(render_markdown(agg, title))
    write_csv(agg, csv_path)
    return [md, csv_path]
