"""Shared fixtures.

- `repo`: the repository root (tests run the real configs in tasks/ and configs/).
- `fake_registry`: a model registry with a model served by the fake backend (plumbing tests).
- `smollm2`: the real SmolLM2-135M-Instruct. Tests never download: `bash scripts/test.sh` installs it
  first (`harness models install smollm2-135m`, with output); a test needing a model that is not
  installed fails with that command. Tests using it are marked `real_model` and skipped only when
  HARNESS_SKIP_REAL=1 (never silently in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def registry():
    from harness.config import load_model_registry

    return load_model_registry(REPO / "configs" / "models.yaml")


def installed_model(registry, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The installed folder of an offline-ladder model; fails (never downloads) when it is missing."""
    from harness.weights import resolve_model
    from harness.errors import ModelLoadError

    try:
        return Path(resolve_model(registry.get(name), auto_install=False)["model_path"])
    except ModelLoadError as exc:
        pytest.fail(f"{exc} (scripts/test.sh installs it before the tests; tests never download)", pytrace=False)


@pytest.fixture(scope="session")
def require_model(registry):  # type: ignore[no-untyped-def]
    """`require_model(name)` -> the installed folder of a ladder model, or a failure naming the install command."""
    return lambda name: installed_model(registry, name)


@pytest.fixture(scope="session")
def smollm2_path(registry) -> Path:
    if os.environ.get("HARNESS_SKIP_REAL") == "1":
        pytest.skip("HARNESS_SKIP_REAL=1")
    return installed_model(registry, "smollm2-135m")


@pytest.fixture(scope="session")
def smollm2(smollm2_path, registry):
    """One real SmolLM2-135M backend shared by the session (loading costs a few seconds)."""
    from harness.backends import load_backend

    backend = load_backend("hf", registry.get("smollm2-135m"), {"batch_size": 8, "device": "cpu"})
    yield backend
    backend.close()


class _KeepOpen:
    """The session's shared SmolLM2, whose close() a Runner must not reach."""

    def __init__(self, backend) -> None:  # type: ignore[no-untyped-def]
        self._b = backend
        self.info = backend.info

    def generate(self, requests):  # type: ignore[no-untyped-def]
        return self._b.generate(requests)

    def loglikelihood(self, requests):  # type: ignore[no-untyped-def]
        return self._b.loglikelihood(requests)

    def close(self) -> None:
        pass


@pytest.fixture
def smollm2_factory(smollm2):
    """A Runner backend_factory that serves the shared SmolLM2 without closing it."""
    return lambda kind, spec, opts: _KeepOpen(smollm2)
