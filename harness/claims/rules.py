"""Pre-registered decision rules: which tasks, models and metric decide a claim, and how.

Rules live in `configs/claims/rules*.yaml` (one file per area, so adding rules for a new task
family is adding a file). Each rule names a `kind` (the comparison: a size threshold, a curve
shape, a paired difference between conditions, ...) whose parameters are validated by that kind's
pydantic model, plus requirements below which the data cannot decide (too few model sizes, too
few items, models far below the sizes the claim is about). Validation fails on a rule that names a
task or a metric output that does not exist.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import ConfigError

DEFAULT_RULES_GLOB = "configs/claims/rules*.yaml"


class Requirements(BaseModel):
    """What the data must cover before a verdict other than 'inconclusive' is allowed."""

    model_config = ConfigDict(extra="forbid")
    min_models: int = Field(1, ge=1, description="distinct model sizes with records")
    min_items: int = Field(100, ge=1, description="planned items per (model, task) cell (a plan, not a gate: decisive intervals decide)")
    support_min_params: float | None = Field(None, description="'supported' needs a tested model at least this large")
    refute_min_params: float | None = Field(None, description="'refuted' needs a tested model at least this large")
    needs: str = Field("", description="what evidence would settle it when the run cannot (shown with 'inconclusive')")
    support_blocked: str | None = Field(None, description="why this rule's measurement cannot support the claim (e.g. it reads only half of a conjunction)")
    refute_blocked: str | None = Field(None, description="why this rule's measurement cannot refute the claim (e.g. a strawman baseline)")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim: str = Field(..., pattern=r"^\d{3}-\d{2}$")
    id: str | None = Field(None, description="unique rule id when a claim has several rules (default: the claim id)")
    kind: str
    statement: str = Field(..., description="the rule in words, as pre-registered")
    tasks: list[str] = Field(..., min_length=1, description="task names or globs")
    models: list[str] | Literal["all"] = "all"
    metric: str = Field(..., description="the deciding metric output (e.g. exact_match)")
    items_where: dict[str, list[str | int | float | bool]] = Field(
        default_factory=dict,
        description="keep only items whose generator metadata has one of these values (e.g. {kind: [premise]})",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="kind-specific parameters")
    requirements: Requirements = Field(default_factory=Requirements)
    change: str = Field("", description="what evidence would change a supported/refuted verdict")
    evidence_group: str | None = Field(None, description="rules that read the same analysis share a group and count once as evidence")
    scope_note: str = Field("", description="what a decided verdict does not cover, shown with its scope (documentation: not part of the decision)")
    source_file: str | None = Field(None, exclude=True)

    @property
    def rule_id(self) -> str:
        return self.id or self.claim

    def expand_tasks(self, names: list[str] | set[str]) -> list[str]:
        """Task names (from `names`) matched by this rule's task patterns, in pattern order."""
        out: list[str] = []
        for pat in self.tasks:
            for n in sorted(names):
                if fnmatch.fnmatchcase(n, pat) and n not in out:
                    out.append(n)
        return out

    def metrics_used(self) -> list[str]:
        from harness.claims.kinds import metrics_of

        return [self.metric, *metrics_of(self)]


def load_rules(pattern: str | Path = DEFAULT_RULES_GLOB) -> list[Rule]:
    """All rules from the YAML files matching `pattern` (a file or a glob)."""
    from harness.claims.kinds import KINDS, load_kinds

    load_kinds()
    p = Path(pattern)
    files = [p] if p.exists() else sorted(Path().glob(str(pattern)))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for i, raw in enumerate(data.get("rules", []) or []):
            where = f"rules[{i}]"
            try:
                rule = Rule.model_validate(raw)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise ConfigError(str(f), f"{where}." + ".".join(str(x) for x in err["loc"]), err["msg"]) from exc
            if rule.kind not in KINDS:
                raise ConfigError(str(f), f"{where}.kind", f"unknown rule kind {rule.kind!r}; known: {', '.join(sorted(KINDS))}")
            try:
                KINDS[rule.kind].params_model.model_validate(rule.params)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise ConfigError(str(f), f"{where}.params." + ".".join(str(x) for x in err["loc"]), err["msg"]) from exc
            if rule.rule_id in seen:
                raise ConfigError(str(f), f"{where}.id", f"rule id {rule.rule_id!r} already defined in {seen[rule.rule_id]}")
            seen[rule.rule_id] = str(f)
            rule.source_file = str(f)
            rules.append(rule)
    return rules


def validate_rules(rules: list[Rule], task_dir: str | Path = "tasks", catalogue_ids: set[str] | None = None) -> list[str]:
    """Problems with the rules: unknown tasks, unknown metric outputs, metrics the tasks do not
    produce, unknown claim ids. Empty list = valid."""
    from harness.config import load_tasks
    from harness.metrics import METRICS, OUTPUT_KINDS, load_all

    load_all()
    tasks = load_tasks(task_dir)
    try:
        from harness.config import load_model_registry

        known_models: set[str] | None = set(load_model_registry().models)
    except Exception:  # noqa: BLE001 - no registry here: model names are not checked
        known_models = None
    problems: list[str] = []
    for r in rules:
        where = f"{r.source_file}: rule {r.rule_id}"
        if catalogue_ids is not None and r.claim not in catalogue_ids:
            problems.append(f"{where}: claim {r.claim} is not in the catalogue")
        if known_models is not None and r.models != "all":
            problems += [f"{where}: model {m!r} is not in the model registry" for m in r.models if m not in known_models]
        names = []
        for pat in r.tasks:
            hits = [n for n in tasks if fnmatch.fnmatchcase(n, pat)]
            if not hits:
                problems.append(f"{where}: task {pat!r} does not exist")
            names += hits
        from harness.claims.kinds import params_of

        for t in params_of(r).tasks():
            if t not in tasks:
                problems.append(f"{where}: params name task {t!r}, which does not exist")
            elif t not in names:
                problems.append(f"{where}: params name task {t!r}, which is not among the rule's tasks")
        produced = {out for n in names for m in tasks[n].metrics for out in METRICS[m].outputs}
        for metric in r.metrics_used():
            if metric not in OUTPUT_KINDS:
                problems.append(f"{where}: metric {metric!r} does not exist (known outputs: {', '.join(sorted(OUTPUT_KINDS))})")
            elif names and metric not in produced:
                problems.append(f"{where}: metric {metric!r} is not produced by its tasks {names}")
    return problems


def load_not_measured(pattern: str | Path = DEFAULT_RULES_GLOB) -> dict[str, str]:
    """Claims that tasks serve but that no rule can test honestly: claim id -> why (the rules files'
    `not_measured:` mapping). The report shows the reason instead of a verdict."""
    p = Path(pattern)
    files = [p] if p.exists() else sorted(Path().glob(str(pattern)))
    out: dict[str, str] = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        raw = data.get("not_measured") or {}
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ConfigError(str(f), "not_measured", "must map claim ids to the reason no rule tests them")
        out.update({str(k): v for k, v in raw.items()})
    return out
