"""End to end on the real SmolLM2-135M: the agent loop runs, records trajectories, and scores."""

from __future__ import annotations

import pytest

from harness.config.task import load_tasks
from harness.runner import build_items, render_all, score_chunk

TASKS = load_tasks("tasks")


def _small(name: str, max_new_tokens: int):  # type: ignore[no-untyped-def]
    return TASKS[name].model_copy(update={"generation": TASKS[name].generation.model_copy(update={"max_new_tokens": max_new_tokens})})


@pytest.mark.real_model
def test_agent_loop_on_smollm2(smollm2) -> None:  # type: ignore[no-untyped-def]
    for name, n, tokens in (("files_k1", 1, 24), ("tool_add3_calculator", 2, 16), ("fc_irrelevance", 1, 12)):
        task = _small(name, tokens)
        items = build_items(task, task.seed, n)
        prompts = render_all(task, items, task.seed, instruct=True)
        recs = score_chunk(task, "smollm2-135m", task.seed, items, prompts, smollm2)
        assert len(recs) == n
        for rec, item in zip(recs, items):
            traj = rec.trajectory
            assert traj[0]["role"] == "meta" and traj[0]["mode"] == "json"  # SmolLM2 has no tool template
            turns = [t for t in traj if t["role"] == "assistant"]
            budget = item.meta.get("max_steps", task.solver.params.get("max_steps", 6))
            assert 1 <= len(turns) <= budget and all(isinstance(t["content"], str) for t in turns)
            for t in traj:
                if t["role"] == "tool":
                    assert isinstance(t["content"], str) and t["content"]  # every call got an observation
            assert rec.scores["agent_steps"] == len(turns)
            assert rec.finish_reason in ("answer", "step_limit")
            if name == "files_k1":
                assert rec.scores["fs_success"] in (0.0, 1.0) and rec.scores["fs_destructive"] in (0.0, 1.0)
                assert 0.0 <= rec.scores["fs_step_acc"] <= 1.0
            elif name == "tool_add3_calculator":
                assert rec.scores["exact_match"] in (0.0, 1.0)
            else:
                assert rec.scores["fc_accuracy"] == 1.0 - rec.scores["fc_called"]
