"""Tools the harness executes for a model: a JSON schema each, a pure Python body, a sandbox.

A tool body receives validated arguments and the per-episode `Sandbox` (file system, knowledge
base) and returns an observation string, or raises `ToolError`. `execute` turns every failure
(unknown tool, bad arguments, ToolError, even a bug) into an observation for the model, so a
garbage call never crashes a run. No tool ever evaluates model text as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from harness.tools.calls import Call


class ToolError(Exception):
    """An error the model should see as an observation (bad input, missing file, ...)."""


@dataclass
class Sandbox:
    """Per-episode mutable state the tools act on; built fresh for every item."""

    fs: Any = None  # harness.tools.filesystem.MemoryFS
    kb: Any = None  # harness.tools.kb.KnowledgeBase
    log: list[dict[str, Any]] = field(default_factory=list)  # executed calls, in order


ToolFn = Callable[[dict[str, Any], Sandbox], str]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object
    fn: ToolFn

    def schema(self) -> dict[str, Any]:
        """OpenAI / HF `tools=` format."""
        return {"type": "function", "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}

    def signature(self) -> str:
        """One line for prompts without a native tool template: name(arg: type, ...): description."""
        props = self.parameters.get("properties", {})
        req = set(self.parameters.get("required", []))
        args = ", ".join(f"{k}: {v.get('type', 'any')}{'' if k in req else ' (optional)'}" for k, v in props.items())
        return f"{self.name}({args}): {self.description}"


TOOLS: dict[str, Tool] = {}


def register_tool(name: str, description: str, properties: dict[str, Any], required: list[str] | None = None) -> Callable[[ToolFn], ToolFn]:
    """Decorator declaring a tool and its argument schema in one place."""

    def deco(fn: ToolFn) -> ToolFn:
        if name in TOOLS:
            raise ValueError(f"tool {name!r} registered twice")
        params = {"type": "object", "properties": properties, "required": list(required if required is not None else properties)}
        TOOLS[name] = Tool(name, description, params, fn)
        return fn

    return deco


def get_tools(names: list[str]) -> list[Tool]:
    from harness.tools import load_all

    load_all()
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        raise KeyError(f"unknown tool(s) {unknown}; known: {', '.join(sorted(TOOLS))}")
    return [TOOLS[n] for n in names]


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def validate_arguments(tool: Tool, args: dict[str, Any]) -> dict[str, Any]:
    """Check required/unknown keys and JSON types (integers given as 3.0 are accepted as 3)."""
    props = tool.parameters.get("properties", {})
    missing = [k for k in tool.parameters.get("required", []) if k not in args]
    if missing:
        raise ToolError(f"missing argument(s) {missing} for {tool.name}; expected {sorted(props)}")
    extra = [k for k in args if k not in props]
    if extra:
        raise ToolError(f"unknown argument(s) {extra} for {tool.name}; expected {sorted(props)}")
    out = {}
    for k, v in args.items():
        typ = props[k].get("type")
        ok = _JSON_TYPES.get(typ, (object,))
        if typ in ("integer", "number") and isinstance(v, bool):
            raise ToolError(f"argument {k!r} must be a {typ}, got a boolean")
        if typ == "integer" and isinstance(v, float) and v.is_integer():
            v = int(v)
        if typ in ("integer", "number") and isinstance(v, str):
            v = _number_from_string(k, v, typ)
        if not isinstance(v, ok):
            raise ToolError(f"argument {k!r} must be a {typ}, got {type(v).__name__}")
        if "enum" in props[k] and v not in props[k]["enum"]:
            raise ToolError(f"argument {k!r} must be one of {props[k]['enum']}")
        out[k] = v
    return out


def _number_from_string(key: str, s: str, typ: str) -> int | float:
    """Lenient like most tool servers: '42' is accepted for a number argument."""
    try:
        return int(s.strip()) if typ == "integer" else float(s.strip())
    except ValueError:
        raise ToolError(f"argument {key!r} must be a {typ}, got {s!r}") from None


def execute(call: Call, tools: dict[str, Tool], sandbox: Sandbox) -> tuple[str, str | None]:
    """Run one call; return (observation, error). Errors are observations too, never exceptions."""
    tool = tools.get(call.name)
    if tool is None:
        obs, err = f"Error: unknown tool {call.name!r}; available: {', '.join(sorted(tools)) or 'none'}", "unknown_tool"
    else:
        try:
            obs, err = tool.fn(validate_arguments(tool, call.arguments), sandbox), None
        except ToolError as exc:
            obs, err = f"Error: {exc}", "tool_error"
        except Exception as exc:  # a tool bug must not end the episode; it is recorded
            obs, err = f"Error: internal tool failure ({type(exc).__name__})", f"tool_crash: {exc!r}"
    sandbox.log.append({"name": call.name, "arguments": call.arguments, "observation": obs, "error": err})
    return obs, err


def build_sandbox(spec: dict[str, Any] | None) -> Sandbox:
    """A fresh sandbox from an item's `meta.sandbox`: {"fs": {"files", "protected"}, "kb_seed"}."""
    from harness.tools.filesystem import MemoryFS
    from harness.tools.kb import build_kb

    spec = spec or {}
    fs = MemoryFS.from_spec(spec["fs"]["files"], spec["fs"].get("protected", ())) if spec.get("fs") else None
    kb = build_kb(int(spec["kb_seed"])) if spec.get("kb_seed") is not None else None
    return Sandbox(fs=fs, kb=kb)
