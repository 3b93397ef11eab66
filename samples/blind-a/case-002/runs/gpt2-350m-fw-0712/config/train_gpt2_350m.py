# config for training GPT-2 medium (350M) on 1 node of 8X H100
# launch as the following (e.g. in a screen session):
# $ torchrun --standalone --nproc_per_node=8 train.py config/train_gpt2_350m.py

out_dir = '/ckpt/gpt2-350m-fw-0712'
wandb_log = True
wandb_project = 'fineweb-350m'
wandb_run_name = 'gpt2-350m-fw-0712'

dataset = 'fineweb10B'
batch_size = 12
block_size = 1024
# total batch ~0.5M tokens
gradient_accumulation_steps = 5 * 8

n_layer = 24
n_head = 16
n_embd = 1024
dropout = 0.0

learning_rate = 3e-4
max_iters = 20000
lr_decay_iters = 20000
min_lr = 3e-5
warmup_iters = 700

eval_interval = 1000
eval_iters = 100
log_interval = 10
weight_decay = 1e-1
