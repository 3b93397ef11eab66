import Foundation

/// Failure and noise lines as real frameworks print them (FORMATS.md B).
enum Signatures {
    /// CUDA OOM, four message generations (0 oldest .. 3 newest).
    static func oom(generation: Int, tried: String, total: String, free: String, allocated: String, reserved: String) -> String {
        switch generation {
        case 0: return "RuntimeError: CUDA out of memory. Tried to allocate \(tried) (GPU 0; \(total) total capacity; \(allocated) already allocated; \(free) free; \(reserved) cached)"
        case 1: return "RuntimeError: CUDA out of memory. Tried to allocate \(tried) (GPU 0; \(total) total capacity; \(allocated) already allocated; \(free) free; \(reserved) reserved in total by PyTorch)"
        case 2: return "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate \(tried). GPU 0 has a total capacty of \(total) of which \(free) is free. Of the allocated memory \(allocated) is allocated by PyTorch, and \(reserved) is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF"
        default: return "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate \(tried). GPU 0 has a total capacity of \(total) of which \(free) is free. Including non-PyTorch memory, this process has 78.61 GiB memory in use. Of the allocated memory \(allocated) is allocated by PyTorch, and \(reserved) is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)"
        }
    }

    /// A Python traceback; the last element of `frames` is closest to the error.
    static func traceback(_ frames: [(file: String, line: Int, fn: String, src: String)], error: String) -> [String] {
        var out = ["Traceback (most recent call last):"]
        for f in frames {
            out.append("  File \"\(f.file)\", line \(f.line), in \(f.fn)")
            out.append("    \(f.src)")
        }
        out.append(error)
        return out
    }

    static let hfTrainFrames: [(file: String, line: Int, fn: String, src: String)] = [
        ("/workspace/train.py", 214, "<module>", "main()"),
        ("/workspace/train.py", 198, "main", "trainer.train(resume_from_checkpoint=args.resume)"),
        ("/usr/local/lib/python3.11/site-packages/transformers/trainer.py", 2245, "train", "return inner_training_loop("),
        ("/usr/local/lib/python3.11/site-packages/transformers/trainer.py", 2560, "_inner_training_loop", "tr_loss_step = self.training_step(model, inputs, num_items_in_batch)"),
        ("/usr/local/lib/python3.11/site-packages/transformers/trainer.py", 3782, "training_step", "self.accelerator.backward(loss, **kwargs)"),
    ]

    static let megatronFrames: [(file: String, line: Int, fn: String, src: String)] = [
        ("/workspace/Megatron-LM/pretrain_gpt.py", 301, "<module>", "pretrain("),
        ("/workspace/Megatron-LM/megatron/training/training.py", 386, "pretrain", "iteration, num_floating_point_operations_so_far = train("),
        ("/workspace/Megatron-LM/megatron/training/training.py", 1491, "train", "train_step(forward_step_func,"),
        ("/workspace/Megatron-LM/megatron/training/training.py", 797, "train_step", "losses_reduced = forward_backward_func("),
    ]

    /// ProcessGroupNCCL watchdog timeout (old or new prefix form) plus its follow-up lines.
    static func ncclWatchdog(rank: Int, seq: Int, op: String, numel: Int, timeoutMs: Int, newForm: Bool, clock: SimClock) -> [String] {
        let ran = timeoutMs + 40 + (rank * 7) % 50
        if newForm {
            let g = clock.glog("E")
            return [
                "[rank\(rank)]:[\(g) ProcessGroupNCCL.cpp:607] [Rank \(rank)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=\(seq), OpType=\(op), NumelIn=\(numel), NumelOut=\(numel), Timeout(ms)=\(timeoutMs)) ran for \(ran) milliseconds before timing out.",
                "[rank\(rank)]:[\(g) ProcessGroupNCCL.cpp:1664] [PG ID 0 PG GUID 0(default_pg) Rank \(rank)] Exception (either an error or timeout) detected by watchdog at work: \(seq), last enqueued NCCL work: \(seq + 1), last completed NCCL work: \(seq - 1).",
                "[rank\(rank)]:[\(g) ProcessGroupNCCL.cpp:621] [Rank \(rank)] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.",
                "[rank\(rank)]:[\(g) ProcessGroupNCCL.cpp:627] [Rank \(rank)] To avoid data inconsistency, we are taking the entire process down.",
            ]
        }
        return [
            "[E ProcessGroupNCCL.cpp:737] [Rank \(rank)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=\(seq), OpType=\(op), Timeout(ms)=\(timeoutMs)) ran for \(ran) milliseconds before timing out.",
            "[E ProcessGroupNCCL.cpp:414] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data. To avoid this inconsistency, we are taking the entire process down.",
        ]
    }

    static func ncclInfoBoot(host: String, pid: Int, dev: Int, rank: Int, nranks: Int) -> [String] {
        [
            "\(host):\(pid):\(pid) [\(dev)] NCCL INFO Bootstrap : Using eth0:10.20.\(dev / 8).\(11 + dev)<0>",
            "\(host):\(pid):\(pid) [\(dev)] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB [2]mlx5_2:1/IB [3]mlx5_3:1/IB ; OOB eth0:10.20.\(dev / 8).\(11 + dev)<0>",
            "\(host):\(pid):\(pid + 112) [\(dev)] NCCL INFO Channel 00/32 :    0   1   2   3   4   5   6   7",
            "\(host):\(pid):\(pid + 112) [\(dev)] NCCL INFO Connected all rings",
            "\(host):\(pid):\(pid + 112) [\(dev)] NCCL INFO comm 0x55d5c3a0\(String(format: "%02x", rank)) rank \(rank) nranks \(nranks) cudaDev \(dev) nvmlDev \(dev) busId \(String(format: "%x", 0x18000 + dev * 0x10000)) commId 0x8d3c1f5e7a2b9c01 - Init COMPLETE",
        ]
    }

    /// torchrun's ChildFailedError summary block.
    static func childFailed(script: String, root: (rank: Int, exitcode: Int, pid: Int), others: [(rank: Int, exitcode: Int, pid: Int)],
                            host: String, clock: SimClock) -> [String] {
        func entry(_ idx: Int, _ f: (rank: Int, exitcode: Int, pid: Int)) -> [String] {
            let tb = f.exitcode < 0
                ? "Signal \(-f.exitcode) (\(f.exitcode == -6 ? "SIGABRT" : f.exitcode == -9 ? "SIGKILL" : "SIGTERM")) received by PID \(f.pid)"
                : "To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html"
            return ["[\(idx)]:", "  time      : \(clock.elastic)", "  host      : \(host)", "  rank      : \(f.rank) (local_rank: \(f.rank % 8))",
                    "  exitcode  : \(f.exitcode) (pid: \(f.pid))", "  error_file: <N/A>", "  traceback : \(tb)"]
        }
        var out = ["Traceback (most recent call last):",
                   "  File \"/usr/local/bin/torchrun\", line 8, in <module>",
                   "    sys.exit(main())",
                   "  File \"/usr/local/lib/python3.11/site-packages/torch/distributed/run.py\", line 892, in main",
                   "    run(args)",
                   "  File \"/usr/local/lib/python3.11/site-packages/torch/distributed/launcher/api.py\", line 270, in launch_agent",
                   "    raise ChildFailedError(",
                   "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
                   "============================================================",
                   "\(script) FAILED",
                   "------------------------------------------------------------",
                   "Failures:"]
        if others.isEmpty { out.append("  <NO_OTHER_FAILURES>") }
        for (i, f) in others.enumerated() { out += entry(i + 1, f) }
        out.append("------------------------------------------------------------")
        out.append("Root Cause (first observed failure):")
        out += entry(0, root)
        out.append("============================================================")
        return out
    }

    /// Benign warnings that appear in healthy and failing runs alike.
    static func startupWarnings(_ pick: Int) -> [String] {
        let all: [[String]] = [
            ["/usr/local/lib/python3.11/site-packages/torch/utils/checkpoint.py:464: UserWarning: torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. In version 2.4 we will raise an exception if use_reentrant is not passed. use_reentrant=False is recommended, but if you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
             "  warnings.warn("],
            ["/usr/local/lib/python3.11/site-packages/transformers/training_args.py:1575: FutureWarning: `evaluation_strategy` is deprecated and will be removed in version 4.46 of 🤗 Transformers. Use `eval_strategy` instead",
             "  warnings.warn("],
            ["`use_cache=True` is incompatible with gradient checkpointing. Setting `use_cache=False`."],
            ["/usr/local/lib/python3.11/site-packages/torch/_dynamo/variables/functions.py:700: UserWarning: Graph break due to unsupported builtin _operator.getitem. This function is either a Python builtin (e.g. _warnings.warn) or a third-party C/C++ Python extension (perhaps created with pybind).",
             "  torch._dynamo.utils.warn_once(msg)"],
            ["/usr/local/lib/python3.11/site-packages/torch/_inductor/compile_fx.py:167: UserWarning: TensorFloat32 tensor cores for float32 matrix multiplication available but not enabled. Consider setting `torch.set_float32_matmul_precision('high')` for better performance.",
             "  warnings.warn("],
        ]
        return all[pick % all.count]
    }

    static func wandb(runId: String, project: String, clock: SimClock) -> [String] {
        let tag = String(runId.unicodeScalars.reduce(UInt32(7)) { ($0 &* 31 &+ $1.value) % 2_176_782_336 }, radix: 36)
        return ["wandb: Currently logged in as: ml-infra. Use `wandb login --relogin` to force relogin",
                "wandb: Tracking run with wandb version 0.18.7",
                "wandb: Run data is saved locally in /workspace/wandb/run-\(clock.iso.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "T", with: "_"))-\(tag)",
                "wandb: Run `wandb offline` to turn off syncing.",
                "wandb: Syncing run \(runId)",
                "wandb: ⭐️ View project at https://wandb.ai/ml-infra/\(project)",
                "wandb: 🚀 View run at https://wandb.ai/ml-infra/\(project)/runs/\(tag)"]
    }

    static func xid(code: Int, pci: String, pid: Int, kind: Int) -> String {
        let msg: String
        switch code {
        case 79: msg = "GPU has fallen off the bus."
        case 48: msg = "An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0."
        case 94: msg = "Contained: SM (0x1). RST: No, D-RST: No"
        case 95: msg = "Uncontained: FBHUB. RST: Yes, D-RST: No"
        case 74: msg = "NVLink: fatal error detected on link 3(0x0, 0x0, 0x10000, 0x0, 0x0, 0x0, 0x0)"
        default: msg = "Graphics SM Warp Exception on (GPC 1, TPC 2, SM 0): Out Of Range Address"
        }
        if kind == 0 { return "NVRM: Xid (PCI:\(pci)): \(code), pid=\(pid), name=python3, \(msg)" }
        return "NVRM: Xid (PCI:\(pci)): \(code), pid='<unknown>', name=<unknown>, \(msg)"
    }
}
