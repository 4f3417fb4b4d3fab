"""The prefix-cached paths of the HF backend give the plain path's outputs (no timings asserted).

On the real SmolLM2-135M (fp32, CPU): greedy generations must be identical and teacher-forced
log-probabilities within 1e-4 on 12 items of the 8-shot addition task, including a batch whose
prompts have different lengths (padding between the cached prefix and the suffixes).
"""

from __future__ import annotations

import pytest

from harness.backends.base import GenerateRequest, LoglikelihoodRequest
from harness.backends.prefix_cache import PrefixCache, common_prefix_len
from harness.config.task import load_tasks
from harness.runner import build_items, render_all

N_ITEMS = 12


def test_common_prefix_len() -> None:
    assert common_prefix_len([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2
    assert common_prefix_len([[5, 1], [1, 5]]) == 0
    assert common_prefix_len([]) == 0


def _prompts(repo, name: str) -> tuple[list, list]:
    task = load_tasks(repo / "tasks")[name]
    items = build_items(task, task.seed, N_ITEMS)
    return task, render_all(task, items, task.seed, instruct=False)


def _gen_requests(task, prompts) -> list[GenerateRequest]:
    g = task.generation
    reqs = [GenerateRequest(prompt=p.prompt, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop)) for p in prompts]
    # unequal lengths in one call: a few prompts with an extra question word force padding in the gap
    longer = [p.prompt[: -len("? A:")] + " exactly? A:" for p in prompts[:2]]
    reqs += [GenerateRequest(prompt=text, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop)) for text in longer]
    return reqs


@pytest.fixture
def one_thread():
    """One torch thread for this test: on an oversubscribed CI box two threads stall at every barrier."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.real_model
def test_prefix_cache_matches_plain_path(smollm2, repo, one_thread) -> None:
    task, prompts = _prompts(repo, "addition_3digit_8shot")
    reqs = _gen_requests(task, prompts)
    ll_reqs = [LoglikelihoodRequest(continuation=p.gold_continuation, context=p.prompt) for p in prompts]
    ll_reqs += [LoglikelihoodRequest(continuation=" 12345 and more", context=p.prompt) for p in prompts[:2]]

    assert isinstance(smollm2._prefix, PrefixCache), "SmolLM2 (full attention) must use the prefix cache"
    hits = smollm2.stats.prefix_hits
    cached_gen = smollm2.generate(reqs)
    cached_ll = smollm2.loglikelihood(ll_reqs)
    assert smollm2.stats.prefix_hits > hits, "the optimised path was not taken"

    prefix, smollm2._prefix = smollm2._prefix, None  # the plain path, same weights
    try:
        plain_gen = smollm2.generate(reqs)
        plain_ll = smollm2.loglikelihood(ll_reqs)
    finally:
        smollm2._prefix = prefix

    assert [g.text for g in cached_gen] == [g.text for g in plain_gen]
    assert [g.n_tokens for g in cached_gen] == [g.n_tokens for g in plain_gen]
    assert [g.finish_reason for g in cached_gen] == [g.finish_reason for g in plain_gen]
    assert sum(g.text.strip().isdigit() for g in plain_gen) >= N_ITEMS // 2  # the model really answers
    for c, p in zip(cached_ll, plain_ll):
        assert c.tokens == p.tokens
        assert c.is_greedy == p.is_greedy
        assert c.logprobs == pytest.approx(p.logprobs, abs=1e-4)


def test_prefix_len_takes_the_longest_shared_prefix_not_a_stale_cached_one() -> None:
    pc = PrefixCache(model=None, min_tokens=4)
    short = tuple(range(20))
    pc._entries[short] = object()  # e.g. the 8-shot prefix, cached by the previous task
    seqs = [list(range(40)) + [7, 1], list(range(40)) + [8, 2]]  # these share 40 tokens, starting with the cached 20
    assert pc.prefix_len(seqs) == 40
    assert pc.prefix_len([list(range(40)) + [7, 1]]) == 20  # a single sequence: the longest cached entry it starts with
    assert pc.prefix_len([[9] * 30, [9] * 30 + [1]]) == 29  # keep_last: one token per row stays out


@pytest.mark.real_model
def test_8shot_then_50shot_uses_the_50shot_prefix(smollm2, repo, one_thread) -> None:
    """After 8-shot items, 50-shot items are served from their own (longer) shared prefix, computed by
    extending the cached start they share; outputs equal the plain path's."""
    task8, prompts8 = _prompts(repo, "addition_3digit_8shot")
    task50 = load_tasks(repo / "tasks")["addition_3digit_50shot"]
    prompts50 = render_all(task50, build_items(task50, task50.seed, 3), task50.seed, instruct=False)
    g = task50.generation
    reqs50 = [GenerateRequest(prompt=p.prompt, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop)) for p in prompts50]
    smollm2.generate(_gen_requests(task8, prompts8)[:4])
    ids50 = [smollm2.tokenizer(p.prompt)["input_ids"] for p in prompts50]
    shared50 = min(common_prefix_len(ids50), min(len(x) for x in ids50) - 1)
    cached = smollm2.generate(reqs50)
    assert len(smollm2._prefix.cached_prefixes[-1]) == shared50 > 500
    prefix, smollm2._prefix = smollm2._prefix, None
    try:
        plain = smollm2.generate(reqs50)
    finally:
        smollm2._prefix = prefix
    assert [x.text for x in cached] == [x.text for x in plain]
