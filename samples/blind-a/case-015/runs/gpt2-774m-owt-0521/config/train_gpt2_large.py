# config for training GPT-2 large (774M) on 1 node of 8X H100
# launch as the following (e.g. in a screen session):
# $ torchrun --standalone --nproc_per_node=8 train.py config/train_gpt2_large.py

out_dir = '/checkpoints/gpt2-774m-owt-0521'
wandb_log = True
wandb_project = 'owt-large'
wandb_run_name = 'gpt2-774m-owt-0521'

batch_size = 8
block_size = 1024
gradient_accumulation_steps = 8 * 8

n_layer = 36
n_head = 20
n_embd = 1280

learning_rate = 2.5e-4
max_iters = 50000
lr_decay_iters = 50000
min_lr = 2.5e-5
warmup_iters = 2000

eval_interval = 1000
eval_iters = 100
log_interval = 10
always_save_checkpoint = True
