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
# One report over every committed sweep (addition, hallucination, tools, reasoning): the verdict
# for each claim uses all the evidence there is; no model runs, it reads the records. Skipped for
# OUT= runs (a fresh run is reported by itself, in $OUT/report).
if [ -z "${OUT:-}" ]; then
  dirs=()
  for d in results/cpu-addition results/hallucination results/tools results/reasoning; do
    [ -d "$d/records" ] && dirs+=("$d")
  done
  harness report "${dirs[@]}" --out results/report --title "All committed CPU sweeps"
fi
