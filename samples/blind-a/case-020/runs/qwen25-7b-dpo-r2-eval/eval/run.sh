#!/usr/bin/env bash
source eval/env.sh
for T in arc_challenge:25 hellaswag:10 winogrande:5 gsm8k:5; do
  lm_eval --model hf --model_args pretrained=/data/ckpts/qwen25-7b-dpo-r2/final,dtype=bfloat16 \
    --tasks ${T%:*} --num_fewshot ${T##*:} --batch_size 16 \
    --output_path /data/evals/qwen25-7b-dpo-r2-eval --wandb_args project=${WANDB_PROJECT}
done
