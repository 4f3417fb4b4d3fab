"""Was a rule written before the data it judges? Git history decides.

For each rule: the commit since which its definition (the rule's YAML mapping) is unchanged, and
that commit's time ("frozen since"). For each (model, task) cell of a results folder: the time its
record file was first committed (or, for records not committed yet, the run's start time). A
verdict is *post hoc* when its rule reached its current form after some of the records it judges
were written: the rule may have been shaped by the data, so the verdict needs fresh items (another
seed) to count as a test. Without git (an exported tarball) both are unknown and the report says so.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

import yaml

from harness.claims.rules import Rule


@dataclass(frozen=True)
class Freeze:
    commit: str  # short hash, or "uncommitted"
    time: float  # unix seconds


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def _repo_root(path: Path) -> Path | None:
    out = _git(["rev-parse", "--show-toplevel"], path if path.is_dir() else path.parent)
    return Path(out.strip()) if out else None


# Fields that document a rule without changing what it decides: editing them does not make a verdict post hoc.
DOC_FIELDS = ("statement", "change", "evidence_group", "scope_note")


def _canon(rule: dict) -> str:  # type: ignore[type-arg]
    """The decision-relevant part of a rule (kind, tasks, models, metric, filters, params, requirements
    but for their `needs` text) as canonical JSON."""
    core = {k: v for k, v in rule.items() if k not in DOC_FIELDS}
    if isinstance(core.get("requirements"), dict):
        core["requirements"] = {k: v for k, v in core["requirements"].items() if k != "needs"}
    return json.dumps(core, sort_keys=True, ensure_ascii=False, default=str)


def _rules_in(text: str) -> dict[str, str]:
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    out = {}
    for r in doc.get("rules", []) if isinstance(doc, dict) else []:
        if isinstance(r, dict) and "claim" in r:
            out[str(r.get("id") or r["claim"])] = _canon(r)
    return out


def rule_freezes(rules: Iterable[Rule]) -> dict[str, Freeze]:
    """rule id -> the commit since which its definition is what it is now."""
    by_file: dict[str, list[Rule]] = {}
    for r in rules:
        if r.source_file:
            by_file.setdefault(r.source_file, []).append(r)
    out: dict[str, Freeze] = {}
    for file, file_rules in by_file.items():
        path = Path(file).resolve()
        root = _repo_root(path)
        if root is None:
            continue
        rel = str(path.relative_to(root))
        current = _rules_in(path.read_text(encoding="utf-8"))
        log = _git(["log", "--format=%H %ct", "--", rel], root) or ""
        history = [line.split() for line in log.splitlines() if line.strip()]
        head_text = _git(["show", f"HEAD:{rel}"], root)
        head = _rules_in(head_text) if head_text is not None else {}
        for r in file_rules:
            rid = r.rule_id
            if rid not in current:
                continue
            if head.get(rid) != current[rid]:
                out[rid] = Freeze("uncommitted", datetime.now().timestamp())
                continue
            since: Freeze | None = None
            for sha, ts in history:  # newest first: walk back while the definition is unchanged
                text = _git(["show", f"{sha}:{rel}"], root)
                if text is None or _rules_in(text).get(rid) != current[rid]:
                    break
                since = Freeze(sha[:10], float(ts))
            if since is not None:
                out[rid] = since
    return out


def data_times(dirs: Iterable[str | Path]) -> dict[tuple[str, str], float]:
    """(model, task) -> when its records were first written: the commit that added the record file,
    else the run's start time from its meta.json (records not committed yet)."""
    out: dict[tuple[str, str], float] = {}
    for d in dirs:
        rec = Path(d) / "records"
        if not rec.is_dir():
            continue
        for meta in rec.glob("*/*.meta.json"):
            try:
                started = json.loads(meta.read_text(encoding="utf-8")).get("started_at")
                if started:
                    out[(meta.parent.name, meta.name.removesuffix(".meta.json"))] = datetime.fromisoformat(started).timestamp()
            except (OSError, ValueError, json.JSONDecodeError):
                continue
        root = _repo_root(rec)
        if root is None:
            continue
        log = _git(["log", "--diff-filter=A", "--format=@%ct", "--name-only", "--", str(rec.resolve().relative_to(root))], root) or ""
        ts = None
        for line in log.splitlines():
            if line.startswith("@"):
                ts = float(line[1:])
            elif line.strip() and ts is not None and ".jsonl" in line:
                p = Path(line)
                key = (p.parent.name, p.name.split(".jsonl")[0])
                out[key] = min(out.get(key, ts), ts)  # oldest add wins (log is newest first)
    return out
