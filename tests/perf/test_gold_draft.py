"""Gold-as-draft greedy decoding gives exactly the outputs of plain greedy decoding (no timings asserted).

On the real SmolLM2-135M (fp32, CPU): for an arithmetic, a compounding and a chain-of-thought
task, the same requests with and without the gold draft give identical texts, token counts and
finish reasons; the gold log-probabilities come from the draft pass (no second pass) and match
the teacher-forced pass; drafts the model agrees with finish without sequential decoding; and
replaying committed records reproduces their outputs.
"""

from __future__ import annotations

import pytest

from harness.backends.base import GenerateRequest, LoglikelihoodRequest
from harness.config.task import load_tasks
from harness.runner import build_items, render_all

pytestmark = pytest.mark.real_model


@pytest.fixture
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _requests(repo, name: str, n: int, *, draft: bool, drafts: list[str] | None = None):
    task = load_tasks(repo / "tasks")[name]
    items = build_items(task, task.seed, n)
    prompts = render_all(task, items, task.seed, instruct=False)
    g = task.generation
    golds = drafts or [p.gold_continuation for p in prompts]
    reqs = [GenerateRequest(prompt=p.prompt, messages=p.messages, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop),
                            draft=d if draft else None) for p, d in zip(prompts, golds)]
    return prompts, reqs


def _key(gens):
    return [(x.text, x.n_tokens, x.finish_reason) for x in gens]


@pytest.mark.parametrize("task_name,n", [("addition_2digit", 10), ("compound_reverse_L08", 8), ("cot_coin_cot", 6)])
def test_draft_outputs_identical_to_plain_greedy(smollm2, repo, one_thread, task_name, n) -> None:
    prompts, with_draft = _requests(repo, task_name, n, draft=True)
    _, without = _requests(repo, task_name, n, draft=False)
    ll_reqs = [LoglikelihoodRequest(continuation=p.gold_continuation, context=p.prompt, messages=p.messages) for p in prompts]
    s = smollm2.stats
    rows, from_draft = s.draft_rows, s.ll_from_draft
    drafted = smollm2.generate(with_draft)
    drafted_ll = smollm2.loglikelihood(ll_reqs)
    assert s.draft_rows - rows == n, "the draft path was not taken"
    assert s.ll_from_draft - from_draft == n, "the gold log-probs were not served by the draft pass"
    plain = smollm2.generate(without)  # no draft: the memo is dropped, log-probs are teacher-forced anew
    plain_ll = smollm2.loglikelihood(ll_reqs)
    assert s.ll_from_draft - from_draft == n
    assert _key(drafted) == _key(plain)
    assert sum(bool(x.text.strip()) for x in plain) == n  # the model really answers
    for a, b in zip(drafted_ll, plain_ll):
        assert a.tokens == b.tokens
        assert a.is_greedy == b.is_greedy
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-4)


def test_agreeing_drafts_finish_in_one_pass(smollm2, repo, one_thread) -> None:
    """Drafts equal to the model's own greedy outputs: every row ends without sequential decoding, same outputs;
    a draft that diverges after two tokens is continued by decoding, same outputs."""
    _, plain_reqs = _requests(repo, "addition_3digit_8shot", 8, draft=False)
    plain = smollm2.generate(plain_reqs)
    own = [x.text + "\n" for x in plain]  # the stop string follows the answer
    _, own_reqs = _requests(repo, "addition_3digit_8shot", 8, draft=True, drafts=own)
    finished = smollm2.stats.draft_finished
    assert _key(smollm2.generate(own_reqs)) == _key(plain)
    assert smollm2.stats.draft_finished - finished == 8
    wrong = [x.text[:2] + ("0" if x.text[2:3] != "0" else "1") + "9999\n" for x in plain]  # diverges at the second digit
    _, wrong_reqs = _requests(repo, "addition_3digit_8shot", 8, draft=True, drafts=wrong)
    finished = smollm2.stats.draft_finished
    assert _key(smollm2.generate(wrong_reqs)) == _key(plain)
    assert smollm2.stats.draft_finished == finished


@pytest.mark.parametrize("results,task_name", [("cpu-addition", "addition_3digit"), ("reasoning", "compound_copy_L04"), ("reasoning", "cot_letters_direct")])
def test_draft_reproduces_committed_outputs(smollm2, repo, registry, one_thread, results, task_name) -> None:
    from harness.bench import draft_check
    from harness.store import ResultStore

    records = ResultStore(repo / "results" / results).read("smollm2-135m", task_name)
    assert records, f"no committed records for smollm2-135m / {task_name}"
    res = draft_check(smollm2, load_tasks(repo / "tasks")[task_name], records, registry.get("smollm2-135m").instruct, 8)
    assert res["n"] >= 6, res  # the committed prompts are still the ones the task renders
    assert res["same_as_committed"] == res["n"], res["diffs"]
    assert res["same_draft_vs_plain"] == res["n"], res["diffs"]
