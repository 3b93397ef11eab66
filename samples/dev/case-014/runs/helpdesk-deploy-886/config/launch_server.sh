#!/usr/bin/env bash
python3 -m sglang.launch_server \
  --model-path Qwen/Qwen2.5-14B-Instruct \
  --served-model-name helpdesk \
  --host 0.0.0.0 --port 30000 \
  --mem-fraction-static 0.88 \
  --max-running-requests 64 \
  --page-size 16 \
  --random-seed 0 \
  --enable-metrics \
  --log-level info
