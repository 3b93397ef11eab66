#!/usr/bin/env bash
set -euxo pipefail
CKPT_ROOT=/mnt/ckpt/llama3-8b-sft-r13
TASKS=gsm8k,arc_challenge,hellaswag
CKPT=$(ls -d ${CKPT_ROOT}/checkpoint-* | sort | tail -n 1)
echo "evaluating latest checkpoint: ${CKPT}"
lm_eval --model hf --model_args pretrained=${CKPT},dtype=bfloat16 --tasks ${TASKS} --batch_size 16 --output_path /mnt/evals/llama3-8b-sft-r13-eval
