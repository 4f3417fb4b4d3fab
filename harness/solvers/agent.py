"""The agent loop: generate -> parse calls -> execute in a sandbox -> observation -> next step.

Batched across items: at every step all unfinished episodes go to the backend in one
`generate` call, so it works with any `Backend` (transformers, vLLM, an OpenAI-compatible
server). An episode ends when the model answers without calling a tool, or at the step limit
(`max_steps`, or the item's `meta.max_steps`), optionally followed by one forced-answer
turn (`final_answer_turn`) for models that keep calling tools after they have the result. Malformed calls are answered with an error
observation and counted; tool errors are observations too. The full trajectory is recorded.

With `tools: []` the same framing asks the question directly (the no-tool arm); with
`max_steps: 1` it is single-turn function calling (BFCL style).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.base import Backend, GenerateRequest
from harness.config.task import TaskSpec
from harness.errors import ConfigError
from harness.generators.base import Item
from harness.hashing import derive_seed
from harness.prompts.render import RenderedPrompt
from harness.solvers.base import SolverOutput, register_solver
from harness.tools import Call, build_sandbox, execute, extract_calls, get_tools
from harness.tools.calls import Extraction, to_call
from harness.tools.protocol import STOPS, Conversation, Mode, supports_native_tools

FINAL_ANSWER_MSG = "You cannot call any more tools. Give your final answer now, in one line starting with \"Answer:\"."
MALFORMED_MSG = 'Error: could not parse your tool call. Use <tool_call>{"name": "TOOL_NAME", "arguments": {...}}</tool_call>'


class AgentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tools: list[str] | None = Field(None, description="tools offered to every item; null = the item's meta.tools")
    max_steps: int = Field(6, ge=1, le=64, description="model turns per episode (an item's meta.max_steps overrides)")
    protocol: Literal["auto", "native", "json"] = Field("auto", description="auto: native tool template when the model has one")
    max_calls_per_step: int = Field(4, ge=1, le=16)
    final_answer_turn: bool = Field(
        False,
        description="at the step limit, give one more turn that asks for the answer (ReAct-style forced "
        "final answer); an answer given there is recorded with finish_reason 'forced_answer'",
    )


def _mode(params: AgentParams, prompt: RenderedPrompt, backend: Backend, has_tools: bool) -> Mode:
    if prompt.messages is None:
        return "completion"
    if params.protocol == "native" or (params.protocol == "auto" and has_tools and supports_native_tools(backend)):
        return "native"
    return "json"


@register_solver("agent")
def agent(task: TaskSpec, items: list[Item], prompts: list[RenderedPrompt], backend: Backend, seed: int) -> list[SolverOutput]:
    try:
        params = AgentParams.model_validate(task.solver.params)
        tool_lists = [get_tools(params.tools if params.tools is not None else list(it.meta.get("tools", []))) for it in items]
    except (ValueError, KeyError) as exc:
        raise ConfigError(task.source_file or task.name, "solver.params", str(exc)) from None
    g = task.generation
    convs, sandboxes, trajs, budgets = [], [], [], []
    for it, p, tools in zip(items, prompts, tool_lists):
        mode = _mode(params, p, backend, bool(tools))
        conv = Conversation.start(mode, tools, p.prompt, p.messages)
        conv.string_arguments = backend.info.capabilities.string_tool_arguments
        convs.append(conv)
        sandboxes.append(build_sandbox(it.meta.get("sandbox")))
        trajs.append([{"role": "meta", "mode": mode, "tools": [t.name for t in tools]}])
        budgets.append(int(it.meta.get("max_steps", params.max_steps)))
    outputs: list[SolverOutput | None] = [None] * len(items)
    n_tokens = [0] * len(items)
    last_text = [""] * len(items)
    active = list(range(len(items)))
    forcing: set[int] = set()  # episodes in their forced final-answer turn
    step = 0
    while active:
        step += 1
        reqs = [
            GenerateRequest(
                **convs[i].payload(),
                max_new_tokens=g.max_new_tokens,
                stop=tuple(dict.fromkeys([*g.stop, *STOPS[convs[i].mode]])),
                temperature=g.temperature,
                top_p=g.top_p,
                seed=derive_seed(seed, items[i].id, step) % (2**31) if g.temperature > 0 else None,
            )
            for i in active
        ]
        gens = backend.generate(reqs)
        still = []
        for i, gen in zip(active, gens):
            n_tokens[i] += gen.n_tokens
            if gen.finish_reason == "error":  # the request failed: no answer, no score (the runner retries the item)
                trajs[i].append({"role": "assistant", "step": step, "content": "", "finish_reason": "error", "error": gen.error})
                outputs[i] = SolverOutput(text="", n_tokens=n_tokens[i], finish_reason="error", trajectory=trajs[i], error=gen.error)
                continue
            tools = {t.name: t for t in tool_lists[i]}
            if not tools:  # the no-tool arm: whatever it writes is the answer
                ex = Extraction(text=gen.text.strip())
            elif gen.tool_calls:  # a server that parses calls itself
                parsed = [to_call(tc) for tc in gen.tool_calls]
                ex = Extraction([c for c in parsed if c], [str(tc) for tc, c in zip(gen.tool_calls, parsed) if c is None], gen.text.strip())
            else:
                ex = extract_calls(gen.text, tuple(tools))
            calls = ex.calls[: params.max_calls_per_step]
            turn = {"role": "assistant", "step": step, "content": gen.text, "calls": [c.as_dict() for c in calls],
                    "malformed": ex.malformed, "repaired": ex.repaired, "finish_reason": gen.finish_reason, "error": gen.error}
            if i in forcing:  # nothing more is executed: an answer or nothing
                turn["forced"] = True
                trajs[i].append(turn)
                reason = "step_limit" if ex.attempted else "forced_answer"
                outputs[i] = SolverOutput(text=ex.text, n_tokens=n_tokens[i], finish_reason=reason, trajectory=trajs[i], error=gen.error)
                continue
            trajs[i].append(turn)
            last_text[i] = ex.text
            if not ex.attempted:
                outputs[i] = SolverOutput(text=ex.text, n_tokens=n_tokens[i], finish_reason="answer", trajectory=trajs[i], error=gen.error)
                continue
            convs[i].add_assistant(gen.text, calls, ex.text)
            results: list[tuple[Call | None, str]] = []
            for c in calls:
                obs, err = execute(c, tools, sandboxes[i])
                trajs[i].append({"role": "tool", "step": step, "name": c.name, "arguments": c.arguments, "content": obs, "error": err})
                results.append((c, obs))
            if ex.malformed and not calls:
                trajs[i].append({"role": "tool", "step": step, "name": None, "arguments": None, "content": MALFORMED_MSG, "error": "malformed_call"})
                results.append((None, MALFORMED_MSG))
            convs[i].add_observations(results)
            if step >= budgets[i] and params.final_answer_turn:
                convs[i].add_user(FINAL_ANSWER_MSG)
                trajs[i].append({"role": "user", "step": step, "content": FINAL_ANSWER_MSG})
                forcing.add(i)
                still.append(i)
            elif step >= budgets[i]:
                outputs[i] = SolverOutput(text=ex.text, n_tokens=n_tokens[i], finish_reason="step_limit", trajectory=trajs[i])
            else:
                still.append(i)
        active = still
    return [o if o is not None else SolverOutput(text=last_text[k], trajectory=trajs[k], error="no output") for k, o in enumerate(outputs)]
