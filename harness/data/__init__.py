"""Frozen, small reference tables shipped with the package (sources named in each file's `_source`)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def load_table(name: str) -> dict[str, Any]:
    """A JSON table from this folder, parsed once (callers must not mutate it)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
