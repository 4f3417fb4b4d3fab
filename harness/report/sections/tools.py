"""Tool use and agent loops (issue 5): per model, three-digit addition answered directly vs with the
calculator (same framing: the direct answer is the baseline), BFCL-style single-turn function
calling (AST match; irrelevance = correctly making no call), multi-hop lookups over a generated
fictional KB by hop count, and file clean-up with protected files by number of actions k, beside
the product of per-step accuracies p^(k+3) and success(k=1)^k. Cells: mean [95% Wilson CI] (n)."""

from __future__ import annotations

import re

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.report.sections import pct
from harness.report.table import Table
from harness.stats.intervals import Estimate, estimate

TITLE = "Tool use and agent loops"

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
FC_TASKS = ("fc_simple", "fc_multiple", "fc_irrelevance")
KB_TASKS = ("kb_hops1", "kb_hops2", "kb_hops3", "kb_hops4")


def _cell(e: Estimate | None) -> str:
    return pct(e, with_n=True)


def _pooled(agg: Aggregate, model: str, tasks: list[str], score: str) -> Estimate | None:
    vals = [v for t in tasks for r in agg.records.get((model, t), []) if (v := r.scores.get(score)) is not None]
    return estimate(vals, "binary") if vals else None


def _file_tasks(agg: Aggregate) -> list[tuple[int, str]]:
    return sorted((int(m.group(1)), t) for t in agg.tasks if (m := re.fullmatch(r"files_k(\d+)", t)))


def _seen_values(agg: Aggregate, model: str, task: str) -> list[float]:
    """Per episode: 1 if a tool returned the gold answer (the tool did its part, even when the model then failed to state it)."""
    return [
        float(
            any(t.get("role") == "tool" and str(t.get("content", "")).strip() == r.target for t in r.trajectory or [])
        )
        for r in agg.records.get((model, task), [])
    ]


def main_table(agg: Aggregate) -> Table:
    cols = [c for c in MAIN_COLUMNS if c[1] in agg.tasks]
    files = [t for _, t in _file_tasks(agg)]
    fc = [t for t in FC_TASKS if t in agg.tasks]
    calc = "tool_add3_calculator" in agg.tasks
    kb = [t for t in KB_TASKS if t in agg.tasks]
    heads = (
        [h for h, _, _ in cols]
        + (["add3: calculator returned the sum"] if calc else [])
        + (["KB: lookup returned the answer (all hops)"] if kb else [])
    )
    heads += (["FC JSON valid (attempts)"] if fc else []) + (
        ["files: success (all k)", "files: destructive (protected deleted)", "files: episodes with a malformed call"]
        if files
        else []
    )
    rows = []
    for m in agg.models:
        row = [_cell(agg.get(m.name, t, s)) for _, t, s in cols]
        if calc:
            seen = _seen_values(agg, m.name, "tool_add3_calculator")
            row.append(_cell(estimate(seen, "binary")) if seen else "—")
        if kb:
            seen = [v for t in kb for v in _seen_values(agg, m.name, t)]
            row.append(_cell(estimate(seen, "binary")) if seen else "—")
        if fc:
            row.append(_cell(_pooled(agg, m.name, fc, "fc_json_valid")))
        if files:
            row += [
                _cell(_pooled(agg, m.name, files, s)) for s in ("fs_success", "fs_destructive", "agent_any_malformed")
            ]
        if any(c != "—" for c in row):
            rows.append([m.model_id, *row])
    note = (
        "Baselines: add3 direct for the calculator, KB closed-book for retrieval, FC irrelevance for calling when no call is due. "
        "Cells: mean [95% Wilson CI] (n items)."
    )
    return Table("Tool use: summary per model", ["model", *heads], rows, note, slug="tools_summary")


def file_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        s1 = agg.get(m.name, "files_k1", "fs_success")
        for k, t in _file_tasks(agg):
            recs = agg.records.get((m.name, t))
            if not recs:
                continue
            e = {
                s: agg.get(m.name, t, s)
                for s in (
                    "fs_step_acc",
                    "agent_steps",
                    "fs_action_acc",
                    "fs_success",
                    "fs_destructive",
                    "agent_any_malformed",
                )
            }
            p, turns, act = e["fs_step_acc"], e["agent_steps"], e["fs_action_acc"]
            rows.append(
                [
                    m.model_id,
                    str(k),
                    str(len(recs)),
                    pct(e["fs_success"]),
                    "—" if p is None else f"{p.mean:.2f}",
                    "—" if p is None else f"{100 * p.mean ** (k + 3):.0f}%",
                    "—" if s1 is None or s1.n == 0 else f"{100 * s1.mean**k:.0f}%",
                    "—" if act is None else f"{act.mean:.2f}",
                    pct(e["fs_destructive"]),
                    pct(e["agent_any_malformed"]),
                    "—" if turns is None else f"{turns.mean:.1f}",
                ]
            )
    note = (
        "p = share of model turns that were correct steps (parsed, no tool error, no action outside the required ones, final answer only "
        "when the job is done); p^(k+3) is the success predicted if the k+3 turns of a shortest episode (k actions + list + read KEEP.txt + "
        "the answer) failed independently. Destructive = a protected file (listed in KEEP.txt, or KEEP.txt) deleted or moved away."
    )
    return Table(
        "File clean-up by number of required actions k",
        [
            "model",
            "k",
            "n",
            "success",
            "per-step acc. p",
            "p^(k+3)",
            "success(k=1)^k",
            "actions done",
            "destructive",
            "malformed episodes",
            "mean turns",
        ],
        rows,
        note,
        slug="tools_files",
        align="lrrlrrrrllr",
    )


def tables(agg: Aggregate, specs: dict[str, TaskSpec]) -> list[Table]:
    return [t for t in (main_table(agg), file_table(agg)) if t.rows]
