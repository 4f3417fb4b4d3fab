"""Print a short verdict table of a report folder in the terminal (the last thing main.sh shows).

    python scripts/verdict_summary.py runs/main/report [--fresh runs/main]

Reads `<report>/verdicts.json` (written by `harness report`) and prints one row per rule: claim, its
title, the verdict and the first line of its evidence, then the count per verdict. With --fresh RUN,
rules that read a (model, task) computed in RUN are marked with *. No model runs here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

STYLE = {"supported": "green", "refuted": "red", "inconclusive": "yellow"}


def fresh_tasks(run: Path) -> set[str]:
    return {p.name.split(".")[0] for p in (run / "records").glob("*/*.jsonl*") if ".stale-" not in p.name}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path, help="a report folder holding verdicts.json")
    ap.add_argument("--fresh", type=Path, help="run folder computed by this command: mark the rules that read it")
    ap.add_argument("--width", type=int, default=70, help="characters of evidence shown per row")
    args = ap.parse_args(argv)
    path = args.report / "verdicts.json"
    if not path.exists():
        print(f"error: {path} not found (run harness report first)", file=sys.stderr)
        return 2
    verdicts = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(verdicts, dict):
        verdicts = verdicts.get("verdicts", [])
    fresh = fresh_tasks(args.fresh) if args.fresh else set()
    console = Console(width=max(Console().width, 150))
    table = Table(title=f"Verdicts ({len(verdicts)} rules) — {args.report}", show_lines=False, pad_edge=False)
    for col, width in (("claim", 16), ("verdict", 13), ("claim title", 44), ("headline evidence", None)):
        table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=width, min_width=min(width or 20, 13))
    order = {"supported": 0, "refuted": 1, "inconclusive": 2}
    for v in sorted(verdicts, key=lambda v: order.get(str(v.get("status")), 3)):
        status = str(v.get("status", "?"))
        evidence = v.get("evidence") or [v.get("reason") or ""]
        head = str(evidence[0]) if evidence else ""
        head = head if len(head) <= args.width else head[: args.width - 1] + "…"
        mark = "*" if fresh and fresh & set(v.get("tasks") or []) else ""
        table.add_row(str(v.get("rule_id") or v.get("claim", "?")) + mark, f"[{STYLE.get(status, 'white')}]{status}[/]", str(v.get("title", "")), head)
    console.print(table)
    counts = Counter(str(v.get("status", "?")) for v in verdicts)
    console.print(", ".join(f"{n} {s}" for s, n in counts.most_common()))
    if fresh:
        console.print(f"* reads (model, task) cells computed in this run ({args.fresh}); every other cell comes from the committed results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
