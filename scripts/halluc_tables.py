"""Hallucination tables from a results folder: rates per model x condition with Wilson 95% CIs,
hallucination split by item kind, paired McNemar tests of each condition against the bare prompt
(same item ids), calibration (ECE / Brier) of the gold answer's probability on answerable items,
the filmography count and the imaginative-vs-factual switch score.

Usage: python scripts/halluc_tables.py results/hallucination [--out results/hallucination/report/hallucination.md]
Reads the stored scores: after a detector change, `harness rescore results/hallucination` first.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from statsmodels.stats.contingency_tables import mcnemar

from harness.metrics.hallucination import calibration
from harness.records import ItemRecord
from harness.stats.intervals import wilson_ci
from harness.store import ResultStore

QA_PREFIX = "halluc_qa_"
BASELINE = "halluc_qa_bare"


def _pct(values: Iterable[float | None]) -> str:
    x = [v for v in values if v is not None]
    if not x:
        return "–"
    k, n = int(round(sum(x))), len(x)
    lo, hi = wilson_ci(k, n)
    return f"{100 * k / n:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}] (n={n})"


def _load(root: str) -> tuple[dict[tuple[str, str], list[ItemRecord]], dict[str, str]]:
    store = ResultStore(root)
    recs: dict[tuple[str, str], list[ItemRecord]] = defaultdict(list)
    for r in store.iter_all():
        if r.task.startswith("halluc_"):
            recs[(r.model, r.task)].append(r)
    labels = {m.model: f"{m.model} ({m.model_params / 1e6:.0f}M)" for m in store.metas()}
    order = sorted({m for m, _ in recs}, key=lambda m: next((x.model_params for x in store.metas() if x.model == m), 0))
    return dict(recs), {m: labels.get(m, m) for m in order}


def _qa_table(recs: dict[tuple[str, str], list[ItemRecord]], models: dict[str, str]) -> list[str]:
    out = ["## Rates per model and condition (Wilson 95% CI)", "",
           "halluc = asserted an answer on a fictional-entity or false-premise item; abstain = abstained or rejected there; "
           "premise rejected = on false-premise items; over-refusal and accuracy = on answerable controls.", "",
           "| model | condition | halluc (fictional) | halluc (false premise) | abstain (unanswerable) | premise rejected (false premise) | over-refusal (controls) | accuracy (controls) | invalid |",
           "|---|---|---|---|---|---|---|---|---|"]
    for m, label in models.items():
        for (mm, task), rs in sorted(recs.items()):
            if mm != m or not task.startswith(QA_PREFIX):
                continue
            fic = [r for r in rs if r.meta.get("kind") == "fictional"]
            prem = [r for r in rs if r.meta.get("kind") == "premise"]
            unans = fic + prem
            ctrl = [r for r in rs if r.meta.get("kind") == "control"]
            out.append(f"| {label} | {task[len(QA_PREFIX):]} | {_pct(r.scores.get('halluc_rate') for r in fic)} | {_pct(r.scores.get('halluc_rate') for r in prem)} | "
                       f"{_pct(r.scores.get('abstain_rate') for r in unans)} | {_pct(r.scores.get('premise_rejected') for r in prem)} | "
                       f"{_pct(r.scores.get('over_refusal') for r in ctrl)} | {_pct(r.scores.get('control_accuracy') for r in ctrl)} | {_pct(r.scores.get('cls_invalid') for r in rs)} |")
    return out + [""]


def _paired(recs: dict[tuple[str, str], list[ItemRecord]], models: dict[str, str]) -> list[str]:
    out = ["## Paired comparisons against the bare prompt (same items; exact McNemar)", "",
           "Δ = condition − bare in percentage points; b = items where the metric is 1 under bare and 0 under the condition, c = the reverse; p = exact McNemar (binomial on b + c discordant pairs).", "",
           "| model | condition | metric | n pairs | bare | condition | Δ (pp) | b | c | p |", "|---|---|---|---|---|---|---|---|---|---|"]
    for m, label in models.items():
        base = {r.item_id: r for r in recs.get((m, BASELINE), [])}
        if not base:
            continue
        for (mm, task), rs in sorted(recs.items()):
            if mm != m or not task.startswith(QA_PREFIX) or task == BASELINE:
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
                out.append(f"| {label} | {task[len(QA_PREFIX):]} | {metric} | {n} | {100 * pa:.0f}% | {100 * pb:.0f}% | {100 * (pb - pa):+.0f} | {b} | {c} | {p:.3g} |")
    return out + [""]


def _calibration(recs: dict[tuple[str, str], list[ItemRecord]], models: dict[str, str]) -> list[str]:
    out = ["## Calibration on answerable controls", "",
           "confidence = teacher-forced per-token probability of the gold answer (geometric mean, `gold_token_prob`); outcome = the generated answer was correct. ECE: 10 equal-width bins.", "",
           "| model | condition | n | mean confidence | accuracy | ECE | Brier |", "|---|---|---|---|---|---|---|"]
    for m, label in models.items():
        for (mm, task), rs in sorted(recs.items()):
            if mm != m or not task.startswith(QA_PREFIX):
                continue
            ctrl = [r for r in rs if r.meta.get("kind") == "control"]
            cal = calibration([r.scores.get("gold_token_prob") for r in ctrl], [r.scores.get("control_accuracy") for r in ctrl])  # type: ignore[misc]
            if cal["n"]:
                out.append(f"| {label} | {task[len(QA_PREFIX):]} | {cal['n']:.0f} | {cal['mean_confidence']:.2f} | {cal['accuracy']:.2f} | {cal['ece']:.2f} | {cal['brier']:.2f} |")
    return out + [""]


def _mean(xs: list[float | None]) -> str:
    v = [x for x in xs if x is not None]
    return f"{sum(v) / len(v):.1f}" if v else "–"


def _films(recs: dict[tuple[str, str], list[ItemRecord]], models: dict[str, str]) -> list[str]:
    out = ["## Filmography probe (002-17)", "",
           "Titles extracted from the answer and fuzzy-matched (difflib ratio ≥ 0.85) to the frozen filmography; 'not in filmography' = wrong or non-existent.", "",
           "| model | items | answers listing ≥1 title | mean titles listed | mean in filmography | mean not in filmography | answers with ≥1 wrong title |", "|---|---|---|---|---|---|---|"]
    for m, label in models.items():
        rs = recs.get((m, "halluc_filmography"), [])
        if rs:
            out.append(f"| {label} | {len(rs)} | {_pct(r.scores.get('film_listed_any') for r in rs)} | {_mean([r.scores.get('film_listed') for r in rs])} | "
                       f"{_mean([r.scores.get('film_in_filmography') for r in rs])} | {_mean([r.scores.get('film_not_in_filmography') for r in rs])} | {_pct(r.scores.get('film_any_wrong') for r in rs)} |")
    return out + [""]


def _switch(recs: dict[tuple[str, str], list[ItemRecord]], models: dict[str, str]) -> list[str]:
    out = ["## Imaginative vs factual on the same fictional people (000-21)", "",
           "switch score = (1 − fabrication in factual mode) × compliance in imaginative mode.", "",
           "| model | fabrication (factual) | compliance (imaginative) | switch score |", "|---|---|---|---|"]
    for m, label in models.items():
        fac, cre = recs.get((m, "halluc_imaginative_factual"), []), recs.get((m, "halluc_imaginative_creative"), [])
        if fac and cre:
            f = [r.scores.get("halluc_rate") for r in fac if r.scores.get("halluc_rate") is not None]
            c = [r.scores.get("complied") for r in cre if r.scores.get("complied") is not None]
            score = (1 - sum(f) / len(f)) * (sum(c) / len(c)) if f and c else math.nan  # type: ignore[arg-type]
            out.append(f"| {label} | {_pct(f)} | {_pct(c)} | {score:.2f} |")
    return out + [""]


def render(root: str) -> str:
    recs, models = _load(root)
    lines = [f"# Hallucination probes — {root}", ""]
    for part in (_qa_table, _paired, _calibration, _films, _switch):
        lines += part(recs, models)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    md = render(args.root)
    out = Path(args.out or Path(args.root) / "report" / "hallucination.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md, encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
