"""Gold set for the reasoning-answer parser (`reasoning_answer`, chain-of-thought tasks): sample a
labelling sheet, then validate the parser against answers read by a person.

    python scripts/reasoning_gold.py sample   [RESULTS] [--seed 15]  # -> RESULTS/gold/sheet.jsonl
    python scripts/reasoning_gold.py validate [RESULTS]              # -> RESULTS/gold/validation.md (+ .json)

`sample` reads the committed chain-of-thought records (`cot_*_cot`, `cot_word_zs_cot`; gzip JSONL,
never rewritten) and draws, per (model, task), `PER_CELL` outputs with a seeded RNG. The sheet shows
the prompt's last question and the raw output, and neither the parser's answer nor the target.
`labels.jsonl` holds, per row, the final answer a reader takes from the output (`answer`, "" when it
states none; see `gold/GUIDE.md`). `validate` re-runs the task's parser on each stored output and
compares (a) the extracted answer with the read one and (b) the scoring outcome (correct / wrong /
no answer against the item's target) with the outcome of the read answer: confusion matrix and
Cohen's kappa (harness.stats.agreement).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

PER_CELL = 6
PATTERNS = ("cot_*_cot.jsonl.gz",)
OUTCOMES = ("correct", "wrong", "none")


def read_records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _prompt_text(prompt: Any) -> str:
    return "\n".join(str(m.get("content", "")) for m in prompt) if isinstance(prompt, list) else str(prompt or "")


def _last_question(text: str) -> str:
    parts = re.split(r"\n\s*(?=(?:Q|Question)\s*:)", text.strip())
    return parts[-1].strip()


def sample(root: Path, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    files = sorted({p for pat in PATTERNS for p in (root / "records").glob(f"*/{pat}")})
    for path in files:
        recs = read_records(path)
        for r in rng.sample(recs, min(PER_CELL, len(recs))):
            rows.append({"gold_id": f"{r['model']}/{r['task']}/{r['item_id']}", "model": r["model"], "task": r["task"],
                         "question": _last_question(_prompt_text(r["prompt"])), "output": r["output"]})
    return sorted(rows, key=lambda x: x["gold_id"])


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _norm(ans: str | None, kind: str) -> str | None:
    if ans is None or not str(ans).strip():
        return None
    from harness.metrics.reasoning import _to_number, canon_number

    s = str(ans).strip().lower()
    if kind == "number":
        n = _to_number(s)
        return canon_number(n) if n is not None else s
    return s


def validate(root: Path) -> str:
    from harness.config.task import load_tasks
    from harness.metrics import parse
    from harness.stats.agreement import agreement, confusion_markdown

    gold = root / "gold"
    sheet = {r["gold_id"]: r for r in _load(gold / "sheet.jsonl")}
    labels = {r["gold_id"]: r for r in _load(gold / "labels.jsonl")}
    missing = sorted(set(sheet) - set(labels))
    if missing:
        raise SystemExit(f"{gold / 'labels.jsonl'}: {len(missing)} sheet rows have no label (first: {missing[0]})")
    specs = load_tasks(Path(__file__).resolve().parents[1] / "tasks")
    recs: dict[str, dict[str, Any]] = {}
    for gid in sheet:
        model, task, _ = gid.split("/")
        if f"{model}/{task}" not in recs:
            for r in read_records(root / "records" / model / f"{task}.jsonl.gz"):
                recs[f"{model}/{task}/{r['item_id']}"] = r
            recs[f"{model}/{task}"] = {}
    ans_same, human_out, parser_out, rows = 0, [], [], []
    for gid in sorted(sheet):
        r = recs[gid]
        spec = specs[r["task"]]
        kind = spec.parser.params.get("kind", "number")
        parsed = _norm(parse(spec.parser.name, r["output"], None, **spec.parser.params), kind)
        read = _norm(labels[gid]["answer"], kind)
        target = _norm(r["target"], kind)
        ans_same += parsed == read
        h = "none" if read is None else ("correct" if read == target else "wrong")
        p = "none" if parsed is None else ("correct" if parsed == target else "wrong")
        human_out.append(h)
        parser_out.append(p)
        if parsed != read:
            rows.append(f"| {gid} | {read!s} | {parsed!s} | {target} | {h} | {p} |")
    a = agreement(human_out, parser_out, labels=OUTCOMES)
    n = len(sheet)
    lines = [
        "# Reasoning-answer parser vs the gold set", "",
        f"Written by `python scripts/reasoning_gold.py validate {root}`: the task's parser (`reasoning_answer`) re-run on",
        f"each stored output and compared with the final answer read by a person (`labels.jsonl`, `GUIDE.md`). n = {n}",
        f"chain-of-thought outputs ({PER_CELL} per model x task, seeded). A small set: read the intervals, not the point values.", "",
        f"- extracted answer = read answer: {ans_same} of {n} ({100 * ans_same / n:.0f}%)",
        f"- scoring outcome (correct / wrong / no answer vs the target): agreement {a.accuracy:.3f}, Cohen's kappa {a.kappa:.3f} [{a.ci_low:.3f}, {a.ci_high:.3f}]", "",
        "## Outcome confusion matrix (rows = outcome of the read answer, columns = outcome of the parser's answer)", "",
        confusion_markdown(a, "read \\ parser"), "",
        f"## Rows where the extracted answer differs from the read one ({len(rows)})", "",
        "| gold id | read | parser | target | read outcome | parser outcome |", "|---|---|---|---|---|---|", *rows,
    ]
    (gold / "validation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (gold / "validation.json").write_text(json.dumps({"n": n, "answer_agreement": ans_same / n, "outcome_kappa": a.kappa,
                                                      "outcome_kappa_ci": [a.ci_low, a.ci_high], "outcome_agreement": a.accuracy}, indent=1) + "\n", encoding="utf-8")
    return "\n".join(lines[:9])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=("sample", "validate"))
    ap.add_argument("results", nargs="?", default="results/reasoning")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args(argv)
    root = Path(a.results)
    if not (root / "records").is_dir():
        print(f"{root}: no records/ folder", file=sys.stderr)
        return 2
    if a.command == "sample":
        path = root / "gold" / "sheet.jsonl"
        if path.exists() and not a.force:
            print(f"{path} exists (labels refer to it); pass --force to overwrite", file=sys.stderr)
            return 2
        rows = sample(root, a.seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{path}: {len(rows)} rows")
    else:
        print(validate(root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
