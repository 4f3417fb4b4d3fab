"""How tools are offered to a model and how turns are written back, in three modes.

- `native`: the model's own tool-calling chat template (`tools=` JSON schemas; Qwen2.5 and other
  Hermes-style templates emit `<tool_call>{...}</tool_call>`); assistant turns are stored with
  `tool_calls` (arguments as dicts, the transformers convention; JSON strings for an OpenAI-compatible
  server) and results as `role: tool` with the call's id.
- `json`: chat models without a tool template get the documented protocol below in the system
  message; results come back as user turns "Observation: ...".
- `completion`: base models get the same protocol as a plain-text transcript
  (User: / Assistant: / Observation:).
The JSON protocol (also what `harness.tools.calls` parses):
    <tool_call>{"name": "<tool>", "arguments": {"<arg>": <value>}}</tool_call>
    ...then, when done:   Answer: <final answer>
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.tools.base import Tool
from harness.tools.calls import Call

Mode = Literal["native", "json", "completion"]

PROTOCOL = (
    "You can use these tools:\n{signatures}\n"
    "To call a tool, reply with exactly one line in this format and nothing else:\n"
    '<tool_call>{{"name": "TOOL_NAME", "arguments": {{"ARGUMENT": "VALUE"}}}}</tool_call>\n'
    'The tool\'s result will be sent back to you as "Observation: ...". '
    "When you know the final answer, reply with: Answer: <final answer>"
)
NATIVE_SUFFIX = "When you know the final answer, reply with: Answer: <final answer>"
STOPS: dict[Mode, tuple[str, ...]] = {
    "native": ("</tool_call>",),
    "json": ("</tool_call>", "Observation:"),
    "completion": ("</tool_call>", "Observation:", "\nUser:"),
}


def supports_native_tools(backend: Any) -> bool:
    """A backend declares it (`info.capabilities.native_tools`); if undecided, look for `tools` in its chat template."""
    caps = getattr(getattr(backend, "info", None), "capabilities", None)
    if isinstance(getattr(caps, "native_tools", None), bool):
        return bool(caps.native_tools)
    flag = getattr(backend, "supports_tools", None)
    if isinstance(flag, bool):
        return flag
    template = getattr(getattr(backend, "tokenizer", None), "chat_template", None)
    return isinstance(template, str) and "tools" in template


def protocol_text(tools: list[Tool]) -> str:
    return PROTOCOL.format(signatures="\n".join(f"- {t.signature()}" for t in tools))


@dataclass
class Conversation:
    """One episode's prompt state; `request_payload()` is what the next generate call sees."""

    mode: Mode
    tools: list[Tool]
    messages: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    n_calls: int = 0
    string_arguments: bool = False  # OpenAI-style servers want `arguments` as a JSON string


    @classmethod
    def start(cls, mode: Mode, tools: list[Tool], prompt: str | None, messages: list[dict[str, Any]] | None) -> "Conversation":
        conv = cls(mode, tools)
        if mode == "completion":
            question = prompt if prompt is not None else "\n".join(str(m.get("content", "")) for m in messages or [])
            head = protocol_text(tools) + "\n\n" if tools else ""
            conv.text = f"{head}User: {question.strip()}\nAssistant:"
            return conv
        msgs = [dict(m) for m in (messages or [{"role": "user", "content": prompt or ""}])]
        extra = (protocol_text(tools) if mode == "json" else NATIVE_SUFFIX) if tools else ""
        if extra:
            if msgs and msgs[0]["role"] == "system":
                msgs[0]["content"] = f"{msgs[0]['content']}\n\n{extra}"
            else:
                msgs.insert(0, {"role": "system", "content": extra})
        conv.messages = msgs
        return conv

    def payload(self) -> dict[str, Any]:
        if self.mode == "completion":
            return {"prompt": self.text}
        return {"messages": [dict(m) for m in self.messages], "tools": [t.schema() for t in self.tools] if self.mode == "native" and self.tools else None}

    def add_assistant(self, raw: str, calls: list[Call], prose: str) -> None:
        if self.mode == "completion":
            self.text += " " + _closed(raw.strip())
        elif self.mode == "native" and calls:
            tcs = []
            for c in calls:
                self.n_calls += 1
                args: Any = json.dumps(c.arguments) if self.string_arguments else c.arguments
                tcs.append({"id": f"call_{self.n_calls}", "type": "function", "function": {"name": c.name, "arguments": args}})
            self.messages.append({"role": "assistant", "content": prose, "tool_calls": tcs})
        else:
            self.messages.append({"role": "assistant", "content": _closed(raw.strip())})

    def add_observations(self, results: list[tuple[Call | None, str]]) -> None:
        """Tool results (or parse-error messages, with call None), then the model's next turn."""
        if self.mode == "completion":
            self.text += "".join(f"\nObservation: {obs}" for _, obs in results) + "\nAssistant:"
        elif self.mode == "native" and all(c is not None for c, _ in results):
            first = self.n_calls - len(results) + 1
            for j, (c, obs) in enumerate(results):
                self.messages.append({"role": "tool", "name": c.name if c else "", "tool_call_id": f"call_{first + j}", "content": obs})
        else:
            self.messages.append({"role": "user", "content": "\n".join(f"Observation: {obs}" for _, obs in results)})


    def add_user(self, text: str) -> None:
        """A harness message to the model (e.g. the forced final-answer prompt)."""
        if self.mode == "completion":
            self.text = self.text.removesuffix("\nAssistant:") + f"\nUser: {text}\nAssistant:"
        elif self.messages and self.messages[-1]["role"] == "user":  # keep roles alternating (Gemma's template insists)
            self.messages[-1] = {**self.messages[-1], "content": f"{self.messages[-1]['content']}\n{text}"}
        else:
            self.messages.append({"role": "user", "content": text})


def _closed(text: str) -> str:
    """Re-append a closing tag cut off by the stop sequence, so the transcript stays well-formed."""
    if text.count("<tool_call>") > text.count("</tool_call>"):
        return text + "</tool_call>"
    return text


def format_call(call: Call) -> str:
    return f"<tool_call>{json.dumps(call.as_dict())}</tool_call>"
