#!/usr/bin/env bash
set -euo pipefail
export VLLM_LOGGING_LEVEL=INFO
export HF_HUB_OFFLINE=1
exec vllm serve meta-llama/Llama-3.1-8B-Instruct \
  --served-model-name coder-8b \
  --host 0.0.0.0 --port 8000 \
  --gpu-memory-utilization 0.92 \
  --max-model-len 16384 \
  --max-num-seqs 64 \
  --block-size 16 \
  --seed 0 \
  --enable-prefix-caching
