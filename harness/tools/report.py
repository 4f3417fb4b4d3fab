"""The tool-use summary: one table answering issue 5 per model, plus file clean-up by k.

    python -m harness.tools.report results/tools            # -> results/tools/report/tools_summary.md

Cells are `mean [95% CI]` over items (Wilson for 0/1 scores), with N in each header or cell.
The file table compares end-to-end success at k with the product of per-step accuracies
p^(k+3) (k actions + list + read KEEP.txt + the final answer, the minimum number of turns)
and with success(k=1)^k.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from harness.report.aggregate import Aggregate, aggregate
from harness.stats.intervals import Estimate, estimate

MAIN_COLUMNS: list[tuple[str, str, str]] = [  # (header, task, score)
    ("add3 direct", "tool_add3_direct", "exact_match"),
    ("add3 + calculator", "tool_add3_calculator", "exact_match"),
    ("calculator used", "tool_add3_calculator", "agent_used_tool"),
    ("add3 + calc: answered only in the forced turn", "tool_add3_calculator", "agent_forced_answer"),
    ("FC simple", "fc_simple", "fc_accuracy"),
    ("FC multiple", "fc_multiple", "fc_accuracy"),
    ("FC irrelevance (no call)", "fc_irrelevance", "fc_accuracy"),
    ("KB 1 hop", "kb_hops1", "answer_contains"),
    ("KB 2 hops", "kb_hops2", "answer_contains"),
    ("KB 3 hops", "kb_hops3", "answer_contains"),
    ("KB 4 hops", "kb_hops4", "answer_contains"),
    ("KB 2 hops closed-book", "kb_hops2_closedbook", "answer_contains"),
]


def _cell(e: Estimate | None) -> str:
    if e is None or e.n == 0:
        return "—"
    return f"{100 * e.mean:.0f}% [{100 * e.low:.0f}, {100 * e.high:.0f}] (n={e.n})"


def _pooled(agg: Aggregate, model: str, tasks: list[str], score: str) -> Estimate | None:
    vals = [r.scores.get(score) for t in tasks for r in agg.records.get((model, t), [])]
    vals = [v for v in vals if v is not None]
    return estimate(vals, "binary") if vals else None


def _file_tasks(agg: Aggregate) -> list[tuple[int, str]]:
    out = [(int(m.group(1)), t) for t in agg.tasks if (m := re.fullmatch(r"files_k(\d+)", t))]
    return sorted(out)


def _seen_values(agg: Aggregate, model: str, task: str) -> list[float]:
    return [float(any(t.get("role") == "tool" and str(t.get("content", "")).strip() == r.target for t in r.trajectory or []))
            for r in agg.records.get((model, task), [])]


def _seen_in_observation(agg: Aggregate, model: str, task: str) -> Estimate | None:
    """Share of episodes in which a tool returned the gold answer (the tool did its part, even
    when the model then failed to state it)."""
    hits = _seen_values(agg, model, task)
    return estimate(hits, "binary") if hits else None


def main_table(agg: Aggregate) -> list[str]:
    cols = [c for c in MAIN_COLUMNS if c[1] in agg.tasks]
    files = [t for _, t in _file_tasks(agg)]
    fc = [t for t in ("fc_simple", "fc_multiple", "fc_irrelevance") if t in agg.tasks]
    calc = "tool_add3_calculator" in agg.tasks
    kb = [t for t in ("kb_hops1", "kb_hops2", "kb_hops3", "kb_hops4") if t in agg.tasks]
    heads = [h for h, _, _ in cols] + (["add3: calculator returned the sum"] if calc else []) + (["KB: lookup returned the answer (all hops)"] if kb else []) + (["FC JSON valid (attempts)"] if fc else []) + (["files: success (all k)", "files: destructive (protected deleted)", "files: episodes with a malformed call"] if files else [])
    lines = ["| model | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for m in agg.models:
        row = [_cell(agg.get(m.name, t, s)) for _, t, s in cols]
        if calc:
            row.append(_cell(_seen_in_observation(agg, m.name, "tool_add3_calculator")))
        if kb:
            seen = [e for t in kb if (e := _seen_in_observation(agg, m.name, t)) is not None]
            row.append(_cell(estimate([v for t in kb for v in _seen_values(agg, m.name, t)], "binary")) if seen else "—")
        if fc:
            row.append(_cell(_pooled(agg, m.name, fc, "fc_json_valid")))
        if files:
            row += [_cell(_pooled(agg, m.name, files, s)) for s in ("fs_success", "fs_destructive", "agent_any_malformed")]
        if any(c != "—" for c in row):
            lines.append(f"| {m.model_id} | " + " | ".join(row) + " |")
    return lines


def file_table(agg: Aggregate) -> list[str]:
    ks = _file_tasks(agg)
    if not ks:
        return []
    lines = [
        "| model | k | n | success | per-step acc. p | p^(k+3) | success(k=1)^k | actions done | destructive | malformed episodes | mean turns |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in agg.models:
        s1 = agg.get(m.name, "files_k1", "fs_success")
        for k, t in ks:
            recs = agg.records.get((m.name, t))
            if not recs:
                continue
            g = lambda s: agg.get(m.name, t, s)  # noqa: E731
            p = g("fs_step_acc")
            pred = "—" if p is None else f"{100 * p.mean ** (k + 3):.0f}%"
            pred1 = "—" if s1 is None or s1.n == 0 else f"{100 * s1.mean ** k:.0f}%"
            turns = g("agent_steps")
            lines.append(
                f"| {m.model_id} | {k} | {len(recs)} | {_cell(g('fs_success')).split(' (n')[0]} | {p.mean:.2f} | {pred} | {pred1} | "
                f"{g('fs_action_acc').mean:.2f} | {_cell(g('fs_destructive')).split(' (n')[0]} | {_cell(g('agent_any_malformed')).split(' (n')[0]} | {turns.mean:.1f} |"
            )
    return lines


def write(root: str, out: str | None = None) -> Path:
    agg = aggregate(root)
    dest = Path(out or Path(root) / "report")
    dest.mkdir(parents=True, exist_ok=True)
    seeds = sorted({(t, m.seed) for (_, t), m in agg.metas.items()})
    text = [
        "# Tool use and agent loops: summary",
        "",
        "Per model: three-digit addition answered directly vs with the calculator (same framing), BFCL-style "
        "single-turn function calling (AST match; irrelevance = correctly making no call), multi-hop lookups over a "
        "generated fictional KB by hop count, and file clean-up with protected files. Cells: mean [95% Wilson CI] (n items).",
        "",
        *main_table(agg),
        "",
        "## File clean-up by number of required actions k",
        "",
        "p = share of model turns that were correct steps (parsed, no tool error, no action outside the required ones, "
        "final answer only when the job is done); p^(k+3) is the success predicted if the k+3 turns of a shortest "
        "episode failed independently. Destructive = a protected file (listed in KEEP.txt, or KEEP.txt) deleted or moved away.",
        "",
        *file_table(agg),
        "",
        "Task seeds: " + ", ".join(f"{t}={s}" for t, s in seeds),
        "",
    ]
    path = dest / "tools_summary.md"
    path.write_text("\n".join(text))
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("output_dir")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    print(write(args.output_dir, args.out))


if __name__ == "__main__":
    main()
