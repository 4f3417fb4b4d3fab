#!/usr/bin/env bash
# The exact commands behind results/hallucination/report/ (CPU, 2 cores shared with six other jobs,
# so phases run in priority order and each is resumable: rerunning skips recorded items).
# Records go to results/hallucination/records (gitignored); tables to results/hallucination/report/.
set -uo pipefail
cd "$(dirname "$0")/../.."
. .venv/bin/activate
SWEEP=configs/sweeps/cpu_hallucination.yaml
OUT=results/hallucination
run() { nice -n 10 harness run $SWEEP --no-progress --no-report --output-dir $OUT "$@"; }
# phase 1: bare vs "I don't know" permission (24 items: 8 control, 8 fictional, 8 false premise) + filmography (3 actors x EN/ZH)
for m in qwen2.5-coder-0.5b smollm2-135m gemma3-270m; do
  run --models $m --tasks 'halluc_qa_bare,halluc_qa_idk' --limit 24
done
for m in smollm2-135m gemma3-270m qwen2.5-coder-0.5b; do
  run --models $m --tasks halluc_filmography --limit 6
done
# phase 2: retrieval with / without the answer (first 16 of the same items; smallest models first)
for m in smollm2-135m gemma3-270m qwen2.5-coder-0.5b; do
  run --models $m --tasks 'halluc_qa_rag,halluc_qa_rag_noanswer' --limit 16
done
# phase 3: "check the premise", few-shot with abstention exemplars, imaginative vs factual (smallest models first)
for m in smollm2-135m gemma3-270m qwen2.5-coder-0.5b; do
  run --models $m --tasks 'halluc_qa_premise,halluc_qa_fewshot' --limit 16
  run --models $m --tasks 'halluc_imaginative_*' --limit 8
done
# phase 4 (2026-11-23 15:32 UTC, idle CPU, 2 threads): every QA condition to 60 items (20 control /
# 20 fictional / 20 false premise, half ZH), imaginative vs factual to 30, all three models
for m in qwen2.5-coder-0.5b gemma3-270m smollm2-135m; do
  run --models $m --tasks 'halluc_qa_bare,halluc_qa_idk,halluc_qa_premise,halluc_qa_fewshot,halluc_qa_rag,halluc_qa_rag_noanswer' --limit 60
  run --models $m --tasks 'halluc_imaginative_*' --limit 30
done
# phase 5 (16:10-17:30 UTC): every QA condition to 120 items for the three small models, the full
# filmography probe (18), and Qwen2.5-Coder-1.5B on five conditions (60)
for m in smollm2-135m gemma3-270m qwen2.5-coder-0.5b; do
  run --models $m --tasks 'halluc_qa_bare,halluc_qa_idk,halluc_qa_premise,halluc_qa_fewshot,halluc_qa_rag,halluc_qa_rag_noanswer' --limit 120
  run --models $m --tasks halluc_filmography
done
run --models qwen2.5-coder-1.5b --tasks 'halluc_qa_bare,halluc_qa_idk' --limit 60
run --models qwen2.5-coder-1.5b --tasks 'halluc_qa_premise,halluc_qa_rag,halluc_qa_rag_noanswer' --limit 60
harness rescore $OUT
harness report $OUT
harness report $OUT   # the Hallucination section of report.md
