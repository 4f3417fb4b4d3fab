"""The agent loop end to end with a scripted backend: execution, trajectories, scores, limits."""

from __future__ import annotations

import json
from typing import Callable

from harness.backends.fake import FakeBackend
from harness.config.task import load_tasks
from harness.records import ItemRecord
from harness.runner import build_items, render_all, score_chunk

TASKS = load_tasks("tasks")


def _n_obs(prompt: str) -> int:
    return sum(1 for line in prompt.splitlines() if line.startswith("Observation:"))


def scripted(steps: list[str]) -> Callable[[str], str]:
    """Reply with steps[i] after i observations (then keep repeating the last one)."""
    return lambda prompt: steps[min(_n_obs(prompt), len(steps) - 1)]


def call(name: str, **args: object) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': args})}</tool_call>"


def run(task_name: str, responder: Callable[[str], str], n: int = 1) -> list[ItemRecord]:
    task = TASKS[task_name]
    items = build_items(task, task.seed, n)
    prompts = render_all(task, items, task.seed, instruct=True)
    return score_chunk(task, "fake", task.seed, items, prompts, FakeBackend(responder=responder))


def _cleanup_plan(task_name: str, delete_protected: bool = False) -> tuple[list[str], dict]:
    item = build_items(TASKS[task_name], TASKS[task_name].seed, 1)[0]
    req = item.meta["required"]
    plan = [call("list_files", directory="/proj"), call("read_file", path="/proj/KEEP.txt")]
    plan += [call("delete_file", path=p) for p in req["delete"]]
    plan += [call("move_file", source=p, destination="/archive") for p in req["move"]]
    if delete_protected:
        plan.append(call("delete_file", path=item.meta["sandbox"]["fs"]["protected"][0]))
    return plan + ["All clean. Answer: done"], item.meta


def test_file_cleanup_oracle_plan_succeeds() -> None:
    plan, meta = _cleanup_plan("files_k3")
    rec = run("files_k3", scripted(plan))[0]
    s = rec.scores
    assert s["fs_success"] == 1.0 and s["fs_destructive"] == 0.0 and s["fs_action_acc"] == 1.0 and s["fs_step_acc"] == 1.0
    assert s["agent_steps"] == len(plan) and s["agent_calls"] == len(plan) - 1 and s["agent_malformed"] == 0.0
    roles = [t["role"] for t in rec.trajectory]
    assert roles[0] == "meta" and roles.count("assistant") == len(plan) and roles.count("tool") == len(plan) - 1
    listing = next(t for t in rec.trajectory if t.get("name") == "list_files")
    assert "KEEP.txt" in listing["content"] and listing["error"] is None
    assert rec.parsed == "done" and rec.finish_reason == "answer"


def test_deleting_a_protected_file_is_destructive() -> None:
    plan, meta = _cleanup_plan("files_k2", delete_protected=True)
    s = run("files_k2", scripted(plan))[0].scores
    assert s["fs_destructive"] == 1.0 and s["fs_success"] == 0.0 and s["fs_action_acc"] == 1.0 and s["fs_step_acc"] < 1.0


def test_tool_errors_and_malformed_calls_are_observations() -> None:
    steps = ['<tool_call>{"name": "delete_file", "arguments": {path: }</tool_call>', call("delete_file", path="/nope.tmp"),
             call("format_disk"), "Answer: done"]
    rec = run("files_k1", scripted(steps))[0]
    tools = [t for t in rec.trajectory if t["role"] == "tool"]
    assert [t["error"] for t in tools] == ["malformed_call", "tool_error", "unknown_tool"]
    assert "could not parse" in tools[0]["content"] and "no such file" in tools[1]["content"]
    assert rec.scores["agent_malformed"] == 1.0 and rec.scores["agent_tool_errors"] == 2.0 and rec.scores["fs_success"] == 0.0


def test_step_limit_ends_the_episode() -> None:
    rec = run("files_k1", scripted([call("list_files", directory="/proj")]))[0]
    budget = build_items(TASKS["files_k1"], TASKS["files_k1"].seed, 1)[0].meta["max_steps"]
    assert rec.scores["agent_steps"] == budget and rec.scores["agent_step_limit"] == 1.0 and rec.finish_reason == "step_limit"


def test_forced_final_answer_turn() -> None:
    """A model that keeps calling the calculator gets one turn without execution to answer; an answer
    there is scored but flagged, a further call there is a step-limit failure."""
    task = TASKS["tool_add3_calculator"]
    item = build_items(task, task.seed, 1)[0]
    gold = item.target

    def looping(prompt: str) -> str:
        if "cannot call any more tools" in prompt:
            return f"Answer: {gold}"
        return call("calculator", expression=f"{item.fields['a']} + {item.fields['b']}")

    rec = run("tool_add3_calculator", looping)[0]
    assert task.solver.params["final_answer_turn"] is True
    assert rec.finish_reason == "forced_answer" and rec.scores["exact_match"] == 1.0
    assert rec.scores["agent_forced_answer"] == 1.0 and rec.scores["agent_step_limit"] == 0.0
    assert rec.trajectory[-1]["forced"] is True and rec.trajectory[-2]["role"] == "user"
    assert rec.scores["agent_calls"] == task.solver.params["max_steps"]
    stuck = run("tool_add3_calculator", lambda p: call("calculator", expression="1+1"))[0]
    assert stuck.finish_reason == "step_limit" and stuck.scores["agent_step_limit"] == 1.0 and stuck.scores["exact_match"] == 0.0


def test_calculator_arm_and_direct_arm() -> None:
    def with_tool(prompt: str) -> str:
        if _n_obs(prompt) == 0:
            q = prompt.split("What is ")[-1].split("?")[0]
            return call("calculator", expression=q.replace("plus", "+"))
        return f"Answer: {prompt.rsplit('Observation: ', 1)[1].split()[0]}"

    recs = run("tool_add3_calculator", with_tool, n=5)
    assert all(r.scores["exact_match"] == 1.0 and r.scores["agent_used_tool"] == 1.0 for r in recs)
    direct = run("tool_add3_direct", lambda p: "I think it is 12.", n=3)
    assert all(r.scores["exact_match"] == 0.0 and r.scores["agent_calls"] == 0.0 for r in direct)
    assert all(r.trajectory[0]["tools"] == [] for r in direct)


def test_multihop_lookup_chain() -> None:
    task = TASKS["kb_hops2"]
    item = build_items(task, task.seed, 1)[0]
    ents = [item.fields["entity"], *item.meta["chain"][:-1]]
    plan = [call("lookup", entity=e, attribute=a) for e, a in zip(ents, item.meta["path"])] + [f"Answer: {item.meta['chain'][-1]}"]
    rec = run("kb_hops2", scripted(plan))[0]
    obs = [t["content"] for t in rec.trajectory if t["role"] == "tool"]
    assert obs == [str(v) for v in item.meta["chain"]]
    assert rec.scores["answer_contains"] == 1.0 and rec.scores["agent_calls"] == 2.0


def test_garbage_never_crashes() -> None:
    junk = ['{{{"name": ', "<tool_call></tool_call>", "}{][", '{"name": 5, "arguments": []}', "\x00\ufffd" * 40]
    for task in ("fc_simple", "fc_irrelevance", "files_k2", "kb_hops1", "tool_add3_calculator"):
        for j in junk:
            recs = run(task, lambda p, j=j: j, n=2)
            assert all(r.error is None or "metric" not in r.error for r in recs), (task, j, recs[0].error)
