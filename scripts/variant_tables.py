"""Prompt variance, baselines, described zero-shot arms and chat format (issue 15) -> Markdown.

    python scripts/variant_tables.py --addition results/cpu-addition --reasoning results/reasoning \
        --out results/reasoning/report/variants.md

Every comparison is paired on the item ids the cells share (templates and arms use the same items).
Template spread: per template exact match with a 95% Wilson CI, the range, and best − worst (McNemar).
An effect is TEMPLATE-SENSITIVE when its sign or significance differs across templates
(harness.stats.variants.sensitivity). Baselines: chance and majority-class rates from the items
(harness.stats.baselines).
"""

from __future__ import annotations

import argparse
import math
import string
from pathlib import Path

from harness.stats.baselines import baselines_from_records, beats_baseline
from harness.stats.intervals import Estimate, estimate
from harness.stats.paired import paired_compare
from harness.stats.variants import sensitivity, template_spread
from harness.store import ResultStore

MODELS = ["smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
INSTRUCT = ["smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
ADD_TEMPLATES = {"t1": "addition_3digit", "t2": "addition_3digit_qa", "t3": "addition_3digit_t3", "t4": "addition_3digit_t4"}
LABEL_TEMPLATES = {"t1": "", "t2": "_t2", "t3": "_t3"}


def scores(store: ResultStore, model: str, task: str, key: str = "exact_match") -> dict[str, float | None]:
    return {r.item_id: r.scores.get(key) for r in store.read(model, task)}


def common(cells: dict[str, dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    ids = set.intersection(*(set(k for k, v in c.items() if v is not None) for c in cells.values())) if cells else set()
    return {t: {i: c[i] for i in ids} for t, c in cells.items()}


def pct(e: Estimate | None) -> str:
    return "—" if e is None or e.n == 0 else f"{100 * e.mean:.1f} [{100 * e.low:.1f}, {100 * e.high:.1f}]"


def pp(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:+.1f}"


def pval(p: float) -> str:
    return "—" if not math.isfinite(p) else f"{p:.2g}"


def above_chance_3se(e: Estimate, chance: float = 0.0) -> bool:
    """004-13's test: exact match above chance by more than 3 SE, SE = sqrt(p(1 − p)/N)."""
    return e.n > 0 and (e.mean - chance) > 3 * math.sqrt(e.mean * (1 - e.mean) / e.n)


def addition_spread(store: ResultStore) -> list[str]:
    out = [
        "## 3-digit addition: spread across templates (results/cpu-addition)",
        "",
        "Templates (3 fixed shots, same items): t1 `Q: What is a plus b? A:` (GPT-3), t2 `Question: What is a + b?\\nAnswer:`,",
        "t3 `a + b =`, t4 `Add a and b.\\nSum:`. Exact match % [95% Wilson CI] on the items every template of the model has;",
        "best − worst is paired (McNemar). '004-13 test' = above chance (0%) by > 3 SE, the rule of claim 004-13.",
        "",
        "| model | N | t1 | t2 | t3 | t4 | min–max | best − worst [95% CI] | McNemar p | 004-13 test per template |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in MODELS:
        cells = {t: scores(store, m, task) for t, task in ADD_TEMPLATES.items()}
        cells = common({t: c for t, c in cells.items() if c})
        if len(cells) < 2:
            continue
        sp = template_spread(cells)
        codes = {t: (1.0 if above_chance_3se(e) else 0.0, 0.0 if above_chance_3se(e) else 1.0) for t, e in sp.per_template.items()}
        sens = sensitivity(codes)
        n = next(iter(sp.per_template.values())).n
        bw = sp.best_vs_worst
        out.append(
            f"| {m} | {n} | " + " | ".join(pct(sp.per_template.get(t)) for t in ADD_TEMPLATES) +
            f" | {100 * sp.per_template[sp.low_template].mean:.1f}–{100 * sp.per_template[sp.high_template].mean:.1f} ({sp.low_template}–{sp.high_template})"
            f" | {pp(bw.diff)} [{pp(bw.low)}, {pp(bw.high)}] | {pval(bw.p_value)} | {sens.summary.replace('+', 'above').replace(':0', ':not')} |"
        )
    return out + [""]


def labels_section(store: ResultStore) -> list[str]:
    out = [
        "## In-context label map (icl_labels_*): baselines, templates, random-label control (results/reasoning)",
        "",
        "Templates (same items, shots drawn per item): t1 `Label each word as foo or bar.` / `Input: w\\nOutput:`,",
        "t2 `Each word below gets the tag foo or the tag bar.` / `Word: w\\nTag:`, t3 `Sort the words into two classes, foo and bar.` / `w ->`.",
        "Baselines from the items: chance 50% (two labels); majority = always answering the commoner gold label.",
        "k4 − k0 and k4 − k4_wrong (random-label shots: right format, no input–label relation) are paired (McNemar).",
        "",
        "| model | template | N | k=0 | k=1 | k=4 | k=4 random labels | majority | k4 > majority (binomial p) | k4 − k0 (p) | k4 − random (p) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    effects: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for m in MODELS:
        for t, suf in LABEL_TEMPLATES.items():
            names = {k: f"icl_labels_{k}{suf}" for k in ("k0", "k1", "k4", "k4_wrong")}
            recs = store.read(m, names["k4"])
            if not recs:
                continue
            c = {k: scores(store, m, n) for k, n in names.items()}
            est = {k: estimate([v for v in s.values() if v is not None], "binary") for k, s in c.items()}
            b = baselines_from_records(recs)
            k4 = [v for v in c["k4"].values() if v is not None]
            p_major = beats_baseline(int(sum(k4)), len(k4), b.best) if b else float("nan")
            d0 = paired_compare(c["k0"], c["k4"], binary=True) if c["k0"] else None
            dw = paired_compare(c["k4_wrong"], c["k4"], binary=True) if c["k4_wrong"] else None
            effects.setdefault(m, {}).setdefault("k4 − k0", {})[t] = (d0.diff, d0.p_value) if d0 else (float("nan"), float("nan"))
            effects[m].setdefault("k4 − random labels", {})[t] = (dw.diff, dw.p_value) if dw else (float("nan"), float("nan"))
            out.append(
                f"| {m} | {t} | {len(k4)} | {pct(est['k0'])} | {pct(est['k1'])} | {pct(est['k4'])} | {pct(est['k4_wrong'])} | "
                f"{pct(b.majority) if b else '—'} ({b.majority_label if b else ''}) | {pval(p_major)} | "
                f"{(pp(d0.diff) + ' (' + pval(d0.p_value) + ')') if d0 else '—'} | {(pp(dw.diff) + ' (' + pval(dw.p_value) + ')') if dw else '—'} |"
            )
    out += ["", "Spread of each cell across templates (items shared by all templates of the model; best − worst paired, McNemar):", "",
            "| model | cell | templates | min–max | best − worst [95% CI] | McNemar p |", "|---|---|---|---:|---:|---:|"]
    for m in MODELS:
        for k in ("k0", "k4", "k4_wrong"):
            cells = {t: scores(store, m, f"icl_labels_{k}{suf}") for t, suf in LABEL_TEMPLATES.items()}
            cells = common({t: c for t, c in cells.items() if c})
            if len(cells) < 2:
                continue
            sp = template_spread(cells)
            bw = sp.best_vs_worst
            out.append(
                f"| {m} | {k} | {','.join(sorted(cells))} | {100 * sp.per_template[sp.low_template].mean:.1f}–{100 * sp.per_template[sp.high_template].mean:.1f}"
                f" ({sp.low_template}–{sp.high_template}) | {pp(bw.diff)} [{pp(bw.low)}, {pp(bw.high)}] | {pval(bw.p_value)} |"
            )
    out += ["", "Template sensitivity of the effects (+ / − significant at 0.05 in that direction, 0 not significant):", "",
            "| model | effect | across templates |", "|---|---|---|"]
    for m, effs in effects.items():
        for name, per in effs.items():
            if len(per) >= 2:
                out.append(f"| {m} | {name} | {sensitivity(per).summary} |")
    return out + [""]


def described_section(add: ResultStore, rea: ResultStore) -> list[str]:
    out = [
        "## Zero-shot: bare vs task stated in words (paired on items)",
        "",
        "Bare arms state only the output format (ICL: 'Label each word as foo or bar.', 'Map each number to another number.',",
        "'Map each word to one letter.'; addition: the question alone). Described arms state the rule ('foo for positive, bar for",
        "negative', 'Add 3 to the number.', 'Give the second letter of the word.', 'Add the two numbers. Reply with the sum as digits only.').",
        "",
        "| model | task | N | bare | described | described − bare [95% CI] | McNemar p |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    pairs = [(rea, "icl_labels_k0", "icl_labels_k0_desc"), (rea, "icl_addk_k0", "icl_addk_k0_desc"), (rea, "icl_letter2_k0", "icl_letter2_k0_desc"),
             (add, "addition_3digit_0shot", "addition_3digit_0shot_desc")]
    chat_pairs = [(rea, "icl_labels_k0_chat", "icl_labels_k0_desc_chat"), (rea, "icl_addk_k0_chat", "icl_addk_k0_desc_chat"), (rea, "icl_letter2_k0_chat", "icl_letter2_k0_desc_chat")]
    for m in MODELS:
        for store, a, b in pairs + (chat_pairs if m in INSTRUCT else []):
            sa, sb = scores(store, m, a), scores(store, m, b)
            if not sa or not sb:
                continue
            r = paired_compare(sa, sb, binary=True)
            out.append(f"| {m} | {a} → {b} | {r.n} | {100 * r.mean_a:.1f} | {100 * r.mean_b:.1f} | {pp(r.diff)} [{pp(r.low)}, {pp(r.high)}] | {pval(r.p_value)} |")
    return out + [""]


def chat_section(add: ResultStore, rea: ResultStore) -> list[str]:
    out = [
        "## Chat format vs completion format (instruct models, paired on items)",
        "",
        "Chat: the model's own chat template, shots as user/assistant turns, a one-line system message on the answer format",
        "('Answer with the number only.' / 'Answer with one word only.'). Completion: the committed raw-text prompts.",
        "",
        "| model | completion task | chat task | N | completion | chat | chat − completion [95% CI] | McNemar p |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    pairs = [(add, "addition_3digit", "addition_3digit_chat")] + [
        (rea, f"icl_{f}_{k}", f"icl_{f}_{k}_chat") for f in ("labels", "addk", "letter2") for k in ("k0", "k4")
    ] + [(rea, "icl_labels_k4_wrong", "icl_labels_k4_wrong_chat")]
    effects: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for m in INSTRUCT:
        for store, a, b in pairs:
            sa, sb = scores(store, m, a), scores(store, m, b)
            if not sa or not sb:
                continue
            r = paired_compare(sa, sb, binary=True)
            out.append(f"| {m} | {a} | {b} | {r.n} | {100 * r.mean_a:.1f} | {100 * r.mean_b:.1f} | {pp(r.diff)} [{pp(r.low)}, {pp(r.high)}] | {pval(r.p_value)} |")
        for f in ("labels", "addk", "letter2"):
            for fmt, suf in (("completion", ""), ("chat", "_chat")):
                s0, s4 = scores(rea, m, f"icl_{f}_k0{suf}"), scores(rea, m, f"icl_{f}_k4{suf}")
                if s0 and s4:
                    r = paired_compare(s0, s4, binary=True)
                    effects.setdefault(m, {}).setdefault(f"icl_{f} k4 − k0", {})[fmt] = (r.diff, r.p_value)
    out += ["", "Few-shot gain (k4 − k0, the effect of claims 001-30 / 003-07) in each format; a sign or significance that",
            "differs between formats is flagged like a template flip:", "", "| model | effect | completion vs chat |", "|---|---|---|"]
    for m, effs in effects.items():
        for name, per in effs.items():
            if len(per) == 2:
                s = sensitivity(per)
                out.append(f"| {m} | {name} | {s.summary.replace('TEMPLATE-SENSITIVE', 'FORMAT-SENSITIVE')} |")
    return out + [""]


def baselines_section(rea: ResultStore) -> list[str]:
    out = [
        "## Baselines of the classification-like cells (results/reasoning; harness.stats.baselines)",
        "",
        "Computed from each cell's gold labels: chance = 1/|labels| (the two labels; 26 letters for second_letter), majority = share of the",
        "commonest label with its Wilson CI, matched = Σ p_c² (guessing with the label frequencies). A cell's accuracy",
        "should be read against max(chance, majority).",
        "",
        "| model | task | N | labels | chance | majority label | majority [95% CI] | matched | accuracy | > best baseline (p) |",
        "|---|---|---:|---|---:|---|---:|---:|---:|---:|",
    ]
    tasks = sorted({t for m, t in rea.record_files() if t.startswith(("icl_labels", "cot_coin", "icl_letter2"))})
    for m in MODELS:
        for t in tasks:
            recs = rea.read(m, t)
            space = string.ascii_lowercase if t.startswith("icl_letter2") else None  # any letter may be answered
            b = baselines_from_records(recs, labels=space) if recs else None
            if b is None:
                continue
            em = [r.scores.get("exact_match") for r in recs if r.scores.get("exact_match") is not None]
            e = estimate(em, "binary")
            labels = ",".join(b.labels) if len(b.labels) <= 4 else f"{len(b.labels)} letters"
            out.append(
                f"| {m} | {t} | {b.n} | {labels} | {100 * b.chance:.1f} | {b.majority_label} | {pct(b.majority)} | {100 * b.matched:.1f} | "
                f"{pct(e)} | {pval(beats_baseline(int(sum(em)), len(em), b.best))} |"
            )
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--addition", default="results/cpu-addition")
    ap.add_argument("--reasoning", default="results/reasoning")
    ap.add_argument("--out", default="results/reasoning/report/variants.md")
    args = ap.parse_args(argv)
    add, rea = ResultStore(args.addition), ResultStore(args.reasoning)
    lines = [
        "# Prompt variance, baselines, described zero-shot arms and chat format",
        "",
        "Generated by `python scripts/variant_tables.py --addition results/cpu-addition --reasoning results/reasoning"
        " --out results/reasoning/report/variants.md` from the committed records.",
        "Scope: the four CPU-ladder models (135M–1.5B; Gemma-3-270M is a base model, so it has no chat cells), greedy decoding,",
        "one item seed per task; ICL cells have N = 40 items, addition template cells N = 100 (the first 100 of the 500 items).",
        "",
    ]
    lines += addition_spread(add) + labels_section(rea) + described_section(add, rea) + chat_section(add, rea) + baselines_section(rea)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
