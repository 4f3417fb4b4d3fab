"""The sweep loop: models x tasks -> records, resumable, with a progress bar.

Per model: plan every task first (generate items, render prompts, read what the store already has),
without the model; a model whose tasks are all recorded is never loaded. Then per (model, task) with
work left, for each chunk: solver -> parse -> teacher-forced log-likelihoods if a metric needs them ->
metrics -> append records. A model that fails to load, or a chunk whose backend call fails, is
reported in the summary and the sweep goes on; nothing already recorded is lost. An item whose
request failed (`finish_reason == "error"`) gets no record and no score: it is listed in
`<task>.errors.json`, counted in the summary, and computed again by the next run. The output
folder is locked for the whole run, and a cell's records must share one seed, backend, model id
and weights hash (store.check_identity).

Progress: a live bar on a terminal; otherwise (logs, CI, `| tee`) a line with items done, rate and
ETA at most every HARNESS_PROGRESS_SECONDS (default 30) and when a (model, task) finishes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from harness.backends import Backend, LoglikelihoodRequest, load_backend
from harness.config.model import ModelRegistry, ModelSpec
from harness.config.sweep import SweepSpec
from harness.config.task import TaskSpec
from harness.errors import HarnessError
from harness.generators import Item, get_generator
from harness.hashing import stable_hash
from harness.metrics import METRICS, load_all, score_output
from harness.quiet import silence_library_warnings
from harness.prompts.render import RenderedPrompt, choose_shots, render_prompt, task_facets, use_chat
from harness.provenance import git_commit, host_info, package_versions
from harness.records import ItemRecord, RunMeta
from harness.redact import redact
from harness.solvers import SOLVERS
from harness.solvers import load_all as load_solvers
from harness.store import ResultStore, resume_key

log = logging.getLogger(__name__)
BackendFactory = Callable[[str, ModelSpec, dict[str, Any]], Backend]


@dataclass
class RunSummary:
    completed: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"completed": self.completed, "failures": self.failures}


@dataclass
class TaskPlan:
    """What a (model, task) needs, worked out without loading the model."""

    task: TaskSpec
    seed: int
    items: list[Item]
    prompts: list[RenderedPrompt]
    todo: list[int]  # indices into items/prompts of what is not recorded yet
    facets: dict[str, str]  # format / template / arm, recorded in the run's meta


def _fmt_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class LineProgress:
    """Progress for output that is not a terminal: one plain line per period, with rate and ETA."""

    def __init__(self, console: Console, label: str, total: int, done: int, every_s: float | None = None):
        self.console, self.label, self.total, self.done = console, label, total, done
        self.start_done = done
        self.every_s = float(os.environ.get("HARNESS_PROGRESS_SECONDS", "30")) if every_s is None else every_s
        self.t0 = self.last = time.perf_counter()

    def line(self) -> str:
        elapsed = time.perf_counter() - self.t0
        new = self.done - self.start_done
        rate = new / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _fmt_duration(left / rate) if rate > 0 else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return f"  {self.label}: {self.done}/{self.total} items ({pct:.0f}%), {rate:.2f} items/s, elapsed {_fmt_duration(elapsed)}, ETA {eta}"

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            self.console.print(self.line(), highlight=False, soft_wrap=True)


def build_items(task: TaskSpec, seed: int, limit: int | None) -> list[Item]:
    n = min(task.n_items, limit) if limit else task.n_items
    return get_generator(task.generator.name)(task.generator.params, seed, n)


def render_all(task: TaskSpec, items: list[Item], seed: int, instruct: bool) -> list[RenderedPrompt]:
    shots = choose_shots(task, items, seed)
    chat = use_chat(task, instruct)
    return [render_prompt(task, it, shots[it.id], chat=chat) for it in items]


def score_chunk(task: TaskSpec, model_name: str, seed: int, items: list[Item], prompts: list[RenderedPrompt], backend: Backend) -> list[ItemRecord]:
    """Run the solver and metrics on one chunk of items. Pure apart from the backend calls."""
    load_all()
    load_solvers()
    outputs = SOLVERS[task.solver.name](task, items, prompts, backend, seed)
    metrics = [METRICS[m] for m in task.metrics]
    lls = None
    if any(m.needs_loglikelihood for m in metrics):
        lls = backend.loglikelihood(
            [LoglikelihoodRequest(continuation=p.gold_continuation, context=p.prompt, messages=p.messages) for p in prompts]
        )
    records = []
    for i, (item, prompt, out) in enumerate(zip(items, prompts, outputs)):
        ll = lls[i] if lls else None
        parsed, scores, metric_error = score_output(task, item, out.text, loglikelihood=ll, trajectory=out.trajectory, extra=out.extra,
                                                    prompt=prompt.as_record())
        if metric_error:  # a metric bug must not lose the item: it is recorded as unscored
            out.error = (out.error or "") + metric_error
        records.append(
            ItemRecord(
                model=model_name,
                task=task.name,
                task_hash=task.hash,
                item_id=item.id,
                item_hash=item.hash,
                seed=seed,
                prompt=prompt.as_record(),
                output=out.text,
                parsed=parsed,
                target=item.target,
                valid=parsed is not None,
                scores=scores,
                n_output_tokens=out.n_tokens,
                finish_reason=out.finish_reason,
                gold_logprobs=ll.logprobs if ll else None,
                gold_tokens=ll.tokens if ll else None,
                gold_greedy=ll.is_greedy if ll else None,
                trajectory=out.trajectory,
                error=out.error,
                meta=item.meta,
            )
        )
    return records


class Runner:
    def __init__(
        self,
        store: ResultStore,
        registry: ModelRegistry,
        *,
        backend_kind: str = "hf",
        backend_options: dict[str, Any] | None = None,
        per_model_backend: dict[str, dict[str, Any]] | None = None,
        backend_factory: BackendFactory = load_backend,  # type: ignore[assignment]
        chunk_size: int | None = None,
        console: Console | None = None,
        show_progress: bool = True,
    ):
        self.store = store
        self.registry = registry
        self.backend_kind = backend_kind
        self.backend_options = backend_options or {}
        self.per_model_backend = per_model_backend or {}
        self.backend_factory = backend_factory
        self.chunk_size = chunk_size
        self.console = console or Console(stderr=True)
        self.show_progress = show_progress
        silence_library_warnings()

    def _run_locked(self, models: list[str], tasks: list[TaskSpec], *, limit: int | None = None, seed: int | None = None) -> RunSummary:
        summary = RunSummary()
        for name in models:
            try:
                spec = self.registry.get(name)
            except KeyError as exc:
                summary.failures.append({"model": name, "stage": "registry", "error": str(exc.args[0])})
                self.console.print(f"[red]✗ {exc.args[0]}[/red]")
                continue
            options = {**self.backend_options, **self.per_model_backend.get(name, {})}
            self.console.print(f"[bold]▶ {spec.display_name}[/bold] ({spec.params_label}, {'instruct' if spec.instruct else 'base'}) on {self.backend_kind}")
            plans = [p for task in tasks if (p := self._plan(spec, task, limit, seed, summary)) is not None]
            pending = [p for p in plans if p.todo]
            if not pending:
                self.console.print(f"  nothing left to compute for {spec.display_name}: model not loaded")
                continue
            n_left = sum(len(p.todo) for p in pending)
            self.console.print(f"  {n_left} item(s) to compute in {len(pending)} task(s); loading the model")
            try:
                t0 = time.perf_counter()
                backend = self.backend_factory(self.backend_kind, spec, options)
                self.console.print(f"  loaded in {time.perf_counter() - t0:.1f}s on {backend.info.device}")
            except Exception as exc:
                msg = redact(f"{type(exc).__name__}: {exc}")
                summary.failures.append({"model": name, "stage": "load", "error": msg})
                self.console.print(f"[red]✗ {spec.display_name} failed to load: {msg}[/red] — continuing with the next model")
                continue
            try:
                for plan in pending:
                    self._run_task(spec, backend, plan, limit, summary, options)
            finally:
                backend.close()
        if summary.failures or any(not c.get("resumed") for c in summary.completed):  # a run that only resumed writes nothing
            self.store.write_summary(summary.as_dict())
        return summary

    def run(self, models: list[str], tasks: list[TaskSpec], *, limit: int | None = None, seed: int | None = None) -> RunSummary:
        """One run per output folder at a time: the folder is locked for the whole sweep."""
        with self.store:
            return self._run_locked(models, tasks, limit=limit, seed=seed)

    def _plan(self, spec: ModelSpec, task: TaskSpec, limit: int | None, seed_override: int | None, summary: RunSummary) -> TaskPlan | None:
        """Items, prompts and what is left to compute for (model, task), read-only and without the model.
        A cell with nothing left is reported as resumed; None (with a recorded failure) when its items
        or prompts cannot be built."""
        seed = task.seed if seed_override is None else seed_override
        try:
            items = build_items(task, seed, limit)
            prompts = render_all(task, items, seed, spec.instruct)
            facets = task_facets(task, spec.instruct)
        except Exception as exc:  # a broken task must not stop the other tasks of the sweep
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "items", "error": f"{type(exc).__name__}: {exc}"})
            self.console.print(f"[red]  ✗ {task.name}: cannot build items/prompts: {exc}[/red]")
            return None
        try:  # unreadable records: refuse the cell, name the file and line, never skip silently
            done = self.store.done(spec.name, task.name, task.hash) or {}
        except HarnessError as exc:
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "records", "error": str(exc)})
            self.console.print(f"[red]  ✗ {task.name}: {exc}[/red]")
            return None
        todo = [i for i, (it, p) in enumerate(zip(items, prompts)) if done.get(it.id) != resume_key(it.hash, p.as_record())]
        if not todo:
            self.console.print(f"  {task.name}: all {len(items)} items already recorded — skipped")
            summary.completed.append({"model": spec.name, "task": task.name, "n": len(items), "resumed": True})
        return TaskPlan(task=task, seed=seed, items=items, prompts=prompts, todo=todo, facets=facets)

    def _run_task(self, spec: ModelSpec, backend: Backend, plan: TaskPlan, limit: int | None, summary: RunSummary, options: dict[str, Any]) -> None:
        task, seed, items, prompts, facets = plan.task, plan.seed, plan.items, plan.prompts, plan.facets
        started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        identity = {"seed": seed, "backend": backend.info.backend, "model_id": backend.info.model_id, "weights_hash": backend.info.weights_hash}
        try:  # records of another seed/backend/model: refuse the cell, never mix
            done = self.store.prepare(spec.name, task.name, task.hash)
            if done:
                self.store.check_identity(spec.name, task.name, identity)
        except HarnessError as exc:
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "records", "error": str(exc)})
            self.console.print(f"[red]  ✗ {task.name}: {exc}[/red]")
            return
        todo = [i for i, (it, p) in enumerate(zip(items, prompts)) if done.get(it.id) != resume_key(it.hash, p.as_record())]
        if redo := {items[i].id for i in todo} & done.keys():
            self.store.drop(spec.name, task.name, redo)
        meta = RunMeta(
            model=spec.name,
            model_id=backend.info.model_id,
            model_params=spec.params,
            model_family=spec.family,
            model_instruct=spec.instruct,
            weights_hash=backend.info.weights_hash,
            backend=backend.info.backend,
            device=backend.info.device,
            dtype=backend.info.dtype,
            task=task.name,
            task_hash=task.hash,
            task_version=task.version,
            seed=seed,
            n_items=len(items),
            n_done=len(items) - len(todo),
            limit=limit,
            items_hash=stable_hash([it.hash for it in items]),
            prompt_hash=stable_hash([p.as_record() for p in prompts]),
            git_commit=git_commit(),
            packages=package_versions(),
            host=host_info(),
            started_at=started,
            backend_options={k: redact(v) for k, v in options.items() if isinstance(v, (int, float, str, bool))},
            prompt_format=facets["format"],
            facets=facets,
        )
        if not todo:  # recorded meanwhile (another process): nothing to do
            summary.completed.append({"model": spec.name, "task": task.name, "n": len(items), "resumed": True})
            return
        chunk = self.chunk_size or max(int(options.get("batch_size", 16)) * 4, 16)
        resumed = f", {len(items) - len(todo)} of {len(items)} already recorded" if len(todo) < len(items) else ""
        self.console.print(f"  {task.name}: computing {len(todo)} item(s) in chunks of {chunk}{resumed}", highlight=False)
        t0 = time.perf_counter()
        failed = None
        item_errors: dict[str, str] = {}  # items whose request failed: no record, retried on the next run
        self.store.write_meta(meta)  # the cell's identity is on disk before its first record
        live = self.show_progress and self.console.is_terminal
        lines = LineProgress(self.console, task.name, len(items), len(items) - len(todo)) if self.show_progress and not live else None
        with Progress(
            TextColumn(f"  {task.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=self.console, disable=not live, transient=False,
        ) as bar:
            job = bar.add_task(task.name, total=len(items), completed=len(items) - len(todo))
            for start in range(0, len(todo), chunk):
                idx = todo[start : start + chunk]
                try:
                    recs = score_chunk(task, spec.name, seed, [items[i] for i in idx], [prompts[i] for i in idx], backend)
                except Exception as exc:
                    failed = f"{type(exc).__name__}: {exc}"
                    log.debug(traceback.format_exc())
                    break
                ok = [r for r in recs if r.finish_reason != "error"]
                item_errors.update({r.item_id: r.error or "request failed" for r in recs if r.finish_reason == "error"})
                self.store.append(spec.name, task.name, ok)
                meta.n_done += len(ok)
                bar.advance(job, len(recs))
                if lines:
                    lines.advance(len(recs))
        meta.elapsed_s = round(time.perf_counter() - t0, 3)
        meta.finished_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.store.write_meta(meta)
        self.store.write_errors(spec.name, task.name, item_errors)
        if item_errors and not failed:
            first = next(iter(item_errors.values()))
            failed = f"{len(item_errors)} item(s) failed (no score recorded; see {self.store.errors_path(spec.name, task.name).name}); first: {first}"
        if failed:
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "run", "error": redact(failed), "n_done": meta.n_done,
                                     "n_failed_items": len(item_errors)})
            self.console.print(f"[red]  ✗ {task.name}: {redact(failed)}[/red] ({meta.n_done}/{len(items)} recorded; rerun to resume)")
        else:
            summary.completed.append({"model": spec.name, "task": task.name, "n": len(items), "elapsed_s": meta.elapsed_s})


def run_sweep(sweep: SweepSpec, tasks: list[TaskSpec], registry: ModelRegistry, *, output_dir: str | None = None, limit: int | None = None, seed: int | None = None, models: list[str] | None = None, show_progress: bool = True, backend_factory: BackendFactory | None = None) -> RunSummary:
    store = ResultStore(output_dir or sweep.output_dir)
    runner = Runner(
        store,
        registry,
        backend_kind=sweep.backend.kind,
        backend_options=sweep.backend.options(),
        per_model_backend=sweep.per_model_backend,
        backend_factory=backend_factory or load_backend,  # type: ignore[arg-type]
        show_progress=show_progress,
    )
    return runner.run(models or sweep.models, tasks, limit=limit if limit is not None else sweep.limit, seed=seed if seed is not None else sweep.seed)
