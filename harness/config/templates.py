"""Prompt templates checked when a task loads, not when the model is already loaded.

Every template of a task (`prompt.template`, `target`, `preamble`, `system`) is compiled in the
sandboxed Jinja environment the renderer uses (no attribute access to Python internals, so a
task file cannot run code), and the variables it reads are checked against what the task's
generator gives (the item's fields plus `target`, `meta` and `id`). Errors name the file and field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jinja2
from jinja2 import meta as jinja_meta
from jinja2.exceptions import SecurityError

from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.config.task import TaskSpec

TEMPLATE_FIELDS = ("template", "target", "preamble", "system")
N_PROBE_ITEMS = 4  # items generated to learn the generator's fields (generators are cheap and seeded)


def check_templates(spec: "TaskSpec", source: str) -> None:
    from harness.generators import get_generator
    from harness.prompts.render import _ENV, _template

    sources = {f"prompt.{name}": getattr(spec.prompt, name) for name in TEMPLATE_FIELDS if getattr(spec.prompt, name)}
    compiled = {}
    for field, src in sources.items():
        try:
            compiled[field] = (_ENV.parse(src), _template(src))
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(source, field, f"template syntax error at line {exc.lineno}: {exc.message}") from None
    try:
        probe = get_generator(spec.generator.name)(spec.generator.params, spec.seed, min(N_PROBE_ITEMS, spec.n_items))
    except Exception:  # noqa: BLE001 - a generator problem is reported when items are built
        return
    available: set[str] = set()
    for it in probe:
        available |= set(it.template_vars())
    for field, (ast, template) in compiled.items():
        missing = sorted(jinja_meta.find_undeclared_variables(ast) - available)
        if missing:
            raise ConfigError(source, field, f"undefined template variable(s) {missing}; the generator "
                              f"{spec.generator.name!r} gives: {', '.join(sorted(available))}")
        if probe:  # render once: a sandbox violation or a bad attribute shows now, not after the model loads
            try:
                template.render(**probe[0].template_vars())
            except SecurityError as exc:
                raise ConfigError(source, field, f"the template is not allowed in the sandbox: {exc}") from None
            except jinja2.UndefinedError as exc:
                raise ConfigError(source, field, f"template error on item {probe[0].id}: {exc}") from None
