#!/usr/bin/env bash
# Create (or reuse) .venv-bfcl: the Berkeley Function Calling Leaderboard package `bfcl-eval`,
# pinned, installed WITHOUT its dependency tree (it pins numpy 1.26, vllm, provider SDKs ...).
# The harness reads BFCL's data files from this wheel (their SHA-256 are pinned in
# harness/data/bfcl_data.lock.json) and tests/bfcl runs BFCL's own, unmodified AST checker
# in this environment (scripts/bfcl_reference.py) to cross-check the harness's matcher.
# Only two small pure-Python imports of the checker/decoder modules are installed next to it
# (filelock, tenacity). Idempotent; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
BFCL_VERSION=2026.3.23
WHEEL_SHA256=3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a
if [ ! -x .venv-bfcl/bin/python ]; then
  "$PY" -m venv .venv-bfcl
fi
if ! .venv-bfcl/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('bfcl-eval') != '$BFCL_VERSION')" 2>/dev/null; then
  tmp=$(mktemp -d)
  .venv-bfcl/bin/python -m pip download -q --no-deps "bfcl-eval==$BFCL_VERSION" -d "$tmp"
  echo "$WHEEL_SHA256  $(ls "$tmp"/bfcl_eval-*.whl)" | sha256sum -c --quiet
  .venv-bfcl/bin/python -m pip install -q --no-deps "$tmp"/bfcl_eval-*.whl
  rm -rf "$tmp"
fi
.venv-bfcl/bin/python -m pip install -q "filelock==3.20.0" "tenacity>=8.5"
.venv-bfcl/bin/python scripts/bfcl_reference.py --self-check
