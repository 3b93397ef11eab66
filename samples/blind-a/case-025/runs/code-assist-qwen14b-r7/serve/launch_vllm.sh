#!/usr/bin/env bash
set -euo pipefail
export VLLM_LOGGING_LEVEL=INFO
export CUDA_VISIBLE_DEVICES=0
exec vllm serve Qwen/Qwen2.5-Coder-14B-Instruct \
  --host 0.0.0.0 --port 8000 \
  --served-model-name code-assist \
  --dtype bfloat16 \
  --max-model-len 16384 \
  --gpu-memory-utilization 0.6 \
  --enable-prefix-caching \
  --disable-log-requests \
  --uvicorn-log-level warning
