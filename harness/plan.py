"""`harness run --plan`: what a sweep will compute and how long it will take, before it starts.

Per (model, task): items to do (after what the output folder already holds), the tokens they put
through the model (prompt tokens not served by the shared-prefix cache, gold tokens of the draft /
teacher-forcing pass, new tokens at most `max_new_tokens` per item) and an ETA.

The ETA comes from measured throughput on this machine: every HF backend appends, when it closes,
its model calls (parallel tokens, decode row-steps, seconds) and its load time to
`~/.cache/claims-harness/throughput.json` (`$HARNESS_THROUGHPUT_FILE` overrides), keyed by model,
backend, device, dtype and CPU/GPU model. The plan fits `seconds = a·parallel tokens + b·decode
row-steps` to those calls (non-negative least squares) and prices each task with it; decode is
priced for every item (the upper end: items the gold-as-draft pass finishes cost less). A model
never measured here says so instead of guessing.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MAX_CALLS = 400  # observations kept per key


def throughput_file() -> Path:
    return Path(os.environ.get("HARNESS_THROUGHPUT_FILE") or Path.home() / ".cache" / "claims-harness" / "throughput.json")


def processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def machine_key(model_id: str, backend: str, device: str, dtype: str) -> str:
    return "|".join([model_id, backend, device.split(":")[0], dtype, processor() if device.startswith("cpu") else device])


def record_throughput(key: str, calls: list[tuple[int, int, float]], load_s: float | None, threads: int | None = None) -> None:
    """Append a backend's measured calls (best effort: a read-only home never fails a run)."""
    if not calls and load_s is None:
        return
    path = throughput_file()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
        entry = data.setdefault(key, {"calls": [], "load_s": []})
        entry["calls"] = (entry["calls"] + [list(c) for c in calls if c[2] > 0])[-MAX_CALLS:]
        if load_s is not None:
            entry["load_s"] = (entry["load_s"] + [round(load_s, 2)])[-20:]
        if threads:
            entry["threads"] = threads
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".throughput-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:  # pragma: no cover - best effort
        log.debug("cannot record throughput in %s: %s", path, exc)


@dataclass
class Rates:
    per_parallel_token: float  # seconds per token in a prompt / draft / teacher-forcing forward
    per_decode_step: float  # seconds per row per sequential decoding step
    load_s: float | None
    n_calls: int


def fit_rates(entry: dict[str, Any]) -> Rates | None:
    """seconds ≈ a·parallel tokens + b·decode row-steps over the recorded calls (NNLS)."""
    import numpy as np
    from scipy.optimize import nnls

    calls = [c for c in entry.get("calls", []) if c[2] > 0]
    if not calls:
        return None
    x = np.array([[c[0], c[1]] for c in calls], dtype=float)
    y = np.array([c[2] for c in calls], dtype=float)
    if not x[:, 1].any():  # never decoded here: one rate for everything
        a = y.sum() / max(x[:, 0].sum(), 1)
        coef = np.array([a, a])
    else:
        coef, _ = nnls(x, y)
        if coef[0] == 0 or coef[1] == 0:  # degenerate (e.g. one kind of call only): a pooled rate for the missing one
            pooled = y.sum() / max(x.sum(), 1)
            coef = np.where(coef == 0, pooled, coef)
    loads = entry.get("load_s") or []
    return Rates(float(coef[0]), float(coef[1]), float(np.median(loads)) if loads else None, len(calls))


def load_rates(key: str) -> Rates | None:
    path = throughput_file()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return None
    return fit_rates(data[key]) if key in data else None


@dataclass
class PlanRow:
    model: str
    task: str
    items: int
    todo: int
    prompt_tokens: int  # prompt tokens run through the model (shared prefix once)
    gold_tokens: int
    max_new_tokens: int  # per item
    eta_s: float | None


def _tokenizer(spec: Any, backend_kind: str) -> Any:
    if backend_kind not in ("hf", "vllm"):
        return None
    try:
        from transformers import AutoTokenizer

        from harness.weights import resolve_model

        src = resolve_model(spec, auto_install=False)
        return AutoTokenizer.from_pretrained(src["model_path"], revision=src.get("revision"), gguf_file=src.get("gguf_file"))
    except Exception as exc:  # not installed, no hub access ...: count characters instead
        log.debug("plan: no tokenizer for %s: %s", spec.name, exc)
        return None


def plan_sweep(models: list[str], tasks: list[Any], registry: Any, *, output_dir: str, backend_kind: str, device: str = "cpu",
               dtype: str = "float32", limit: int | None = None, seed: int | None = None) -> list[PlanRow]:
    from harness.backends.prefix_cache import common_prefix_len
    from harness.runner import build_items, render_all
    from harness.store import ResultStore, resume_key

    store = ResultStore(output_dir)
    rows: list[PlanRow] = []
    for name in models:
        try:
            spec = registry.get(name)
        except KeyError:
            continue
        tok = _tokenizer(spec, backend_kind)
        rates = None
        if backend_kind == "hf":
            model_id = spec.display_name
            try:
                from harness.weights import resolve_model

                model_id = resolve_model(spec, auto_install=False)["model_id"]
            except Exception:
                pass
            dev = device if device != "auto" else "cpu"
            rates = load_rates(machine_key(model_id, "hf", dev, dtype))
        for i, task in enumerate(tasks):
            s = task.seed if seed is None else seed
            try:
                items = build_items(task, s, limit)
                prompts = render_all(task, items, s, spec.instruct)
            except Exception as exc:
                log.debug("plan: %s: %s", task.name, exc)
                continue
            done = {r.item_id: resume_key(r.item_hash, r.prompt) for r in store.read(name, task.name) if r.task_hash == task.hash}
            todo = [p for it, p in zip(items, prompts) if done.get(it.id) != resume_key(it.hash, p.as_record())]
            texts = [p.prompt if p.prompt is not None else json.dumps(p.messages) for p in todo]
            if tok is not None and texts:
                ids = [list(x) for x in tok(texts)["input_ids"]]
                gold = sum(len(x) for x in tok([p.gold_continuation for p in todo], add_special_tokens=False)["input_ids"])
            else:  # about four characters per token
                ids = [[ord(c) for c in t[::4]] for t in texts]
                gold = sum(len(p.gold_continuation) // 4 + 1 for p in todo)
            shared = common_prefix_len(ids) if len(ids) > 1 and task.fewshot.k > 0 else 0
            prompt_tokens = sum(len(x) for x in ids) - shared * max(len(ids) - 1, 0)
            max_new = task.generation.max_new_tokens
            eta = None
            if rates is not None:
                eta = rates.per_parallel_token * (prompt_tokens + gold) + rates.per_decode_step * max_new * len(todo)
                if i == 0 and rates.load_s and todo:
                    eta += rates.load_s
            rows.append(PlanRow(name, task.name, len(items), len(todo), prompt_tokens, gold, max_new, eta))
    return rows


def _dur(s: float | None) -> str:
    if s is None:
        return "unmeasured"
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def print_plan(rows: list[PlanRow], console: Any) -> None:
    """Plain aligned lines (no table borders), so that logs keep every column at any terminal width."""
    head = ("model", "task", "to do/items", "prompt tok", "gold tok", "new tok ≤", "ETA")
    body = [(r.model, r.task, f"{r.todo}/{r.items}", f"{r.prompt_tokens:,}", f"{r.gold_tokens:,}", f"{r.max_new_tokens * r.todo:,}",
             _dur(r.eta_s) if r.todo else "done") for r in rows]
    widths = [max(len(x[k]) for x in [head, *body]) for k in range(len(head))]
    console.print("plan (ETA from throughput measured on this machine; decoding priced for every item):", highlight=False)
    for line in [head, *body]:
        console.print("  " + "  ".join(c.ljust(w) if k < 2 else c.rjust(w) for k, (c, w) in enumerate(zip(line, widths))), highlight=False, soft_wrap=True)
    measured = [r.eta_s for r in rows if r.todo and r.eta_s is not None]
    unmeasured = sorted({r.model for r in rows if r.todo and r.eta_s is None})
    line = f"total: {sum(r.todo for r in rows)} items to do; ETA {_dur(sum(measured)) if measured else 'unmeasured'}"
    if unmeasured:
        line += f" (+ models never measured on this machine: {', '.join(unmeasured)}; their first run measures them)"
    console.print(line, highlight=False, soft_wrap=True)
