#!/usr/bin/env bash
# Device check of the HF backend on CUDA vs CPU, with a seeded random model built from a config:
# no network, no weights to carry. One line per check (PASS/FAIL/SKIP); exit 1 on any FAIL.
# Without CUDA it runs the CPU reference checks and reports the CUDA checks as SKIP (exit 0).
#   bash scripts/gpu_check.sh                      # print
#   bash scripts/gpu_check.sh results/gpu-check/h100.txt   # also save the output there
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ $# -ge 1 ]; then
  mkdir -p "$(dirname "$1")"
  set +e
  { echo "# command: bash scripts/gpu_check.sh $1   (git $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ))"
    PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PY" scripts/gpu_check.py; } 2>&1 | tee "$1"
  exit "${PIPESTATUS[0]}"
fi
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" scripts/gpu_check.py
