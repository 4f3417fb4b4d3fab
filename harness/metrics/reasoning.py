"""Scoring for the reasoning families: answer extraction from long outputs, sequence accuracy with
first-error positions (error compounding), and the fill-and-drain misreading taxonomy.

Parsers
- `reasoning_answer(kind=number|word|yesno)`: the first "#### X" / "answer is X" / "答案：X" /
  "\\boxed{X}", else the last number / last quoted word / last yes-no in the output. Text after a
  new "Q:" (a model writing the next exemplar) is ignored.
- `icl_word`: the first alphanumeric token, lower-cased (G-map answers).
- `sequence_answer`: the first non-empty line, whitespace collapsed (copy / reverse / addition).
- `pool_answer`: a number (integers, decimals, a/b fractions) or `never` (无法/無法注满, never, ...).

Metrics
- `sequence_accuracy`: seq_exact, unit_acc, and the relative position (index / L) of the first
  error in free generation and under teacher forcing (None when there is none).
- `pool_taxonomy`: binary outputs per misreading signature, over all items (0 when correct).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from harness.generators.base import Item
from harness.metrics.base import ScoreContext, Scores, register_metric, register_parser

_NUM = r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?"
_NEXT_Q = re.compile(r"\n\s*(?:Q|Question|问题|問題)\s*[:：]")
_MARKERS = [
    re.compile(r"####\s*(.+)"),
    re.compile(r"\\boxed\{([^{}]*)\}"),
    re.compile(r"answer\s*(?:is|:)\s*[:：]?\s*(.+)", re.I),
    re.compile(r"(?:答案|答)\s*(?:是|为|為|[:：])\s*(.+)"),
]
# simplified and traditional forms in any mix (models write e.g. 无法注滿)
_NEVER = re.compile(r"[无無]法注[满滿]|不能注[满滿]|永[远遠]不|注不[满滿]|never|cannot be filled|can't be filled|impossible", re.I)


def _to_number(s: str) -> Fraction | None:
    s = s.replace(",", "").replace(" ", "")
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def canon_number(v: Fraction | float) -> str:
    """'12' for whole numbers, else up to 6 significant digits ('2.4')."""
    f = float(v)
    return str(int(round(f))) if math.isclose(f, round(f), abs_tol=1e-9) else format(f, ".6g")


def _numbers(text: str) -> list[Fraction]:
    return [n for n in (_to_number(m) for m in re.findall(_NUM, text)) if n is not None]


def _marker_span(text: str) -> str | None:
    for pat in _MARKERS:
        m = pat.search(text)
        if m:
            return m.group(1)
    return None


def _extract(span: str, kind: str, whole: bool) -> str | None:
    if kind == "number":
        nums = _numbers(span)
        return canon_number(nums[-1] if whole else nums[0]) if nums else None
    if kind == "yesno":
        hits = re.findall(r"\b(yes|no)\b", span, re.I)
        return (hits[-1] if whole else hits[0]).lower() if hits else None
    quoted = re.findall(r"[\"“']([A-Za-z]+)[\"”']", span)
    if quoted:
        return (quoted[-1] if whole else quoted[0]).lower()
    words = re.findall(r"[A-Za-z]+", span)
    if not words or (whole and len(words) > 1):
        return None
    return words[0].lower()


@register_parser("reasoning_answer")
def reasoning_answer(text: str, item: Item, kind: str = "number") -> str | None:
    """The stated final answer of a (possibly long) output; None when there is none."""
    if kind not in ("number", "word", "yesno"):
        raise ValueError(f"reasoning_answer: unknown kind {kind!r}")
    m = _NEXT_Q.search(text)
    if m:
        text = text[: m.start()]
    span = _marker_span(text)
    if span is not None:
        got = _extract(span, kind, whole=False)
        if got is not None:
            return got
    return _extract(text, kind, whole=True)


@register_parser("sequence_answer")
def sequence_answer(text: str, item: Item) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())
    return None


@register_parser("icl_word")
def first_word(text: str, item: Item) -> str | None:
    """The first alphanumeric token, lower-cased (one-word answers of the G-map tasks)."""
    m = re.search(r"[A-Za-z0-9]+", text)
    return m.group(0).lower() if m else None


@register_parser("pool_answer")
def pool_answer(text: str, item: Item) -> str | None:
    """A number or 'never'. An explicit answer marker wins; then a never-phrase; then the last number."""
    m = _NEXT_Q.search(text)
    if m:
        text = text[: m.start()]
    span = _marker_span(text)
    if span is not None:
        if _NEVER.search(span):
            return "never"
        nums = _numbers(span)
        if nums:
            return canon_number(nums[0])
    if _NEVER.search(text):
        return "never"
    nums = _numbers(text)
    return canon_number(nums[-1]) if nums else None


# ------------------------------------------------------------------ sequences
def answer_units(answer: str | None, task: str) -> list[str]:
    if answer is None:
        return []
    return answer.split() if task == "reverse" else list(answer.replace(" ", "")) if task == "addition" else list(answer)


def first_error_index(pred: list[str], gold: list[str]) -> int | None:
    """Index of the first unit where pred departs from gold (len(gold) when only extra units follow)."""
    for i, g in enumerate(gold):
        if i >= len(pred) or pred[i] != g:
            return i
    return len(gold) if len(pred) > len(gold) else None


def tf_first_error_index(tokens: list[str], greedy: list[bool]) -> tuple[int | None, int]:
    """First non-greedy answer token under teacher forcing, over non-whitespace tokens, and their count."""
    idx = [i for i, t in enumerate(tokens) if t.strip()] or list(range(len(tokens)))
    for j, i in enumerate(idx):
        if not greedy[i]:
            return j, len(idx)
    return None, len(idx)


@register_metric(
    "sequence_accuracy",
    {"seq_exact": "binary", "unit_acc": "continuous", "free_first_error": "continuous", "tf_first_error": "continuous"},
    primary="seq_exact",
)
def sequence_accuracy(ctx: ScoreContext) -> Scores:
    """S(L) per item, left-aligned unit accuracy, and first-error positions as a share of L."""
    gold = list(ctx.item.meta["units"])
    task = str(ctx.item.meta.get("task", "copy"))
    pred = answer_units(ctx.parsed, task)
    fe = first_error_index(pred, gold)
    L = len(gold)
    out: Scores = {
        "seq_exact": float(fe is None),
        "unit_acc": sum(i < len(pred) and pred[i] == g for i, g in enumerate(gold)) / L,
        "free_first_error": None if fe is None else fe / L,
        "tf_first_error": None,
    }
    ll = ctx.loglikelihood
    if ll is not None and ll.tokens:
        j, n = tf_first_error_index(ll.tokens, ll.is_greedy)
        out["tf_first_error"] = None if j is None else j / n
    return out


# ------------------------------------------------------------------ pool taxonomy
SIGNATURES = ("rates_added", "one_pipe", "difference", "delay_ignored", "sign_flipped")
POOL_OUTPUTS = ("pool_misread", "pool_other_error", "pool_invalid", "sig_number_for_never", "sig_never_for_fillable") + tuple(f"sig_{s}" for s in SIGNATURES)


def _matches(value: float, sig: float) -> bool:
    """Equal, or the signature rounded to a whole number (a model that rounds 4.8 to 5)."""
    return math.isclose(value, sig, abs_tol=0.01) or (not float(sig).is_integer() and value in (math.floor(sig), math.ceil(sig)))


def pool_signatures(parsed: str | None, target: str, signatures: dict[str, Any]) -> dict[str, bool]:
    """Which misreading signatures a wrong answer matches (several can match; none when correct)."""
    hits = {s: False for s in (*SIGNATURES, "number_for_never", "never_for_fillable")}
    if parsed is None or parsed == target:
        return hits
    if target == "never":
        hits["number_for_never"] = parsed != "never"
    elif parsed == "never":
        hits["never_for_fillable"] = True
    if parsed == "never":
        return hits
    value = float(_to_number(parsed) or 0)
    for name in SIGNATURES:
        sig = signatures.get(name)
        if sig is None:
            continue
        values = sig if isinstance(sig, list) else [sig]
        if target != "never" and any(math.isclose(float(v), float(target), abs_tol=0.01) for v in values):
            values = [v for v in values if not math.isclose(float(v), float(target), abs_tol=0.01)]
        hits[name] = any(_matches(value, float(v)) for v in values)
    return hits


@register_metric("pool_taxonomy", {k: "binary" for k in POOL_OUTPUTS}, lower_is_better=POOL_OUTPUTS)
def pool_taxonomy(ctx: ScoreContext) -> Scores:
    """Misreading signatures of wrong answers. pool_misread: any signature (a number where the pool
    never fills included); pool_other_error: a valid wrong answer matching none."""
    target = ctx.item.target
    hits = pool_signatures(ctx.parsed, target, ctx.item.meta.get("signatures", {}))
    wrong_valid = ctx.parsed is not None and ctx.parsed != target
    misread = any(hits.values())
    out: Scores = {f"sig_{k}": float(v) for k, v in hits.items()}
    out |= {"pool_misread": float(misread), "pool_other_error": float(wrong_valid and not misread), "pool_invalid": float(ctx.parsed is None)}
    return out
