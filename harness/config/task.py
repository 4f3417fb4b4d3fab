"""Task configs: dataset (generator) + prompt + solver + parser + metrics, validated by schema.

A task file holds one task, or several via `variants:` (each a name plus dotted-path overrides),
and may `include:` another file as its base (deep-merged, like lm-evaluation-harness).
The task hash covers everything that changes what is asked or how it is scored, so results of a
changed task are never mixed with old ones on resume.
"""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.config.loading import parse_model, read_yaml
from harness.errors import ConfigError
from harness.hashing import stable_hash


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeneratorRef(_Strict):
    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known(self) -> "GeneratorRef":
        from harness.generators import get_generator

        try:
            gen = get_generator(self.name)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        gen.parse_params(self.params)  # raises a ValidationError naming the param
        return self


class FewShot(_Strict):
    k: int = Field(0, ge=0, le=200)
    sampling: Literal["fixed", "per_item"] = Field(
        "fixed", description="fixed: the same k shots for every item (a shared prefix); per_item: drawn per item"
    )
    seed_offset: int = Field(1, description="shots come from the generator run with a derived seed, disjoint from test items")


class PromptSpec(_Strict):
    format: Literal["completion", "chat", "auto"] = Field(
        "auto", description="completion: plain text; chat: the model's chat template; auto: chat for instruct models"
    )
    template: str = Field(..., description="Jinja2 template of one question, over the item's fields")
    target: str = Field(" {{ target }}", description="how a shot's answer is written after the question")
    shot_separator: str = "\n"
    preamble: str | None = Field(None, description="text before the shots (completion) or first user turn prefix (chat)")
    system: str | None = Field(None, description="system message (chat format only)")


class GenerationSpec(_Strict):
    max_new_tokens: int = Field(16, ge=1, le=8192)
    stop: list[str] = Field(default_factory=lambda: ["\n"])
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    n_samples: int = Field(1, ge=1)


class ParserRef(_Strict):
    name: str = "identity"
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        from harness.metrics import PARSERS, load_all

        load_all()
        if v not in PARSERS:
            raise ValueError(f"unknown parser {v!r}; known: {', '.join(sorted(PARSERS))}")
        return v


class SolverRef(_Strict):
    name: str = "generate"
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        from harness.solvers import SOLVERS, load_all

        load_all()
        if v not in SOLVERS:
            raise ValueError(f"unknown solver {v!r}; known: {', '.join(sorted(SOLVERS))}")
        return v


class TaskSpec(_Strict):
    name: str = Field(..., pattern=r"^[A-Za-z0-9_.\-]+$")
    version: int = 1
    description: str = ""
    claims: list[str] = Field(default_factory=list, description="catalogue ids this task serves (informational)")
    generator: GeneratorRef
    n_items: int = Field(..., ge=1)
    seed: int = 1234
    fewshot: FewShot = Field(default_factory=FewShot)
    prompt: PromptSpec
    generation: GenerationSpec = Field(default_factory=GenerationSpec)
    solver: SolverRef = Field(default_factory=SolverRef)
    parser: ParserRef = Field(default_factory=ParserRef)
    metrics: list[str] = Field(..., min_length=1)
    primary_metric: str | None = None
    tags: list[str] = Field(default_factory=list)
    source_file: str | None = Field(None, exclude=True)

    @field_validator("metrics")
    @classmethod
    def _metrics_known(cls, v: list[str]) -> list[str]:
        from harness.metrics import METRICS, load_all

        load_all()
        unknown = [m for m in v if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(sorted(METRICS))}")
        return v

    @model_validator(mode="after")
    def _primary(self) -> "TaskSpec":
        if self.primary_metric is None:
            self.primary_metric = self.metrics[0]
        return self

    @property
    def hash(self) -> str:
        """Hash of what is asked and how it is scored (not of descriptions or tags).

        `n_items` is left out: it says how many items, not what they are (generators are prefix-stable,
        and every record carries its item's hash and prompt), so growing a task's N resumes its records.
        """
        return stable_hash(self.model_dump(exclude={"description", "claims", "tags", "source_file", "primary_metric", "n_items"}))


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _set_dotted(d: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    for k in keys[:-1]:
        d = d.setdefault(k, {})
    d[keys[-1]] = value


def _resolve_includes(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(str(path), None, "expected a mapping at the top level")
    inc = raw.pop("include", None)
    if inc is None:
        return raw
    inc_path = (path.parent / inc).resolve()
    if inc_path in seen:
        raise ConfigError(str(path), "include", f"include cycle through {inc_path}")
    return _deep_merge(_resolve_includes(inc_path, seen + (inc_path,)), raw)


def load_task(path: str | Path) -> list[TaskSpec]:
    """Load one task file into one or more TaskSpecs (one per variant)."""
    path = Path(path)
    raw = _resolve_includes(path)
    variants = raw.pop("variants", None)
    if raw.pop("abstract", False):  # a base file only meant to be included
        return []
    if variants is None:
        docs = [(str(path), raw)]
    else:
        if not isinstance(variants, list):
            raise ConfigError(str(path), "variants", "expected a list of {name, set} mappings")
        docs = []
        for i, var in enumerate(variants):
            if not isinstance(var, dict) or "name" not in var:
                raise ConfigError(str(path), f"variants[{i}]", "each variant needs a 'name' (and optional 'set')")
            extra = set(var) - {"name", "set"}
            if extra:
                raise ConfigError(str(path), f"variants[{i}]", f"unknown key(s) {sorted(extra)}; expected name, set")
            doc = copy.deepcopy(raw)
            doc["name"] = var["name"]
            for dotted, value in (var.get("set") or {}).items():
                _set_dotted(doc, dotted, value)
            docs.append((f"{path} (variant {var['name']})", doc))
    from harness.config.templates import check_templates

    out = []
    for source, doc in docs:
        spec = parse_model(doc, TaskSpec, source)
        spec.source_file = str(path)
        check_templates(spec, source)  # compiled (sandboxed) and checked against the generator's fields now
        out.append(spec)
    return out


def load_tasks(task_dir: str | Path = "tasks") -> dict[str, TaskSpec]:
    """All tasks under `task_dir`, keyed by name; duplicate names are an error."""
    tasks: dict[str, TaskSpec] = {}
    for path in sorted(Path(task_dir).rglob("*.yaml")):
        for spec in load_task(path):
            if spec.name in tasks:
                raise ConfigError(str(path), "name", f"task {spec.name!r} already defined in {tasks[spec.name].source_file}")
            tasks[spec.name] = spec
    return tasks


def select_tasks(all_tasks: dict[str, TaskSpec], patterns: list[str]) -> list[TaskSpec]:
    """Tasks whose names match any glob in `patterns`, in pattern order; unknown patterns are errors."""
    chosen: dict[str, TaskSpec] = {}
    for pat in patterns:
        hits = [n for n in all_tasks if fnmatch.fnmatchcase(n, pat)]
        if not hits:
            raise ConfigError("<tasks>", pat, f"no task matches; known: {', '.join(sorted(all_tasks))}")
        for n in sorted(hits):
            chosen.setdefault(n, all_tasks[n])
    return list(chosen.values())
