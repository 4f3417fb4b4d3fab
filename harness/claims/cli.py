"""`harness claims list|check|verdicts`: the claims registry from the command line.

    harness claims list [--all]          claims with a rule or a task (or every catalogue id with --all)
    harness claims check                 validate rules against tasks, metrics and the catalogue
    harness claims verdicts RUN_DIR      print the verdicts a run supports (no files written)
"""

from __future__ import annotations

import argparse

from harness.errors import HarnessError


def cmd_claims(args: argparse.Namespace) -> int:
    from harness.claims import load_catalogue, load_rules, validate_rules

    catalogue = load_catalogue(args.catalogue)
    rules = load_rules(args.rules)
    if args.action == "check":
        problems = validate_rules(rules, args.task_dir, catalogue.ids)
        for p in problems:
            print(f"✗ {p}")
        print(f"{len(rules)} rule(s), {len(catalogue.claims)} testable claims and {len(catalogue.untestable)} untestable statements in the catalogue: "
              + ("valid" if not problems else f"{len(problems)} problem(s)"))
        return 1 if problems else 0
    if args.action == "list":
        from harness.config import load_tasks

        served: dict[str, list[str]] = {}
        for t in load_tasks(args.task_dir).values():
            for cid in t.claims:
                served.setdefault(cid, []).append(t.name)
        ruled: dict[str, list[str]] = {}
        for r in rules:
            ruled.setdefault(r.claim, []).append(r.kind)
        print(f"{'claim':8s} {'rule kind(s)':36s} {'tasks serving it':44s} title")
        for c in catalogue.claims:
            if args.all or c.id in ruled or c.id in served:
                kinds = ", ".join(ruled.get(c.id, [])) or ("no rule yet" if c.id in served else "—")
                tasks = ", ".join(served.get(c.id, [])) or "—"
                print(f"{c.id:8s} {kinds:36.36s} {tasks:44.44s} {c.title}")
        if args.all:
            for u in catalogue.untestable:
                print(f"{u.id}  {'untestable':20s} {u.lines:50.50s}  {u.reason}")
        return 0
    if not args.run_dir:
        raise HarnessError("give the run directory: harness claims verdicts RUN_DIR")
    from harness.analysis.aggregate import aggregate
    from harness.claims.verdicts import compute_verdicts
    from harness.config import load_tasks

    agg = aggregate(args.run_dir)
    for v in compute_verdicts(agg, load_tasks(args.task_dir), args.rules, args.catalogue, dirs=[args.run_dir]):
        print(f"{v.rule_id}  {v.status:13s} {', '.join(v.models) or '—'}")
        if v.reason:
            print(f"          why: {v.reason}")
    return 0


def add_subcommand(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from harness.claims.catalogue import DEFAULT_CATALOGUE
    from harness.claims.rules import DEFAULT_RULES_GLOB

    c = sub.add_parser("claims", help="list claims and rules, validate rules, or print a run's verdicts")
    c.add_argument("action", choices=["list", "check", "verdicts"])
    c.add_argument("run_dir", nargs="?", help="run directory (for verdicts)")
    c.add_argument("--all", action="store_true", help="list every catalogue id, with or without a rule")
    c.add_argument("--rules", default=DEFAULT_RULES_GLOB)
    c.add_argument("--catalogue", default=DEFAULT_CATALOGUE)
    c.add_argument("--task-dir", default="tasks")
    c.set_defaults(fn=cmd_claims)
