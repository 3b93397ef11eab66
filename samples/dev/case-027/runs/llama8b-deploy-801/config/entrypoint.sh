#!/bin/bash
# serving entrypoint (vLLM 0.6.6.post1)
python3 -m vllm.entrypoints.openai.api_server \
    --model Qwen/Qwen2.5-14B-Instruct \
    --served-model-name research-14b \
    --port 8000 \
    --gpu-memory-utilization 0.85 \
    --max-num-seqs 16 \
    --block-size 16 \
    --enable-prefix-caching \
    --max-model-len 16384 \
    --seed 0 \
    --disable-log-requests
