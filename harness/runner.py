"""The sweep loop: models x tasks -> records, resumable, with a progress bar.

Per (model, task): generate items (seeded) -> skip those already in the store -> for each chunk:
render prompts -> solver -> parse -> teacher-forced log-likelihoods if a metric needs them ->
metrics -> append records. A model that fails to load, or a chunk whose backend call fails, is
reported in the summary and the sweep goes on; nothing already recorded is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
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
from harness.generators import Item, get_generator
from harness.hashing import stable_hash
from harness.metrics import METRICS, load_all, score_output
from harness.prompts.render import RenderedPrompt, choose_shots, render_prompt, task_facets, use_chat
from harness.provenance import git_commit, host_info, package_versions
from harness.records import ItemRecord, RunMeta
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

    def run(self, models: list[str], tasks: list[TaskSpec], *, limit: int | None = None, seed: int | None = None) -> RunSummary:
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
            try:
                t0 = time.perf_counter()
                backend = self.backend_factory(self.backend_kind, spec, options)
                self.console.print(f"  loaded in {time.perf_counter() - t0:.1f}s on {backend.info.device}")
            except Exception as exc:
                msg = f"{type(exc).__name__}: {exc}"
                summary.failures.append({"model": name, "stage": "load", "error": msg})
                self.console.print(f"[red]✗ {spec.display_name} failed to load: {msg}[/red] — continuing with the next model")
                continue
            try:
                for task in tasks:
                    self._run_task(spec, backend, task, limit, seed, summary, options)
            finally:
                backend.close()
        self.store.write_summary(summary.as_dict())
        return summary

    def _run_task(self, spec: ModelSpec, backend: Backend, task: TaskSpec, limit: int | None, seed_override: int | None, summary: RunSummary, options: dict[str, Any]) -> None:
        seed = task.seed if seed_override is None else seed_override
        started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            items = build_items(task, seed, limit)
            prompts = render_all(task, items, seed, spec.instruct)
            facets = task_facets(task, spec.instruct)
        except Exception as exc:  # a broken task must not stop the other tasks of the sweep
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "items", "error": f"{type(exc).__name__}: {exc}"})
            self.console.print(f"[red]  ✗ {task.name}: cannot build items/prompts: {exc}[/red]")
            return
        done = self.store.prepare(spec.name, task.name, task.hash)
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
            backend_options={k: v for k, v in options.items() if isinstance(v, (int, float, str, bool))},
            prompt_format=facets["format"],
            facets=facets,
        )
        if not todo:
            self.console.print(f"  {task.name}: all {len(items)} items already recorded — skipped")
            summary.completed.append({"model": spec.name, "task": task.name, "n": len(items), "resumed": True})
            return
        if len(todo) < len(items):
            self.console.print(f"  {task.name}: resuming, {len(items) - len(todo)} of {len(items)} already recorded")
        chunk = self.chunk_size or max(int(options.get("batch_size", 16)) * 4, 16)
        t0 = time.perf_counter()
        failed = None
        with Progress(
            TextColumn(f"  {task.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=self.console, disable=not self.show_progress, transient=False,
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
                self.store.append(spec.name, task.name, recs)
                meta.n_done += len(recs)
                bar.advance(job, len(recs))
        meta.elapsed_s = round(time.perf_counter() - t0, 3)
        meta.finished_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.store.write_meta(meta)
        if failed:
            summary.failures.append({"model": spec.name, "task": task.name, "stage": "run", "error": failed, "n_done": meta.n_done})
            self.console.print(f"[red]  ✗ {task.name}: {failed}[/red] ({meta.n_done}/{len(items)} recorded; rerun to resume)")
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
