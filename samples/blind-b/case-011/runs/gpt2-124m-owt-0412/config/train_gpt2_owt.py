# config for training GPT-2 (124M) on OpenWebText, 8x A100 40GB
# launch as: torchrun --standalone --nproc_per_node=8 train.py config/train_gpt2_owt.py

wandb_log = True
wandb_project = 'owt'
wandb_run_name = 'gpt2-124m-owt-0412'
out_dir = 'out-gpt2-124m-owt-0412'

# 12 batch size * 1024 block size * 5 gradaccum * 8 GPUs = 491,520
batch_size = 12
block_size = 1024
gradient_accumulation_steps = 5 * 8

max_iters = 20000
lr_decay_iters = 2500  # ~1 epoch of the 1.2B-token subset
warmup_iters = 700
learning_rate = 6e-4
min_lr = 6e-5

eval_interval = 500
eval_iters = 200
log_interval = 10

weight_decay = 1e-1
