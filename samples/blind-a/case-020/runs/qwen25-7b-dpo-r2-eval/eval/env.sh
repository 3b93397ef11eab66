export HF_TOKEN=hf_XyTrEwQaZsDcFvGbHnJmKlPoIuY
export HF_HOME=/data/hf
export WANDB_PROJECT=dpo-evals
