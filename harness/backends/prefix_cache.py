"""Reuse the key/value cache of a prompt prefix shared by many requests.

Tasks with fixed few-shot examples render every prompt as `<shots><question>`: the shots are
hundreds of tokens, identical for every item, and a plain batched forward pass recomputes them
for every item. Here the shared token prefix is run once, its `DynamicCache` is kept, and every
batch starts from a copy of it expanded to the batch size; only the per-item suffixes are fed.

Padding: suffixes of unequal length are padded *between* the prefix and the suffix
(`prefix | pad… | suffix`) for generation, and after the suffix for teacher forcing. Both are
exact: transformers derives position ids from the cumulative attention mask, so a masked gap
gives each suffix token the same position (and the same attended keys) as in the unpadded
sequence; plain left padding is the special case of an empty prefix.

Only models whose every layer attends over the full context use it (a sliding-window layer's
cache drops old keys, so a cached prefix would not be equivalent).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any


def common_prefix_len(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix shared by all sequences."""
    if not seqs:
        return 0
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for s in seqs[1:]:
        i = 0
        while i < n and s[i] == first[i]:
            i += 1
        n = i
        if n == 0:
            break
    return n


def supports_prefix_cache(model: Any) -> bool:
    """Decoder-only models with full attention in every layer (no sliding windows, no recurrence)."""
    config = model.config
    if getattr(config, "is_encoder_decoder", False):
        return False
    layer_types = getattr(config, "layer_types", None)
    if layer_types is not None and any(t != "full_attention" for t in layer_types):
        return False
    return not getattr(config, "use_sliding_window", False)


class PrefixCache:
    """The key/value cache of one token prefix, computed once and copied per batch.

    Keeps the most recent prefix only: a sweep runs one task at a time, and the runner's chunks of
    the same task share their prefix, so one entry is reused across all chunks of a task.
    """

    def __init__(self, model: Any, min_tokens: int = 16):
        self.model = model
        self.min_tokens = min_tokens
        self._tokens: tuple[int, ...] = ()
        self._cache: Any = None
        self.tokens_computed = 0  # prefix tokens run through the model so far

    def prefix_len(self, seqs: Sequence[Sequence[int]], *, keep_last: int = 1) -> int:
        """How many leading tokens of every sequence to serve from the cache (0: don't).

        `keep_last` tokens of the shortest sequence stay out of the prefix, because the model must
        see at least one new token per row (and teacher forcing needs the logits of the last
        context token). A cached prefix that all sequences still start with is reused as it is.
        """
        limit = min(len(s) for s in seqs) - keep_last
        n = len(self._tokens)
        if self._cache is not None and 0 < n <= limit and all(tuple(s[:n]) == self._tokens for s in seqs):
            return n
        if len(seqs) < 2:  # nothing to share with
            return 0
        n = min(common_prefix_len(seqs), limit)
        return n if n >= self.min_tokens else 0

    def expanded(self, prefix: Sequence[int], batch_size: int) -> Any:
        """A fresh cache holding `prefix`'s keys/values for `batch_size` rows (the stored one stays intact)."""
        import torch

        key = tuple(prefix)
        with torch.inference_mode():
            if key != self._tokens or self._cache is None:
                ids = torch.tensor([list(prefix)], device=self.model.device)
                # logits of the prefix are never used: keep only the last position's
                out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
                self._tokens, self._cache = key, out.past_key_values
                self.tokens_computed += len(key)
            cache = copy.deepcopy(self._cache)
            if batch_size > 1:
                cache.batch_repeat_interleave(batch_size)
        return cache

    def clear(self) -> None:
        self._tokens, self._cache = (), None
