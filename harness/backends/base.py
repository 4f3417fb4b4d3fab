"""The backend protocol: two request primitives every model server can answer.

- `generate`: free generation from a prompt or chat messages (optionally with tool schemas),
  greedy or sampled, cut at stop sequences.
- `loglikelihood`: teacher-forced log-probabilities of a continuation given a context, token by
  token, with whether each token was the greedy choice.

Backends know nothing about tasks: they see requests and return outputs. The runner joins them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]


@dataclass(frozen=True)
class GenerateRequest:
    prompt: str | None = None
    messages: list[Message] | None = None
    tools: list[dict[str, Any]] | None = None
    max_new_tokens: int = 16
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    # the gold continuation, as a draft for greedy decoding: a backend may verify it in one forward
    # pass instead of decoding token by token (outputs unchanged); backends may ignore it
    draft: str | None = None

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("GenerateRequest needs exactly one of prompt or messages")


@dataclass(frozen=True)
class LoglikelihoodRequest:
    continuation: str
    context: str | None = None
    messages: list[Message] | None = None

    def __post_init__(self) -> None:
        if (self.context is None) == (self.messages is None):
            raise ValueError("LoglikelihoodRequest needs exactly one of context or messages")


@dataclass
class Generation:
    text: str
    n_tokens: int = 0
    finish_reason: str = "stop"  # stop | length | error
    tool_calls: list[dict[str, Any]] | None = None  # native tool calls, when the server parses them
    error: str | None = None


@dataclass
class Loglikelihood:
    logprobs: list[float]
    tokens: list[str]
    is_greedy: list[bool]

    @property
    def total(self) -> float:
        return float(sum(self.logprobs))

    @property
    def all_greedy(self) -> bool:
        return all(self.is_greedy)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, declared by the backend (callers never test its name).

    - `native_tools`: tool schemas go to the model's own tool template / the server's tool parser
      (None: decide from the tokenizer's chat template, for local backends);
    - `prompt_logprobs`: teacher-forced log-probabilities of a continuation (None: only the server
      knows; found out on first use);
    - `string_tool_arguments`: tool-call arguments travel as JSON strings (the OpenAI wire format).
    """

    native_tools: bool | None = None
    prompt_logprobs: bool | None = True
    string_tool_arguments: bool = False


@dataclass
class BackendInfo:
    """What a result depends on: recorded with every run."""

    backend: str
    model_id: str
    weights_hash: str | None = None
    device: str = "cpu"
    dtype: str = "float32"
    extra: dict[str, Any] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)


@runtime_checkable
class Backend(Protocol):
    info: BackendInfo

    def generate(self, requests: list[GenerateRequest]) -> list[Generation]: ...

    def loglikelihood(self, requests: list[LoglikelihoodRequest]) -> list[Loglikelihood]: ...

    def close(self) -> None: ...


def cut_at_stop(text: str, stop: tuple[str, ...] | list[str]) -> tuple[str, bool]:
    """Truncate at the earliest stop sequence; return (text, whether a stop was found)."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut], cut < len(text)
