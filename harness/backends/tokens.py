"""The one context/continuation token split every backend uses, so their log-probs agree.

lm-evaluation-harness convention: trailing spaces of the context belong to the continuation, and
the continuation's tokens are those the full string adds after the context's tokens (tokenizers
merge across the boundary, so encoding the two halves separately would score other tokens).
"""

from __future__ import annotations

from typing import Callable


def split_context_continuation(context: str, continuation: str, encode: Callable[[str], list[int]]) -> tuple[list[int], list[int]]:
    stripped = context.rstrip(" ")
    continuation = context[len(stripped) :] + continuation
    whole = encode(stripped + continuation)
    ctx = encode(stripped)
    n_common = 0
    for a, b in zip(ctx, whole):
        if a != b:
            break
        n_common += 1
    return whole[:n_common], whole[n_common:]
