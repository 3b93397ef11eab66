#!/usr/bin/env bash
set -euo pipefail
export HF_DATASETS_OFFLINE=1
lm_eval --model vllm \
  --model_args pretrained=/mnt/ckpt/llama31-8b-sft-r9/final,tensor_parallel_size=1,dtype=bfloat16,gpu_memory_utilization=0.85,max_model_len=4096 \
  --tasks gsm8k \
  --num_fewshot 5 \
  --batch_size auto \
  --limit 40 \
  --gen_kwargs max_gen_toks=512 \
  --log_samples \
  --output_path /mnt/evals/llama31-8b-sft-r9-gsm8k
