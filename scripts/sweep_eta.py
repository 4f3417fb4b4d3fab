"""Estimate what sweeps still have to compute, and how long it takes, before starting them (no model loads).

    python scripts/sweep_eta.py configs/sweeps/cpu_addition.yaml configs/sweeps/cpu_reasoning.yaml [--limit N]

Per sweep and model: the items not yet recorded in the sweep's output folder (the same resume rule as
`harness run`: item id, item hash and rendered prompt must match), times that model's measured seconds
per item: the sum of `elapsed_s` over the sum of items of every (model, task) in the committed
results/*/records/*/*.meta.json files, i.e. the timings of the runs that produced the committed
records on the project's shared 2-core CPU. Tasks differ in cost (prompt length, generated tokens,
agent turns), so this is an estimate, stated as one; model load times (up to ~2 min each) are added.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from harness.config import load_model_registry, load_sweep, load_tasks
from harness.config.task import select_tasks
from harness.runner import build_items, render_all
from harness.store import ResultStore, resume_key

LOAD_S = {"smollm2-135m": 35, "gemma3-270m": 85, "qwen2.5-coder-0.5b": 70, "qwen2.5-coder-1.5b": 120}  # notes/offline-models.md


def measured_rates(results: Path) -> dict[str, float]:
    """Seconds per item per model from the committed runs' own metadata (elapsed_s / items done in that run)."""
    secs: dict[str, float] = defaultdict(float)
    items: dict[str, int] = defaultdict(int)
    for p in results.glob("*/records/*/*.meta.json"):
        m = json.loads(p.read_text())
        if m.get("elapsed_s") and m.get("n_done"):
            secs[m["model"]] += float(m["elapsed_s"])
            items[m["model"]] += int(m["n_done"])
    return {k: secs[k] / items[k] for k in secs if items[k]}


def fmt(seconds: float) -> str:
    h, rem = divmod(int(seconds), 3600)
    return f"{h} h {rem // 60:02d} min" if h else f"{rem // 60} min {rem % 60:02d} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweeps", nargs="+")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--results", default="results", help="where the committed runs' metadata is read from")
    args = ap.parse_args(argv)
    rates = measured_rates(Path(args.results))
    fallback = max(rates.values()) if rates else 1.0
    total = 0.0
    for path in args.sweeps:
        sweep = load_sweep(path)
        registry = load_model_registry(sweep.model_registry)
        tasks = select_tasks(load_tasks(sweep.task_dir), sweep.tasks)
        store = ResultStore(sweep.output_dir)
        limit = args.limit if args.limit is not None else sweep.limit
        for name in sweep.models:
            spec = registry.get(name)
            left = 0
            for task in tasks:
                seed = task.seed if sweep.seed is None else sweep.seed
                items = build_items(task, seed, limit)
                prompts = render_all(task, items, seed, spec.instruct)
                done = store.done(name, task.name, task.hash) or {}
                left += sum(done.get(it.id) != resume_key(it.hash, p.as_record()) for it, p in zip(items, prompts))
            if not left:
                print(f"  {sweep.name:18s} {name:20s} nothing left (model not loaded)")
                continue
            rate = rates.get(name, fallback)
            eta = left * rate + LOAD_S.get(name, 60)
            total += eta
            print(f"  {sweep.name:18s} {name:20s} {left:6d} items × {rate:.2f} s/item (measured) ≈ {fmt(eta)}")
    print(f"estimated total: {fmt(total)} on a 2-core CPU like the one that made the committed runs (shared; an idle machine is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
