"""From a run to verdicts: supported / refuted / inconclusive / undecidable / not run, one per rule.

Order of decisions for one rule:
1. none of its tasks has records in the run            -> "not run"
2. the ladder cannot decide it whatever the outcome (too few sizes for the rule's test, or both
   support and refutation need models larger than any tested)  -> "undecidable" (on this ladder),
   with the ladder that would decide it; computed, never hand-written
3. the kind's pre-specified primary test on the data  -> supported / refuted / inconclusive, with
   the headline effect and its interval; agreement / no-effect outcomes rest on an equivalence
   test (TOST) against the margin the rule states, never on non-significance
4. the sizes the claim is about can turn 3 into "inconclusive" ("the data alone say ...").
   A planned N is a plan, not a gate: an interval that already excludes the threshold decides,
   and the N of each cell is reported beside the plan
5. across every rule that produced a p-value, decided or not, Benjamini–Hochberg: a decided
   verdict whose q-value is above alpha becomes "inconclusive".
Each verdict carries its scope (models, tasks, prompt formats), its evidence group (verdicts that
rest on one analysis count once) and whether its rule was written before its data (git decides).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.claims.catalogue import DEFAULT_CATALOGUE, Catalogue, load_catalogue
from harness.claims.data import RuleData, fmt_params, rule_data
from harness.claims.kinds import KINDS, load_kinds, params_of
from harness.claims.rules import DEFAULT_RULES_GLOB, Rule, load_not_measured, load_rules
from harness.analysis.aggregate import Aggregate
from harness.stats.multiple import benjamini_hochberg

Status = Literal["supported", "refuted", "inconclusive", "undecidable", "not run", "no rule"]


@dataclass
class Verdict:
    rule_id: str
    claim: str
    status: Status
    kind: str = ""
    statement: str = ""
    title: str = ""
    quote: str = ""
    en: str = ""
    speaker: str = ""
    source: str = ""
    tasks: list[str] = field(default_factory=list)  # tasks of the rule present in the run
    models: list[str] = field(default_factory=list)  # "model_id (size)" tested
    n_min: int = 0
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None  # why inconclusive / not run
    change: str = ""  # what evidence would change this verdict
    p_value: float | None = None
    q_value: float | None = None
    raw_status: str | None = None  # the comparison's outcome before requirements and BH
    effect: str = ""  # the headline effect with its 95% interval
    primary_test: str = ""  # the pre-specified test the outcome rests on (and its correction)
    equivalence: str | None = None  # the TOST result, for agreement / no-effect outcomes
    scope: str = ""  # the models, tasks and prompt formats the verdict rests on
    evidence_group: str = ""  # verdicts of one group rest on one analysis and count once
    decidability: str | None = None  # what this ladder can and cannot decide, computed
    n_cells: str = ""  # the N of the cells compared, beside the planned N
    rule_commit: str | None = None  # the commit since which the rule is unchanged
    post_hoc: bool | None = None  # the rule reached its current form after its data were written (None: unknown)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _size_limits(rule: Rule, status: str, largest: int) -> str | None:
    """Why a supported/refuted outcome cannot stand on models this small (None if it can)."""
    req = rule.requirements
    if status == "supported" and req.support_blocked:
        return f"this measurement cannot support the claim: {req.support_blocked}"
    if status == "refuted" and req.refute_blocked:
        return f"this measurement cannot refute the claim: {req.refute_blocked}"
    if status == "supported" and req.support_min_params and largest < req.support_min_params:
        return f"the claim is about models ≥ {fmt_params(req.support_min_params)}; the largest tested is {fmt_params(largest)}"
    if status == "refuted" and req.refute_min_params and largest < req.refute_min_params:
        return f"refuting it needs models ≥ {fmt_params(req.refute_min_params)}; the largest tested is {fmt_params(largest)}"
    return None


def _decidability(rule: Rule, largest: int, n_sizes: int, kind_note: str | None) -> tuple[bool, str | None]:
    """(undecidable, note): whether no outcome on these models could decide the rule, and what the
    ladder can and cannot decide."""
    req = rule.requirements
    if kind_note:
        return True, kind_note
    if n_sizes < req.min_models:
        return True, f"undecidable on this ladder: {n_sizes} model size(s) ran; the rule's test needs ≥ {req.min_models}"
    can_support = not (req.support_min_params and largest < req.support_min_params) and not req.support_blocked
    can_refute = not (req.refute_min_params and largest < req.refute_min_params) and not req.refute_blocked
    if not can_support and not can_refute:
        if req.support_blocked and req.refute_blocked:
            return True, f"undecidable with this measurement: it cannot support the claim ({req.support_blocked}) nor refute it ({req.refute_blocked})"
        why_s = req.support_blocked or f"support needs models ≥ {fmt_params(req.support_min_params or 0)}"
        why_r = req.refute_blocked or f"refutation needs models ≥ {fmt_params(req.refute_min_params or 0)}"
        return True, f"undecidable on this ladder (largest tested {fmt_params(largest)}): {why_s}; {why_r}"
    if not can_support:
        why = req.support_blocked or f"support needs models ≥ {fmt_params(req.support_min_params or 0)}"
        return False, f"one-sided here: only a refutation is reachable ({why})"
    if not can_refute:
        why = req.refute_blocked or f"refutation needs models ≥ {fmt_params(req.refute_min_params or 0)}"
        return False, f"one-sided here: only support is reachable ({why})"
    return False, None


def templates_of(specs: dict[str, Any]) -> dict[str, str]:
    """task name -> its template facet (t1 unless a `template:` tag says otherwise)."""
    from harness.prompts.render import task_facets

    return {name: task_facets(spec).get("template", "t1") for name, spec in specs.items()}


def _scope(data: RuleData, rule: Rule, used: list[str] | None = None, templates: dict[str, str] | None = None) -> str:
    models = [m for m in data.models if not used or m.model_id in used]  # the models the test compared, where the kind says
    sizes = sorted({m.params for m in models})
    fams = sorted({m.family for m in models})
    kinds = sorted({"instruct" if m.instruct else "base" for m in models})
    formats = sorted({"chat" if isinstance(c.records[0].prompt, list) else "completion" for c in data.cells.values() if c.records})
    size = fmt_params(sizes[0]) if len(sizes) == 1 else f"{fmt_params(sizes[0])}–{fmt_params(sizes[-1])}"
    where = "".join(f"; items with {k} ∈ {{{', '.join(map(str, v))}}}" for k, v in rule.items_where.items())
    tpl = sorted({(templates or {}).get(t, "t1") for t in data.tasks})
    templates = "one template per task" if tpl == ["t1"] else f"templates {', '.join(tpl)}"
    names = f": {', '.join(m.model_id for m in models)}" if len(models) <= 2 else ""
    return (f"{len(models)} model(s){names}, {size} ({', '.join(kinds)}; famil{'y' if len(fams) == 1 else 'ies'} {', '.join(fams)}); "
            f"tasks {', '.join(data.tasks)}; {'/'.join(formats)} prompts, {templates}, greedy decoding{where}"
            + (f". Not covered: {rule.scope_note}" if rule.scope_note else ""))


def evaluate_rule(rule: Rule, agg: Aggregate, catalogue: Catalogue | None = None, templates: dict[str, str] | None = None) -> Verdict:
    load_kinds()
    claim = catalogue.get(rule.claim) if catalogue else None
    v = Verdict(rule.rule_id, rule.claim, "not run", rule.kind, rule.statement, change=rule.change)
    if claim:
        v.title, v.quote, v.en, v.speaker, v.source = claim.title, claim.quote, claim.en, claim.speaker, f"{claim.source_file}, {claim.lines}"
    names = rule.expand_tasks(set(agg.tasks))
    data = rule_data(agg, names, rule.models, rule.items_where)
    if not data.cells:
        v.reason = f"no records for its tasks ({', '.join(rule.tasks)}) in this run" + (" matching items_where" if rule.items_where else "")
        return v
    v.tasks, v.n_min = data.tasks, data.min_n()
    v.models = [f"{m.model_id} ({fmt_params(m.params)})" for m in data.models]
    out = KINDS[rule.kind].fn(rule, params_of(rule), data)
    v.scope, v.evidence_group = _scope(data, rule, out.details.get("models_used"), templates), rule.evidence_group or rule.rule_id  # type: ignore[arg-type]
    where = [f"only items with {k} ∈ {{{', '.join(map(str, vals))}}}" for k, vals in rule.items_where.items()]
    v.evidence, v.p_value, v.raw_status = [*where, *out.evidence], out.p_value, out.status
    v.effect, v.primary_test, v.equivalence = out.effect, out.primary_test, out.equivalence
    # a paired kind reports the numbers of items it actually compared (cells of a model that ran only
    # one arm play no part in the comparison); other kinds use every cell of the rule
    ns = sorted(out.details.get("n_compared") or [c.n for c in data.cells.values()])  # type: ignore[call-overload]
    v.n_min = int(ns[0]) if ns else 0
    planned = rule.requirements.min_items
    v.n_cells = (f"N = {ns[0]}" if ns[0] == ns[-1] else f"N = {ns[0]}–{ns[-1]}") + f" per cell (planned ≥ {planned})" if ns else ""
    undecidable, v.decidability = _decidability(rule, data.largest_params, data.n_sizes, out.details.get("undecidable"))  # type: ignore[arg-type]
    if undecidable:
        v.status = "undecidable"
        v.reason = (v.decidability or "") + (f" (the data alone say: {out.status})" if out.status != "inconclusive" else "")
    elif (blocked := _size_limits(rule, out.status, data.largest_params)):
        v.status = "inconclusive"
        v.reason = blocked + f" (the data alone say: {out.status}{': ' + out.reason if out.reason else ''})"
    else:
        v.status, v.reason = out.status, out.reason
        if out.status in ("supported", "refuted") and ns and ns[0] < planned:
            v.reason = (v.reason + "; " if v.reason else "") + f"decided below the planned N ({ns[0]} < {planned}): the intervals already exclude the rule's threshold"
    if v.status in ("inconclusive", "undecidable") and rule.requirements.needs:
        v.change = rule.requirements.needs
    return v


def evaluate_all(agg: Aggregate, rules: list[Rule], catalogue: Catalogue | None = None, alpha: float = 0.05, linked_claims: dict[str, list[str]] | None = None,
                 dirs: list[str] | None = None, not_measured: dict[str, str] | None = None,
                 templates: dict[str, str] | None = None) -> list[Verdict]:
    """Verdicts for every rule, BH-controlled across every rule that produced a p-value; plus a
    'no rule' entry for each claim that a task in the run serves (`linked_claims`: claim -> tasks)
    but no rule decides yet. With `dirs` (the results folders read), each verdict says whether its
    rule was frozen before its records were written (git history)."""
    verdicts = [evaluate_rule(r, agg, catalogue, templates) for r in rules]
    tested = [i for i, v in enumerate(verdicts) if v.p_value is not None]
    _, q = benjamini_hochberg([verdicts[i].p_value for i in tested], alpha)
    for i, qi in zip(tested, q):
        v = verdicts[i]
        v.q_value = qi
        if v.status in ("supported", "refuted") and qi is not None and qi > alpha:
            v.reason = f"p = {v.p_value:.3g} is not significant after Benjamini–Hochberg across the {len(tested)} rules that ran a test (q = {qi:.3g} > {alpha:g}); the data alone say: {v.status}"
            v.status = "inconclusive"
    if dirs is not None:
        _mark_post_hoc(verdicts, rules, dirs)
    ruled = {r.claim for r in rules}
    for cid, tasks in sorted((linked_claims or {}).items()):
        if cid in ruled:
            continue
        claim = catalogue.get(cid) if catalogue else None
        why = (not_measured or {}).get(cid)
        v = Verdict(cid, cid, "no rule", tasks=sorted(tasks), reason=f"not measured: {why}" if why else "a task in this run serves this claim but no decision rule is registered yet (configs/claims/rules*.yaml)")
        if claim:
            v.title, v.quote, v.en, v.speaker, v.source = claim.title, claim.quote, claim.en, claim.speaker, f"{claim.source_file}, {claim.lines}"
            v.statement = f"(catalogue rule, not yet encoded) {claim.rule}"
        verdicts.append(v)
    return verdicts


def _mark_post_hoc(verdicts: list[Verdict], rules: list[Rule], dirs: list[str]) -> None:
    from harness.claims.preregistration import data_times, rule_freezes

    freezes, written = rule_freezes(rules), data_times(dirs)
    by_id = {r.rule_id: r for r in rules}
    for v in verdicts:
        rule, fz = by_id.get(v.rule_id), freezes.get(v.rule_id)
        if rule is None or fz is None or not v.tasks:
            continue
        names = set(v.tasks)
        times = [t for (m, task), t in written.items() if task in names and (rule.models == "all" or m in rule.models)]
        v.rule_commit = fz.commit
        v.post_hoc = bool(times) and fz.time > min(times)


def independent_evidence(verdicts: list[Verdict]) -> int:
    """Decided verdicts counted once per evidence group (rules that read one analysis)."""
    return len({v.evidence_group or v.rule_id for v in verdicts if v.status in ("supported", "refuted")})


def linked_claims(agg: Aggregate, specs: dict[str, Any]) -> dict[str, list[str]]:
    """claim id -> the tasks of the run that declare they serve it (task YAML `claims:`)."""
    out: dict[str, list[str]] = {}
    for task in agg.tasks:
        for cid in specs[task].claims if task in specs else []:
            out.setdefault(cid, []).append(task)
    return out


def compute_verdicts(agg: Aggregate, specs: dict[str, Any], rules_glob: str = DEFAULT_RULES_GLOB, catalogue_path: str = DEFAULT_CATALOGUE,
                     dirs: list[str] | None = None) -> list[Verdict]:
    """Every rule's verdict on `agg` (specs: the task configs, for the claims each task serves)."""
    catalogue: Catalogue | None = load_catalogue(catalogue_path) if Path(catalogue_path).exists() else None
    return evaluate_all(agg, load_rules(rules_glob), catalogue, linked_claims=linked_claims(agg, specs), dirs=dirs,
                        not_measured=load_not_measured(rules_glob), templates=templates_of(specs))


def write_verdicts_json(verdicts: list[Verdict], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump([v.to_json() for v in verdicts], f, ensure_ascii=False, indent=2)
