"""End to end on the real SmolLM2-135M-Instruct (CPU): the CLI, the HF backend, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import GenerateRequest, LoglikelihoodRequest
from harness.cli import main
from harness.store import ResultStore

pytestmark = pytest.mark.real_model


def test_cli_run_report_and_resume_on_real_model(smollm2_path: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    args = ["run", "--models", "smollm2-135m", "--tasks", "addition_3digit", "--limit", "6", "--output-dir", str(out), "--no-progress", "--batch-size", "4"]
    assert main(args) == 0
    recs = ResultStore(out).read("smollm2-135m", "addition_3digit")
    assert len(recs) == 6
    for r in recs:
        assert r.prompt.endswith("? A:") and r.output and "\n" not in r.output
        assert r.gold_logprobs and all(lp <= 0 for lp in r.gold_logprobs)
        assert r.scores["exact_match"] == float(r.parsed == r.target)
    # the table reports the EM recomputed from raw outputs
    em = sum((r.output.strip().split() or [""])[0] == r.target for r in recs) / 6
    row = [line for line in (out / "report/table.csv").read_text().splitlines() if ",exact_match," in line][0]
    assert float(row.split(",")[8]) == pytest.approx(em)
    meta = json.loads((out / "records/smollm2-135m/addition_3digit.meta.json").read_text())
    assert meta["weights_hash"].startswith("b179c952") and meta["n_done"] == 6
    # a second run resumes: nothing is recomputed, records are unchanged
    before = (out / "records/smollm2-135m/addition_3digit.jsonl").read_bytes()
    assert main(args) == 0
    assert "already recorded" in capsys.readouterr().err
    assert (out / "records/smollm2-135m/addition_3digit.jsonl").read_bytes() == before


def test_greedy_output_is_greedy_under_teacher_forcing(smollm2) -> None:
    """generate() and loglikelihood() agree: the greedy continuation is the argmax at every step."""
    prompts = ["The capital of France is", "1, 2, 3, 4,", "Q: What is 12 plus 30?\nA: 42\nQ: What is 23 plus 11?\nA:"]
    gens = smollm2.generate([GenerateRequest(prompt=p, max_new_tokens=5) for p in prompts])
    assert all(g.text for g in gens), gens
    lls = smollm2.loglikelihood([LoglikelihoodRequest(context=p, continuation=g.text) for p, g in zip(prompts, gens)])
    for g, ll in zip(gens, lls):
        assert ll.tokens and ll.all_greedy, (g.text, ll.tokens, ll.is_greedy)


def test_stop_sequences_cut_each_row(smollm2) -> None:
    reqs = [GenerateRequest(prompt="Q: What is 2 plus 2? A:", max_new_tokens=12, stop=("\n",)), GenerateRequest(prompt="List: a, b, c,", max_new_tokens=12, stop=(",",))]
    a, b = smollm2.generate(reqs)
    assert "\n" not in a.text and "," not in b.text


def test_chat_template_path(smollm2) -> None:
    (g,) = smollm2.generate([GenerateRequest(messages=[{"role": "user", "content": "Say hello."}], max_new_tokens=8)])
    assert g.text.strip()
