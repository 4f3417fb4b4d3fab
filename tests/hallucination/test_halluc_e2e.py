"""End to end: hallucination tasks -> runner -> records -> `harness report` (the hallucination
section of report.md), with a scripted fake model (known behaviour) and with the real SmolLM2-135M
on a handful of items."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.backends.fake import FakeBackend
from harness.cli import main
from harness.config.task import load_tasks, select_tasks
from harness.runner import Runner
from harness.store import ResultStore

TASKS = ["halluc_qa_bare", "halluc_qa_idk", "halluc_qa_rag", "halluc_filmography", "halluc_imaginative_factual", "halluc_imaginative_creative"]


def _scripted(prompt: str) -> str:
    """Abstains only when told it may; otherwise answers every question with 'Paris', lists two
    real and one invented Tom Hanks film, and writes a story when asked for fiction."""
    last = prompt.rsplit("Question:", 1)[-1].rsplit("问题", 1)[-1]
    if "fictional biography" in last or "虚构人物传记" in last:
        return " He was born in a quiet harbour town, learned to sail before he could read, and later mapped every island of the northern sea for a living.\n\n"
    if "films" in last or "电影" in last:
        return " Forrest Gump, Cast Away, The Moonlight Courier\n\n"
    if "I don't know" in prompt or "我不知道" in prompt:
        return " I don't know.\n\n"
    return " Paris\n\n"


def _report(run: Path) -> str:
    assert main(["report", str(run)]) == 0
    return (run / "report" / "report.md").read_text(encoding="utf-8")


def test_fake_model_through_runner_and_tables(repo: Path, registry, tmp_path: Path) -> None:
    tasks = select_tasks(load_tasks(repo / "tasks"), TASKS)
    runner = Runner(ResultStore(tmp_path), registry, backend_kind="fake", backend_factory=lambda kind, spec, opts: FakeBackend(_scripted), show_progress=False)
    summary = runner.run(["smollm2-135m"], tasks, limit=12)
    assert not summary.failures and len(summary.completed) == len(tasks)
    store = ResultStore(tmp_path)
    bare = store.read("smollm2-135m", "halluc_qa_bare")
    fic = [r for r in bare if r.meta["kind"] == "fictional"]
    assert fic and all(r.scores["halluc_rate"] == 1.0 and r.scores["over_refusal"] is None for r in fic)
    idk = store.read("smollm2-135m", "halluc_qa_idk")
    assert all(r.scores["cls_abstained"] == 1.0 or r.scores["cls_refused_wrongly"] == 1.0 for r in idk)
    assert all(r.scores["gold_logprob"] is not None for r in bare)
    film = store.read("smollm2-135m", "halluc_filmography")
    hanks = [r for r in film if r.meta["actor"] == "tom_hanks"]
    assert hanks and all(r.scores["film_in_filmography"] == 2.0 and r.scores["film_not_in_filmography"] == 1.0 for r in hanks)
    md = _report(tmp_path)
    assert "## Hallucination" in md and "### Hallucination rates per model and condition" in md
    assert re.search(r"\| fake \(135M\) \| bare \| 100\.0% \[", md)  # fictional hallucination under the bare prompt
    assert re.search(r"\| fake \(135M\) \| idk \| halluc_rate \| 8 \| 100% \| 0% \| -100 \|", md)  # paired McNemar row
    assert "calibration on answerable controls" in md and "switch score" in md and "| 100.0% [75.8, 100.0] (n=12) | 0.00 |" in md  # fabricates when factual, complies when imaginative


@pytest.mark.real_model
def test_real_smollm2_end_to_end(repo: Path, registry, smollm2_factory, tmp_path: Path) -> None:
    tasks = select_tasks(load_tasks(repo / "tasks"), ["halluc_qa_bare"])
    runner = Runner(ResultStore(tmp_path), registry, backend_factory=smollm2_factory, show_progress=False)
    summary = runner.run(["smollm2-135m"], tasks, limit=3)
    assert not summary.failures
    recs = ResultStore(tmp_path).read("smollm2-135m", "halluc_qa_bare")
    assert [r.meta["kind"] for r in recs] == ["control", "fictional", "premise"]
    for r in recs:
        flags = [v for k, v in r.scores.items() if k.startswith("cls_")]
        assert sum(flags) == 1.0 and r.scores["correct"] in (0.0, 1.0)
        assert r.scores["gold_token_prob"] is not None and 0.0 < r.scores["gold_token_prob"] <= 1.0
    assert "SmolLM2" in _report(tmp_path).split("## Hallucination", 1)[1]
