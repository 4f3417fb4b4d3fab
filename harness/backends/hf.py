"""HF transformers backend: CPU by default, CUDA when present.

Loads a hub id, a local folder or a GGUF file. Generation is batched with left padding,
requests sorted by length to keep padding small, and cut per sequence at stop strings (a batch
ends as soon as every row has stopped). Log-likelihoods are teacher-forced over
[context + continuation] with right padding, in the lm-evaluation-harness convention (the
continuation's tokens are those that the full string adds after the context's tokens).

Speed: the token prefix shared by all requests of a call (the fixed few-shot examples) is run
once and its key/value cache reused by every batch (`prefix_cache.py`); `prefix_cache=False`
gives the plain path, which recomputes every prompt in full (the reference in tests/perf).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from harness.backends.base import BackendInfo, Generation, GenerateRequest, Loglikelihood, LoglikelihoodRequest, cut_at_stop
from harness.backends.tokens import LocalTokenizerMixin
from harness.backends.prefix_cache import PrefixCache, supports_prefix_cache
from harness.errors import ModelLoadError

log = logging.getLogger(__name__)


@dataclass
class BackendStats:
    """Where the time goes: seconds inside the model's own calls vs the whole request (benchmarks)."""

    model_seconds: float = 0.0  # inside model.generate / model forward (prefix included)
    tokens_forwarded: int = 0  # prompt tokens actually run through the model (cached prefix counted once)
    tokens_generated: int = 0
    prefix_hits: int = 0  # batches served from a cached prefix


def _torch_dtype(name: str, device: str) -> Any:
    import torch

    if name == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return getattr(torch, name)
    except AttributeError:
        raise ModelLoadError(f"unknown dtype {name!r}") from None


class HFBackend(LocalTokenizerMixin):
    def __init__(
        self,
        model_path: str,
        *,
        gguf_file: str | None = None,
        model_id: str | None = None,
        weights_hash: str | None = None,
        device: str = "auto",
        dtype: str = "float32",
        batch_size: int = 16,
        loglikelihood_batch_size: int | None = None,
        revision: str | None = None,
        trust_remote_code: bool = False,
        threads: int | None = None,
        prefix_cache: bool = True,
        **_: Any,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if threads:
            torch.set_num_threads(threads)
        self.device = device
        self.batch_size = batch_size
        self.ll_batch_size = loglikelihood_batch_size or batch_size
        kwargs: dict[str, Any] = {"revision": revision, "trust_remote_code": trust_remote_code}
        if gguf_file:
            kwargs["gguf_file"] = gguf_file
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_path, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=_torch_dtype(dtype, device), **kwargs)
        except Exception as exc:  # transformers raises many types; the sweep reports and moves on
            raise ModelLoadError(f"cannot load {model_id or model_path}: {type(exc).__name__}: {exc}") from exc
        self.model.to(device)
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._prefix = PrefixCache(self.model) if prefix_cache and supports_prefix_cache(self.model) else None
        self.stats = BackendStats()
        self._stop_cache: dict[tuple[str, ...], Any] = {}
        self.info = BackendInfo(
            backend="hf",
            model_id=model_id or model_path,
            weights_hash=weights_hash,
            device=device,
            dtype=str(self.model.dtype).replace("torch.", ""),
            extra={
                "transformers_batch_size": batch_size,
                "num_parameters": int(self.model.num_parameters()),
                "prefix_cache": self._prefix is not None,
            },
        )

    # -------------------------------------------------------------- generate
    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        results: list[Generation | None] = [None] * len(requests)
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, r in enumerate(requests):
            groups[(r.max_new_tokens, r.stop, r.temperature, r.top_p, r.seed)].append(i)
        for (max_new, stop, temperature, top_p, seed), idxs in groups.items():
            rendered = [self.render(requests[i].prompt, requests[i].messages, requests[i].tools) for i in idxs]
            encoded = {i: ids for i, ids in zip(idxs, self._encode_many(rendered))}
            n_prefix = self._prefix.prefix_len([encoded[i] for i in idxs]) if self._prefix else 0
            prefix = encoded[idxs[0]][:n_prefix]
            order = sorted(idxs, key=lambda i: -len(encoded[i]))
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                outs = self._generate_batch([encoded[i][n_prefix:] for i in batch], max_new, stop, temperature, top_p, seed, prefix)
                for i, g in zip(batch, outs):
                    results[i] = g
        return [r for r in results if r is not None]

    def _encode_many(self, rendered: list[tuple[str, bool]]) -> list[list[int]]:
        """Tokenize all prompts up front, in one call per special-token setting (fast tokenizers batch in Rust)."""
        out: list[list[int]] = [[] for _ in rendered]
        for special in (True, False):
            idx = [k for k, (_, sp) in enumerate(rendered) if sp == special]
            if idx:
                ids = self.tokenizer([rendered[k][0] for k in idx], add_special_tokens=special)["input_ids"]
                for k, x in zip(idx, ids):
                    out[k] = list(x)
        return out

    def _generate_batch(
        self,
        ids: list[list[int]],
        max_new: int,
        stop: tuple[str, ...],
        temperature: float,
        top_p: float,
        seed: int | None,
        prefix: list[int] | None = None,
    ) -> list[Generation]:
        """Generate for one batch; `ids` are the rows' tokens after the shared `prefix` (served from the cache)."""
        import torch

        prefix = prefix or []
        pad = self.tokenizer.pad_token_id
        width = max(len(x) for x in ids)
        # prefix | left padding | suffix: positions come from the mask's cumsum, so the gap is exact
        input_ids = torch.tensor([prefix + [pad] * (width - len(x)) + x for x in ids], device=self.device)
        attn = torch.tensor([[1] * len(prefix) + [0] * (width - len(x)) + [1] * len(x) for x in ids], device=self.device)
        sample = temperature > 0
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new,
            "do_sample": sample,
            "pad_token_id": pad,
            "temperature": temperature if sample else None,
            "top_p": top_p if sample else None,
            "top_k": None,
        }
        if stop:
            kwargs["stopping_criteria"] = self._stop_criteria(stop)
        if sample and seed is not None:
            torch.manual_seed(seed)
        t0 = time.perf_counter()
        if prefix:
            kwargs["past_key_values"] = self._cached_prefix(prefix, len(ids))
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=attn, **kwargs)
        self.stats.model_seconds += time.perf_counter() - t0
        self.stats.tokens_forwarded += width * len(ids)
        gens = []
        eos = self.tokenizer.eos_token_id
        for row in out[:, input_ids.shape[1] :].tolist():
            # drop padding after the sequence finished (eos or pad fill)
            n = len(row)
            while n and row[n - 1] == pad:
                n -= 1
            toks = row[:n]
            self.stats.tokens_generated += len(toks)
            hit_eos = bool(toks) and eos is not None and toks[-1] == eos
            text = self.tokenizer.decode(toks, skip_special_tokens=True)
            cut, stopped = cut_at_stop(text, stop)
            reason = "stop" if (stopped or hit_eos or len(toks) < max_new) else "length"
            gens.append(Generation(text=cut, n_tokens=len(toks), finish_reason=reason))
        return gens

    def _stop_criteria(self, stop: tuple[str, ...]) -> Any:
        """`stop_strings` as a criterion built once per stop set.

        The same criterion `generate(stop_strings=...)` builds, but transformers' own cache of its
        token tables missed on every call here (transformers 5.23), costing ~2 s per batch for a
        49k vocabulary; a criterion holds no per-call state, so one instance serves every batch.
        """
        from transformers import StoppingCriteriaList, StopStringCriteria

        if stop not in self._stop_cache:
            self._stop_cache[stop] = StopStringCriteria(self.tokenizer, list(stop))
        return StoppingCriteriaList([self._stop_cache[stop]])

    def _cached_prefix(self, prefix: list[int], batch_size: int) -> Any:
        """The prefix's key/value cache for a batch (computed on first use), with the stats kept."""
        assert self._prefix is not None
        before = self._prefix.tokens_computed
        cache = self._prefix.expanded(prefix, batch_size)
        self.stats.tokens_forwarded += self._prefix.tokens_computed - before
        self.stats.prefix_hits += 1
        return cache

    # --------------------------------------------------------- loglikelihood
    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]:
        import torch

        pairs = [self._split_tokens(r) for r in requests]
        seqs_all = [(ctx + cont)[-self._max_len() :] for ctx, cont in pairs]
        # the cached prefix must end before each row's last context token, whose logits score the continuation
        n_prefix = 0
        if self._prefix and all(len(s) == len(c) + len(k) for s, (c, k) in zip(seqs_all, pairs)):
            n_prefix = self._prefix.prefix_len([c for c, _ in pairs], keep_last=1)
        prefix = seqs_all[0][:n_prefix] if n_prefix else []
        order = sorted(range(len(pairs)), key=lambda i: -len(seqs_all[i]))
        results: list[Loglikelihood | None] = [None] * len(pairs)
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(order), self.ll_batch_size):
            batch = order[start : start + self.ll_batch_size]
            seqs = [seqs_all[i][n_prefix:] for i in batch]  # the uncached part of each row
            width = max(len(s) for s in seqs) - 1
            inp = torch.tensor([s[:-1] + [pad] * (width - len(s) + 1) for s in seqs], device=self.device)
            attn = torch.tensor([[1] * (n_prefix + len(s) - 1) + [0] * (width - len(s) + 1) for s in seqs], device=self.device)
            kwargs: dict[str, Any] = {}
            t0 = time.perf_counter()
            if prefix:
                # right padding after the suffix: real tokens keep positions n_prefix.. and never see the pads
                kwargs["past_key_values"] = self._cached_prefix(prefix, len(batch))
                kwargs["position_ids"] = torch.arange(n_prefix, n_prefix + width, device=self.device).expand(len(batch), -1)
            with torch.inference_mode():
                logits = self.model(input_ids=inp, attention_mask=attn, **kwargs).logits
            self.stats.model_seconds += time.perf_counter() - t0
            self.stats.tokens_forwarded += width * len(batch)
            for row, i in enumerate(batch):
                cont = pairs[i][1]
                n = len(seqs[row]) - 1
                sl = logits[row, n - len(cont) : n].float().log_softmax(-1)
                target = torch.tensor(cont, device=sl.device)
                lps = sl.gather(-1, target[:, None]).squeeze(-1).tolist()
                greedy = (sl.argmax(-1) == target).tolist()
                toks = [self.tokenizer.decode([t]) for t in cont]
                results[i] = Loglikelihood(logprobs=lps, tokens=toks, is_greedy=greedy)
        return [r for r in results if r is not None]

    def _max_len(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 4096) or 4096)

    def close(self) -> None:
        import gc

        del self.model
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # pragma: no cover - cleanup is best effort
            pass
