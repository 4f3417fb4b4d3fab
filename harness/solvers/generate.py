"""The default solver: one generation per item, all items of a chunk in one backend call.

Greedy requests carry the item's gold continuation as a draft: a backend that can verify it in
one forward pass (the HF backend) skips sequential decoding where the model would emit the gold
anyway, with the same outputs; other backends ignore it.
"""

from __future__ import annotations

from harness.backends.base import Backend, GenerateRequest
from harness.config.task import TaskSpec
from harness.generators.base import Item
from harness.hashing import derive_seed
from harness.prompts.render import RenderedPrompt
from harness.solvers.base import SolverOutput, register_solver


@register_solver("generate")
def generate(task: TaskSpec, items: list[Item], prompts: list[RenderedPrompt], backend: Backend, seed: int) -> list[SolverOutput]:
    g = task.generation
    reqs = [
        GenerateRequest(
            prompt=p.prompt,
            messages=p.messages,
            max_new_tokens=g.max_new_tokens,
            stop=tuple(g.stop),
            temperature=g.temperature,
            top_p=g.top_p,
            seed=derive_seed(seed, it.id) % (2**31) if g.temperature > 0 else None,
            draft=(p.gold_continuation or None) if g.temperature == 0 else None,
        )
        for it, p in zip(items, prompts)
    ]
    return [SolverOutput(text=o.text, n_tokens=o.n_tokens, finish_reason=o.finish_reason, error=o.error) for o in backend.generate(reqs)]
