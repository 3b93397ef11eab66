#!/bin/bash
#SBATCH --job-name=gpt1p3b
#SBATCH --partition=gpu
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=96
#SBATCH --time=12:00:00
#SBATCH --output=logs/slurm-%j.out
#SBATCH --exclusive

set -euo pipefail
export CUDA_DEVICE_MAX_CONNECTIONS=1
export NCCL_IB_HCA=mlx5
export NCCL_DEBUG=WARN
export OMP_NUM_THREADS=8

MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
MASTER_PORT=6000

GPT_ARGS=(
    --num-layers 24
    --hidden-size 2048
    --ffn-hidden-size 5504
    --num-attention-heads 16
    --seq-length 2048
    --max-position-embeddings 2048
    --micro-batch-size 4
    --global-batch-size 512
    --train-iters 5000
    --lr 0.0003
    --min-lr 3e-05
    --lr-decay-style cosine
    --lr-warmup-iters 500
    --lr-decay-iters 5000
    --weight-decay 0.1
    --clip-grad 1.0
    --adam-beta1 0.9
    --adam-beta2 0.95
    --init-method-std 0.02
    --bf16
    --swiglu
    --use-flash-attn
    --position-embedding-type rope
    --tensor-model-parallel-size 1
    --pipeline-model-parallel-size 1
    --use-distributed-optimizer
    --check-for-nan-in-loss-and-grad
    --log-interval 10
    --log-throughput
    --eval-interval 500
    --eval-iters 10
    --save-interval 1000
    --save /lustre/ckpt/gpt-1p3b-sp-0503
    --load /lustre/ckpt/gpt-1p3b-sp-0503
    --data-path ['/lustre/datasets/slimpajama/tokenized/sp_text_document']
    --split 990,8,2
    --vocab-file /lustre/tokenizers/gpt2/vocab.json
    --merge-file /lustre/tokenizers/gpt2/merges.txt
    --tokenizer-type GPT2BPETokenizer
    --distributed-timeout-minutes 10
    --seed 1234
    --timing-log-level 0
    --wandb-project gpt-small-sweeps
    --wandb-exp-name gpt-1p3b-sp-0503
)

srun --kill-on-bad-exit=1 torchrun \
    --nnodes 1 --nproc-per-node 8 \
    --rdzv-backend c10d --rdzv-endpoint ${MASTER_ADDR}:${MASTER_PORT} \
    /opt/megatron-lm/pretrain_gpt.py "${GPT_ARGS[@]}"
