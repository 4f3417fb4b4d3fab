"""Solvers: how a batch of prompted items is turned into outputs (one call, or an agent loop).

Inspect's idea (task = dataset + solver + scorer) in a small form: a new interaction pattern is a
new solver module, with no change to the runner.
"""

from __future__ import annotations

from harness.registry import import_plugins
from harness.solvers.base import SOLVERS, Solver, SolverOutput, register_solver


def load_all() -> None:
    """Import every module of this package so that its plugins register."""
    import_plugins(__name__, __path__)


__all__ = ["SOLVERS", "Solver", "SolverOutput", "load_all", "register_solver"]
