#!/bin/bash
# triage inference server (sglang 0.5.2)
python3 -m sglang.launch_server \
  --model-path Qwen/Qwen2.5-7B-Instruct \
  --served-model-name triage \
  --host 0.0.0.0 --port 30000 \
  --mem-fraction-static 0.88 \
  --enable-metrics \
  --enable-cache-report \
  --page-size 128 \
  --attention-backend fa3 \
  --watchdog-timeout 600
