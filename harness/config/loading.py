"""YAML loading with errors that name the file and the field.

Every config in the project goes through `load_yaml_model`, so a typo in any YAML file
reads like `tasks/addition.yaml: generation.max_new_tokens: Input should be a valid integer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), None, "file does not exist")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), where, f"invalid YAML: {problem}") from None


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "<root>"


def parse_model(data: Any, model: type[M], source: str, context: dict[str, Any] | None = None) -> M:
    """Validate `data` against `model`; turn the first pydantic error into a ConfigError."""
    if data is None:
        raise ConfigError(source, None, "file is empty")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        msg = first["msg"].removeprefix("Value error, ")
        if len(errors) > 1:
            others = "; ".join(f"{_field_path(e['loc'])}: {e['msg']}" for e in errors[1:4])
            msg += f" (also: {others})"
        raise ConfigError(source, _field_path(tuple(first["loc"])), msg) from None


def load_yaml_model(path: str | Path, model: type[M], context: dict[str, Any] | None = None) -> M:
    return parse_model(read_yaml(path), model, str(path), context)
