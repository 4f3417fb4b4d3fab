"""`harness bench`: this harness against lm-evaluation-harness on identical items, side by side.

For each cell (model, task, N items) the same rendered prompts are evaluated, one child process
after another under the same conditions, by:

- `ours`: the harness's own path as a real `harness run` does it (prompts -> solver -> parser ->
  every metric of the task, the teacher-forced gold log-likelihood included) through the HF
  backend with its prefix cache and gold-as-draft decoding;
- `nodraft` (optional): the same with `gold_draft=False` (sequential greedy decoding, then a
  separate teacher-forcing pass for the gold log-probs);
- `plain` (optional): `prefix_cache=False, gold_draft=False` (greedy outputs must be identical);
- `lmeval`: lm-evaluation-harness's `hf` model on the same prompts, given as a custom local
  `generate_until` task (JSONL + YAML), same stop strings, max tokens, batch size and dtype. It
  generates and scores exact match only (it has no gold log-likelihood for generate_until tasks).

Like for like: on both sides the timed region starts after the model is loaded and the task is
built (ours: items and prompts; lm-eval: its task index and dataset) and covers building the
requests, running them and scoring.

Each child reports load time, evaluation time, items/s, its peak RSS and its outputs; the parent
joins them into items/s ratios, per-item agreement (every differing item listed), the harness's
overhead over the time spent inside `model.generate`, and the fraction of the compute bound
(2 x parameters FLOPs per token against a measured fp32 matmul throughput).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKERS = ("lmeval", "ours", "nodraft", "plain")


@dataclass(frozen=True)
class Cell:
    model: str
    task: str
    n: int

    @classmethod
    def parse(cls, text: str) -> Cell:
        try:
            model, task, n = text.split(":")
            return cls(model, task, int(n))
        except ValueError:
            raise argparse.ArgumentTypeError(f"cell must be MODEL:TASK:N, got {text!r}") from None

    @property
    def label(self) -> str:
        return f"{self.model} / {self.task} / N={self.n}"


# ------------------------------------------------------------------ items shared by both sides
def _task_and_prompts(cell: Cell) -> tuple[Any, list[Any], list[Any], Any]:
    from harness.config import load_model_registry
    from harness.config.task import load_tasks
    from harness.runner import build_items, render_all

    spec = load_model_registry("configs/models.yaml").get(cell.model)
    task = load_tasks("tasks")[cell.task]
    items = build_items(task, task.seed, cell.n)
    prompts = render_all(task, items, task.seed, spec.instruct)
    if any(p.prompt is None for p in prompts):
        raise SystemExit(f"{cell.task}: bench needs a completion-format task (chat prompts differ between harnesses)")
    return task, items, prompts, spec


def write_lmeval_task(cell: Cell, folder: Path) -> str:
    """The cell's items as an lm-eval task: JSONL data + a YAML config in `folder` (its include path)."""
    task, items, prompts, _ = _task_and_prompts(cell)
    data = folder / "items.jsonl"
    with data.open("w") as f:
        for it, p in zip(items, prompts):
            f.write(json.dumps({"id": it.id, "prompt": p.prompt, "target": p.gold_continuation}) + "\n")
    name = "claims_bench_" + cell.task
    g = task.generation
    config = {
        "task": name,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data)}},
        "test_split": "test",
        "output_type": "generate_until",
        "doc_to_text": "{{prompt}}",
        "doc_to_target": "{{target}}",
        "target_delimiter": "",
        "generation_kwargs": {"until": list(g.stop), "max_gen_toks": g.max_new_tokens, "do_sample": False, "temperature": 0.0},
        "metric_list": [{"metric": "exact_match"}],
    }
    (folder / f"{name}.yaml").write_text(json.dumps(config, indent=1))  # JSON is valid YAML
    return name


# ------------------------------------------------------------------------------ child workers
def _finish(result: dict[str, Any], out: Path) -> None:
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["total_cpu_s"] = time.process_time()
    result["loadavg_end"] = os.getloadavg()
    out.write_text(json.dumps(result))


def _worker_harness(cell: Cell, batch_size: int, kind: str, out: Path) -> None:
    from harness.backends import load_backend
    from harness.metrics import load_all
    from harness.runner import score_chunk

    load_all()
    res: dict[str, Any] = {"loadavg_start": os.getloadavg()}
    t0 = time.perf_counter()
    task, items, prompts, spec = _task_and_prompts(cell)  # the task is built outside the timed region (as lm-eval's)
    options = {"batch_size": batch_size, "device": "cpu", "dtype": "float32", "prefix_cache": kind != "plain", "gold_draft": kind == "ours"}
    backend = load_backend("hf", spec, options)
    res["load_s"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    records = score_chunk(task, cell.model, task.seed, items, prompts, backend)
    res["eval_s"], res["eval_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    s = backend.stats
    res.update(
        model_s=s.model_seconds,
        tokens_forwarded=s.tokens_forwarded,
        tokens_generated=s.tokens_generated,
        prefix_hits=s.prefix_hits,
        draft_rows=s.draft_rows,
        draft_finished=s.draft_finished,
        gold_loglikelihood=any(r.gold_logprobs is not None for r in records),
        num_parameters=backend.info.extra["num_parameters"],
        prompt_tokens=sum(len(backend.tokenizer(p.prompt)["input_ids"]) for p in prompts),
        outputs={r.item_id: r.output for r in records},
        prompts={it.id: p.prompt for it, p in zip(items, prompts)},
        accuracy=sum(bool(r.scores.get("exact_match", r.scores.get("sequence_accuracy"))) for r in records) / len(records),
    )
    _finish(res, out)


def _worker_lmeval(cell: Cell, batch_size: int, out: Path) -> None:
    import lm_eval
    from lm_eval.evaluator import evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    from harness.config import load_model_registry
    from harness.weights import resolve_model

    res: dict[str, Any] = {"loadavg_start": os.getloadavg()}
    folder = Path(tempfile.mkdtemp(prefix="bench-lmeval-"))
    name = write_lmeval_task(cell, folder)
    path = resolve_model(load_model_registry("configs/models.yaml").get(cell.model))["model_path"]
    res["command"] = (
        f"lm_eval --model hf --model_args pretrained={path},dtype=float32 --device cpu --batch_size {batch_size} "
        f"--tasks {name} --include_path <tmp> --log_samples --output_path <tmp>"
    )
    t0 = time.perf_counter()
    lm = HFLM(pretrained=str(path), dtype="float32", device="cpu", batch_size=batch_size)
    res["load_s"] = time.perf_counter() - t0
    # the task index and dataset are built outside the timed region, as ours' items and prompts are;
    # the settings simple_evaluate applies to a loaded task (no shots in the config: 0)
    t0 = time.perf_counter()
    loaded = TaskManager(include_path=str(folder)).load([name])
    for task_obj in loaded["tasks"].values():
        if task_obj.get_config("num_fewshot") is None:
            task_obj.set_config(key="num_fewshot", value=0)
        task_obj.set_fewshot_seed(seed=1234)
    res["task_build_s"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    results = evaluate(lm=lm, task_dict=loaded, log_samples=True)
    res["eval_s"], res["eval_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    samples = results["samples"][name]
    res["outputs"] = {s["doc"]["id"]: s["filtered_resps"][0] for s in samples}
    res["prompts"] = {s["doc"]["id"]: s["arguments"][0][0] for s in samples}
    res["accuracy"] = results["results"][name].get("exact_match,none")
    res["lm_eval_version"] = getattr(lm_eval, "__version__", "?")
    _finish(res, out)


def measure_matmul_gflops(n: int = 1024, seconds: float = 2.0) -> float:
    """fp32 matmul GFLOP per CPU-second of one thread (the compute bound's denominator).

    CPU time, not wall time: on a shared machine the wall-clock rate depends on the neighbours.
    """
    import torch

    torch.set_num_threads(1)
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm up
    reps, t0 = 0, time.process_time()
    while time.process_time() - t0 < seconds:
        a @ b
        reps += 1
    return 2 * n**3 * reps / (time.process_time() - t0) / 1e9


# ------------------------------------------------------------------ gold-as-draft exactness check
def draft_check(backend: Any, task: Any, records: list[Any], instruct: bool, n: int) -> dict[str, Any]:
    """Replay the first `n` committed records of a (model, task) with and without gold-as-draft.

    Returns counts: items whose committed prompt is still what the task renders (`n`), outputs
    identical to the committed ones with the draft (`same_as_committed`) and without it
    (`plain_same_as_committed`), draft vs no draft now (`same_draft_vs_plain`), and the items whose
    whole output came from the draft pass (`finished_from_draft`), with every differing item.
    """
    from harness.backends.base import GenerateRequest
    from harness.runner import build_items, render_all

    seed = records[0].seed if records else task.seed
    want = [r for r in records[:n]]
    items = build_items(task, seed, None)
    prompts = dict(zip((it.id for it in items), render_all(task, items, seed, instruct)))
    use = [(r, prompts[r.item_id]) for r in want if r.item_id in prompts and prompts[r.item_id].as_record() == r.prompt]
    g = task.generation

    def run(draft: bool) -> list[Any]:
        reqs = [GenerateRequest(prompt=p.prompt, messages=p.messages, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop),
                                draft=(p.gold_continuation or None) if draft else None) for _, p in use]
        return backend.generate(reqs) if reqs else []

    before = backend.stats.draft_finished
    drafted = run(True)
    finished = backend.stats.draft_finished - before
    plain = run(False)
    out: dict[str, Any] = {"n": len(use), "prompt_changed": len(want) - len(use), "finished_from_draft": finished}
    out["same_as_committed"] = sum(d.text == r.output for d, (r, _) in zip(drafted, use))
    out["plain_same_as_committed"] = sum(q.text == r.output for q, (r, _) in zip(plain, use))
    out["same_draft_vs_plain"] = sum((d.text, d.n_tokens, d.finish_reason) == (q.text, q.n_tokens, q.finish_reason) for d, q in zip(drafted, plain))
    out["diffs"] = [{"id": r.item_id, "committed": r.output, "draft": d.text, "plain": q.text}
                    for d, q, (r, _) in zip(drafted, plain, use) if not (d.text == q.text == r.output)]
    return out


# ------------------------------------------------------------------------------ parent
def _run_child(kind: str, cell: Cell, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """One worker in a fresh process; a result already in `folder` (an interrupted bench) is reused."""
    out = folder / f"{kind}.json"
    if out.exists():
        print(f"  {kind}: reusing {out}", file=sys.stderr, flush=True)
        res = json.loads(out.read_text())
        res["items_per_s"] = cell.n / res["eval_s"]
        return res
    cmd = [sys.executable, "-m", "harness.bench", "_worker", kind, f"{cell.model}:{cell.task}:{cell.n}", str(out), "--batch-size", str(args.batch_size)]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(folder / "hf-datasets"), "TOKENIZERS_PARALLELISM": "false"}
    print(f"  {kind} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} worker failed for {cell.label}:\n{proc.stderr[-3000:]}")
    res = json.loads(out.read_text())
    res["wall_s"] = time.perf_counter() - t0
    out.write_text(json.dumps(res))
    res["items_per_s"] = cell.n / res["eval_s"]
    print(f"  {kind}: {res['items_per_s']:.3f} items/s (eval {res['eval_s']:.1f}s)", file=sys.stderr, flush=True)
    return res


def _agreement(a: dict[str, str], b: dict[str, str]) -> tuple[float, list[dict[str, str]]]:
    diffs = [{"id": k, "a": a[k], "b": b.get(k, "<missing>")} for k in a if a[k] != b.get(k)]
    return 1 - len(diffs) / max(len(a), 1), diffs


def run_cell(cell: Cell, args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(args.workdir) / f"{cell.model}__{cell.task}__{cell.n}"
    folder.mkdir(parents=True, exist_ok=True)
    runs = {kind: _run_child(kind, cell, args, folder) for kind in args.workers}
    ours = runs["ours"]
    out: dict[str, Any] = {"cell": cell.__dict__, "threads": args.threads, "batch_size": args.batch_size}
    out["runs"] = {k: {kk: vv for kk, vv in v.items() if kk not in ("outputs", "prompts")} for k, v in runs.items()}
    # harness overhead: everything outside the model's own calls, relative to those calls
    out["overhead"] = ours["eval_s"] / ours["model_s"] - 1
    params, n = ours["num_parameters"], cell.n
    tokens_per_item = (ours["prompt_tokens"] + ours["tokens_generated"]) / n
    out["tokens_per_item"] = tokens_per_item
    if "lmeval" in runs:
        peer = runs["lmeval"]
        out["speedup_vs_lmeval"] = ours["items_per_s"] / peer["items_per_s"]
        if "eval_cpu_s" in ours and "eval_cpu_s" in peer:  # robust to a starved CPU: both are single-threaded
            out["speedup_vs_lmeval_cpu"] = peer["eval_cpu_s"] / ours["eval_cpu_s"]
        out["agreement_vs_lmeval"], out["diffs_vs_lmeval"] = _agreement(ours["outputs"], peer["outputs"])
        out["prompt_mismatches_vs_lmeval"] = [k for k in ours["prompts"] if ours["prompts"][k] != peer["prompts"].get(k)]
    if "nodraft" in runs:
        nd = runs["nodraft"]
        out["speedup_vs_nodraft_cpu"] = nd["eval_cpu_s"] / ours["eval_cpu_s"]
        out["agreement_vs_nodraft"], out["diffs_vs_nodraft"] = _agreement(ours["outputs"], nd["outputs"])
        if "lmeval" in runs:
            out["speedup_nodraft_vs_lmeval_cpu"] = runs["lmeval"]["eval_cpu_s"] / nd["eval_cpu_s"]
    if "plain" in runs:
        plain = runs["plain"]
        out["speedup_vs_plain"] = ours["items_per_s"] / plain["items_per_s"]
        out["agreement_vs_plain"], out["diffs_vs_plain"] = _agreement(ours["outputs"], plain["outputs"])
    # the compute bound: a full recompute of each item's tokens at the measured matmul rate
    out["gflops_measured"] = _matmul_in_child(args.threads)
    bound_items_per_s = out["gflops_measured"] * 1e9 / (2 * params * tokens_per_item)
    out["bound_items_per_s"] = bound_items_per_s
    # per CPU-second where the worker measured it (one thread each), else per wall second (marked)
    out["fraction_of_bound"] = {k: n / r.get("eval_cpu_s", r["eval_s"]) / bound_items_per_s for k, r in runs.items()}
    out["fraction_basis"] = {k: "cpu" if "eval_cpu_s" in r else "wall" for k, r in runs.items()}
    model_cpu_s = ours["model_s"] * ours.get("eval_cpu_s", ours["eval_s"]) / ours["eval_s"]
    out["executed_fraction_ours"] = 2 * params * (ours["tokens_forwarded"] + ours["tokens_generated"]) / model_cpu_s / (out["gflops_measured"] * 1e9)
    return out


def _matmul_in_child(threads: int) -> float:
    code = "from harness.bench import measure_matmul_gflops as m; print(m())"
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip())


def machine() -> dict[str, Any]:
    model = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    import torch
    import transformers

    return {"cpu": model, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__}


def _fmt(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def _unpack(c: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """A cell's spec, its runs, and the ours / lm-eval / plain runs (the last two may be missing)."""
    r = c["runs"]
    return c["cell"], r, r["ours"], r.get("lmeval"), r.get("plain")


NOTES_MARKER = "<!-- notes: written by hand, kept when the table above is regenerated -->"


def write_markdown(path: Path, generated: str) -> None:
    """Write the generated tables, keeping any hand-written notes below NOTES_MARKER in the old file."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    notes = old[old.index(NOTES_MARKER):] if NOTES_MARKER in old else ""
    path.write_text(generated.rstrip("\n") + "\n\n" + notes if notes else generated, encoding="utf-8")


def render_markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        "# Benchmark: this harness vs lm-evaluation-harness (CPU, fp32, greedy)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores (shared with other jobs), torch {m['torch']}, transformers {m['transformers']}, "
        f"lm-eval {data.get('lm_eval', '?')}. Each process: {data['threads']} torch thread(s), batch size {data['batch_size']}.",
        f"Started {data['started']}; command: `{data['command']}`.",
        "",
        "| cell | ours CPU s | no-draft CPU s | lm-eval CPU s | **ours vs lm-eval, CPU time** | no-draft vs lm-eval, CPU | ours vs no-draft, CPU | wall ratio ours vs lm-eval | agree ours vs lm-eval / no-draft / plain | gold log-lik. ours / no-draft / lm-eval | whole outputs from draft pass | peak RSS ours / no-draft / lm-eval (MB) | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in data["cells"]:
        cell, r, o, p, pl = _unpack(c)
        nd = r.get("nodraft")
        cols = [
            f"{cell['model']} / {cell['task']} / N={cell['n']}",
            _fmt(o.get("eval_cpu_s"), "{:.1f}"),
            _fmt(nd and nd.get("eval_cpu_s"), "{:.1f}"),
            _fmt(p and p.get("eval_cpu_s"), "{:.1f}"),
            _fmt(c.get("speedup_vs_lmeval_cpu"), "**{:.1f}×**"),
            _fmt(c.get("speedup_nodraft_vs_lmeval_cpu"), "{:.1f}×"),
            _fmt(c.get("speedup_vs_nodraft_cpu"), "{:.2f}×"),
            _fmt(c.get("speedup_vs_lmeval"), "{:.1f}×"),
            " / ".join(_fmt(c.get(k), "{:.0%}") for k in ("agreement_vs_lmeval", "agreement_vs_nodraft", "agreement_vs_plain")),
            " / ".join("–" if x is None else ("yes" if x.get("gold_loglikelihood") else "no") for x in (o, nd, p)),
            f"{o.get('draft_finished', 0)}/{o.get('draft_rows', 0)}",
            " / ".join(_fmt(x and x.get("peak_rss_mb"), "{:.0f}") for x in (o, nd, p)),
            f"{min(x['loadavg_start'][0] for x in r.values()):.1f}–{max(x['loadavg_end'][0] for x in r.values()):.1f}",
        ]
        lines.append("| " + " | ".join(cols) + " |")
    lines += [
        "",
        "Columns: CPU s = the worker's process CPU time over the evaluation (one torch thread per process, so it does not "
        "depend on how much of the shared CPU the process got; wall-clock ratios on this machine do). Timed region on "
        "every side: after the model is loaded and the task built (ours: items and prompts; lm-eval: its task index and "
        "dataset), building the requests, running them and scoring. ours = `harness run`'s path with prefix cache and "
        "gold-as-draft decoding, all the task's metrics including the teacher-forced gold log-likelihood (folded into the "
        "draft pass); no-draft = the same with `gold_draft=False` (sequential decoding, then a separate teacher-forcing "
        "pass); lm-eval = `evaluate` on a custom `generate_until` task with the same prompts (generation and exact match "
        "only: it computes no gold log-likelihood). agree = share of items whose output text is identical. whole outputs "
        "from draft pass = items whose greedy output came from the one forward over prompt + gold (no sequential "
        "decoding). load avg = 1-min load average at the first worker's start – at the last worker's end.",
        "",
        "| cell | tokens/item | matmul GFLOP/s | executed FLOP/s fraction (ours) | eval s ours / lm-eval / plain | load s ours / lm-eval | accuracy ours / lm-eval |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in data["cells"]:
        cell, r, o, p, pl = _unpack(c)
        lines.append(
            f"| {cell['model']} / {cell['task']} | {c['tokens_per_item']:.0f} | {c['gflops_measured']:.1f} | {c['executed_fraction_ours']:.2f} | "
            f"{o['eval_s']:.1f} / {_fmt(p and p['eval_s'], '{:.1f}')} / {_fmt(pl and pl['eval_s'], '{:.1f}')} | "
            f"{o['load_s']:.1f} / {_fmt(p and p['load_s'], '{:.1f}')} | {o['accuracy']:.2f} / {_fmt(p and p['accuracy'], '{:.2f}')} |"
        )
    lines += ["", "Differing items (ours vs peer):", ""]
    for c in data["cells"]:
        for key in ("diffs_vs_lmeval", "diffs_vs_nodraft", "diffs_vs_plain"):
            for d in c.get(key, []):
                lines.append(f"- {c['cell']['model']} / {c['cell']['task']} item {d['id']}: ours {d['a']!r} vs {key[9:]} {d['b']!r}")
    if not any(c.get("diffs_vs_lmeval") or c.get("diffs_vs_nodraft") or c.get("diffs_vs_plain") for c in data["cells"]):
        lines.append("- none")
    return "\n".join(lines) + "\n"


def cmd_bench(args: argparse.Namespace) -> int:
    data: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": "harness bench " + " ".join(a for a in sys.argv[1:] if a != "bench"),
        "machine": machine(), "threads": args.threads, "batch_size": args.batch_size, "cells": [],
    }
    try:
        import importlib.metadata as md

        data["lm_eval"] = md.version("lm_eval")
    except Exception:  # lm-eval is an optional benchmark dependency
        data["lm_eval"] = None
    if args.append and Path(args.json).exists():
        data["cells"] = json.loads(Path(args.json).read_text())["cells"]
    for cell in args.cells:
        print(f"▶ {cell.label}", file=sys.stderr, flush=True)
        data["cells"].append(run_cell(cell, args))
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, indent=1))  # after every cell: partial runs keep what they measured
        if args.markdown:
            write_markdown(Path(args.markdown), render_markdown(data))
    return 0


def add_subcommand(sub: Any) -> None:
    b = sub.add_parser("bench", help="speed and agreement against lm-evaluation-harness on identical items")
    b.add_argument("--cells", nargs="+", type=Cell.parse, default=[Cell.parse("smollm2-135m:addition_3digit_8shot:100")],
                   help="MODEL:TASK:N, evaluated in order (completion-format tasks)")
    b.add_argument("--workers", nargs="+", choices=WORKERS, default=["lmeval", "ours"], help="which sides to run (ours is always needed)")
    b.add_argument("--batch-size", type=int, default=8)
    b.add_argument("--threads", type=int, default=1, help="torch threads per process (1 avoids thread stalls on a shared CPU)")
    b.add_argument("--json", default="results/benchmarks.json")
    b.add_argument("--markdown", default=None, help="also write a Markdown table here")
    b.add_argument("--workdir", default=".cache/bench", help="worker outputs; a rerun reuses the workers that finished")
    b.add_argument("--append", action="store_true", help="keep the cells already in --json (several invocations, one table)")
    b.set_defaults(fn=cmd_bench)


def _worker_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=WORKERS)
    p.add_argument("cell", type=Cell.parse)
    p.add_argument("out", type=Path)
    p.add_argument("--batch-size", type=int, default=8)
    a = p.parse_args(argv)
    if a.kind == "lmeval":
        _worker_lmeval(a.cell, a.batch_size, a.out)
    else:
        _worker_harness(a.cell, a.batch_size, a.kind, a.out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_worker"]:
        _worker_main(sys.argv[2:])
    else:
        parser = argparse.ArgumentParser(prog="python -m harness.bench")
        add_subcommand(parser.add_subparsers())
        ns = parser.parse_args(["bench", *sys.argv[1:]])
        raise SystemExit(ns.fn(ns))
