#!/usr/bin/env bash
set -x
export NCCL_DEBUG=WARN
export WANDB_RUN_NAME=neox-1b4-web-r7
deepspeed --num_gpus 4 train_ds.py \
  --deepspeed_config configs/ds_config.json \
  --model-config configs/neox_1b4.yaml \
  --data /mnt/data/web-mix-v3 --seq-len 2048 --train-steps 6000 --lr 3e-4 --warmup 500 --seed 17 \
  --save /ckpt/neox-1b4-web-r7 2>&1 | tee logs/train_rank0.log
