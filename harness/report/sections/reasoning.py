"""Reasoning and in-context learning: S(L) beside p^L and the hazard of the first error (001-14),
chain of thought − direct answer by number of steps (001-29, 003-25, 003-26), accuracy by shots
with a wrong-answer control (003-07, 001-28, 003-09) and the pool-problem misreading taxonomy
(004-02); 95% CIs (Wilson / seeded bootstrap, harness.stats)."""

from __future__ import annotations

import math
import re
from collections import defaultdict

from harness.analysis.aggregate import Aggregate
from harness.config.task import TaskSpec
from harness.metrics import parse
from harness.metrics.reasoning import answer_units, first_error_index
from harness.records import ItemRecord
from harness.report.sections import pct
from harness.report.table import Table
from harness.stats.compounding import hazard, sequence_vs_tokens
from harness.stats.intervals import Estimate, bootstrap_mean_ci, estimate

TITLE = "Reasoning and in-context learning"
Recs = list[ItemRecord]


def em(recs: Recs, key: str = "exact_match") -> Estimate:
    return estimate([r.scores.get(key) for r in recs], "binary")


def _content_greedy(r: ItemRecord) -> list[bool]:
    toks, greedy = r.gold_tokens or [], r.gold_greedy or []
    idx = [i for i, t in enumerate(toks) if t.strip()] or list(range(len(toks)))
    return [bool(greedy[i]) for i in idx]


def compounding_tables(agg: Aggregate) -> list[Table]:
    rows, haz_rows = [], []
    pat = re.compile(r"^compound_(copy|reverse|addition)_L(\d+)$")
    for m in agg.models:
        by_family: dict[str, list[tuple[int, Recs]]] = defaultdict(list)
        for t in agg.tasks:
            hit = pat.match(t)
            if hit and (m.name, t) in agg.records:
                by_family[hit.group(1)].append((int(hit.group(2)), agg.records[(m.name, t)]))
        for fam, cells in sorted(by_family.items()):
            free_fe, tf_fe, free_len, tf_len = [], [], [], []
            for L, recs in sorted(cells, key=lambda c: c[0]):
                c = sequence_vs_tokens(
                    [r.scores.get("seq_exact") or 0.0 for r in recs], [_content_greedy(r) for r in recs]
                )
                ratio = "—" if c.pL.mean <= 0 else f"{c.S.mean / c.pL.mean:.2f}"
                rows.append(
                    [
                        m.model_id,
                        fam,
                        str(L),
                        str(c.n),
                        f"{c.L:.1f}",
                        pct(c.S),
                        f"{c.p.mean:.4f} [{c.p.low:.4f}, {c.p.high:.4f}]",
                        pct(c.pL),
                        ratio,
                        pct(c.tf_exact),
                    ]
                )
                if L >= 8:
                    for r in recs:
                        gold = list(r.meta["units"])
                        free_fe.append(first_error_index(answer_units(r.parsed, fam), gold))
                        free_len.append(len(gold))
                        g = _content_greedy(r)
                        tf_fe.append(next((i for i, ok in enumerate(g) if not ok), None))
                        tf_len.append(len(g))
            for label, fe, lens in (("free", free_fe, free_len), ("teacher-forced", tf_fe, tf_len)):
                if lens:
                    hb = hazard(fe, lens, 4)
                    haz_rows.append(
                        [
                            m.model_id,
                            fam,
                            label,
                            str(len(lens)),
                            *[f"{b.h:.4f} [{b.low:.4f}, {b.high:.4f}] ({b.events}/{b.at_risk})" for b in hb],
                        ]
                    )
    if not rows:
        return []
    s_note = (
        "S(L): free-running greedy exact match (Wilson CI). p: teacher-forced per-token accuracy of the gold answer on the same prompts "
        "(pooled over non-whitespace tokens; bootstrap CI over items). p^L: independence prediction, mean over items of p^(L_i) with "
        "L_i the item's answer-token count (tokens column). S/p^L > 1: errors cluster in fewer items than independence predicts. "
        "TF exact: every gold token is the greedy choice under teacher forcing (for greedy decoding, equal to S up to the end-of-answer token)."
    )
    h_note = (
        "Per-position hazard h = first errors / positions at risk, in quarters of the answer (relative position i/L); Wilson CIs. "
        "Independent, identically hard tokens give a flat hazard; a falling hazard means errors concentrate early. "
        "Free: position in answer units (digits) of the generated text; teacher-forced: first non-greedy gold token."
    )
    return [
        Table(
            "Error compounding: S(L) vs p^L (001-14)",
            ["model", "task", "L", "n", "tokens", "S(L)", "p", "p^L", "S/p^L", "TF exact"],
            rows,
            s_note,
            slug="compounding",
            align="llrrrllllr",
        ),
        Table(
            "Hazard of the first error along the output (L ≥ 8 pooled)",
            ["model", "task", "mode", "items", "h [0, 0.25)", "h [0.25, 0.5)", "h [0.5, 0.75)", "h [0.75, 1]"],
            haz_rows,
            h_note,
            slug="compounding_hazard",
            level=3,
            align="lllr",
        ),
    ]


def _paired_gain(direct: Recs, cot: Recs) -> tuple[int, Estimate, Estimate, tuple[float, float], float]:
    d = {r.item_id: r.scores.get("exact_match") or 0.0 for r in direct}
    c = {r.item_id: r.scores.get("exact_match") or 0.0 for r in cot}
    ids = sorted(set(d) & set(c))
    diffs = [c[i] - d[i] for i in ids]
    lo, hi = bootstrap_mean_ci(diffs) if diffs else (math.nan, math.nan)
    mean = sum(diffs) / len(diffs) if diffs else math.nan
    return len(ids), estimate([d[i] for i in ids], "binary"), estimate([c[i] for i in ids], "binary"), (lo, hi), mean


COT_PAIRS = [
    ("word problems", "cot_word_direct", "cot_word_cot"),
    ("last letters", "cot_letters_direct", "cot_letters_cot"),
    ("coin flips", "cot_coin_direct", "cot_coin_cot"),
    ("word problems, 0-shot chat", "cot_word_zs_direct", "cot_word_zs_cot"),
]


def cot_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        for label, dt, ct in COT_PAIRS:
            direct, cot = agg.records.get((m.name, dt)), agg.records.get((m.name, ct))
            if not direct or not cot:
                continue
            ks = sorted({r.meta.get("steps") for r in direct})
            for k in [*ks, "all"]:
                dk = direct if k == "all" else [r for r in direct if r.meta.get("steps") == k]
                ck = cot if k == "all" else [r for r in cot if r.meta.get("steps") == k]
                n, de, ce, (lo, hi), gain = _paired_gain(dk, ck)
                valid = estimate([r.scores.get("valid") for r in ck], "binary")
                rows.append(
                    [
                        m.model_id,
                        label,
                        str(k),
                        str(n),
                        pct(de),
                        pct(ce),
                        f"{100 * gain:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]",
                        pct(valid),
                    ]
                )
    note = (
        'Baseline: the direct answer. Same items and the same 4 fixed shots in both conditions (direct: "The answer is X."; CoT: worked '
        'steps, then "The answer is X."). Gain: paired mean of CoT − direct over items with a seeded bootstrap 95% CI. CoT valid: share '
        'of CoT outputs with an extractable answer. 0-shot chat rows: instruct models only, "Let\'s think step by step" vs answer only.'
    )
    return Table(
        "Chain of thought − direct answer, by number of steps k (001-29, 003-25, 003-26)",
        ["model", "task", "k", "n", "direct", "CoT", "CoT − direct", "CoT valid"],
        rows,
        note,
        slug="cot",
        align="lllr",
    )


ICL_FNS = [("labels", "label_map (foo/bar)"), ("addk", "n → n+3"), ("letter2", "second letter")]


def icl_table(agg: Aggregate) -> Table:
    rows = []
    for m in agg.models:
        for short, label in ICL_FNS:
            correct = [agg.records.get((m.name, f"icl_{short}_k{k}")) for k in (0, 1, 2, 4, 8)]
            wrong = [agg.records.get((m.name, f"icl_{short}_k{k}_wrong")) for k in (1, 2, 4, 8)]
            if not any(correct):
                continue
            n = max(len(r) for r in correct if r)
            rows.append(
                [
                    m.model_id,
                    label,
                    str(n),
                    *[pct(em(r)) if r else "—" for r in correct],
                    *[pct(em(r)) if r else "—" for r in wrong],
                ]
            )
    note = (
        "G-map tasks whose rule is never stated (the instruction gives the output format only), so k = 0 is at chance (label_map: 50%). "
        "Shots drawn per item from a disjoint stream. Baseline: wrong-k, the same prompts but every shot's answer drawn at random from the "
        "output space (right format, no input-output relation; for label_map a random label is right half the time). Exact match, Wilson CIs."
    )
    return Table(
        "Accuracy by number of shots, with a format-only control (003-07, 001-28, 003-09)",
        ["model", "task", "n", "k=0", "k=1", "k=2", "k=4", "k=8", "wrong k=1", "wrong k=2", "wrong k=4", "wrong k=8"],
        rows,
        note,
        slug="icl_shots",
        align="llr",
    )


def shot_answers(r: ItemRecord) -> set[str]:
    """Canonical answers shown in the prompt's shots (chat: assistant turns; completion: answer lines but the last)."""
    if isinstance(r.prompt, list):
        texts = [str(m.get("content", "")) for m in r.prompt if m.get("role") == "assistant"]
    else:
        texts = re.findall(r"(?:答案：|Answer:)([^\n]+)", r.prompt)
    return {a for a in (parse("pool_answer", t, None) for t in texts) if a is not None}


POOL_LANGS = [
    ("pool_zh_hans", "简体"),
    ("pool_zh_hant", "繁體"),
    ("pool_en", "English"),
    ("pool_abstract", "formula (C1)"),
]
POOL_VARIANTS = ["base", "never_fills", "delayed_outlet", "start_full", "volume", "distractor"]


def _sig(key: str, pop: Recs) -> str:
    return pct(estimate([r.scores.get(key) for r in pop], "binary")) if pop else "—"


def pool_tables(agg: Aggregate) -> list[Table]:
    rows, var_rows = [], []
    for m in agg.models:
        for task, label in POOL_LANGS:
            recs = agg.records.get((m.name, task))
            if not recs:
                continue
            wrong = [r for r in recs if r.valid and r.scores.get("exact_match") == 0.0]
            never = [r for r in recs if r.target == "never"]
            fillable = [r for r in recs if r.target != "never"]
            copied = estimate([float(r.parsed in shot_answers(r)) for r in wrong], "binary") if wrong else None
            rows.append(
                [
                    m.model_id,
                    label,
                    str(len(recs)),
                    pct(em(recs)),
                    pct(em(recs, "pool_invalid")),
                    str(len(wrong)),
                    _sig("pool_misread", wrong),
                    _sig("sig_rates_added", wrong),
                    _sig("sig_one_pipe", wrong),
                    _sig("sig_difference", wrong),
                    _sig("sig_delay_ignored", wrong),
                    _sig("sig_number_for_never", never),
                    _sig("sig_never_for_fillable", fillable),
                    pct(copied),
                ]
            )
            var_rows.append(
                [
                    m.model_id,
                    label,
                    *[
                        pct(em(vr)) if (vr := [r for r in recs if r.meta.get("variant") == v]) else "—"
                        for v in POOL_VARIANTS
                    ],
                ]
            )
    if not rows:
        return []
    note = (
        "Same numbers in every language (items paired by variant and index); the formula control states the arithmetic only. "
        "Signature columns are shares of valid wrong answers that equal what a misreading produces (rates added instead of subtracted; "
        "one pipe only; times subtracted; delay ignored); an answer can match several. number-for-never: share of never-fills items answered "
        "with a number; never-for-fillable: share of fillable items answered 'never'. Last column: share of wrong answers that repeat an answer "
        "shown in the 3 fixed shots (echoing, not misreading). Wilson CIs."
    )
    return [
        Table(
            "Fill-and-drain pool problems: accuracy and misreading taxonomy (004-02)",
            [
                "model",
                "items",
                "n",
                "EM",
                "invalid",
                "wrong (valid)",
                "misread (any signature)",
                "rates added",
                "one pipe",
                "difference",
                "delay ignored",
                "number for never",
                "never for fillable",
                "wrong = a shot's answer",
            ],
            rows,
            note,
            slug="pool_taxonomy",
            align="llrllr",
        ),
        Table(
            "Pool problems: exact match by variant",
            ["model", "items", *POOL_VARIANTS],
            var_rows,
            slug="pool_variants",
            level=3,
        ),
    ]


def tables(agg: Aggregate, specs: dict[str, TaskSpec]) -> list[Table]:
    out = [*compounding_tables(agg), cot_table(agg), icl_table(agg), *pool_tables(agg)]
    return [t for t in out if t.rows]
