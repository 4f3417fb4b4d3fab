#!/usr/bin/env bash
# Create (or reuse) .venv with the harness and its CPU stack. Idempotent; safe to rerun.
# torch is pinned to 2.13.0: on the project machines that is the CPU build available locally,
# so no multi-GB CUDA download happens. On a GPU box install your CUDA torch first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
if ! python -c "import torch" 2>/dev/null; then
  echo "installing torch 2.13.0 (CPU build) into .venv ..."
  python -m pip install -q "torch==2.13.0"
fi
echo "installing the harness and its dependencies (transformers, scipy, statsmodels, matplotlib, ...) into .venv; ~1.6 GB in all ..."
python -m pip install -q -e ".[hf,openai,test]"
python -c "import harness, torch, transformers; print(f'harness {harness.__version__}, torch {torch.__version__}, transformers {transformers.__version__}')"
