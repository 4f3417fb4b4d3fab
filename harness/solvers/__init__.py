"""Solvers: how a batch of prompted items is turned into outputs (one call, or an agent loop).

Inspect's idea (task = dataset + solver + scorer) in a small form: a new interaction pattern is a
new solver module, with no change to the runner.
"""

from __future__ import annotations

import importlib
import pkgutil

from harness.solvers.base import SOLVERS, Solver, SolverOutput, register_solver

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


__all__ = ["SOLVERS", "Solver", "SolverOutput", "load_all", "register_solver"]
