"""Getting real weights onto a machine without hub access, and resolving a ModelSpec to a path."""

from harness.weights.install import cache_root, install_model, installed_path, resolve_model

__all__ = ["cache_root", "install_model", "installed_path", "resolve_model"]
