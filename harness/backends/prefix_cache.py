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
    """Key/value caches of a few token prefixes, each computed once and copied per batch.

    Which prefix a call uses is always the longest one shared by the call's sequences (never a
    stale shorter entry that they also start with: after 8-shot items, 50-shot items would then
    recompute ~900 shot tokens per item). A new prefix that shares a start with a cached entry
    (tasks whose few-shot examples begin alike: variants, templates, 8- then 50-shot) is computed
    from a copy of that entry cropped to the shared part, so only the new tokens are run.
    The `max_entries` most recently used prefixes are kept.
    """

    def __init__(self, model: Any, min_tokens: int = 16, max_entries: int = 4):
        self.model = model
        self.min_tokens = min_tokens
        self.max_entries = max_entries
        self._entries: dict[tuple[int, ...], Any] = {}  # insertion order = recency (oldest first)
        self.tokens_computed = 0  # prefix tokens run through the model so far

    def prefix_len(self, seqs: Sequence[Sequence[int]], *, keep_last: int = 1) -> int:
        """How many leading tokens of every sequence to serve from the cache (0: don't).

        `keep_last` tokens of the shortest sequence stay out of the prefix, because the model must
        see at least one new token per row (and teacher forcing needs the logits of the last
        context token). Two or more sequences: their longest common prefix (computed on first
        use). A single sequence has nothing to share with: the longest cached entry it starts
        with, if any.
        """
        if not seqs:
            return 0
        limit = min(len(s) for s in seqs) - keep_last
        if len(seqs) < 2:
            s = tuple(seqs[0])
            best = max((len(k) for k in self._entries if len(k) <= limit and s[: len(k)] == k), default=0)
            return best if best >= self.min_tokens else 0
        n = min(common_prefix_len(seqs), limit)
        return n if n >= self.min_tokens else 0

    def expanded(self, prefix: Sequence[int], batch_size: int) -> Any:
        """A fresh cache holding `prefix`'s keys/values for `batch_size` rows (the stored one stays intact)."""
        import torch

        key = tuple(prefix)
        with torch.inference_mode():
            if key in self._entries:
                self._entries[key] = self._entries.pop(key)  # most recently used
            else:
                self._entries[key] = self._compute(key)
                while len(self._entries) > self.max_entries:
                    self._entries.pop(next(iter(self._entries)))
            cache = copy.deepcopy(self._entries[key])
            if batch_size > 1:
                cache.batch_repeat_interleave(batch_size)
        return cache

    def _compute(self, key: tuple[int, ...]) -> Any:
        """Run `key` through the model, starting from the cached entry sharing its longest start."""
        import torch

        base, shared = None, 0
        for k in self._entries:
            n = common_prefix_len([k, key])
            if n > shared:
                base, shared = k, n
        shared = min(shared, len(key) - 1)  # at least one token is run (the cache needs a forward)
        past = None
        if base is not None and shared >= self.min_tokens:
            past = copy.deepcopy(self._entries[base])
            if shared < len(base):
                past.crop(shared - len(base))  # a negative count removes that many trailing tokens
        else:
            shared = 0
        ids = torch.tensor([list(key[shared:])], device=self.model.device)
        kwargs: dict[str, Any] = {}
        if past is not None:
            kwargs["past_key_values"] = past
            kwargs["position_ids"] = torch.arange(shared, len(key), device=self.model.device)[None]
        # logits of the prefix are never used: keep only the last position's
        out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1, **kwargs)
        self.tokens_computed += len(key) - shared
        return out.past_key_values

    @property
    def cached_prefixes(self) -> list[tuple[int, ...]]:
        """The token prefixes held now, oldest first."""
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
