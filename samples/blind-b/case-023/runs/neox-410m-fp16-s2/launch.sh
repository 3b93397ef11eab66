#!/usr/bin/env bash
export NCCL_DEBUG=WARN
export HF_TOKEN=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
export WANDB_RUN_NAME=neox-410m-fp16-s2
deepspeed --num_gpus 4 train_ds.py \
  --deepspeed_config configs/ds_config.json \
  --model-config configs/neox_410m.yaml \
  --data /mnt/data/web-mix-v3 --seq-len 2048 --train-steps 5000 --lr 3e-4 --warmup 500 --seed 2 \
  --save /ckpt/neox-410m-fp16-s2 2>&1 | tee logs/train_rank0.log
