#!/usr/bin/env bash
# The main job: install the environment and the offline CPU model ladder, run the addition /
# emergence sweep, and write tables to results/cpu-addition/report/.
#   bash scripts/main.sh                 # the full sweep (~1-2 h on 2 cores)
#   LIMIT=50 bash scripts/main.sh        # a quick pass with 50 items per task
#   SWEEP=configs/sweeps/other.yaml bash scripts/main.sh
#   OUT=runs/fresh bash scripts/main.sh  # from scratch; the default resumes the committed records
#                                        # in results/cpu-addition (same items, same hashes) and fills
#                                        # the missing cells
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
. .venv/bin/activate
SWEEP=${SWEEP:-configs/sweeps/cpu_addition.yaml}
harness models install
args=("$SWEEP")
[ -n "${OUT:-}" ] && args+=(--output-dir "$OUT")
[ -n "${LIMIT:-}" ] && args+=(--limit "$LIMIT")
harness run "${args[@]}"
