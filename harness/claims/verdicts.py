"""From a run to verdicts: supported / refuted / inconclusive / not run, one per rule.

Order of decisions for one rule:
1. none of its tasks has records in the run            -> "not run"
2. the kind's comparison on the data                   -> supported / refuted / inconclusive
3. requirements (min model sizes, min N, the sizes the claim is about) can turn 2 into
   "inconclusive", with the reason and what would settle it
4. across all rules, Benjamini–Hochberg on the verdicts that rest on a p-value: one whose
   q-value is above alpha becomes "inconclusive".
The numbers behind every step are kept in `evidence`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from harness.claims.catalogue import Catalogue
from harness.claims.data import fmt_params, rule_data
from harness.claims.kinds import KINDS, load_kinds, params_of
from harness.claims.rules import Rule
from harness.analysis.aggregate import Aggregate
from harness.stats.multiple import benjamini_hochberg
from harness.stats.power import mde_proportion

Status = Literal["supported", "refuted", "inconclusive", "not run", "no rule"]


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

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _requirements(rule: Rule, status: str, largest: int, n_sizes: int, n_min: int) -> str | None:
    req = rule.requirements
    why = []
    if n_sizes < req.min_models:
        why.append(f"only {n_sizes} model size(s) ran; the rule needs ≥ {req.min_models}")
    if n_min < req.min_items:
        mde = mde_proportion(n_min, 0.0) if n_min else float("nan")
        why.append(f"N = {n_min} items per cell is below the pre-registered {req.min_items} (at this N only effects ≥ {100 * mde:.0f} points above 0% are detectable)")
    if status == "supported" and req.support_min_params and largest < req.support_min_params:
        why.append(f"the claim is about models ≥ {fmt_params(req.support_min_params)}; the largest tested is {fmt_params(largest)}")
    if status == "refuted" and req.refute_min_params and largest < req.refute_min_params:
        why.append(f"refuting it needs models ≥ {fmt_params(req.refute_min_params)}; the largest tested is {fmt_params(largest)}")
    return "; ".join(why) or None


def evaluate_rule(rule: Rule, agg: Aggregate, catalogue: Catalogue | None = None) -> Verdict:
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
    where = [f"only items with {k} ∈ {{{', '.join(map(str, vals))}}}" for k, vals in rule.items_where.items()]
    v.evidence, v.p_value, v.raw_status = [*where, *out.evidence], out.p_value, out.status
    # a paired kind reports the smallest number of items it actually compared (cells of a model that
    # ran only one arm play no part in the comparison); other kinds use every cell of the rule
    n_min = int(out.details.get("n_min", data.min_n()))  # type: ignore[call-overload]
    v.n_min = n_min
    blocked = _requirements(rule, out.status, data.largest_params, data.n_sizes, n_min)
    if blocked:
        v.status = "inconclusive"
        v.reason = blocked + (f" (the data alone say: {out.status}{': ' + out.reason if out.reason else ''})" if out.status != "inconclusive" else (f"; {out.reason}" if out.reason else ""))
    else:
        v.status, v.reason = out.status, out.reason
    if v.status == "inconclusive" and rule.requirements.needs:
        v.change = rule.requirements.needs
    return v


def evaluate_all(agg: Aggregate, rules: list[Rule], catalogue: Catalogue | None = None, alpha: float = 0.05, linked_claims: dict[str, list[str]] | None = None) -> list[Verdict]:
    """Verdicts for every rule, BH-controlled across them; plus a 'no rule' entry for each claim
    that a task in the run serves (`linked_claims`: claim -> tasks) but no rule decides yet."""
    verdicts = [evaluate_rule(r, agg, catalogue) for r in rules]
    decided = [i for i, v in enumerate(verdicts) if v.status in ("supported", "refuted") and v.p_value is not None]
    _, q = benjamini_hochberg([verdicts[i].p_value for i in decided], alpha)
    for i, qi in zip(decided, q):
        v = verdicts[i]
        v.q_value = qi
        if qi is not None and qi > alpha:
            v.reason = f"p = {v.p_value:.3g} is not significant after Benjamini–Hochberg across {len(decided)} tested claims (q = {qi:.3g} > {alpha:g}); the data alone say: {v.status}"
            v.status = "inconclusive"
    ruled = {r.claim for r in rules}
    for cid, tasks in sorted((linked_claims or {}).items()):
        if cid in ruled:
            continue
        claim = catalogue.get(cid) if catalogue else None
        v = Verdict(cid, cid, "no rule", tasks=sorted(tasks), reason="a task in this run serves this claim but no decision rule is registered yet (configs/claims/rules*.yaml)")
        if claim:
            v.title, v.quote, v.en, v.speaker, v.source = claim.title, claim.quote, claim.en, claim.speaker, f"{claim.source_file}, {claim.lines}"
            v.statement = f"(catalogue rule, not yet encoded) {claim.rule}"
        verdicts.append(v)
    return verdicts


def write_verdicts_json(verdicts: list[Verdict], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump([v.to_json() for v in verdicts], f, ensure_ascii=False, indent=2)
