#!/usr/bin/env bash
python3 -m sglang_router.launch_router \
  --worker-urls http://sglang-0:30000 http://sglang-1:30000 http://sglang-2:30000 \
  --policy round_robin \
  --host 0.0.0.0 --port 8080 \
  --log-level info
