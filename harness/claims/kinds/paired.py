"""Paired difference between conditions (tasks that share items) for each model.

E.g. few-shot vs zero-shot on the same addition items (001-28), or retrieval vs closed-book.
Binary metrics use McNemar's test, continuous ones the paired bootstrap; items are matched by id
and content hash, so only identical items are compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from harness.claims.data import RuleData, fmt_params
from harness.claims.kinds import KindParams, Outcome, register_kind
from harness.metrics import OUTPUT_KINDS
from harness.stats.intervals import wilson_ci
from harness.stats.multiple import holm
from harness.stats.paired import PairedResult, align, newcombe_paired_ci, paired_compare, paired_counts
from harness.stats.power import mde_paired


class PairedParams(KindParams):
    baseline: str | None = None
    treatments: list[str] = []
    pairs: list[tuple[str, str]] = []  # (baseline, treatment) pairs, for several task families in one rule
    direction: Literal["increase", "decrease"] = "increase"
    min_diff: float = 0.0  # a treatment must move the metric by at least this much to count; also the no-effect margin
    alpha: float = 0.05
    quantifier: Literal["all", "most", "any"] = "most"  # cells with the effect needed to support
    refute_quantifier: Literal["all", "most"] = "most"  # cells without it needed to refute
    largest_only: bool = False  # only each task's largest model counts ("for the larger models")
    max_params: float | None = None  # only models up to this size count ("at ≤ 160M")
    relative_min: float | None = None  # an effect also needs (treatment / baseline − 1) ≥ this, in the claimed direction
    refute_relative_below: float | None = None  # "no effect" also when the relative change is below this
    effect_means: Literal["supports", "refutes"] = "supports"  # for claims that an effect should be absent
    min_signal: float = 0.05  # a baseline within this of the end the effect moves towards leaves no room: the cell says nothing
    guard_metric: str | None = None  # a side effect that must not grow (e.g. over_refusal)...
    guard_max_increase: float = 0.10  # ...by more than this (treatment − baseline, paired) for a cell to count
    pair_on: Literal["item", "item_id"] = "item"  # item_id: the treatment adds context (retrieval) to the same question
    controls: dict[str, str] = {}  # treatment -> control task (e.g. the same shots with random labels): the effect must also beat it
    chance: dict[str, float] = {}  # treatment -> chance or majority-class rate: the treatment's Wilson interval must clear it

    def metrics(self) -> list[str]:
        return [self.guard_metric] if self.guard_metric else []

    def all_pairs(self) -> list[tuple[str, str]]:
        return [*((self.baseline, t) for t in self.treatments if self.baseline), *self.pairs]

    def tasks(self) -> list[str]:
        return sorted({t for pair in self.all_pairs() for t in pair} | set(self.controls.values()))

    def model_post_init(self, _ctx: object) -> None:
        if not self.all_pairs():
            raise ValueError("give `baseline` and `treatments`, or `pairs`")


@dataclass
class _Cell:
    label: str
    model_id: str
    pair: tuple[str, str]  # (baseline, treatment)
    r: PairedResult
    d: float  # effect in the claimed direction
    informative: bool
    gate: bool  # guard, relative size, control and chance conditions all hold
    no_gain: bool  # Newcombe upper bound of the effect below the margin, or a significant reverse effect, or a gate fails
    gate_notes: list[str]  # what the control / chance rate said, for the headline
    guard_fail: bool = False
    p_adj: float = 1.0


def _cell(rule, p: PairedParams, data: RuleData, m, b: str, t: str, binary: bool) -> _Cell | None:  # type: ignore[no-untyped-def]
    base, treat = data.cell(m.name, b), data.cell(m.name, t)
    if base is None or treat is None:
        return None
    sign = 1.0 if p.direction == "increase" else -1.0
    sa, sb = base.by_item(rule.metric, p.pair_on), treat.by_item(rule.metric, p.pair_on)
    r = paired_compare(sa, sb, binary)
    if r.n == 0:
        return _Cell(f"{m.model_id}: {b} and {t} share no items", m.model_id, (b, t), r, 0.0, False, False, False, [])
    d = sign * r.diff
    newcombe = ""
    if binary:  # the unconditional (Newcombe) bound on the effect, for "no gain larger than the margin"
        _, x, y = align(sa, sb)
        lo_n, hi_n = newcombe_paired_ci(*paired_counts(x, y))
        upper = sign * hi_n if sign > 0 else -lo_n
        newcombe = f" (Newcombe [{100 * lo_n:+.1f}, {100 * hi_n:+.1f}])"
    else:
        upper = max(sign * r.low, sign * r.high)
    rel = sign * (r.mean_b / r.mean_a - 1) if r.mean_a > 0 else (math.inf if d > 0 else 0.0)
    notes, gate_notes, gate = [], [], (p.relative_min is None or rel >= p.relative_min)
    control_null = False  # the effect is shown no larger than the format-only control's
    guard_fail = False
    if p.guard_metric:
        g = paired_compare(base.by_item(p.guard_metric, p.pair_on), treat.by_item(p.guard_metric, p.pair_on), OUTPUT_KINDS.get(p.guard_metric) == "binary")
        guard_fail = not (g.n > 0 and g.diff <= p.guard_max_increase)
        gate &= not guard_fail
        notes.append(f"{p.guard_metric} {100 * g.diff:+.1f} points (n={g.n}){' — too much' if guard_fail else ''}")
    if t in p.controls and (ctrl := data.cell(m.name, p.controls[t])) is not None:
        sc = ctrl.by_item(rule.metric, p.pair_on)
        c = paired_compare(sc, sb, binary)
        ok = c.n > 0 and sign * c.diff > 0 and c.p_value < p.alpha
        gate &= ok
        if not ok and binary and c.n:  # no effect beyond the control only if its bound shows it
            _, xc, yc = align(sc, sb)
            lo_c, hi_c = newcombe_paired_ci(*paired_counts(xc, yc))
            control_null = (sign * hi_c if sign > 0 else -lo_c) < max(p.min_diff, 1e-12)
        gate_notes.append(f"vs control {p.controls[t]}: {100 * c.diff:+.1f} points [{100 * c.low:+.1f}, {100 * c.high:+.1f}], p={c.p_value:.3g}{'' if ok else ' — not above the control'}")
    elif t in p.controls:
        gate_notes.append(f"control {p.controls[t]} not run: the effect cannot be told from format learning")
    if t in p.chance and binary:
        k = int(round(r.mean_b * r.n))
        lo_t, _ = wilson_ci(k, r.n)
        ok = lo_t > p.chance[t]
        gate &= ok
        gate_notes.append(f"chance/majority rate {100 * p.chance[t]:.1f}%{'' if ok else ' not cleared'}")
    notes += gate_notes
    base_rate = r.mean_a
    need_room = max(p.min_signal, p.min_diff)  # a baseline that cannot move by the claimed amount says nothing
    room = (base_rate <= 1 - need_room) if sign > 0 else (base_rate >= need_room)
    informative = (room if binary else True) and not (t in p.controls and data.cell(m.name, p.controls[t]) is None)
    no_gain = informative and (upper < max(p.min_diff, 1e-12) or (d < 0 and r.p_value < p.alpha)
                               or (p.refute_relative_below is not None and rel < p.refute_relative_below) or guard_fail or control_null)
    rel_txt = f"relative {100 * (r.mean_b / r.mean_a - 1):+.0f}%, " if r.mean_a > 0 else "relative n/a (baseline 0), "
    text = (f"{m.model_id} ({fmt_params(m.params)}): {t} − {b} = {100 * r.diff:+.1f} points [{100 * r.low:+.1f}, {100 * r.high:+.1f}]{newcombe} "
            f"({100 * r.mean_a:.1f}% → {100 * r.mean_b:.1f}%), {rel_txt}{r.test} p={r.p_value:.3g}, n={r.n} paired items"
            + (f" (b better on {r.n01}, a better on {r.n10})" if r.n01 is not None else "") + "".join(f"; {x}" for x in notes)
            + ("" if informative or not room else " — uninformative") + ("" if room or not binary else f" — baseline leaves less than {100 * need_room:g} points of room in the claimed direction: uninformative"))
    return _Cell(text, m.model_id, (b, t), r, d, informative, gate, no_gain, gate_notes, guard_fail)


@register_kind("paired_conditions", PairedParams)
def paired_conditions(rule, p: PairedParams, data: RuleData) -> Outcome:  # type: ignore[no-untyped-def]
    """Primary test: exact McNemar per (model, pair) cell (paired bootstrap for continuous metrics),
    Holm-corrected across the rule's cells. A cell shows the effect when it moves the metric in the
    claimed direction with Holm p < alpha, by ≥ min_diff, and clears its control / chance rate / guard;
    it shows no effect (an equivalence-type test, not non-significance) when the unconditional 95%
    bound of the effect (or of its excess over the control) stays below min_diff, the effect goes
    significantly the other way, or the guard metric grows too much. Supported when all / most / any cells show the effect; refuted when most (or all)
    informative cells show none. `effect_means: refutes` swaps the two. A baseline with no room to
    move in the claimed direction (a ceiling for an increase, a floor for a decrease) is uninformative."""
    binary = OUTPUT_KINDS.get(rule.metric) == "binary"
    cells: list[_Cell] = []
    evidence: list[str] = []
    eligible = [m for m in data.models if p.max_params is None or m.params <= p.max_params]
    for b, t in p.all_pairs():
        ran = [m for m in eligible if data.cell(m.name, b) and data.cell(m.name, t)]
        if p.largest_only:  # the rule's largest model, not whichever ran this pair: a smaller one never stands in
            ran = [m for m in ran if m.name == eligible[-1].name]
        for m in ran:
            c = _cell(rule, p, data, m, b, t, binary)
            if c is not None:
                cells.append(c)
    compared = [c for c in cells if c.r.n > 0]
    for c, q in zip(compared, holm([c.r.p_value for c in compared])):
        c.p_adj = q
    wins = [c for c in compared if c.informative and c.d > 0 and c.p_adj < p.alpha and c.d >= p.min_diff and c.gate]
    nulls = [c for c in compared if c.no_gain and c not in wins]
    info = [c for c in compared if c.informative]
    evidence = [c.label + (f"; Holm p={c.p_adj:.3g}" if c.r.n else "") for c in cells]
    details: dict[str, object] = {"n_compared": [c.r.n for c in compared], "models_used": sorted({c.model_id for c in compared})} if compared else {}
    test = ("exact McNemar per cell" if binary else "paired bootstrap per cell") + f", Holm across the rule's {len(compared)} cells; no effect = 95% Newcombe bound below +{100 * p.min_diff:g} points"
    if not compared:
        return Outcome("inconclusive", evidence, reason=f"no model ran both conditions of any pair {p.all_pairs()}", details=details, primary_test=test)
    if not info:
        return Outcome("inconclusive", evidence, reason=f"every cell's baseline is within {100 * p.min_signal:g} points of the end the effect moves towards: no effect can show", details=details, primary_test=test)
    k = len(info)
    if p.largest_only:  # one cell per pair is expected: a pair that did not run counts against both outcomes
        k = max(k, len(p.all_pairs()))
    need = {"all": k, "most": k // 2 + 1, "any": 1}[p.quantifier]
    positive = sorted(c.p_adj for c in info if c.d > 0 and c.gate) + [1.0] * k
    p_rule = positive[need - 1]  # the rule's p: `need` cells must each pass Holm
    best = max(compared, key=lambda c: (c in wins, c.gate, c.d))
    guarded = sum(c.guard_fail for c in nulls)
    effect = (f"{len(wins)}/{k} informative cells show the effect, {len(nulls)}/{k} show none"
              + (f" ({guarded} of them because {p.guard_metric} grew too much)" if guarded else "")
              + (f" (shown by: {'; '.join(sorted({c.label.split(' = ')[0] for c in wins}))})" if wins else "")
              + f"; largest: {best.label.split(', relative')[0]}, Holm p={best.p_adj:.3g}" + "".join(f"; {x}" for x in best.gate_notes))
    eq = f"no-effect cells (95% Newcombe upper bound below +{100 * p.min_diff:g} points, or reversed): {len(nulls)}/{k}" if nulls else None
    yes, no = ("supported", "refuted") if p.effect_means == "supports" else ("refuted", "supported")
    out = dict(evidence=evidence, details=details, effect=effect, primary_test=test, equivalence=eq)
    missing = [f"{b} → {t}" for b, t in p.all_pairs() if (b, t) not in {c.pair for c in compared}]
    if len(wins) >= need and p.quantifier == "all" and missing:
        return Outcome("inconclusive", reason=f"every pair must show the effect, but no model ran {', '.join(missing)}", p_value=p_rule, **out)  # type: ignore[arg-type]
    if len(wins) >= need:
        return Outcome(yes, p_value=p_rule, **out)  # type: ignore[arg-type]
    if len(nulls) >= (k if p.refute_quantifier == "all" else k // 2 + 1):
        return Outcome(no, **out)  # type: ignore[arg-type]
    return Outcome("inconclusive", reason=f"{len(wins)}/{k} informative cells show the claimed effect, {len(nulls)}/{k} show none: too few either way"
                   + _power_note(info, binary, p.alpha), p_value=p_rule, **out)  # type: ignore[arg-type]


def _power_note(cells: list[_Cell], binary: bool, alpha: float) -> str:
    """What the paired test could detect in the undecided cells, from their observed discordance
    (McNemar power depends on the share of items on which the conditions disagree, not on N alone)."""
    undecided = [c for c in cells if binary and c.r.n and c.r.n01 is not None and c.r.n10 is not None]
    if not undecided:
        return ""
    c = sorted(undecided, key=lambda c: c.r.n)[len(undecided) // 2]  # the median-sized cell
    if not (c.r.n01 or c.r.n10):
        return f" (a typical cell: n = {c.r.n} pairs and not one on which the conditions disagree: no paired test can detect anything there)"
    psi = (c.r.n01 + c.r.n10) / c.r.n  # type: ignore[operator]
    mde = mde_paired(c.r.n, psi, alpha)
    what = f"≥ {100 * mde:.0f} points" if mde == mde else "no difference these few discordant pairs allow"
    return f" (a typical cell: n = {c.r.n} pairs, {100 * psi:.0f}% discordant; the exact McNemar test detects {what} with 80% power)"
