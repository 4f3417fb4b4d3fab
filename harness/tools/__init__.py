"""Sandboxed tools for function-calling and agent tasks; modules register their tools on import."""

from __future__ import annotations

import importlib
import pkgutil

from harness.tools.base import TOOLS, Sandbox, Tool, ToolError, build_sandbox, execute, get_tools, register_tool
from harness.tools.calls import Call, Extraction, extract_calls

_loaded = False
_NOT_TOOLS = {"base", "calls", "report", "protocol"}


def load_all() -> None:
    """Import every tool module so that its tools register."""
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        if mod.name not in _NOT_TOOLS:
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


__all__ = ["TOOLS", "Call", "Extraction", "Sandbox", "build_sandbox", "Tool", "ToolError", "execute", "extract_calls", "get_tools", "load_all", "register_tool"]
