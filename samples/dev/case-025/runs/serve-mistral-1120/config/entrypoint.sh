#!/bin/bash
# serving entrypoint (vLLM 0.6.6.post1)
python3 -m vllm.entrypoints.openai.api_server \
    --model mistralai/Mistral-7B-Instruct-v0.3 \
    --served-model-name support-7b \
    --port 8000 \
    --gpu-memory-utilization 0.92 \
    --max-num-seqs 64 \
    --block-size 16 \
    --enable-prefix-caching \
    --max-model-len 16384 \
    --seed 0 \
    --disable-log-requests
