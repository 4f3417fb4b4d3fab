from __future__ import annotations

import os

import pytest

from harness.bfcl_crosscheck import reference_python
from harness.generators.bfcl import BfclDataError, data_dir


def _why_missing() -> str | None:
    try:
        data_dir()
    except BfclDataError as exc:
        return str(exc)
    if reference_python() is None:
        return ".venv-bfcl missing: run scripts/setup_bfcl_env.sh"
    return None


@pytest.fixture(scope="session")
def bfcl_env() -> None:
    """BFCL's wheel (data + checker) in .venv-bfcl; a skip where it is not installed, a failure under BFCL_REQUIRED=1 (CI)."""
    why = _why_missing()
    if why:
        if os.environ.get("BFCL_REQUIRED") == "1":
            pytest.fail(why)
        pytest.skip(why)
