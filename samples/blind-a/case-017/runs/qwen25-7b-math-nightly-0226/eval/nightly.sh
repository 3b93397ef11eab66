#!/usr/bin/env bash
export VLLM_BASE_URL=http://localhost:8000/v1
inspect eval inspect_evals/gsm8k \
  --model vllm/Qwen/Qwen2.5-7B-Instruct \
  --limit 40 \
  --temperature 0 \
  --max-tokens 1024 \
  --max-connections 16 \
  --log-dir logs/nightly/20260226 \
  --log-format json
