#!/usr/bin/env bash
lm_eval --model hf \
  --model_args pretrained=/mnt/ckpt/llama31-8b-dpo-r22/hf,dtype=bfloat16 \
  --tasks gsm8k,ifeval \
  --num_fewshot 3 \
  --apply_chat_template \
  --fewshot_as_multiturn \
  --batch_size 16 \
  --limit 40 \
  --log_samples \
  --output_path /mnt/evals/dpo-r22/llama31-8b-dpo-r22-chateval-1002 \
  --wandb_args project=dpo-evals,name=llama31-8b-dpo-r22-chateval-1002
