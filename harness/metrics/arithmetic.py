"""Metrics for the emergence argument, all computed on the same outputs.

- exact_match: the whole answer right (the "sharp" metric).
- digit_error: per-digit error rate, digits aligned from the right (units with units), with
  missing or extra digits counted as errors and normalised by the gold length L; an invalid
  output counts as all L digits wrong. For digit strings this is the per-token error of
  Schaeffer et al. (2023) at the level of digits.
- digit_edit_distance: Levenshtein distance between answer and gold digit strings (their
  "token edit distance"), invalid outputs at distance L.
- gold_loglikelihood: teacher-forced log p(gold) and per-token probability; tf_token_acc is the
  share of gold tokens that are the greedy choice (the per-token accuracy p of S(L) ~ p^L).
"""

from __future__ import annotations

import math

from harness.metrics.base import ScoreContext, Scores, register_metric


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def digit_errors(answer: str | None, gold: str) -> int:
    """Number of wrong digit positions (right-aligned), out of len(gold)."""
    if answer is None:
        return len(gold)
    a, g = answer.lstrip("-"), gold.lstrip("-")
    sign_wrong = answer.startswith("-") != gold.startswith("-")
    width = max(len(a), len(g))
    a, g = a.rjust(width, "?"), g.rjust(width, "?")
    wrong = sum(x != y for x, y in zip(a, g))
    # normalised by gold length: extra leading digits each count, capped at L
    return min(len(gold), wrong + int(sign_wrong))


@register_metric("exact_match", {"exact_match": "binary"}, column=0)
def exact_match(ctx: ScoreContext) -> Scores:
    """1 if the parsed answer equals the target exactly (after the task's parser), else 0."""
    return {"exact_match": float(ctx.parsed is not None and ctx.parsed == ctx.item.target)}


@register_metric("valid", {"valid": "binary"}, column=4)
def valid(ctx: ScoreContext) -> Scores:
    """1 if the parser could extract an answer at all."""
    return {"valid": float(ctx.parsed is not None)}


@register_metric("digit_error", {"digit_error": "continuous", "digit_errors": "continuous", "answer_len": "continuous"}, lower_is_better=("digit_error", "digit_errors"),
                 hidden=("digit_errors", "answer_len"), column=1, length="answer_len")
def digit_error(ctx: ScoreContext) -> Scores:
    """Per-digit error rate, right-aligned, normalised by the gold length L."""
    gold = ctx.item.target
    wrong = digit_errors(ctx.parsed, gold)
    return {"digit_error": wrong / len(gold), "digit_errors": float(wrong), "answer_len": float(len(gold))}


@register_metric("digit_edit_distance", {"digit_edit_distance": "continuous"}, lower_is_better=("digit_edit_distance",), column=2)
def digit_edit_distance(ctx: ScoreContext) -> Scores:
    """Levenshtein distance between the answer's and the gold's digit strings."""
    gold = ctx.item.target
    if ctx.parsed is None:
        return {"digit_edit_distance": float(len(gold))}
    return {"digit_edit_distance": float(levenshtein(ctx.parsed, gold))}


@register_metric(
    "gold_loglikelihood",
    {"gold_logprob": "continuous", "gold_token_prob": "continuous", "tf_token_acc": "continuous", "tf_exact": "binary", "gold_tokens": "continuous"},
    needs_loglikelihood=True,
    hidden=("gold_tokens",),
    column=3,
    length="gold_tokens",
)
def gold_loglikelihood(ctx: ScoreContext) -> Scores:
    """Teacher-forced log p(gold | prompt) over all gold tokens; per-token probability, greedy-token
    share (p) and token count over the answer's non-whitespace tokens (a lone leading-space token,
    as SmolLM2 emits, is not an answer token)."""
    ll = ctx.loglikelihood
    if ll is None or not ll.logprobs:
        return {"gold_logprob": None, "gold_token_prob": None, "tf_token_acc": None, "tf_exact": None, "gold_tokens": None}
    idx = [i for i, t in enumerate(ll.tokens) if t.strip()] or list(range(len(ll.tokens)))
    n = len(idx)
    content_lp = sum(ll.logprobs[i] for i in idx)
    return {
        "gold_logprob": ll.total,
        "gold_token_prob": math.exp(content_lp / n),
        "tf_token_acc": sum(ll.is_greedy[i] for i in idx) / n,
        "tf_exact": float(ll.all_greedy),
        "gold_tokens": float(n),
    }
