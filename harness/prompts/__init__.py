"""Rendering items into requests: few-shot assembly, completion text or chat messages."""

from harness.prompts.render import RenderedPrompt, choose_shots, render_prompt

__all__ = ["RenderedPrompt", "choose_shots", "render_prompt"]
