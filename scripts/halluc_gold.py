"""Gold set for the hallucination detector: sample a labelling sheet, then validate the detector.

    python scripts/halluc_gold.py sample   [RESULTS] [--seed 15]   # -> RESULTS/gold/sheet.jsonl (no detector class)
    python scripts/halluc_gold.py sample   [RESULTS] --fresh --seed 16   # appends a disjoint 'fresh' sample (labelled after the fix)
    python scripts/halluc_gold.py validate [RESULTS]               # -> RESULTS/gold/validation.md (+ .json)
    python scripts/halluc_gold.py rescore-log [RESULTS] --before DIR  # -> RESULTS/gold/RESCORE.md

`rescore-log` compares the stored class of every record in DIR (a copy of RESULTS/records taken
before `harness rescore RESULTS`) with the class stored now, per model x condition.

`sample` reads the committed records (gzip JSONL, never rewritten) and draws a seeded, stratified
sample: for every (model, QA condition, language, item kind) two outputs, and for every (model,
imaginative/factual mode, language) four outputs. Each row gets a split (`dev` / `heldout`), half of
each (model, condition, language) stratum, fixed by the seed before any label is read: the detector
may be fixed while looking at `dev` only; `heldout` is scored once at the end. The sheet carries what
a labeller needs (question, the facts the item carries, the prompt, the raw output) and nothing the
detector computed (no `parsed`, no `scores`).

`validate` joins `gold/labels.jsonl` (one {"gold_id", "label"} per line, labelled by reading, see
`gold/GUIDE.md`) with the detector's class recomputed from each stored output by the current code,
and writes confusion matrices and Cohen's kappa (with 95% CI) per language and per split.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

QA_TASKS = ("halluc_qa_bare", "halluc_qa_idk", "halluc_qa_premise", "halluc_qa_fewshot", "halluc_qa_rag", "halluc_qa_rag_noanswer")
MODE_TASKS = ("halluc_imaginative_factual", "halluc_imaginative_creative")
PER_KIND = 2  # QA: per (model, condition, language, kind)
PER_MODE = 4  # imaginative/factual: per (model, task, language)
LABELS = ("correct", "hallucinated", "abstained", "premise_rejected", "refused_wrongly", "complied", "invalid")


def prompt_text(prompt: str | list[dict[str, Any]] | None) -> str:
    """The prompt as the detector sees it (same flattening as harness.metrics.base.ScoreContext)."""
    if isinstance(prompt, list):
        return "\n".join(str(m.get("content", "")) for m in prompt)
    return prompt or ""


def question_of(text: str) -> str:
    hits = re.findall(r"(?:Question:|问题[::])\s*([^\n]*)", text)
    return hits[-1].strip() if hits else text.strip().splitlines()[-1]


def read_records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def facts_of(meta: dict[str, Any], target: str | None) -> dict[str, Any]:
    keep = ("kind", "sub", "topic", "gold", "true_values", "name_en", "name_zh", "mode", "gold_in_context")
    out = {k: meta[k] for k in keep if k in meta and meta[k] not in (None, [], "")}
    if target:
        out["ideal_answer"] = target
    return out


def sample(root: Path, seed: int, per_kind: int = PER_KIND, per_mode: int = PER_MODE, exclude: set[str] = frozenset(), split: str | None = None) -> list[dict[str, Any]]:
    """The stratified sample; `exclude`: gold ids already sampled; `split`: one split name for every
    row (a later, fresh sample), else dev/heldout halves of each stratum."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for model_dir in sorted(p for p in (root / "records").iterdir() if p.is_dir()):
        for task in (*QA_TASKS, *MODE_TASKS):
            path = model_dir / f"{task}.jsonl.gz"
            if not path.exists():
                continue
            recs = [r for r in read_records(path) if f"{r['model']}/{r['task']}/{r['item_id']}" not in exclude]
            for lang in ("en", "zh"):
                stratum: list[dict[str, Any]] = []
                if task in QA_TASKS:
                    for kind in ("control", "fictional", "premise"):
                        pool = [r for r in recs if r["meta"].get("lang") == lang and r["meta"].get("kind") == kind]
                        stratum += rng.sample(pool, min(per_kind, len(pool)))
                else:
                    pool = [r for r in recs if r["meta"].get("lang") == lang]
                    stratum += rng.sample(pool, min(per_mode, len(pool)))
                order = list(range(len(stratum)))
                rng.shuffle(order)
                for pos, i in enumerate(order):
                    r = stratum[i]
                    text = prompt_text(r["prompt"])
                    rows.append({
                        "gold_id": f"{r['model']}/{r['task']}/{r['item_id']}",
                        "split": split or ("dev" if pos % 2 == 0 else "heldout"),
                        "model": r["model"], "condition": r["task"], "lang": lang, "kind": r["meta"].get("kind"),
                        "question": question_of(text), "facts": facts_of(r["meta"], r.get("target")),
                        "prompt": text, "output": r["output"],
                    })
    rows.sort(key=lambda x: x["gold_id"])
    return rows


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def detector_classes(root: Path, ids: set[str]) -> dict[str, str]:
    """The current detector's class for each gold id, recomputed from the stored output and prompt."""
    from harness.metrics.hallucination import classify, halluc_answer

    out: dict[str, str] = {}
    by_file: dict[tuple[str, str], set[str]] = defaultdict(set)
    for gid in ids:
        model, task, item_id = gid.split("/")
        by_file[(model, task)].add(item_id)
    for (model, task), item_ids in by_file.items():
        first_par = task != "halluc_imaginative_creative"
        for r in read_records(root / "records" / model / f"{task}.jsonl.gz"):
            if r["item_id"] in item_ids:
                parsed = halluc_answer(r["output"], None, first_paragraph=first_par)
                out[f"{model}/{task}/{r['item_id']}"] = classify(parsed, r["meta"], r["prompt"])
    return out


def validate(root: Path) -> str:
    from harness.stats.agreement import agreement, confusion_markdown

    gold_dir = root / "gold"
    sheet = {r["gold_id"]: r for r in load_jsonl(gold_dir / "sheet.jsonl")}
    labels = {r["gold_id"]: r["label"] for r in load_jsonl(gold_dir / "labels.jsonl")}
    missing = sorted(set(sheet) - set(labels))
    if missing:
        raise SystemExit(f"{gold_dir / 'labels.jsonl'}: {len(missing)} sheet rows have no label (first: {missing[0]})")
    bad = sorted({v for v in labels.values() if v not in LABELS})
    if bad:
        raise SystemExit(f"{gold_dir / 'labels.jsonl'}: unknown label(s) {bad}; allowed: {', '.join(LABELS)}")
    pred = detector_classes(root, set(sheet))
    lines = [
        "# Hallucination detector vs the gold set",
        "",
        f"Written by `python scripts/halluc_gold.py validate {root}`: the detector in `harness/metrics/hallucination.py`",
        "re-run on each stored output and compared with the labels in `labels.jsonl` (read by a person, `GUIDE.md`).",
        "Rows = gold label, columns = detector. kappa = Cohen's kappa (unweighted) with its asymptotic 95% CI;",
        "`heldout` was not looked at while the detector was fixed; `fresh` (a disjoint sample, seed 16) was drawn and",
        "labelled after the detector was frozen, and scored once.",
        "",
    ]
    summary: dict[str, Any] = {}
    splits = ("all", "dev", "heldout", *(["fresh"] if any(r["split"] == "fresh" for r in sheet.values()) else []))
    for split in splits:
        for lang in ("all", "en", "zh"):
            ids = [g for g, s in sheet.items() if (split == "all" or s["split"] == split) and (lang == "all" or s["lang"] == lang)]
            a = agreement([labels[g] for g in ids], [pred[g] for g in ids], labels=LABELS)
            summary[f"{split}/{lang}"] = {"n": a.n, "kappa": a.kappa, "ci": [a.ci_low, a.ci_high], "accuracy": a.accuracy}
    lines += ["## Summary", "", "| split | language | n | agreement | kappa | 95% CI |", "|---|---|---|---|---|---|"]
    for key, s in summary.items():
        split, lang = key.split("/")
        lines.append(f"| {split} | {lang} | {s['n']} | {s['accuracy']:.3f} | {s['kappa']:.3f} | [{s['ci'][0]:.3f}, {s['ci'][1]:.3f}] |")
    for lang in ("en", "zh"):
        ids = [g for g, s in sheet.items() if s["lang"] == lang]
        a = agreement([labels[g] for g in ids], [pred[g] for g in ids], labels=LABELS)
        lines += ["", f"## Confusion matrix, {lang} (all splits, n = {a.n})", "", confusion_markdown(a)]
    dis = [(g, labels[g], pred[g]) for g in sorted(sheet) if labels[g] != pred[g]]
    lines += ["", f"## Disagreements ({len(dis)})", "", "| gold id | split | gold | detector | output |", "|---|---|---|---|---|"]
    for g, lab, p in dis:
        out = sheet[g]["output"].replace("\n", " ⏎ ").replace("|", "\\|")
        lines.append(f"| {g} | {sheet[g]['split']} | {lab} | {p} | {out[:120]} |")
    (gold_dir / "validation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (gold_dir / "validation.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return "\n".join(lines[: 12 + len(summary)])


def stored_class(scores: dict[str, Any]) -> str | None:
    """The class a record's stored scores encode (None for tasks without an answer class)."""
    for k, v in scores.items():
        if k.startswith("cls_") and v == 1.0:
            return k[4:]
    if scores.get("complied") is not None:  # imaginative items
        return "complied" if scores["complied"] == 1.0 else ("refused_wrongly" if scores.get("over_refusal") == 1.0 else "invalid")
    return None


def rescore_log(root: Path, before: Path) -> str:
    from collections import Counter

    cells: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    totals: Counter[tuple[str, str]] = Counter()
    for old_path in sorted(before.glob("*/halluc_*.jsonl.gz")):
        model, task = old_path.parent.name, old_path.name.removesuffix(".jsonl.gz")
        new_path = root / "records" / model / old_path.name
        old = {r["item_id"]: stored_class(r["scores"]) for r in read_records(old_path)}
        new = {r["item_id"]: stored_class(r["scores"]) for r in read_records(new_path)}
        for item_id, c0 in old.items():
            c1 = new.get(item_id)
            if c0 is None and c1 is None:
                continue
            totals[(model, task)] += 1
            cells[(model, task)][(c0 or "-", c1 or "-")] += 1
    n_all = sum(totals.values())
    n_changed = sum(n for cell in cells.values() for (a, b), n in cell.items() if a != b)
    lines = [
        "# Rescore changelog: hallucination records under the fixed detector",
        "",
        f"Written by `python scripts/halluc_gold.py rescore-log {root} --before <copy of records/ before the rescore>`",
        f"after `harness rescore {root}`. Class = the answer class stored in each record (`cls_*`, or",
        "complied / refused_wrongly / invalid for the imaginative task); the filmography task has no class and is not listed.",
        "",
        f"**{n_changed} of {n_all} records changed class.**",
        "",
        "## Transitions, all records",
        "",
        "| from | to | records |",
        "|---|---|---|",
    ]
    overall: Counter[tuple[str, str]] = Counter()
    for cell in cells.values():
        overall.update({k: v for k, v in cell.items() if k[0] != k[1]})
    lines += [f"| {a} | {b} | {n} |" for (a, b), n in overall.most_common()]
    lines += ["", "## Per model x condition", "", "| model | condition | records | changed | transitions (from → to: n) |", "|---|---|---|---|---|"]
    for (model, task), cell in sorted(cells.items()):
        ch = {k: v for k, v in cell.items() if k[0] != k[1]}
        desc = "; ".join(f"{a} → {b}: {n}" for (a, b), n in sorted(ch.items(), key=lambda x: -x[1])) or "–"
        lines.append(f"| {model} | {task.removeprefix('halluc_')} | {totals[(model, task)]} | {sum(ch.values())} | {desc} |")
    (root / "gold" / "RESCORE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "\n".join(lines[:8])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=("sample", "validate", "rescore-log"))
    ap.add_argument("results", nargs="?", default="results/hallucination")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--force", action="store_true", help="sample: overwrite an existing sheet")
    ap.add_argument("--before", type=Path, help="rescore-log: a copy of RESULTS/records taken before the rescore")
    ap.add_argument("--fresh", action="store_true", help="sample: append a new sample (1 per QA stratum x kind, 1 per mode stratum; split 'fresh'), disjoint from the sheet, to label after the detector is frozen")
    a = ap.parse_args(argv)
    root = Path(a.results)
    if not (root / "records").is_dir():
        print(f"{root}: no records/ folder", file=sys.stderr)
        return 2
    if a.command == "sample":
        path = root / "gold" / "sheet.jsonl"
        if a.fresh:
            old = load_jsonl(path)
            if any(r["split"] == "fresh" for r in old):
                print(f"{path} already has a fresh sample", file=sys.stderr)
                return 2
            rows = sample(root, a.seed, per_kind=1, per_mode=1, exclude={r["gold_id"] for r in old}, split="fresh")
            with path.open("a", encoding="utf-8") as f:
                f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            print(f"{path}: {len(rows)} fresh rows appended")
            return 0
        if path.exists() and not a.force:
            print(f"{path} exists (labels refer to it); pass --force to overwrite", file=sys.stderr)
            return 2
        rows = sample(root, a.seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{path}: {len(rows)} rows ({sum(r['split'] == 'dev' for r in rows)} dev)")
    elif a.command == "validate":
        print(validate(root))
    else:
        if a.before is None or not a.before.is_dir():
            print(f"rescore-log needs --before DIR (a copy of {root / 'records'} made before the rescore)", file=sys.stderr)
            return 2
        print(rescore_log(root, a.before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
