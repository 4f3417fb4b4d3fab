"""Gold-as-draft greedy decoding against the committed sweeps: token-identical outputs, or a list of differences.

For every (model, task) of the given result folders whose task matches the globs, the first N committed
records are re-run on the HF backend with gold-as-draft and without it (plain greedy), and both are
compared with the committed outputs. Writes a Markdown table (and JSON beside it).

    python scripts/check_gold_draft.py results/cpu-addition results/reasoning --n 8 \
        --tasks 'addition_*' 'schaeffer_*' 'compound_*' 'cot_*' --out results/gold-draft-check.md
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--n", type=int, default=8, help="records per (model, task)")
    ap.add_argument("--tasks", nargs="+", default=["addition_*", "schaeffer_*", "compound_*", "cot_*"])
    ap.add_argument("--models", nargs="*", help="default: every model with records")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--out", default="results/gold-draft-check.md")
    a = ap.parse_args(argv)

    import torch

    from harness.backends import load_backend
    from harness.bench import draft_check
    from harness.config import load_model_registry
    from harness.config.task import load_tasks
    from harness.store import ResultStore

    torch.set_num_threads(1)
    registry, tasks = load_model_registry("configs/models.yaml"), load_tasks("tasks")
    cells: dict[str, list[tuple[str, str]]] = {}
    for d in a.dirs:
        for model, task in ResultStore(d).record_files():
            if task in tasks and any(fnmatch.fnmatch(task, g) for g in a.tasks) and (not a.models or model in a.models):
                cells.setdefault(model, []).append((d, task))
    out_json = Path(a.out).with_suffix(".json")
    done = json.loads(out_json.read_text()) if out_json.exists() else []
    seen = {(r["model"], r["task"]) for r in done}
    for model in [m for m in (a.models or list(cells)) if m in cells]:
        pairs = cells[model]
        pairs = [(d, t) for d, t in pairs if (model, t) not in seen]
        if not pairs:
            continue
        spec = registry.get(model)
        backend = load_backend("hf", spec, {"batch_size": a.batch_size, "device": "cpu"})
        for d, t in sorted(pairs, key=lambda p: p[1]):
            t0 = time.process_time()
            res = draft_check(backend, tasks[t], ResultStore(d).read(model, t), spec.instruct, a.n)
            res.update(model=model, task=t, results=d, cpu_s=round(time.process_time() - t0, 1))
            print(f"{model} {t}: {res['same_draft_vs_plain']}/{res['n']} draft = plain, {res['same_as_committed']}/{res['n']} draft = committed, "
                  f"{res['plain_same_as_committed']}/{res['n']} plain = committed, {res['finished_from_draft']} from the draft pass", file=sys.stderr, flush=True)
            done.append(res)
            out_json.write_text(json.dumps(done, indent=1))
            write_md(Path(a.out), done, " ".join(sys.argv))
        backend.close()
    return 0


def write_md(path: Path, rows: list[dict], command: str) -> None:
    tot = {k: sum(r[k] for r in rows) for k in ("n", "same_draft_vs_plain", "same_as_committed", "plain_same_as_committed", "finished_from_draft")}
    lines = [
        "# Gold-as-draft greedy decoding vs plain greedy and the committed outputs",
        "",
        f"Command: `python {command}` (CPU, fp32, one thread, batch size 8). The first N committed records of each",
        "(model, task) are re-run with gold-as-draft and without it; \"committed\" = the output stored in the results folder.",
        "Rows are kept across invocations (the script resumes), so N can differ between rows: it is in the table.",
        "",
        f"**Total: {tot['same_draft_vs_plain']}/{tot['n']} draft = plain greedy now; {tot['same_as_committed']}/{tot['n']} draft = committed; "
        f"{tot['plain_same_as_committed']}/{tot['n']} plain = committed; {tot['finished_from_draft']} outputs came whole from the draft pass.**",
        "",
        "| model | task | N | draft = plain | draft = committed | plain = committed | whole from draft pass | prompt changed since | CPU s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['task']} | {r['n']} | {r['same_draft_vs_plain']} | {r['same_as_committed']} | {r['plain_same_as_committed']} | "
                     f"{r['finished_from_draft']} | {r['prompt_changed']} | {r['cpu_s']} |")
    diffs = [(r["model"], r["task"], d) for r in rows for d in r["diffs"]]
    lines += ["", "Differing items:", ""] + [f"- {m} / {t} item {d['id']}: committed {d['committed']!r}, draft {d['draft']!r}, plain {d['plain']!r}" for m, t, d in diffs]
    if not diffs:
        lines.append("- none")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
