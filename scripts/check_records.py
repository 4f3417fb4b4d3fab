#!/usr/bin/env python3
"""Recompute exact match from the raw outputs of a run, independently of the harness's scoring
code (stdlib only), and compare it with the reported table.

    python scripts/check_records.py results/cpu-addition

For every (model, arithmetic task) it reads the records (.jsonl or archived .jsonl.gz), takes
the first integer of each raw output, compares it with the target, and checks that the mean equals
the `exact_match` row of report/table.csv. Exit code 1 on any mismatch.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
from pathlib import Path


def records(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first_int(text: str) -> str | None:
    m = re.search(r"-?\d[\d,]*", text)
    return str(int(m.group(0).replace(",", ""))) if m else None


def main(root: str) -> int:
    base = Path(root)
    reported = {}
    with (base / "report" / "table.csv").open() as f:
        for row in csv.DictReader(f):
            if row["metric"] == "exact_match":
                reported[(row["model"], row["task"])] = (float(row["mean"]), int(row["n"]))
    bad = 0
    # a (model, task) may be an archive plus a plain file of items added later: read them together
    stems: dict[Path, list[Path]] = {}
    for path in sorted((base / "records").glob("*/*.jsonl*")):
        if ".stale-" not in path.name:
            stems.setdefault(path.with_name(path.name.removesuffix(".gz")), []).append(path)
    for parts in stems.values():
        recs = [r for part in sorted(parts, key=lambda p: p.suffix != ".gz") for r in records(part)]
        if not recs or "first_integer" not in json.dumps(recs[0].get("meta", {})) and not recs[0]["task"].startswith(("addition", "schaeffer")):
            continue
        model, task = recs[0]["model"], recs[0]["task"]
        em = sum(first_int(r["output"]) == r["target"] for r in recs) / len(recs)
        rep = reported.get((model, task))
        ok = rep is not None and abs(rep[0] - em) < 1e-4 and rep[1] == len(recs)
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {model:22s} {task:28s} n={len(recs):4d} recomputed EM={em:.4f} reported={rep}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/cpu-addition"))
