"""What every local backend does the same way with its tokenizer, so their prompts and log-probs agree:
the rendering of a request to the exact text fed to the model, and the context/continuation token split.
"""

from __future__ import annotations

from typing import Any, Callable


def render_request(tokenizer: Any, model_id: str, prompt: str | None, messages: list[dict[str, Any]] | None,
                   tools: list[dict[str, Any]] | None = None) -> tuple[str, bool]:
    """The exact text fed to the model, and whether special tokens must be added when encoding it
    (a plain prompt: yes; a chat template already wrote them: no)."""
    if messages is None:
        assert prompt is not None
        return prompt, True
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"{model_id} has no chat template; use prompt.format: completion")
    return tokenizer.apply_chat_template(messages, tools=tools, tokenize=False, add_generation_prompt=True), False


def encode(tokenizer: Any, text: str, add_special: bool) -> list[int]:
    return list(tokenizer(text, add_special_tokens=add_special)["input_ids"])


# lm-evaluation-harness convention: trailing spaces of the context belong to the continuation, and
# the continuation's tokens are those the full string adds after the context's tokens (tokenizers
# merge across the boundary, so encoding the two halves separately would score other tokens).
def split_context_continuation(context: str, continuation: str, encode: Callable[[str], list[int]]) -> tuple[list[int], list[int]]:
    stripped = context.rstrip(" ")
    continuation = context[len(stripped) :] + continuation
    whole = encode(stripped + continuation)
    ctx = encode(stripped)
    n_common = 0
    for a, b in zip(ctx, whole):
        if a != b:
            break
        n_common += 1
    return whole[:n_common], whole[n_common:]


class LocalTokenizerMixin:
    """render / encode / context-continuation split for backends that hold the model's tokenizer
    (transformers and vLLM), so both feed and score exactly the same tokens."""

    tokenizer: Any
    info: Any

    def render(self, prompt: str | None, messages: list[dict[str, Any]] | None, tools: list[dict[str, Any]] | None = None) -> tuple[str, bool]:
        return render_request(self.tokenizer, self.info.model_id, prompt, messages, tools)

    def _encode(self, text: str, add_special: bool) -> list[int]:
        return encode(self.tokenizer, text, add_special)

    def _split_tokens(self, r: Any) -> tuple[list[int], list[int]]:
        """A log-likelihood request's (context tokens, continuation tokens)."""
        context, special = self.render(r.context, r.messages)
        return split_context_continuation(context, r.continuation, lambda text: self._encode(text, special))
