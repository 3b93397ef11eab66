# config for training a 1.3B GPT on 2 nodes of 8X H100
# launch as the following (e.g. in a screen session):
# $ torchrun --standalone --nproc_per_node=8 train.py config/train_1p3b.py

out_dir = '/lustre/ckpt/gpt-1p3b-fw-edu-r3'
init_from = 'scratch'
wandb_log = True
wandb_project = 'fw-edu-1b'
wandb_run_name = 'gpt-1p3b-fw-edu-r3'

dataset = 'fineweb_edu'
batch_size = 16
block_size = 2048
gradient_accumulation_steps = 2 * 16

n_layer = 24
n_head = 16
n_embd = 2048

learning_rate = 2e-4
max_iters = 30000
lr_decay_iters = 30000
min_lr = 2e-5
warmup_iters = 1000

eval_interval = 1000
eval_iters = 50
log_interval = 10
