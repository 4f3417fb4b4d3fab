"""Hallucination probes: rates per model and condition split by item kind, paired McNemar tests of
each condition against the bare prompt (same item ids), calibration (ECE / Brier) of the gold
answer's probability on answerable controls, the filmography count (002-17) and the
imaginative-vs-factual switch score (000-21). Reads stored scores: after a detector change,
`harness rescore` first."""

from __future__ import annotations

import math

from statsmodels.stats.contingency_tables import mcnemar

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.metrics.hallucination import calibration
from harness.records import ItemRecord
from harness.report.sections import params_label, rate
from harness.report.table import Table

TITLE = "Hallucination"
QA_PREFIX = "halluc_qa_"
BASELINE = "halluc_qa_bare"


def _label(agg: Aggregate, model: str) -> str:
    m = next(x for x in agg.models if x.name == model)
    return f"{m.model_id} ({params_label(m.params)})"


def _qa_cells(agg: Aggregate) -> list[tuple[str, str, list[ItemRecord]]]:
    """(model, condition task, records) of the QA conditions, models by size."""
    return [
        (m.name, t, agg.records[(m.name, t)])
        for m in agg.models
        for t in agg.tasks
        if t.startswith(QA_PREFIX) and (m.name, t) in agg.records
    ]


def _kind(rs: list[ItemRecord], *kinds: str) -> list[ItemRecord]:
    return [r for r in rs if r.meta.get("kind") in kinds]


def rates_table(agg: Aggregate) -> Table:
    rows = []
    for model, task, rs in _qa_cells(agg):
        fic, prem, ctrl = _kind(rs, "fictional"), _kind(rs, "premise"), _kind(rs, "control")
        rows.append(
            [
                _label(agg, model),
                task[len(QA_PREFIX) :],
                rate(r.scores.get("halluc_rate") for r in fic),
                rate(r.scores.get("halluc_rate") for r in prem),
                rate(r.scores.get("abstain_rate") for r in fic + prem),
                rate(r.scores.get("premise_rejected") for r in prem),
                rate(r.scores.get("over_refusal") for r in ctrl),
                rate(r.scores.get("control_accuracy") for r in ctrl),
                rate(r.scores.get("cls_invalid") for r in rs),
            ]
        )
    note = (
        "halluc = asserted an answer on a fictional-entity or false-premise item; abstain = abstained or rejected there; "
        "premise rejected = on false-premise items; over-refusal and accuracy = on answerable controls. Wilson 95% CIs."
    )
    return Table(
        "Hallucination rates per model and condition",
        [
            "model",
            "condition",
            "halluc (fictional)",
            "halluc (false premise)",
            "abstain (unanswerable)",
            "premise rejected (false premise)",
            "over-refusal (controls)",
            "accuracy (controls)",
            "invalid",
        ],
        rows,
        note,
        slug="halluc_rates",
    )


def paired_table(agg: Aggregate) -> Table:
    rows = []
    for model, task, rs in _qa_cells(agg):
        base = {r.item_id: r for r in agg.records.get((model, BASELINE), [])}
        if not base or task == BASELINE:
            continue
        for metric in ("halluc_rate", "over_refusal", "control_accuracy", "correct"):
            pairs = [(base[r.item_id].scores.get(metric), r.scores.get(metric)) for r in rs if r.item_id in base]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if not pairs:
                continue
            b = sum(1 for x, y in pairs if x == 1 and y == 0)
            c = sum(1 for x, y in pairs if x == 0 and y == 1)
            p = mcnemar([[0, b], [c, 0]], exact=True).pvalue if b + c else 1.0
            n = len(pairs)
            pa, pb = sum(x for x, _ in pairs) / n, sum(y for _, y in pairs) / n
            rows.append(
                [
                    _label(agg, model),
                    task[len(QA_PREFIX) :],
                    metric,
                    str(n),
                    f"{100 * pa:.0f}%",
                    f"{100 * pb:.0f}%",
                    f"{100 * (pb - pa):+.0f}",
                    str(b),
                    str(c),
                    f"{p:.3g}",
                ]
            )
    note = (
        "Baseline: the bare prompt, same items. Δ = condition − bare in percentage points; b = items where the metric is 1 under bare "
        "and 0 under the condition, c = the reverse; p = exact McNemar (binomial on b + c discordant pairs), not corrected for multiplicity."
    )
    return Table(
        "Hallucination: paired comparisons against the bare prompt",
        ["model", "condition", "metric", "n pairs", "bare", "condition", "Δ (pp)", "b", "c", "p"],
        rows,
        note,
        slug="halluc_paired",
        align="lllrrrrrrr",
    )


def calibration_table(agg: Aggregate) -> Table:
    rows = []
    for model, task, rs in _qa_cells(agg):
        ctrl = _kind(rs, "control")
        cal = calibration(
            [r.scores.get("gold_token_prob") for r in ctrl], [r.scores.get("control_accuracy") for r in ctrl]
        )  # type: ignore[misc]
        if cal["n"]:
            rows.append(
                [
                    _label(agg, model),
                    task[len(QA_PREFIX) :],
                    f"{cal['n']:.0f}",
                    f"{cal['mean_confidence']:.2f}",
                    f"{cal['accuracy']:.2f}",
                    f"{cal['ece']:.2f}",
                    f"{cal['brier']:.2f}",
                ]
            )
    note = (
        "confidence = teacher-forced per-token probability of the gold answer (geometric mean, `gold_token_prob`); outcome = the "
        "generated answer was correct. ECE: 10 equal-width bins. Point estimates, no intervals: read with n."
    )
    return Table(
        "Hallucination: calibration on answerable controls",
        ["model", "condition", "n", "mean confidence", "accuracy", "ECE", "Brier"],
        rows,
        note,
        slug="halluc_calibration",
        align="llrrrrr",
    )


def _mean(xs: list[float | None]) -> str:
    v = [x for x in xs if x is not None]
    return f"{sum(v) / len(v):.1f}" if v else "—"


def films_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        rs = agg.records.get((m.name, "halluc_filmography"), [])
        if rs:
            rows.append(
                [
                    _label(agg, m.name),
                    str(len(rs)),
                    rate(r.scores.get("film_listed_any") for r in rs),
                    _mean([r.scores.get("film_listed") for r in rs]),
                    _mean([r.scores.get("film_in_filmography") for r in rs]),
                    _mean([r.scores.get("film_not_in_filmography") for r in rs]),
                    rate(r.scores.get("film_any_wrong") for r in rs),
                ]
            )
    note = (
        "Titles extracted from the answer and fuzzy-matched (difflib ratio ≥ 0.85) to the frozen filmography; 'not in filmography' = "
        "wrong or non-existent. Shares: Wilson 95% CIs."
    )
    return Table(
        "Filmography probe (002-17)",
        [
            "model",
            "items",
            "answers listing ≥1 title",
            "mean titles listed",
            "mean in filmography",
            "mean not in filmography",
            "answers with ≥1 wrong title",
        ],
        rows,
        note,
        slug="halluc_filmography",
        align="lrlrrrl",
    )


def switch_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        fac, cre = (
            agg.records.get((m.name, "halluc_imaginative_factual"), []),
            agg.records.get((m.name, "halluc_imaginative_creative"), []),
        )
        if fac and cre:
            f = [v for r in fac if (v := r.scores.get("halluc_rate")) is not None]
            c = [v for r in cre if (v := r.scores.get("complied")) is not None]
            score = (1 - sum(f) / len(f)) * (sum(c) / len(c)) if f and c else math.nan
            rows.append([_label(agg, m.name), rate(f), rate(c), f"{score:.2f}"])
    note = "switch score = (1 − fabrication in factual mode) × compliance in imaginative mode (point estimate)."
    return Table(
        "Imaginative vs factual on the same fictional people (000-21)",
        ["model", "fabrication (factual)", "compliance (imaginative)", "switch score"],
        rows,
        note,
        slug="halluc_switch",
        align="lllr",
    )


def tables(agg: Aggregate, specs: dict[str, TaskSpec]) -> list[Table]:
    return [
        t
        for t in (rates_table(agg), paired_table(agg), calibration_table(agg), films_table(agg), switch_table(agg))
        if t.rows
    ]
