"""HF transformers backend: CPU by default, CUDA when present.

Loads a hub id, a local folder or a GGUF file. Generation is batched with left padding,
requests sorted by length to keep padding small, and cut per sequence at stop strings (a batch
ends as soon as every row has stopped). Log-likelihoods are teacher-forced over
[context + continuation] with right padding, in the lm-evaluation-harness convention (the
continuation's tokens are those that the full string adds after the context's tokens).

Speed: the token prefix shared by all requests of a call (the fixed few-shot examples) is run
once and its key/value cache reused by every batch (`prefix_cache.py`); `prefix_cache=False`
gives the plain path, which recomputes every prompt in full (the reference in tests/perf).

Gold-as-draft greedy decoding (`gold_draft=True`, the default): a greedy request that carries
its gold continuation (`GenerateRequest.draft`) is answered from one batched forward pass over
prompt + gold. That pass gives the model's greedy token after every gold prefix; where they
equal the gold tokens up to a stop, the greedy output *is* known without sequential decoding,
and at the first divergence the greedy token there is known too. Rows that have not stopped by
then continue with ordinary greedy decoding from prompt + the known greedy tokens. The same pass
gives the teacher-forced log-probabilities of the gold, kept for the `loglikelihood` request of
the same items that follows (so the separate teacher-forcing pass disappears). A position whose
top-two logits are closer than `draft_margin` is never trusted (decoded instead), so a near tie
cannot flip a token between the batched and the sequential path; stops are decided by the very
criteria `model.generate` uses. tests/perf/test_gold_draft.py checks token identity on real models.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
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
    draft_rows: int = 0  # greedy rows that came with a gold draft
    draft_finished: int = 0  # ... whose whole output came from the draft pass (no sequential decoding)
    ll_from_draft: int = 0  # log-likelihood requests answered by an earlier draft pass
    calls: list[tuple[int, int, float]] = field(default_factory=list)  # per model call: (prompt tokens, decode steps x rows, seconds)


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
        gold_draft: bool = True,
        draft_margin: float | None = None,
        **_: Any,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        t_load = time.perf_counter()
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
        self._load_s = time.perf_counter() - t_load
        self._stop_cache: dict[tuple[str, ...], Any] = {}
        self.gold_draft = gold_draft
        # half precision computes the same logits less reproducibly across batch shapes: wider margin
        self.draft_margin = draft_margin if draft_margin is not None else (1e-3 if self.model.dtype == torch.float32 else 0.1)
        eos = getattr(self.model.generation_config, "eos_token_id", None)
        self._eos_ids = set(eos if isinstance(eos, (list, tuple)) else [] if eos is None else [eos])
        self._ll_memo: dict[tuple[tuple[int, ...], tuple[int, ...]], Loglikelihood] = {}
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
                "gold_draft": gold_draft,
            },
        )

    # -------------------------------------------------------------- generate
    def generate(self, requests: list[GenerateRequest]) -> list[Generation]:
        self._ll_memo.clear()  # draft log-probs serve the loglikelihood call that follows this one only
        results: list[Generation | None] = [None] * len(requests)
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, r in enumerate(requests):
            groups[(r.max_new_tokens, r.stop, r.temperature, r.top_p, r.seed)].append(i)
        for (max_new, stop, temperature, top_p, seed), idxs in groups.items():
            rendered = [self.render(requests[i].prompt, requests[i].messages, requests[i].tools) for i in idxs]
            encoded = {i: ids for i, ids in zip(idxs, self._encode_many(rendered))}
            n_prefix = self._prefix.prefix_len([encoded[i] for i in idxs]) if self._prefix else 0
            prefix = encoded[idxs[0]][:n_prefix]
            drafts: dict[int, list[int]] = {}
            if self.gold_draft and temperature == 0:
                for i in idxs:
                    d = self._draft_tokens(requests[i], encoded[i])
                    if d is not None:
                        drafts[i] = d
            order = sorted(idxs, key=lambda i: -len(encoded[i]))
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                if any(i in drafts for i in batch):
                    outs = self._draft_batch([encoded[i] for i in batch], [drafts.get(i, []) for i in batch], n_prefix, max_new, stop)
                else:
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
        rows = self._generate_tokens(ids, max_new, stop, temperature, top_p, seed, prefix)
        return [self._to_generation(row, max_new, stop) for row in rows]

    def _generate_tokens(
        self,
        ids: list[list[int]],
        max_new: int,
        stop: tuple[str, ...],
        temperature: float,
        top_p: float,
        seed: int | None,
        prefix: list[int] | None = None,
    ) -> list[list[int]]:
        """`model.generate` on one batch: each row's new tokens (padded after a row finished)."""
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
        dt = time.perf_counter() - t0
        self.stats.model_seconds += dt
        self.stats.tokens_forwarded += width * len(ids)
        new = out[:, input_ids.shape[1] :]
        self.stats.calls.append((width * len(ids), int(new.shape[1]) * len(ids), dt))
        return new.tolist()

    def _to_generation(self, row: list[int], max_new: int, stop: tuple[str, ...]) -> Generation:
        """A row of generated tokens as a Generation: padding dropped, decoded, cut at the first stop string."""
        pad = self.tokenizer.pad_token_id
        n = len(row)
        while n and row[n - 1] == pad:  # drop padding after the sequence finished (eos or pad fill)
            n -= 1
        toks = row[:n]
        self.stats.tokens_generated += len(toks)
        eos = self.tokenizer.eos_token_id
        hit_eos = bool(toks) and eos is not None and toks[-1] == eos
        text = self.tokenizer.decode(toks, skip_special_tokens=True)
        cut, stopped = cut_at_stop(text, stop)
        reason = "stop" if (stopped or hit_eos or len(toks) < max_new) else "length"
        return Generation(text=cut, n_tokens=len(toks), finish_reason=reason)

    # ------------------------------------------------------ gold-as-draft
    def _draft_tokens(self, r: GenerateRequest, prompt_ids: list[int]) -> list[int] | None:
        """The gold continuation's tokens when they extend the generation prompt exactly (else None: no draft).

        The tokens are those a `loglikelihood` request for (prompt, gold) scores, so the draft pass
        can answer that request too; a prompt whose tokens the split changes (trailing space, a
        merge across the boundary) gets no draft.
        """
        if not r.draft or r.tools:
            return None
        ctx, cont = self._split_tokens(LoglikelihoodRequest(continuation=r.draft, context=r.prompt, messages=r.messages))
        if ctx != prompt_ids or not cont or len(ctx) + len(cont) > self._max_len():
            return None
        return cont

    def _draft_batch(self, prompts: list[list[int]], drafts: list[list[int]], n_prefix: int, max_new: int, stop: tuple[str, ...]) -> list[Generation]:
        """Greedy outputs for one batch from one forward over prompt + draft, decoding only where needed.

        Layout: cached prefix | left padding | suffix | draft | right padding. Left padding aligns
        every row's last prompt token, so the last (longest draft + 1) positions hold, for every
        row, the logits after prompt + draft[:j], j = 0..len(draft).
        """
        import torch

        pad = self.tokenizer.pad_token_id
        prefix = prompts[0][:n_prefix]
        suffixes = [p[n_prefix:] for p in prompts]
        width = max(len(x) for x in suffixes)
        cw = max(len(d) for d in drafts)
        rows = [[pad] * (width - len(x)) + x + d + [pad] * (cw - len(d)) for x, d in zip(suffixes, drafts)]
        masks = [[1] * n_prefix + [0] * (width - len(x)) + [1] * (len(x) + len(d)) + [0] * (cw - len(d)) for x, d in zip(suffixes, drafts)]
        inp = torch.tensor(rows, device=self.device)
        attn = torch.tensor(masks, device=self.device)
        # the positions model.generate gives a padded prompt: cumulative mask, pads at 1
        pos = (attn.cumsum(-1) - 1).masked_fill(attn == 0, 1)[:, n_prefix:]
        kwargs: dict[str, Any] = {}
        t0 = time.perf_counter()
        if prefix:
            kwargs["past_key_values"] = self._cached_prefix(prefix, len(rows))
        with torch.inference_mode():
            logits = self.model(input_ids=inp, attention_mask=attn, position_ids=pos, logits_to_keep=cw + 1, **kwargs).logits
        dt = time.perf_counter() - t0
        self.stats.model_seconds += dt
        self.stats.tokens_forwarded += (width + cw) * len(rows)
        self.stats.calls.append(((width + cw) * len(rows), 0, dt))

        outs: list[Generation | None] = [None] * len(rows)
        pending: list[tuple[int, list[int]]] = []  # rows still to decode: (row, greedy tokens known so far)
        for row, (p, d) in enumerate(zip(prompts, drafts)):
            sl = logits[row, : len(d) + 1].float()
            top = sl.topk(2, dim=-1)
            greedy = top.indices[:, 0].tolist()
            margin = (top.values[:, 0] - top.values[:, 1]).tolist()
            if d:
                self.stats.draft_rows += 1
                lps = sl[: len(d)].log_softmax(-1).gather(-1, torch.tensor(d, device=sl.device)[:, None]).squeeze(-1).tolist()
                self._ll_memo[(tuple(p), tuple(d))] = Loglikelihood(
                    logprobs=lps, tokens=[self.tokenizer.decode([t]) for t in d], is_greedy=[g == t for g, t in zip(greedy, d)]
                )
            known: list[int] = []  # the greedy tokens this pass determines
            for j in range(len(d) + 1):
                if margin[j] < self.draft_margin:
                    break  # a near tie: leave it to sequential decoding
                known.append(greedy[j])
                if j == len(d) or greedy[j] != d[j]:
                    break
            n = self._stops_within(p, known, max_new, stop)
            if n:
                outs[row] = self._to_generation(known[:n], max_new, stop)
                self.stats.draft_finished += bool(d)
            else:
                pending.append((row, known))
        if pending:
            budget = max_new - min(len(k) for _, k in pending)
            cont = self._generate_tokens([prompts[row][n_prefix:] + k for row, k in pending], budget, stop, 0.0, 1.0, None, prefix)
            for (row, k), new in zip(pending, cont):
                outs[row] = self._to_generation(k + new[: max_new - len(k)], max_new, stop)
        return [g for g in outs if g is not None]

    def _stops_within(self, prompt: list[int], known: list[int], max_new: int, stop: tuple[str, ...]) -> int:
        """Where `model.generate` would end a row whose first new tokens are `known` (0: not within them).

        The same rules in the same order: an end-of-sequence token, a stop string completed (the
        very criterion object generate uses, on the same token sequence), the token budget.
        """
        import torch

        crit = self._stop_criteria(stop) if stop else None
        for n in range(1, min(len(known), max_new) + 1):
            if known[n - 1] in self._eos_ids:
                return n
            if crit is not None and bool(crit(torch.tensor([prompt + known[:n]]), None)[0]):
                return n
            if n == max_new:
                return n
        return 0

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
        pairs = [self._split_tokens(r) for r in requests]
        results: list[Loglikelihood | None] = [None] * len(pairs)
        for k, (ctx, cont) in enumerate(pairs):  # already computed by the draft pass of the generate call before
            hit = self._ll_memo.get((tuple(ctx), tuple(cont)))
            if hit is not None:
                results[k] = hit
                self.stats.ll_from_draft += 1
        todo = [k for k, r in enumerate(results) if r is None]
        if todo:
            for k, r in zip(todo, self._loglikelihood_tokens([pairs[k] for k in todo])):
                results[k] = r
        return [r for r in results if r is not None]

    def _loglikelihood_tokens(self, pairs: list[tuple[list[int], list[int]]]) -> list[Loglikelihood]:
        """Teacher-forced log-probs of each (context tokens, continuation tokens) pair."""
        import torch

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
            dt = time.perf_counter() - t0
            self.stats.model_seconds += dt
            self.stats.tokens_forwarded += width * len(batch)
            self.stats.calls.append((width * len(batch), 0, dt))
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

        import torch

        from harness.plan import machine_key, record_throughput

        # measured throughput for `harness run --plan` (and the plan printed at the start of every run)
        record_throughput(machine_key(self.info.model_id, "hf", self.device, self.info.dtype), self.stats.calls, self._load_s,
                          torch.get_num_threads())
        del self.model
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # pragma: no cover - cleanup is best effort
            pass
