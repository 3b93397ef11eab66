#!/usr/bin/env bash
set -euo pipefail
export VLLM_LOGGING_LEVEL=INFO
export HF_HUB_OFFLINE=1
exec vllm serve meta-llama/Llama-3.1-8B-Instruct \
  --served-model-name billing-bot \
  --host 0.0.0.0 --port 8000 \
  --gpu-memory-utilization 0.9 \
  --max-model-len 16384 \
  --max-num-seqs 64 \
  --block-size 16 \
  --enable-prompt-tokens-details \
  --seed 0 \
  --enable-prefix-caching
