"""BFCL tasks through the runner's public pieces with a scripted backend (plumbing; real-model runs are in results/bfcl)."""

from __future__ import annotations

import json

import pytest

from harness.backends.fake import FakeBackend
from harness.bfcl_crosscheck import render_python
from harness.config.task import load_tasks, select_tasks
from harness.generators import get_generator, load_all
from harness.generators.bfcl import BfclDataError, load_category
from harness.runner import build_items, render_all, score_chunk

pytestmark = pytest.mark.usefixtures("bfcl_env")


def _run(task_name: str, respond, n: int = 4, native: bool = False):  # noqa: ANN001, ANN202
    task = select_tasks(load_tasks("tasks"), [task_name])[0]
    items = build_items(task, task.seed, n)
    backend = FakeBackend(responder=respond)
    if native:
        backend.supports_tools = True  # type: ignore[attr-defined]
    return items, score_chunk(task, "fake", task.seed, items, render_all(task, items, task.seed, instruct=True), backend)


def _gold_answer(prompt: str, entries: dict[str, list]) -> list[dict]:
    for q, gold in entries.items():
        if q in prompt:
            return [{n: {k: next((v for v in vals if v != ""), None) for k, vals in a.items() if any(v != "" for v in vals)}} for g in gold for n, a in g.items()]
    return []


def test_bfcl_items_come_from_the_pinned_wheel() -> None:
    load_all()
    items = get_generator("bfcl")({"category": "parallel"}, 0, 5)
    assert [it.id for it in items] == [f"parallel_{i}" for i in range(5)]
    assert all(it.meta["gold"] and it.meta["functions"] for it in items)
    assert len(load_category("live_parallel")) == 16


def test_prompting_mode_scores_right_and_wrong_replies() -> None:
    entries = {e["question"][0][-1]["content"]: e["gold"] for e in load_category("parallel")[:4]}
    items, recs = _run("bfclp_parallel", lambda p: render_python(_gold_answer(p, entries)))
    assert [r.scores["bfcl_accuracy"] for r in recs] == [1.0] * 4
    assert all(r.trajectory[0]["mode"] == "prompting" for r in recs)
    seen: list[str] = []
    _, bad = _run("bfclp_parallel", lambda p: seen.append(p) or "I would call the function twice.")
    assert [r.scores["bfcl_accuracy"] for r in bad] == [0.0] * 4
    assert "[func_name1(params_name1=params_value1" in seen[0] and '"name": "spotify.play"' in seen[0]  # BFCL's system prompt + docs


def test_function_calling_mode_reads_tool_call_blocks_and_maps_names_back() -> None:
    entries = {e["question"][0][-1]["content"]: e["gold"] for e in load_category("live_simple")[:6]}

    def respond(p: str) -> str:
        calls = _gold_answer(p, entries)
        return "".join(f"<tool_call>\n{json.dumps({'name': n.replace('.', '_'), 'arguments': a})}\n</tool_call>\n" for c in calls for n, a in c.items())

    items, recs = _run("bfcl_live_simple", respond, n=6, native=True)
    assert any("." in next(iter(it.meta["gold"][0])) for it in items)  # live_simple_2: uber.ride
    assert [r.scores["bfcl_accuracy"] for r in recs] == [1.0] * 6
    assert recs[2].trajectory[0]["name_map"] == {"uber_ride": "uber.ride"}


def test_irrelevance_truncated_call_is_no_call() -> None:
    _, recs = _run("bfcl_irrelevance", lambda p: '<tool_call>\n{"name": "x", "arguments": {', native=True, n=2)
    assert [r.scores["bfcl_accuracy"] for r in recs] == [1.0, 1.0]
    assert [r.scores["bfcl_called"] for r in recs] == [0.0, 0.0]


def test_missing_or_changed_data_is_one_clear_error(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import harness.generators.bfcl as g

    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "BFCL_v4_parallel.json").write_text('{"id": "parallel_0"}\n')
    monkeypatch.setenv("BFCL_DATA_DIR", str(tmp_path))
    with pytest.raises(BfclDataError, match="SHA-256"):
        load_category("parallel")
    monkeypatch.delenv("BFCL_DATA_DIR")
    monkeypatch.setattr(g, "REPO_ROOT", tmp_path / "nowhere")
    monkeypatch.setattr(g.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BfclDataError, match="setup_bfcl_env.sh"):
        load_category("parallel")


def test_openai_backend_gets_the_tools_field_and_its_parsed_calls_are_scored() -> None:
    from harness.backends.base import Generation

    class Server(FakeBackend):
        """Stands in for an OpenAI-compatible server that parses tool calls itself."""

        def generate(self, requests):  # noqa: ANN001, ANN202
            self.seen = requests
            return [Generation(text="", tool_calls=[{"type": "function", "function": {"name": r.tools[0]["function"]["name"], "arguments": '{"x": 1}'}}])
                    for r in requests]

    task = select_tasks(load_tasks("tasks"), ["bfcl_live_simple"])[0]
    items = build_items(task, task.seed, 3)
    backend = Server()
    backend.info.backend = "openai"
    recs = score_chunk(task, "fake", task.seed, items, render_all(task, items, task.seed, instruct=True), backend)
    assert all(r.tools and "." not in r.tools[0]["function"]["name"] for r in backend.seen)
    assert [r.trajectory[0]["mode"] for r in recs] == ["fc"] * 3
    assert recs[2].scores["bfcl_called"] == 1.0 and recs[2].scores["bfcl_accuracy"] == 0.0  # uber.ride(x=1): a call, a wrong one
