"""One BFCL turn per item, in either of BFCL's two modes.

- `fc` (function calling): the item's function docs go to the backend as OpenAI-style `tools`
  (BFCL's types mapped to JSON Schema as BFCL's `convert_to_tool` maps them; dots in names, which
  OpenAI-style APIs reject, become `_` and are mapped back before scoring). Transformers renders them
  with the model's native tool template; an OpenAI-compatible server gets the `tools` field. A
  backend whose chat template has no tools falls back to `prompting` (recorded per item).
- `prompting`: BFCL's default system prompt (the function list as JSON, answer with Python-syntax
  calls `[f(a=1)]`), no `tools`.

The trajectory records the mode, the name map and the raw reply (text, server tool calls,
finish_reason; "length" = the call may be truncated), so `harness rescore` and the BFCL cross-check
can re-decode it.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.base import Backend, GenerateRequest
from harness.config.task import TaskSpec
from harness.errors import ConfigError
from harness.generators.base import Item
from harness.hashing import derive_seed
from harness.prompts.render import RenderedPrompt
from harness.solvers.base import SolverOutput, register_solver
from harness.tools.protocol import supports_native_tools

# BFCL's type names -> JSON Schema (bfcl_eval.constants.type_mappings.GORILLA_TO_OPENAPI, Python subset)
TO_JSON_SCHEMA = {"integer": "integer", "number": "number", "float": "number", "string": "string", "boolean": "boolean", "bool": "boolean",
                  "array": "array", "list": "array", "dict": "object", "object": "object", "tuple": "array", "any": "string"}

# BFCL's default system prompt for prompting models (ret_fmt=python, func_doc_fmt=json, plaintext, classic)
SYSTEM_PROMPT = (
    "You are an expert in composing functions.You are given a question and a set of possible functions. Based on the question, you will "
    "need to make one or more function/tool calls to achieve the purpose. If none of the functions can be used, point it out. If the given "
    "question lacks the parameters required by the function, also point it out.\n\nYou should only return the function calls in your "
    "response.\n\nIf you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1=params_value1, "
    "params_name2=params_value2...), func_name2(params)].  You SHOULD NOT include any other text in the response.\n\nAt each turn, you should "
    "try your best to complete the tasks requested by the user within the current turn. Continue to output functions to call until you have "
    "fulfilled the user's request to the best of your ability. Once you have no more functions to call, the system will consider the current "
    "turn complete and proceed to the next turn or task.\n\nHere is a list of functions in json format that you can invoke.\n{functions}\n"
)


class BfclSolverParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["fc", "prompting"] = Field("fc", description="fc: native tools / OpenAI `tools`; prompting: functions in the system prompt")


def _cast(props: dict[str, Any]) -> dict[str, Any]:
    for v in props.values():
        t = v.get("type")
        if t == "float":
            v["format"] = "float"
            v["description"] = v.get("description", "") + " This is a float type value."
        v["type"] = TO_JSON_SCHEMA.get(t, "string") if t else "string"
        if "properties" in v:
            v["properties"] = _cast(v["properties"])
        elif isinstance(v.get("items"), dict):
            it = v["items"]
            it["type"] = TO_JSON_SCHEMA.get(it.get("type"), "string")
            if it["type"] == "object" and "properties" in it:
                it["properties"] = _cast(it["properties"])
            elif it["type"] == "array" and isinstance(it.get("items"), dict):
                it["items"]["type"] = TO_JSON_SCHEMA.get(it["items"].get("type"), "string")
    return props


def safe_name(name: str) -> str:
    return re.sub(r"\.", "_", name)


def to_tools(functions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """BFCL function docs -> OpenAI `tools`, and the map from sent names back to BFCL's names."""
    tools, name_map = [], {}
    for f in copy.deepcopy(functions):
        sent = safe_name(f["name"])
        if sent != f["name"]:
            name_map[sent] = f["name"]
        f["name"] = sent
        f["parameters"]["type"] = "object"
        f["parameters"]["properties"] = _cast(f["parameters"].get("properties", {}))
        tools.append({"type": "function", "function": f})
    return tools, name_map


def prompting_messages(messages: list[dict[str, Any]], functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    system = SYSTEM_PROMPT.format(functions=json.dumps(functions, indent=4))
    msgs = [dict(m) for m in messages]
    if msgs and msgs[0]["role"] == "system":
        msgs[0]["content"] = system + "\n\n" + msgs[0]["content"]
    else:
        msgs.insert(0, {"role": "system", "content": system})
    return msgs


@register_solver("bfcl")
def bfcl(task: TaskSpec, items: list[Item], prompts: list[RenderedPrompt], backend: Backend, seed: int) -> list[SolverOutput]:
    try:
        params = BfclSolverParams.model_validate(task.solver.params)
    except ValueError as exc:
        raise ConfigError(task.source_file or task.name, "solver.params", str(exc)) from None
    g = task.generation
    # an OpenAI-compatible server takes `tools` itself; a local model needs a chat template with tools
    native = params.mode == "fc" and (backend.info.backend == "openai" or supports_native_tools(backend))
    reqs, metas = [], []
    for it in items:
        fns, msgs = it.meta["functions"], it.meta["messages"]
        if native:
            tools, name_map = to_tools(fns)
            reqs.append(GenerateRequest(messages=[dict(m) for m in msgs], tools=tools, max_new_tokens=g.max_new_tokens, stop=tuple(g.stop),
                                        temperature=g.temperature, top_p=g.top_p,
                                        seed=derive_seed(seed, it.id) % (2**31) if g.temperature > 0 else None))
            metas.append({"role": "meta", "mode": "fc", "name_map": name_map})
        else:
            reqs.append(GenerateRequest(messages=prompting_messages(msgs, fns), max_new_tokens=g.max_new_tokens, stop=tuple(g.stop),
                                        temperature=g.temperature, top_p=g.top_p,
                                        seed=derive_seed(seed, it.id) % (2**31) if g.temperature > 0 else None))
            metas.append({"role": "meta", "mode": "prompting", "requested_mode": params.mode, "name_map": {}})
    outs = []
    for meta, gen in zip(metas, backend.generate(reqs)):
        turn = {"role": "assistant", "content": gen.text, "tool_calls": gen.tool_calls, "finish_reason": gen.finish_reason, "error": gen.error}
        outs.append(SolverOutput(text=gen.text, n_tokens=gen.n_tokens, finish_reason=gen.finish_reason, trajectory=[meta, turn], error=gen.error))
    return outs
