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


MAX_YAML_BYTES = 8 * 1024 * 1024  # config files are small; anything bigger is a mistake
MAX_YAML_VALUES = 1_000_000  # values after expanding aliases: a YAML "billion laughs" is refused, not expanded


def read_text(path: str | Path) -> str:
    """A config file's text as UTF-8; an error names the file (and the byte offset of bad UTF-8)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), None, "file does not exist")
    if not path.is_file():
        raise ConfigError(str(path), None, "not a regular file")
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise ConfigError(str(path), None, f"file is {size} bytes; config files are limited to {MAX_YAML_BYTES}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(str(path), f"line {line}", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8") from None


def _check_expansion(data: Any, source: str) -> None:
    """Refuse documents whose aliases expand past MAX_YAML_VALUES values (stops early; never expands)."""
    budget = MAX_YAML_VALUES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise ConfigError(source, None, f"the YAML expands to more than {MAX_YAML_VALUES} values (nested aliases?); refused")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    text = read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), where, f"invalid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(str(path), None, "invalid YAML: nested too deeply") from None
    _check_expansion(data, str(path))
    return data


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
