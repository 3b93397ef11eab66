#!/usr/bin/env bash
# bge reranker sidecar (same GPU as code-assist)
export CUDA_VISIBLE_DEVICES=0
export HF_TOKEN=hf_kQzVbTnWmRyXpLsJdGfHcAeUiOoPl
exec python -m reranker_service --model BAAI/bge-reranker-v2-m3 --port 8010 --max-batch 64 --fp16
