#!/bin/bash
#SBATCH --job-name=gpt-1p3b-fw-edu-r3
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=96
#SBATCH --partition=h100
#SBATCH --qos=spot
#SBATCH --time=48:00:00
#SBATCH --output=logs/slurm-%j.out
#SBATCH --requeue
export NCCL_DEBUG=WARN
head=$(scontrol show hostnames $SLURM_JOB_NODELIST | head -n1)
srun torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=$head:29400 train.py config/train_1p3b.py
