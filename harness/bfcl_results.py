"""BFCL results: per-category accuracy rows (for the tools report and the combined report) and a
re-check of recorded verdicts with BFCL's own checker.

- `table_rows(root)`: one row per (model, task) of `bfcl_*`/`bfclp_*` records, plus one `overall`
  row per (model, mode) (BFCL's unweighted mean of categories is NOT used: the overall row pools the
  items actually run, and says so), each with N, correct, accuracy and a 95% Wilson interval.
- `recheck(root)`: every record re-decoded and re-scored here and by BFCL's unmodified checker
  (scripts/bfcl_reference.py in .venv-bfcl) on the same output. Prompting-mode replies go to BFCL as
  raw text (BFCL's own decoder); function-calling replies are decoded here (`<tool_call>` JSON,
  names mapped back: BFCL's Qwen FC handler reads the same blocks) and the decoded calls go to BFCL.

`python -m harness.bfcl_results results/bfcl` prints the table and the re-check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.bfcl_crosscheck import REFERENCE, _tuples, reference_python
from harness.metrics.base import ScoreContext
from harness.metrics.bfcl import DecodeError, decode_fc, reply
from harness.records import ItemRecord
from harness.stats.intervals import wilson_ci
from harness.store import ResultStore


def _bfcl_records(root: str | Path) -> list[ItemRecord]:
    return [r for r in ResultStore(root).iter_all() if r.task.startswith(("bfcl_", "bfclp_")) and r.scores.get("bfcl_accuracy") is not None]


def table_rows(root: str | Path) -> list[dict[str, Any]]:
    """Rows {model, task, category, mode, n, correct, accuracy, ci_low, ci_high}; `category` = "overall" pools a model's items per mode."""
    groups: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for r in _bfcl_records(root):
        mode = "prompting" if r.task.startswith("bfclp_") else "fc"
        acc = float(r.scores["bfcl_accuracy"])  # type: ignore[arg-type]
        groups[(r.model, r.task, r.meta.get("category", "?"), mode)].append(acc)
        groups[(r.model, f"bfcl ({mode}, pooled)", "overall", mode)].append(acc)
    rows = []
    for (model, task, cat, mode), xs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][3], kv[0][2] == "overall", kv[0][1])):
        k, n = int(sum(xs)), len(xs)
        lo, hi = wilson_ci(k, n)
        rows.append({"model": model, "task": task, "category": cat, "mode": mode, "n": n, "correct": k, "accuracy": k / n, "ci_low": lo, "ci_high": hi})
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    out = ["| model | mode | category | N | correct | accuracy [95% Wilson] |", "|---|---|---|---:|---:|---|"]
    for r in rows:
        cat = f"**{r['category']}**" if r["category"] == "overall" else r["category"]
        out.append(f"| {r['model']} | {r['mode']} | {cat} | {r['n']} | {r['correct']} | "
                   f"{100 * r['accuracy']:.1f}% [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}] |")
    return "\n".join(out)


def recheck(root: str | Path) -> tuple[int, list[tuple[ItemRecord, bool, bool]]]:
    """(records checked, [(record, harness verdict, BFCL verdict)] where they differ)."""
    py = reference_python()
    if py is None:
        raise SystemExit("error: .venv-bfcl not found; run scripts/setup_bfcl_env.sh")
    recs = _bfcl_records(root)
    lines = []
    for r in recs:
        m = r.meta
        case: dict[str, Any] = {"category": m["category"], "functions": m["functions"], "gold": m["gold"]}
        rp = reply(ScoreContext(item=None, output=r.output, parsed=r.parsed, trajectory=r.trajectory))  # type: ignore[arg-type]
        if rp["mode"] == "fc":
            try:
                case["decoded"] = _tuples(decode_fc(rp["text"], rp["tool_calls"], rp["name_map"]))
            except DecodeError:
                case["text"] = "(("  # undecodable for BFCL too
        else:
            case["text"] = rp["text"]
        lines.append(json.dumps(case))
    out = subprocess.run([str(py), str(REFERENCE)], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    ref = [bool(json.loads(x)["valid"]) for x in out.stdout.splitlines() if x.strip()]
    diffs = [(r, bool(r.scores["bfcl_accuracy"]), b) for r, b in zip(recs, ref) if bool(r.scores["bfcl_accuracy"]) != b]
    return len(recs), diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="BFCL accuracy table and re-check of recorded verdicts with BFCL's checker")
    ap.add_argument("root", help="results folder (e.g. results/bfcl)")
    ap.add_argument("--no-recheck", action="store_true")
    a = ap.parse_args(argv)
    print(markdown_table(table_rows(a.root)))
    if not a.no_recheck:
        n, diffs = recheck(a.root)
        print(f"\nre-check with BFCL's checker: {n - len(diffs)} of {n} recorded verdicts equal")
        for r, h, b in diffs:
            print(f"  {r.model} {r.item_id}: harness {h}, BFCL {b}")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
