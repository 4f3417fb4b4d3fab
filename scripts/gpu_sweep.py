#!/usr/bin/env python
"""Run a GPU sweep (vLLM) after printing an estimate of time and GPU memory for every run.

    python scripts/gpu_sweep.py configs/sweeps/gpu_claims.yaml --dry-run          # estimates only
    python scripts/gpu_sweep.py configs/sweeps/gpu_claims.yaml                    # estimates, then run
    python scripts/gpu_sweep.py SWEEP --shard 1/4 --output-dir out/shard1         # one of 4 GPUs/nodes
    python scripts/gpu_sweep.py --merge out/merged out/shard0 out/shard1 ...      # one store again

Estimates are rules of thumb that need no model config (documented in `estimate_model`), from the
registry's parameter count, the dtype, and each task's item count, prompt length and output length:
- weights bytes = params x bytes(dtype)
- KV cache per token (upper bound, multi-head attention) = 2 (K,V) x n_layers x d_model x bytes, with
  d_model = (params / 0.12)^(1/3) and n_layers = d_model / 100 (i.e. params ~= 12 n_layers d_model^2 at
  an aspect ratio of ~100); grouped-query models (Qwen2.5, OLMo-2 1B, SmolLM2) need 3-8x less.
- prompt tokens ~= rendered characters / 3 (digits are single tokens in most of these tokenizers)
- GPUs = the smallest power of two whose memory x utilisation holds weights x 1.1 + 2 GB per GPU + the
  KV of one sequence of the longest run (vLLM schedules as many sequences as the KV room allows)
- concurrency = min(n_items, max_num_seqs, KV room / KV per sequence); KV for a run = concurrency x
  (prompt + output tokens) x KV per token
- time = prefill FLOPs (2 x params x prompt tokens, doubled when a metric needs teacher forcing)
  / (peak x MFU) + decode steps (ceil(n / max_num_seqs) x output tokens) x max(weights bytes / (HBM
  bandwidth x efficiency), batch FLOPs / (peak x MFU)), divided by the GPUs; + load (weights bytes /
  2 GB/s + 60 s engine start) once per model.
Defaults describe one H100 80 GB (989 TFLOP/s bf16 dense, 3.35 TB/s); pass --gpu-mem-gb etc. for others.

Sharding: the (model, task) runs are split over N shards by longest-processing-time-first on the
estimates, keeping a model's tasks together unless --split-tasks (fewer engine loads). Each shard is
an ordinary `harness` run into its own output folder; --merge reads each shard through the results
store and writes one store (refusing unfinished runs and two different results for one (model, task)).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "auto": 2, "fp8": 1, "int8": 1, "int4": 0.5}


@dataclass
class Hardware:
    gpu_mem_gb: float = 80.0
    peak_tflops: float = 989.0
    hbm_tbps: float = 3.35
    mfu: float = 0.4
    bw_eff: float = 0.6
    utilisation: float = 0.90
    max_num_seqs: int = 256
    disk_gbps: float = 2.0
    engine_start_s: float = 60.0


@dataclass
class RunEstimate:
    model: str
    task: str
    n_items: int
    prompt_tokens: float
    output_tokens: int
    teacher_forced: bool
    kv_gb: float
    seconds: float


@dataclass
class ModelEstimate:
    model: str
    params: int
    bytes_per_param: float
    weights_gb: float
    kv_per_token_mb: float
    gpus: int
    gpus_configured: int
    load_s: float
    runs: list[RunEstimate]

    @property
    def peak_gb(self) -> float:
        """Weights + the largest run's KV at its achievable concurrency + ~2 GB runtime per GPU."""
        return self.weights_gb * 1.1 + max((r.kv_gb for r in self.runs), default=0.0) + 2.0 * max(self.gpus, self.gpus_configured)

    @property
    def seconds(self) -> float:
        return self.load_s + sum(r.seconds for r in self.runs)


def kv_bytes_per_token(params: float, bytes_per: float) -> float:
    """Config-free upper bound (multi-head attention): 2 x n_layers x d_model x bytes."""
    d_model = (params / 0.12) ** (1 / 3)
    n_layers = d_model / 100
    return 2 * n_layers * d_model * bytes_per


_SHAPES: dict[tuple[str, str, int | None, int | None, bool], tuple[int, float, int, bool]] = {}


def task_shape(task: Any, limit: int | None, seed: int | None, instruct: bool) -> tuple[int, float, int, bool]:
    """(n items, mean prompt tokens, output tokens, needs teacher forcing) from a few rendered prompts
    (computed once per task and prompt style: it depends on the model only through `instruct`)."""
    key = (task.name, task.hash, limit, seed, instruct)
    if key not in _SHAPES:
        _SHAPES[key] = _task_shape(task, limit, seed, instruct)
    return _SHAPES[key]


def _task_shape(task: Any, limit: int | None, seed: int | None, instruct: bool) -> tuple[int, float, int, bool]:
    from harness.metrics import METRICS, load_all
    from harness.runner import build_items, render_all

    load_all()
    n = min(task.n_items, limit) if limit else task.n_items
    s = task.seed if seed is None else seed
    items = build_items(task, s, min(n, 8))
    prompts = render_all(task, items, s, instruct)
    chars = [len(p.prompt) if p.prompt is not None else sum(len(str(m.get("content", ""))) for m in (p.messages or [])) + 40 for p in prompts]
    out_tokens = int(getattr(task.generation, "max_new_tokens", 16) or 16)
    tf = any(getattr(METRICS.get(m), "needs_loglikelihood", False) for m in task.metrics)
    return n, sum(chars) / max(len(chars), 1) / 3.0, out_tokens, tf


def estimate_model(name: str, spec: Any, tasks: list[Any], options: dict[str, Any], hw: Hardware, limit: int | None, seed: int | None) -> ModelEstimate:
    bytes_per = DTYPE_BYTES.get(str(options.get("dtype", "bfloat16")), 2)
    if options.get("quantization") in ("fp8", "awq", "gptq"):
        bytes_per = 1 if options["quantization"] == "fp8" else 0.5
    weights = spec.params * bytes_per
    kv_tok = kv_bytes_per_token(spec.params, bytes_per)
    shapes = [(t.name, *task_shape(t, limit, seed, spec.instruct)) for t in tasks]
    longest = max((p_tok + o_tok for _, _, p_tok, o_tok, _ in shapes), default=0.0)
    # the engine must hold the weights and at least one sequence of the longest run; more KV = more concurrency
    gpus = 1
    while weights * 1.1 + longest * kv_tok + 2e9 * gpus > gpus * hw.gpu_mem_gb * 1e9 * hw.utilisation and gpus < 64:
        gpus *= 2
    configured = int(options.get("tensor_parallel_size") or 1) * int(options.get("pipeline_parallel_size") or 1)
    used = max(configured, 1)
    kv_room = max(used * (hw.gpu_mem_gb * 1e9 * hw.utilisation - 2e9) - weights * 1.1, 0.0)
    runs = []
    for name_t, n, p_tok, o_tok, tf in shapes:
        per_seq = (p_tok + o_tok) * kv_tok
        conc = max(1, min(n, hw.max_num_seqs, int(kv_room // per_seq) if per_seq else n))
        prefill = 2 * spec.params * n * p_tok * (2 if tf else 1)
        t_prefill = prefill / (hw.peak_tflops * 1e12 * hw.mfu)
        steps = math.ceil(n / conc) * o_tok
        step_s = max(weights / (hw.hbm_tbps * 1e12 * hw.bw_eff), 2 * spec.params * conc / (hw.peak_tflops * 1e12 * hw.mfu))
        runs.append(RunEstimate(name, name_t, n, p_tok, o_tok, tf, conc * per_seq / 1e9, (t_prefill + steps * step_s) / used))
    load = weights / (hw.disk_gbps * 1e9) + hw.engine_start_s
    return ModelEstimate(name, spec.params, bytes_per, weights / 1e9, kv_tok / 1e6, gpus, configured, load, runs)


# ------------------------------------------------------------------ offline checks of the plan
_SIZE = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)([mb])(?![a-z])")
_INSTRUCT_WORDS = ("instruct", "sft", "dpo", "chat")


def _backend_keys(kind: str) -> set[str]:
    """Option names the sweep's backend kind accepts (anything else would be silently ignored)."""
    import inspect

    from harness.config.sweep import BackendSpec

    keys = set(BackendSpec.model_fields) - {"kind"}
    if kind == "vllm":
        from harness.backends.vllm import ENGINE_KEYS, VLLMBackend

        keys |= set(ENGINE_KEYS) | {"data_parallel_size", "ray_address", "ray_cpu_only"}
        keys |= {n for n, p in inspect.signature(VLLMBackend.__init__).parameters.items() if p.kind is p.KEYWORD_ONLY}
    elif kind == "hf":
        from harness.backends.hf import HFBackend

        keys |= {n for n, p in inspect.signature(HFBackend.__init__).parameters.items() if p.kind is p.KEYWORD_ONLY}
    else:
        return set()  # openai/fake: not checked here
    return keys - {"model_id", "weights_hash", "gguf_file"}


def check_plan(sweep: Any, registry: Any, models: list[str], ests: list["ModelEstimate"]) -> tuple[list[str], list[str]]:
    """Every check that needs no network: registry entries (source, hub id vs name, size in the name
    vs `params`, instruct flag vs name, tags, licence, training tokens, notes marking unverified
    values) and backend options (known keys, dtype, tensor/pipeline/data parallel sizes vs the GPUs
    the estimate needs, memory utilisation, max_model_len vs the longest prompt). (errors, warnings)."""
    errors: list[str] = []
    warns: list[str] = []
    kind = sweep.backend.kind
    known = _backend_keys(kind)
    for m in sorted(set(sweep.per_model_backend) - set(sweep.models)):
        warns.append(f"{m}: per_model_backend names a model that is not in the sweep")
    by_name = {e.model: e for e in ests}
    for name in models:
        try:
            spec = registry.get(name)
        except KeyError as exc:
            errors.append(f"{name}: {exc.args[0]}")
            continue
        src = spec.source
        if src.kind != "hub":
            warns.append(f"{name}: source {src.kind!r}, not a hub id (fine on a box that holds the files)")
        else:
            if not re.fullmatch(r"[\w.-]+/[\w.-]+", src.id):
                errors.append(f"{name}: hub id {src.id!r} is not of the form org/name")
            if not src.revision:
                warns.append(f"{name}: hub revision not pinned (the weights' hash is recorded at run time)")
        sizes = _SIZE.findall(name.lower())
        if sizes:
            num, unit = sizes[-1]
            claimed = float(num) * (1e6 if unit == "m" else 1e9)
            if not 0.6 <= spec.params / claimed <= 1.6:
                errors.append(f"{name}: params {spec.params:.3g} does not match the size in its name ({num}{unit.upper()})")
            if src.kind == "hub" and f"{num}{unit}" not in src.id.lower():
                errors.append(f"{name}: hub id {src.id!r} does not contain the size {num}{unit.upper()} of its name")
        said = " ".join([name, spec.display_name, src.id if src.kind == "hub" else ""]).lower()
        looks_instruct = any(w in said for w in _INSTRUCT_WORDS)
        if looks_instruct != spec.instruct:
            errors.append(f"{name}: instruct={spec.instruct} but its name/display name/id says {'instruct' if looks_instruct else 'base'} (picks the prompt format)")
        if kind == "vllm" and "gpu-ladder" not in spec.tags:
            warns.append(f"{name}: not tagged gpu-ladder")
        if spec.license in ("", "unknown"):
            warns.append(f"{name}: licence unknown")
        if spec.training_tokens is None:
            warns.append(f"{name}: training_tokens missing (token-count claims cannot use it)")
        if re.search(r"unverified|as remembered", spec.notes):
            warns.append(f"{name}: registry values unverified offline ({spec.notes})")
        opts = {**sweep.backend.options(), **sweep.per_model_backend.get(name, {})}
        if known:
            for k in sorted(set(opts) - known):
                errors.append(f"{name}: backend option {k!r} is not one the {kind} backend reads (it would be ignored)")
        if str(opts.get("dtype", "auto")) not in DTYPE_BYTES:
            errors.append(f"{name}: dtype {opts.get('dtype')!r} not one of {', '.join(DTYPE_BYTES)}")
        for k in ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size"):
            v = opts.get(k)
            if v is not None and (not isinstance(v, int) or v < 1):
                errors.append(f"{name}: {k} must be a positive integer, not {v!r}")
        tp = opts.get("tensor_parallel_size")
        if isinstance(tp, int) and tp > 0 and (tp & (tp - 1) or tp > 8):
            errors.append(f"{name}: tensor_parallel_size {tp} should be a power of two <= 8 (attention heads split evenly on one node; use pipeline_parallel_size across nodes)")
        gmu = opts.get("gpu_memory_utilization")
        if gmu is not None and not (isinstance(gmu, (int, float)) and 0 < gmu <= 1):
            errors.append(f"{name}: gpu_memory_utilization {gmu!r} must be in (0, 1]")
        e = by_name.get(name)
        if e is not None and kind == "vllm":
            if e.gpus_configured < e.gpus:
                errors.append(f"{name}: needs ~{e.gpus} GPUs for weights + one sequence but tensor x pipeline parallel = {e.gpus_configured}")
            mml = opts.get("max_model_len")
            longest = max((r.prompt_tokens + r.output_tokens for r in e.runs), default=0)
            if isinstance(mml, int) and longest > mml:
                errors.append(f"{name}: max_model_len {mml} < the longest run's ~{longest:.0f} tokens")
    return errors, warns


def print_checks(errors: list[str], warns: list[str], n_models: int, verbose: bool) -> None:
    print(f"# offline checks of {n_models} registry entries and their backend options: {len(errors)} error(s), {len(warns)} warning(s)")
    for e in errors:
        print(f"ERROR {e}")
    shown = warns if verbose else warns[:0]
    for w in shown:
        print(f"WARN  {w}")
    if warns and not verbose:
        kinds: dict[str, int] = {}
        for w in warns:
            k = w.split(": ", 1)[1].split(" (")[0]
            k = "registry values unverified offline" if k.startswith("registry values unverified") else k
            kinds[k] = kinds.get(k, 0) + 1
        for k, n in sorted(kinds.items(), key=lambda x: -x[1]):
            print(f"WARN  {n} x {k}")
        print("# (--verbose lists every warning)")


ASSUMPTIONS = """# assumptions (rules of thumb, no model config read; see the docstring of scripts/gpu_sweep.py):
#   weights = params x bytes(dtype); KV/token <= 2 x n_layers x d_model x bytes with d_model=(params/0.12)^(1/3),
#   n_layers=d_model/100 (multi-head attention: an upper bound, GQA models need 3-8x less); prompt tokens = chars/3;
#   GPUs = smallest power of two holding weights x 1.1 + 2 GB/GPU + one sequence's KV at the utilisation;
#   time = prefill FLOPs (2 x params x tokens, x2 for teacher forcing) / (peak x MFU) + decode steps x
#   max(weights / (HBM x bw eff), batch FLOPs / (peak x MFU)), split over the GPUs; + weights / 2 GB/s + 60 s load per model.
#   Not modelled: communication between GPUs, preemption, tokenizer/CPU time, download time; data_parallel_size
#   (each replica is one engine as estimated: N replicas need N x the GPUs and take ~1/N of the run time)."""


def _hms(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def print_estimates(ests: list[ModelEstimate], hw: Hardware, per_run: bool = True) -> None:
    print(f"# estimates for {hw.gpu_mem_gb:.0f} GB GPUs ({hw.peak_tflops:.0f} TFLOP/s, {hw.hbm_tbps} TB/s, MFU {hw.mfu}, bw eff {hw.bw_eff}); rules of thumb, see scripts/gpu_sweep.py")
    print(f"{'model / task':34s} {'params':>8s} {'N':>5s} {'prompt tok':>10s} {'out tok':>7s} {'weights GB':>10s} {'KV GB':>7s} {'peak GB':>8s} {'GPUs':>5s} {'time':>8s}")
    total = 0.0
    gpu_s = 0.0
    for e in ests:
        warn = "" if e.gpus_configured >= e.gpus else f"  ! needs tensor_parallel_size >= {e.gpus} (set {e.gpus_configured})"
        print(f"{e.model:34s} {e.params / 1e9:7.2f}B {'':>5s} {'':>10s} {'':>7s} {e.weights_gb:10.1f} {max((r.kv_gb for r in e.runs), default=0):7.1f} {e.peak_gb:8.1f} {max(e.gpus, e.gpus_configured):5d} {_hms(e.seconds):>8s}{warn}")
        if per_run:
            for r in e.runs:
                print(f"  {r.task:32s} {'':>8s} {r.n_items:5d} {r.prompt_tokens:10.0f} {r.output_tokens:7d} {'':>10s} {r.kv_gb:7.2f} {'':>8s} {'':>5s} {_hms(r.seconds):>8s}")
        total += e.seconds
        gpu_s += e.seconds * max(e.gpus, e.gpus_configured)
    n_runs = sum(len(e.runs) for e in ests)
    print(f"TOTAL: {len(ests)} models, {n_runs} runs, {_hms(total)} wall on one node in sequence, {gpu_s / 3600:.1f} GPU-hours")


def shard(ests: list[ModelEstimate], k: int, n: int, split_tasks: bool) -> dict[str, list[str]]:
    """Shard k of n: {model: [task, ...]} by longest-processing-time-first on the estimates."""
    units: list[tuple[float, str, list[str]]] = []
    for e in ests:
        if split_tasks:
            units += [(r.seconds + e.load_s, e.model, [r.task]) for r in e.runs]
        else:
            units.append((e.seconds, e.model, [r.task for r in e.runs]))
    loads = [0.0] * n
    mine: dict[str, list[str]] = {}
    for secs, model, tasks in sorted(units, key=lambda u: (-u[0], u[1], u[2])):
        j = min(range(n), key=lambda i: (loads[i], i))
        loads[j] += secs
        if j == k:
            mine.setdefault(model, []).extend(tasks)
    return mine


def merge(dest: Path, sources: list[Path]) -> None:
    """Join the shards' runs into one store, through the store's own reading and writing.

    Each (model, task) of a shard is read with `ResultStore.read` (plain or archived `.jsonl.gz`) and
    appended to DEST with its `RunMeta`, so DEST is an ordinary run folder whatever layout a shard
    used. A (model, task) already in DEST (or in an earlier shard) must hold the same records, else
    the merge stops with a conflict; an unfinished run (n_done < n_items) is refused: rerun its shard
    (it resumes) before merging. Merging the same shard twice changes nothing.
    """
    from harness.store import ResultStore

    out = ResultStore(dest)
    plan: list[tuple[ResultStore, Any, str, str]] = []
    for src in sources:
        if not (src / "records").is_dir():
            raise SystemExit(f"merge: {src} has no records/ folder (not a harness run folder)")
        store = ResultStore(src)
        metas = {(m.model, m.task): m for m in store.metas()}
        for model, task in store.record_files():
            meta = metas.get((model, task))
            if meta is None or meta.n_done < meta.n_items:
                done = "no run metadata" if meta is None else f"{meta.n_done}/{meta.n_items} items"
                raise SystemExit(f"merge: {src}: {model}/{task} is unfinished ({done}); rerun that shard to resume it, then merge")
            plan.append((store, meta, model, task))
    # check every conflict before writing anything, so a refused merge leaves DEST as it was
    chosen: dict[tuple[str, str], tuple[ResultStore, Any, str]] = {}
    for store, meta, model, task in plan:
        recs = [r.model_dump_json() for r in store.read(model, task)]
        have = chosen.get((model, task))
        theirs = [r.model_dump_json() for r in (have[0].read(model, task) if have else out.read(model, task))]
        if theirs and theirs != recs:
            other = have[0].root if have else dest
            raise SystemExit(f"merge conflict: {model}/{task} in {store.root} differs from {other} (the same model/task ran twice with different results)")
        if not theirs:
            chosen[(model, task)] = (store, meta, "new")
    for (model, task), (store, meta, _) in sorted(chosen.items()):
        out.records_path(model, task).parent.mkdir(parents=True, exist_ok=True)
        out.append(model, task, store.read(model, task))
        out.write_meta(meta)
    print(f"merged {len(sources)} shard(s) into {dest}: {len(chosen)} new (model, task) run(s), "
          f"{len(plan) - len(chosen)} already there; now: harness report {dest}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("sweep", nargs="?", help="sweep YAML (configs/sweeps/gpu_*.yaml)")
    p.add_argument("--dry-run", action="store_true", help="print the estimates and stop")
    p.add_argument("--summary", action="store_true", help="one line per model instead of per run")
    p.add_argument("--shard", help="K/N: run only shard K (0-based) of N")
    p.add_argument("--split-tasks", action="store_true", help="shard by (model, task) instead of by model")
    p.add_argument("--output-dir", help="override the sweep's output_dir (one per shard)")
    p.add_argument("--models", help="comma-separated subset of the sweep's models")
    p.add_argument("--limit", type=int)
    p.add_argument("--merge", nargs="+", metavar=("DEST", "SHARD"), help="merge shard output folders into DEST")
    p.add_argument("--verbose", action="store_true", help="list every warning of the offline checks")
    p.add_argument("--force", action="store_true", help="run even when the offline checks report errors")
    for f, default in (("gpu_mem_gb", 80.0), ("peak_tflops", 989.0), ("hbm_tbps", 3.35), ("mfu", 0.4), ("bw_eff", 0.6)):
        p.add_argument("--" + f.replace("_", "-"), type=float, default=default)
    args = p.parse_args(argv)
    if args.merge:
        if len(args.merge) < 2:
            p.error("--merge DEST SHARD [SHARD ...]")
        merge(Path(args.merge[0]), [Path(s) for s in args.merge[1:]])
        return 0
    if not args.sweep:
        p.error("give a sweep file")

    from harness.config import load_model_registry, load_sweep, load_tasks
    from harness.config.task import select_tasks

    sweep = load_sweep(args.sweep)
    registry = load_model_registry(sweep.model_registry)
    tasks = select_tasks(load_tasks(sweep.task_dir), sweep.tasks)
    models = [m.strip() for m in args.models.split(",")] if args.models else sweep.models
    hw = Hardware(gpu_mem_gb=args.gpu_mem_gb, peak_tflops=args.peak_tflops, hbm_tbps=args.hbm_tbps, mfu=args.mfu, bw_eff=args.bw_eff,
                  utilisation=float(getattr(sweep.backend, "gpu_memory_utilization", 0.9) or 0.9))
    limit = args.limit or sweep.limit
    base = sweep.backend.options()
    unknown = [m for m in models if m not in registry.models]
    if unknown:
        raise SystemExit(f"gpu_sweep: unknown model(s) {', '.join(unknown)} (not in {sweep.model_registry})")
    ests = [estimate_model(m, registry.get(m), tasks, {**base, **sweep.per_model_backend.get(m, {})}, hw, limit, sweep.seed) for m in models]
    plan = {e.model: [r.task for r in e.runs] for e in ests}
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        plan = shard(ests, k, n, args.split_tasks)
        ests = [e for e in ests if e.model in plan]
        for e in ests:
            e.runs = [r for r in e.runs if r.task in plan[e.model]]
        print(f"# shard {k}/{n}: {sum(len(t) for t in plan.values())} run(s) over {len(plan)} model(s)")
    errors, warns = check_plan(sweep, registry, models, ests)
    print_checks(errors, warns, len(models), args.verbose)
    print(ASSUMPTIONS)
    print_estimates(ests, hw, per_run=not args.summary)
    if args.dry_run:
        return 1 if errors else 0
    if errors and not args.force:
        print("# fix the errors above before running (or pass --force)")
        return 1

    from harness.runner import run_sweep

    out = args.output_dir or sweep.output_dir
    by_name = {t.name: t for t in tasks}
    failures = 0
    for model, names in plan.items():
        summary = run_sweep(sweep, [by_name[t] for t in names], registry, output_dir=out, limit=limit, models=[model])
        failures += len(summary.failures)
    print(f"done; records in {out}/records (merge shards with --merge, then `harness report`)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
