"""Backend parity: run the same items on two backends and compare them item by item.

    harness parity --a hf:smollm2-135m --b vllm:smollm2-135m --task addition_3digit --limit 32
    harness parity --a-dir runs/hf --b-dir runs/vllm --task addition_3digit      # compare two runs

Each side is an ordinary `harness run` into its own output folder, so a side whose backend lives in
another environment (vLLM in .venv-vllm) runs there as a subprocess (`--b-python`, chosen
automatically for vllm when this environment cannot import it); sides that import here run in
process. The comparison reads only the two folders' records: identical items (same id and hash),
exact agreement of the greedy outputs, and the largest difference in teacher-forced gold
log-probability. It passes when agreement >= --min-agreement (default 1.0: identical weights and
dtype must decode identically) and max |Δ log p(gold)| <= --logprob-tol (default 1e-3).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError
from harness.records import ItemRecord
from harness.store import ResultStore

VLLM_VENV_PYTHON = Path(".venv-vllm/bin/python")


# ------------------------------------------------------------------ compare
@dataclass
class ItemDiff:
    item_id: str
    output_a: str
    output_b: str
    same_output: bool
    logprob_a: float | None
    logprob_b: float | None
    abs_dlogprob: float | None  # |Δ sum log p(gold)|; inf when the gold tokens differ
    max_token_dlogprob: float | None


@dataclass
class ParityResult:
    task: str
    side_a: str
    side_b: str
    n_a: int
    n_b: int
    n_compared: int
    n_hash_mismatch: int
    agreement: float
    max_abs_dlogprob: float | None
    max_token_dlogprob: float | None
    gold_tokens_identical: bool
    prompts_identical: bool
    accuracy_a: float | None
    accuracy_b: float | None
    min_agreement: float
    logprob_tol: float
    passed: bool
    reasons: list[str] = field(default_factory=list)
    meta_a: dict[str, Any] = field(default_factory=dict)
    meta_b: dict[str, Any] = field(default_factory=dict)
    items: list[ItemDiff] = field(default_factory=list)


def _records(root: str | Path, task: str, model: str | None) -> tuple[str, list[ItemRecord], dict[str, Any]]:
    """The (model, records, meta) of `task` in a run folder; the model may be left out if only one ran it."""
    store = ResultStore(root)
    models = sorted(p.parent.name for p in (Path(root) / "records").glob(f"*/{task}.jsonl"))
    if model is None:
        if len(models) != 1:
            raise HarnessError(f"{root}: expected one model with records for {task}, found {models or 'none'}; name it")
        model = models[0]
    recs = store.read(model, task)
    if not recs:
        raise HarnessError(f"{root}: no records for model {model}, task {task}")
    meta_path = store.meta_path(model, task)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    keep = ("model", "model_id", "backend", "device", "dtype", "weights_hash", "seed", "n_items", "elapsed_s", "backend_options")
    return model, recs, {k: meta.get(k) for k in keep}


def compare_runs(
    dir_a: str | Path,
    dir_b: str | Path,
    task: str,
    *,
    model_a: str | None = None,
    model_b: str | None = None,
    min_agreement: float = 1.0,
    logprob_tol: float = 1e-3,
    subset_ok: bool = False,
) -> ParityResult:
    """Compare the records of `task` in two run folders item by item (see the module doc for the rule)."""
    ma, ra, meta_a = _records(dir_a, task, model_a)
    mb, rb, meta_b = _records(dir_b, task, model_b)
    by_b = {r.item_id: r for r in rb}
    diffs: list[ItemDiff] = []
    n_hash = 0
    prompts_same = True
    tokens_same = True
    for a in ra:
        b = by_b.get(a.item_id)
        if b is None:
            continue
        if a.item_hash != b.item_hash:
            n_hash += 1
            continue
        prompts_same &= a.prompt == b.prompt
        lp_a = sum(a.gold_logprobs) if a.gold_logprobs is not None else None
        lp_b = sum(b.gold_logprobs) if b.gold_logprobs is not None else None
        d = dtok = None
        if a.gold_logprobs is not None and b.gold_logprobs is not None:
            if a.gold_tokens == b.gold_tokens and len(a.gold_logprobs) == len(b.gold_logprobs):
                d = abs(lp_a - lp_b)  # type: ignore[operator]
                dtok = max((abs(x - y) for x, y in zip(a.gold_logprobs, b.gold_logprobs)), default=0.0)
            else:
                tokens_same = False
                d = dtok = math.inf
        diffs.append(ItemDiff(a.item_id, a.output, b.output, a.output == b.output, lp_a, lp_b, d, dtok))
    n = len(diffs)
    agreement = sum(x.same_output for x in diffs) / n if n else 0.0
    ds = [x.abs_dlogprob for x in diffs if x.abs_dlogprob is not None]
    dts = [x.max_token_dlogprob for x in diffs if x.max_token_dlogprob is not None]
    reasons = []
    if n == 0:
        reasons.append("no items in common")
    if (n < min(len(ra), len(rb))) if subset_ok else (n < len(ra) or n < len(rb)):
        reasons.append(f"item sets differ: {len(ra)} vs {len(rb)} items, {n} compared, {n_hash} with different content")
    if agreement < min_agreement:
        reasons.append(f"greedy agreement {agreement:.1%} < {min_agreement:.1%}")
    if ds and max(ds) > logprob_tol:
        reasons.append(f"max |Δ log p(gold)| {max(ds):.3g} > {logprob_tol:g}" + ("" if tokens_same else " (gold tokenised differently)"))

    def acc(recs: list[ItemRecord]) -> float | None:
        vals = [r.scores.get("exact_match") for r in recs if r.scores.get("exact_match") is not None]
        return sum(vals) / len(vals) if vals else None  # type: ignore[arg-type]

    return ParityResult(
        task=task, side_a=f"{meta_a.get('backend')}:{ma}", side_b=f"{meta_b.get('backend')}:{mb}",
        n_a=len(ra), n_b=len(rb), n_compared=n, n_hash_mismatch=n_hash, agreement=agreement,
        max_abs_dlogprob=max(ds) if ds else None, max_token_dlogprob=max(dts) if dts else None,
        gold_tokens_identical=tokens_same, prompts_identical=prompts_same,
        accuracy_a=acc(ra), accuracy_b=acc(rb), min_agreement=min_agreement, logprob_tol=logprob_tol,
        passed=not reasons, reasons=reasons, meta_a=meta_a, meta_b=meta_b, items=diffs,
    )


# ------------------------------------------------------------------- report
def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "n/a" if x is None else ("inf" if math.isinf(x) else format(x, spec))


def to_markdown(results: list[ParityResult], max_rows: int = 20) -> str:
    lines = ["# Backend parity", ""]
    lines += ["| task | A | B | N | greedy agreement | max abs Δ log p(gold) | max abs Δ per token | acc A | acc B | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.task} | {r.side_a} | {r.side_b} | {r.n_compared} | {r.agreement:.1%} (≥ {r.min_agreement:.0%}) | "
            f"{_fmt(r.max_abs_dlogprob)} (≤ {r.logprob_tol:g}) | {_fmt(r.max_token_dlogprob)} | {_fmt(r.accuracy_a, '.2f')} | "
            f"{_fmt(r.accuracy_b, '.2f')} | {'PASS' if r.passed else 'FAIL'} |"
        )
    for r in results:
        lines += ["", f"## {r.task}: {r.side_a} vs {r.side_b}", ""]
        for side, meta in (("A", r.meta_a), ("B", r.meta_b)):
            lines.append(f"- {side}: " + ", ".join(f"{k}={v}" for k, v in meta.items() if v not in (None, {}, "")))
        lines.append(f"- prompts identical: {r.prompts_identical}; gold tokens identical: {r.gold_tokens_identical}")
        if r.reasons:
            lines.append("- failed because: " + "; ".join(r.reasons))
        worst = sorted(r.items, key=lambda x: (x.same_output, -(x.abs_dlogprob or 0.0)))[:max_rows]
        if worst:
            lines += ["", "| item | output A | output B | same | log p(gold) A | log p(gold) B | abs Δ |", "|---|---|---|---|---|---|---|"]
            for x in worst:
                lines.append(f"| {x.item_id} | `{x.output_a!r}` | `{x.output_b!r}` | {'yes' if x.same_output else '**no**'} | "
                             f"{_fmt(x.logprob_a, '.5f')} | {_fmt(x.logprob_b, '.5f')} | {_fmt(x.abs_dlogprob)} |")
    return "\n".join(lines) + "\n"


def _finite(x: Any) -> Any:
    """JSON has no infinity: write it as the string "inf"."""
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def write_report(results: list[ParityResult], out: str | Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    js = out / "parity.json"
    js.write_text(json.dumps(_finite([asdict(r) for r in results]), indent=2, default=str))
    md = out / "parity.md"
    md.write_text(to_markdown(results))
    return [md, js]


# ---------------------------------------------------------------------- run
@dataclass
class Side:
    kind: str
    model: str
    options: dict[str, Any]
    python: str | None = None  # run as `<python> -m harness.cli run` (another environment)

    @classmethod
    def parse(cls, text: str, options: list[str], python: str | None) -> "Side":
        kind, sep, model = text.partition(":")
        if not sep or not kind or not model:
            raise HarnessError(f"side {text!r}: expected <backend>:<model>, e.g. hf:smollm2-135m or vllm:smollm2-135m")
        opts = {}
        for o in options:
            k, eq, v = o.partition("=")
            if not eq:
                raise HarnessError(f"backend option {o!r}: expected key=value")
            opts[k] = yaml.safe_load(v)
        if python is None and kind == "vllm" and importlib.util.find_spec("vllm") is None and VLLM_VENV_PYTHON.exists():
            python = str(VLLM_VENV_PYTHON)
        return cls(kind, model, opts, python)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.model}"


def run_side(side: Side, tasks: list[str], out: Path, *, limit: int | None, seed: int | None, registry: str, task_dir: str, specs: list[Any] | None = None) -> None:
    """One ordinary sweep of `side` into `out` (fresh: earlier records there are removed).

    `specs`: the already loaded TaskSpecs of `tasks` for an in-process run (loaded once for both sides).
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sweep = {"name": f"parity-{side.kind}-{side.model}", "models": [side.model], "tasks": tasks, "output_dir": str(out),
             "backend": {"kind": side.kind, **side.options}, "model_registry": registry, "task_dir": task_dir}
    if limit:
        sweep["limit"] = limit
    if seed is not None:
        sweep["seed"] = seed
    sweep_file = out / "sweep.yaml"
    sweep_file.write_text(yaml.safe_dump(sweep, sort_keys=False))
    if side.python:
        env = {**os.environ, "VLLM_CPU_NUM_OF_RESERVED_CPU": os.environ.get("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")}
        cmd = [side.python, "-m", "harness.cli", "run", str(sweep_file), "--no-progress", "--no-report"]
        proc = subprocess.run(cmd, env=env)
        if proc.returncode != 0:
            raise HarnessError(f"{side.label}: `{' '.join(cmd)}` exited with {proc.returncode}")
    else:
        from harness.config import load_model_registry, load_sweep, load_tasks
        from harness.config.task import select_tasks
        from harness.runner import run_sweep

        spec = load_sweep(sweep_file)
        chosen = specs if specs is not None else select_tasks(load_tasks(task_dir), tasks)
        summary = run_sweep(spec, chosen, load_model_registry(registry), show_progress=False)
        if summary.failures:
            raise HarnessError(f"{side.label}: " + "; ".join(f"{f.get('task', '')} {f['stage']}: {f['error']}" for f in summary.failures))


def _select(pattern: list[str], task_dir: str) -> list[Any]:
    from harness.config import load_tasks
    from harness.config.task import select_tasks

    return select_tasks(load_tasks(task_dir), pattern)


def cmd_parity(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    specs = _select([t.strip() for t in args.task.split(",") if t.strip()], args.task_dir)
    tasks = [t.name for t in specs]
    dirs: dict[str, Path] = {}
    labels: dict[str, str] = {}
    todo: list[tuple[str, Side]] = []
    for key in ("a", "b"):
        given, spec = getattr(args, f"{key}_dir"), getattr(args, key)
        if given:
            dirs[key], labels[key] = Path(given), Path(given).name
        elif spec:
            side = Side.parse(spec, getattr(args, f"{key}_opt"), getattr(args, f"{key}_python"))
            labels[key] = side.label.replace(":", "-")
            todo.append((key, side))
        else:
            raise HarnessError(f"side {key.upper()}: give --{key} (backend:model) or --{key}-dir (a run folder)")
    label = f"{labels['a']}__vs__{labels['b']}"
    work = Path(args.work_dir or Path("runs") / "parity" / label)
    for key, side in todo:
        dirs[key] = work / key
        where = f"subprocess {side.python}" if side.python else "in process"
        console.print(f"[bold]▶ {side.label}[/bold] ({where}) → {dirs[key]}")
        run_side(side, tasks, dirs[key], limit=args.limit, seed=args.seed, registry=args.registry, task_dir=args.task_dir, specs=specs)
    dir_a, dir_b = dirs["a"], dirs["b"]
    results = [compare_runs(dir_a, dir_b, t, model_a=args.a_model, model_b=args.b_model, min_agreement=args.min_agreement, logprob_tol=args.logprob_tol, subset_ok=args.subset_ok) for t in tasks]
    out = Path(args.out or Path("results") / "parity" / label)
    for p in write_report(results, out):
        console.print(f"wrote {p}")
    for r in results:
        colour = "green" if r.passed else "red"
        console.print(f"[{colour}]{'PASS' if r.passed else 'FAIL'}[/{colour}] {r.task}: {r.side_a} vs {r.side_b}, N={r.n_compared}, "
                      f"greedy agreement {r.agreement:.1%}, max |Δ log p(gold)| {_fmt(r.max_abs_dlogprob)}" + (f" — {'; '.join(r.reasons)}" if r.reasons else ""))
    return 0 if all(r.passed for r in results) else 1


def add_subcommand(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("parity", help="run the same items on two backends and compare greedy outputs and gold log-probs")
    p.add_argument("--a", help="side A as backend:model, e.g. hf:smollm2-135m")
    p.add_argument("--b", help="side B as backend:model, e.g. vllm:smollm2-135m")
    p.add_argument("--a-dir", help="compare an existing run folder instead of running side A")
    p.add_argument("--b-dir", help="compare an existing run folder instead of running side B")
    p.add_argument("--a-model", help="model name inside --a-dir (if several)")
    p.add_argument("--b-model", help="model name inside --b-dir (if several)")
    p.add_argument("--a-opt", action="append", default=[], metavar="KEY=VALUE", help="backend option for side A (repeatable)")
    p.add_argument("--b-opt", action="append", default=[], metavar="KEY=VALUE", help="backend option for side B (repeatable)")
    p.add_argument("--a-python", help="run side A with this interpreter (its own environment)")
    p.add_argument("--b-python", help="run side B with this interpreter (default for vllm: .venv-vllm/bin/python if vllm is not importable here)")
    p.add_argument("--task", required=True, help="task name(s) or globs, comma-separated")
    p.add_argument("--limit", type=int, default=32, help="items per task (default 32)")
    p.add_argument("--seed", type=int)
    p.add_argument("--min-agreement", type=float, default=1.0, help="required fraction of identical greedy outputs")
    p.add_argument("--logprob-tol", type=float, default=1e-3, help="allowed max |Δ sum log p(gold)| per item")
    p.add_argument("--subset-ok", action="store_true", help="pass when one run's items are a subset of the other's (a small run vs a full one)")
    p.add_argument("--work-dir", help="where the two runs go (default runs/parity/<A>__vs__<B>)")
    p.add_argument("--out", help="report folder (default results/parity/<A>__vs__<B>)")
    p.add_argument("--registry", default="configs/models.yaml")
    p.add_argument("--task-dir", default="tasks")
    p.set_defaults(fn=cmd_parity)
