"""Items -> prompts.

Completion format (base models, GPT-3 style):
    <preamble>\\n<shot 1 question><shot 1 target>\\n ... <question>
Chat format (instruct models): shots become user/assistant turns, so the model's own chat
template (applied by the backend) decides the special tokens.

Fixed shots (the default) make every prompt of a task share one prefix, which backends can
cache; per-item shots are drawn with a seed derived from the item id.

Variant facets (issue 15): a task's tags may carry `format:<completion|chat>`, `template:<tN>`
(same items, other wording) and `arm:<bare|described>` (zero-shot with the task stated in words or
not). `task_facets` reads them, with defaults (template t1, arm bare) and the prompt format that a
given model actually gets, so tables and rules can group cells by facet; the runner writes the
facets into each run's meta (`prompt_format`, `facets`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness.config.task import TaskSpec
from harness.generators import Item, get_generator
from harness.hashing import derive_seed, rng_for

log = logging.getLogger(__name__)
# Sandboxed: a task file's template cannot reach Python internals (e.g. `cycler.__init__.__globals__.os`).
_ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


@lru_cache(maxsize=512)
def _template(src: str) -> jinja2.Template:
    return _ENV.from_string(src)


def fill(src: str, item: Item) -> str:
    return _template(src).render(**item.template_vars())


@dataclass(frozen=True)
class RenderedPrompt:
    prompt: str | None
    messages: list[dict[str, Any]] | None
    gold_continuation: str  # what a perfect model would emit next (teacher-forcing target)

    def as_record(self) -> str | list[dict[str, Any]]:
        return self.prompt if self.prompt is not None else (self.messages or [])


def use_chat(task: TaskSpec, instruct: bool) -> bool:
    fmt = task.prompt.format
    return fmt == "chat" or (fmt == "auto" and instruct)


FACET_DEFAULTS = {"template": "t1", "arm": "bare"}


def prompt_format(task: TaskSpec, instruct: bool) -> str:
    """'chat' or 'completion': the format this task's prompts take for a (base or instruct) model."""
    return "chat" if use_chat(task, instruct) else "completion"


def task_facets(task: TaskSpec, instruct: bool | None = None) -> dict[str, str]:
    """The variant facets of a task: {'format', 'template', 'arm'} plus any other `key:value` tag.

    `format` is the format the model gets when `instruct` is given (auto resolves per model);
    without it, the task's declared format (`auto` stays `auto`). A tag `format:x` that disagrees
    with `prompt.format` is a config error.
    """
    facets = dict(FACET_DEFAULTS)
    for tag in task.tags:
        key, sep, value = tag.partition(":")
        if sep and key and value:
            facets[key] = value
    declared = task.prompt.format if instruct is None else prompt_format(task, instruct)
    tagged = facets.get("format")
    if tagged is not None and task.prompt.format != "auto" and tagged != task.prompt.format:
        raise ValueError(f"task {task.name}: tag format:{tagged} disagrees with prompt.format {task.prompt.format}")
    facets["format"] = declared
    return facets


def choose_shots(task: TaskSpec, items: list[Item], seed: int) -> dict[str, list[Item]]:
    """Shots for each item, drawn from a separately seeded stream of the same generator.

    Shots are kept disjoint from the test items where the item space allows it. In tiny spaces
    (1-digit addition has 81 questions, all of which appear among 500 test items) fixed shots
    fall back to the stream's first k and a warning says how many test items repeat a shot;
    per-item shots always exclude the item's own question.
    """
    k = task.fewshot.k
    if k == 0:
        return {it.id: [] for it in items}
    gen = get_generator(task.generator.name)
    pool_seed = derive_seed(seed, "fewshot", task.fewshot.seed_offset)
    pool_size = k + 32 if task.fewshot.sampling == "fixed" else max(4 * k, 128)
    pool = gen(task.generator.params, pool_seed, pool_size)
    key = lambda it: (repr(sorted(it.fields.items())), it.target)  # noqa: E731
    if task.fewshot.sampling == "fixed":
        # Disjoint from the task's full item set, not only the items of this run: a --limit run then
        # renders the same prompts as the full run, so their records resume into each other.
        full = gen(task.generator.params, seed, task.n_items) if task.n_items > len(items) else items
        test_keys = {key(it) for it in full}
        disjoint = [p for p in pool if key(p) not in test_keys]
        shots = (disjoint + [p for p in pool if key(p) in test_keys])[:k]
        if len(shots) < k:
            raise ValueError(f"task {task.name}: the generator gave only {len(shots)} few-shot examples (k={k})")
        overlap = sum(key(it) in {key(s) for s in shots} for it in items)
        if overlap:
            log.warning("task %s: %d of %d test items repeat one of the %d fixed shots (small item space)", task.name, overlap, len(items), k)
        return {it.id: shots for it in items}
    out = {}
    for it in items:
        candidates = [p for p in pool if key(p) != key(it)]
        if len(candidates) < k:
            raise ValueError(f"task {task.name}: only {len(candidates)} few-shot examples for item {it.id} (k={k})")
        out[it.id] = rng_for(seed, "shots", it.id).sample(candidates, k)
    return out


def render_prompt(task: TaskSpec, item: Item, shots: list[Item], *, chat: bool) -> RenderedPrompt:
    p = task.prompt
    gold = fill(p.target, item)
    if not chat:
        parts = [p.preamble] if p.preamble else []
        parts += [fill(p.template, s) + fill(p.target, s) for s in shots]
        parts.append(fill(p.template, item))
        return RenderedPrompt(prompt=p.shot_separator.join(parts), messages=None, gold_continuation=gold)
    messages: list[dict[str, Any]] = []
    if p.system:
        messages.append({"role": "system", "content": p.system})
    turns = [(fill(p.template, s), fill(p.target, s).strip()) for s in shots] + [(fill(p.template, item), None)]
    for i, (question, answer) in enumerate(turns):
        content = f"{p.preamble}\n{question}" if (i == 0 and p.preamble) else question
        messages.append({"role": "user", "content": content})
        if answer is not None:
            messages.append({"role": "assistant", "content": answer})
    return RenderedPrompt(prompt=None, messages=messages, gold_continuation=gold.strip())
