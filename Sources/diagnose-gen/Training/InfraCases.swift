import Foundation

/// Resource and infrastructure causes (and healthy runs): real dynamics, then the fault as frameworks print it.
enum InfraCases {
    static func host(_ seed: UInt64, _ n: Int) -> String { "gpu-\(["a", "b", "h"][Int(seed % 3)])\(String(format: "%03d", (Int(seed % 200) + n * 7) % 400 + 1))" }

    /// NCCL timeouts on every rank except `culprit`, in the form the framework's launcher prints.
    static func watchdogs(_ b: inout TextBuilder, _ clock: SimClock, fw: Framework, ranks: Int, culprit: Int?, seq: Int, newForm: Bool, markFirst: String) {
        var first = true
        for r in 0..<ranks where r != culprit {
            for (k, l) in Signatures.ncclWatchdog(rank: r, seq: seq, op: r % 2 == 0 ? "ALLREDUCE" : "_ALLGATHER_BASE", numel: 466_119_168, timeoutMs: 600_000, newForm: newForm, clock: clock).enumerated() {
                let pl = fw == .megatron ? "\(r): " + l : (newForm ? l : "[rank\(r)]:" + l)
                b.line(pl, mark: first && k == 0 ? markFirst : nil)
            }
            first = false
        }
    }

    /// Per-rank torchtitan logs (`logs/rank<N>.log`) up to the stop step, each ending with its own tail.
    static func titanRankFiles(_ d: RunDraft, ranks: Int, extra: inout [String: TextBuilder],
                               tail: (Int, inout TextBuilder, inout SimClock) -> Void) {
        let recs = TinyTrainer.run(d.setup).records
        for rank in 0..<ranks {
            var o = d.opts
            o.prefix = ""
            var rb = TextBuilder()
            var c = SimClock(epoch: d.startTime + 20 + Double(rank) * 0.011)
            rb.line(FrameworkRender.titanPrefix(c) + "Building 1-D device mesh with ['dp_shard'], [\(ranks)]")
            for l in Signatures.ncclInfoBoot(host: host(d.setup.seed, rank / 8), pid: 52_000 + rank, dev: rank % 8, rank: rank, nranks: ranks) { rb.line(l) }
            FrameworkRender.render(recs, setup: d.setup, opts: o, into: &rb, clock: &c, hook: { _, _, _ in })
            tail(rank, &rb, &c)
            extra["logs/rank\(rank).log"] = rb
        }
    }

    static func cudaOOM(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .hfDeepSpeed][v]
        return kit.build(cause: "cuda-oom", split: sp, fw: fw, base: { d in
            if fw == .megatron { d.opts.prefix = "15: " }
            if v == 0 { d.extraConfig = [("max_seq_length", "2048")] }
        }, incident: { d, _ in
            let stop = [2, 7, 300][v]
            d.opts.stopAfter = stop
            switch v {
            case 0: d.extraConfig = [("max_seq_length", "4096")]
            case 1: d.extraConfig = [("micro_batch_size", "\(d.setup.microBatch / 4)")]
            case 2: d.extraConfig = [("per_device_eval_batch_size", "64")]
            default: break
            }
            let culprit = 3
            let fwc = fw
            d.tail = { b, clock, _ in
                let msg: String
                switch v {
                case 0: msg = Signatures.oom(generation: 3, tried: "3.91 GiB", total: "79.10 GiB", free: "1.62 GiB", allocated: "71.33 GiB", reserved: "5.87 GiB")
                case 1: msg = Signatures.oom(generation: 2, tried: "1.95 GiB", total: "79.15 GiB", free: "1.17 GiB", allocated: "74.02 GiB", reserved: "2.31 GiB")
                default: msg = Signatures.oom(generation: 1, tried: "4.00 GiB", total: "79.35 GiB", free: "2.91 GiB", allocated: "68.40 GiB", reserved: "75.96 GiB")
                }
                b.line("")
                if fwc == .megatron {
                    for l in Signatures.traceback(Signatures.megatronFrames, error: msg) { b.line("\(culprit): [rank\(culprit)]: " + l, mark: l == msg ? "oom" : nil) }
                    clock.advance(ms: 600_000)
                    watchdogs(&b, clock, fw: .megatron, ranks: 8, culprit: culprit, seq: 1580 + stop * 12, newForm: true, markFirst: "nccl")
                    b.line("srun: error: \(host(7, 1)): task \(culprit): Exited with exit code 1")
                    b.line("srun: error: \(host(7, 1)): tasks 0-2,4-7: Aborted (core dumped)")
                } else {
                    if v == 2 {
                        b.line("[INFO|trainer.py:4307] \(clock.asctime) >> ***** Running Evaluation *****")
                        b.line("[INFO|trainer.py:4309] \(clock.asctime) >>   Num examples = 3,072")
                        b.line("[INFO|trainer.py:4312] \(clock.asctime) >>   Batch size = 64")
                    }
                    let tb = Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(v == 2 ? 3 : 5)) + [
                        ("/usr/local/lib/python3.11/site-packages/torch/nn/functional.py", 3104, "cross_entropy", "return torch._C._nn.cross_entropy_loss(")], error: msg)
                    for l in tb { b.line("[rank0]: " + l, mark: l == msg ? "oom" : nil) }
                    b.line("E1103 \(clock.ymdhms.suffix(8)).000000 3922 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 0 (pid: 3937) of binary: /usr/bin/python3")
                    b.lines(Signatures.childFailed(script: "train.py", root: (0, 1, 3937), others: [], host: host(3, 0), clock: clock))
                }
            }
        }, truth: { r, d, _ in
            var ev = [CaseHelp.logEvidence(r, d, "oom", why: "CUDA out of memory on the first rank that failed")]
            if v == 0 { ev.append(CaseHelp.configEvidence(r, d, key: "max_seq_length", why: "sequence length doubled")) }
            if v == 2 { ev.append(CaseHelp.configEvidence(r, d, key: "per_device_eval_batch_size", why: "eval batch size raised 4x")) }
            if v == 1 {
                ev.append(CaseHelp.configEvidence(r, d, key: "micro_batch_size", why: "micro batch size doubled"))
                ev.append(CaseHelp.logEvidence(r, d, "nccl", why: "other ranks time out afterwards (cascade, not the root)"))
            }
            return (d.opts.stopAfter! + 1, nil, ev, v == 1 ? "OOM on rank 3 after the micro batch size doubled; the NCCL watchdog timeouts on the other ranks are a consequence." : "OOM after a memory-relevant config change.")
        })
    }

    static func ncclTimeout(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.titan, .megatron, .hf4][v]
        let stop = [233, 312, 178][v]
        return kit.build(cause: "nccl-timeout", split: sp, fw: fw, base: { d in
            if fw == .megatron { d.opts.prefix = "15: " }
        }, incident: { d, _ in
            d.opts.stopAfter = stop
            d.warningPicks.append(3)
            let newForm = v != 1
            let draft = d
            d.tail = { b, clock, extra in
                let h = host(11, 2)
                if fw == .titan {
                    titanRankFiles(draft, ranks: 8, extra: &extra) { rank, rb, c in
                        if rank == 5 { rb.line("\(h):23311:23560 [5] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer 10.20.4.17<58231> with error 12, opcode 129, len 0, vendor err 129 (Recv)", mark: "ib") }
                        c.advance(ms: 600_000)
                        for (k, l) in Signatures.ncclWatchdog(rank: rank, seq: 4000 + stop * 9, op: "ALLREDUCE", numel: 466_119_168, timeoutMs: 600_000, newForm: true, clock: c).enumerated() {
                            rb.line(l, mark: k == 0 ? "nccl" : nil)
                        }
                    }
                }
                b.line("\(h):23311:23560 [5] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer 10.20.4.17<58231> with error 12, opcode 129, len 0, vendor err 129 (Recv)", mark: "ib")
                b.line("\(h):23311:23560 [5] NCCL INFO transport/net.cc:1298 -> 6")
                b.line("\(h):23311:23561 [5] NCCL INFO proxy.cc:1484 -> 6")
                clock.advance(ms: 600_000)
                watchdogs(&b, clock, fw: fw, ranks: 8, culprit: nil, seq: 4000 + stop * 9, newForm: newForm, markFirst: "nccl")
                if fw == .megatron {
                    b.line("srun: error: \(h): tasks 0-7: Aborted (core dumped)")
                } else {
                    b.line("W1103 \(clock.ymdhms.suffix(8)).000000 2811 torch/distributed/elastic/multiprocessing/api.py:897] Sending process 2840 closing signal SIGTERM")
                    b.lines(Signatures.childFailed(script: fw == .titan ? "torchtitan/train.py" : "train.py", root: (0, -6, 2839), others: [(1, -6, 2841), (2, -6, 2842)], host: h, clock: clock))
                }
            }
        }, truth: { r, d, _ in
            (stop + 1, nil, [CaseHelp.logEvidence(r, d, "ib", why: "InfiniBand completion error just before the hang", file: fw == .titan ? "logs/rank5.log" : nil),
                             CaseHelp.logEvidence(r, d, "nccl", why: "all ranks hit the watchdog at the same SeqNum: a network hang, no earlier rank failure")],
             "Collective hung after an IB completion error; every rank times out at the same sequence number. The extra startup warning is harmless.")
        })
    }

    static func gpuFault(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.megatron, .titan, .hfDeepSpeed][v]
        let stop = [264, 151, 322][v]
        let culprit = [5, 3, 6][v]
        return kit.build(cause: "gpu-hardware-fault", split: sp, fw: fw, base: { d in
            if fw == .megatron { d.opts.prefix = "15: " }
        }, incident: { d, _ in
            d.opts.stopAfter = stop
            let code = [79, 48, 95][v]
            let draft = d
            let start = d.startTime
            let steps = d.opts.stepMs
            d.tail = { b, clock, extra in
                var k = TextBuilder()
                let h = host(5, culprit)
                var kc = SimClock(epoch: start)
                var total = 0.0
                for s in 1...stop { total += steps(s) }
                kc.advance(ms: total - 4000)
                let pci = "0000:\(String(format: "%02x", 0x18 + culprit * 0x10)):00"
                let dmesg = v == 1
                let up = 86_400.0 * 3 + total / 1000 - 4
                func kl(_ s: String, _ t: Double, mark: String? = nil) {
                    if dmesg { k.line(String(format: "[%12.6f] ", up + t) + s, mark: mark) } else { k.line("\(SimClock(epoch: kc.t + t).syslog) \(h) kernel: " + s, mark: mark) }
                }
                let noise = ["audit: type=1400 audit(1730000000.123:412): apparmor=\"STATUS\" operation=\"profile_replace\" info=\"same as current profile, skipping\" profile=\"unconfined\" name=\"nvidia_modprobe\" pid=2231 comm=\"apparmor_parser\"",
                             "nvidia-peermem: module verification failed: signature and/or required key missing - tainting kernel",
                             "EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.",
                             "mlx5_core 0000:8a:00.0: mlx5e_tc_init:4932:(pid 1402): tc_init: RX Buffer size 1024",
                             "NFS: Registering the id_resolver key type",
                             "nvidia-fabricmanager: fabric manager started successfully"]
                for (n, line) in noise.enumerated() { kl(line, -90_000 + Double(n) * 1800) }
                kl("IPv6: ADDRCONF(NETDEV_CHANGE): ib0: link becomes ready", -80_000)
                kl("nvidia-nvswitch2: open (major=509)", -70_000)
                kl("mlx5_core 0000:8a:00.0: mlx5_cmd_out_err:838:(pid 1412): QUERY_VPORT_COUNTER(0x770) op_mod(0x0) failed, status bad parameter(0x3)", -9_000)
                kl(Signatures.xid(code: code, pci: pci, pid: 28_000 + culprit, kind: v == 2 ? 1 : 0), 0, mark: "xid")
                if code == 48 { kl(Signatures.xid(code: 63, pci: pci, pid: 28_000 + culprit, kind: 0).replacingOccurrences(of: "Graphics SM Warp Exception on (GPC 1, TPC 2, SM 0): Out Of Range Address", with: "Row Remapper: New row marked for remapping, reset gpu to activate."), 0.2) }
                if code == 79 { kl("NVRM: GPU \(pci).0: GPU has fallen off the bus.", 0.1) }
                extra[dmesg ? "node-logs/dmesg-\(h).txt" : "node-logs/kern.log"] = k
                if fw == .titan {
                    titanRankFiles(draft, ranks: 8, extra: &extra) { rank, rb, c in
                        if rank == culprit {
                            for l in Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(2)), error: "RuntimeError: CUDA error: uncorrectable ECC error encountered") { rb.line(l, mark: l.hasPrefix("RuntimeError") ? "cudaerr" : nil) }
                        } else {
                            c.advance(ms: 600_000)
                            for (k2, l) in Signatures.ncclWatchdog(rank: rank, seq: 2000 + stop * 9, op: "ALLREDUCE", numel: 466_119_168, timeoutMs: 600_000, newForm: true, clock: c).enumerated() {
                                rb.line(l, mark: k2 == 0 ? "nccl" : nil)
                            }
                        }
                    }
                }
                let err = code == 48 ? "RuntimeError: CUDA error: uncorrectable ECC error encountered" : "RuntimeError: CUDA error: unspecified launch failure"
                let pfx = fw == .megatron ? "\(culprit): [rank\(culprit)]: " : "[rank\(culprit)]: "
                b.line("")
                for l in Signatures.traceback(fw == .megatron ? Signatures.megatronFrames : Array(Signatures.hfTrainFrames.prefix(4)), error: err) { b.line(pfx + l, mark: l == err ? "cudaerr" : nil) }
                b.line(pfx + "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.")
                clock.advance(ms: 600_000)
                watchdogs(&b, clock, fw: fw, ranks: 8, culprit: culprit, seq: 2000 + stop * 9, newForm: true, markFirst: "nccl")
                if fw != .megatron {
                    b.lines(Signatures.childFailed(script: "train.py", root: (culprit, 1, 5100 + culprit), others: [(0, -6, 5100), (1, -6, 5101)], host: h, clock: clock))
                } else {
                    b.line("srun: error: \(h): task \(culprit): Exited with exit code 1")
                }
            }
        }, truth: { r, d, _ in
            let kfile = r.files.keys.first { $0.hasPrefix("node-logs/") }!
            var ev = [Evidence(file: kfile, line: r.line(kfile, "xid"), why: "NVIDIA Xid on the node of the failing rank, seconds before the crash"),
                      CaseHelp.logEvidence(r, d, "cudaerr", why: "the first rank to fail, with a CUDA error"),
                      CaseHelp.logEvidence(r, d, "nccl", why: "the other ranks time out afterwards (cascade)")]
            if fw == .titan { ev.append(CaseHelp.logEvidence(r, d, "cudaerr", why: "the culprit rank's own log ends with the CUDA error", file: "logs/rank\(culprit).log")) }
            return (stop + 1, nil, ev,
                    "GPU fault (Xid) on one node; its rank crashes first and the NCCL timeouts on the others are consequences." + (fw == .titan ? " Per-rank logs: logs/rank\(culprit).log ends with the CUDA error, the others with watchdog timeouts 10 minutes later." : ""))
        })
    }

    static func straggler(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.titan, .megatron, .titan][v]
        let onset = [150, 180, 120][v]
        let slow = [6, 11, 2][v]
        return kit.build(cause: "straggler-node", split: sp, fw: fw, base: { d in
            if v == 2 { d.opts.titanLegacy = true; d.opts.color = false }
            if fw == .megatron { d.opts.prefix = "15: " }
        }, incident: { d, _ in
            let base = d.opts.stepMs
            d.opts.stepMs = { s in s < onset ? base(s) : base(s) * (1.25 + 0.0015 * Double(s - onset)) }
            let recs = TinyTrainer.run(d.setup).records
            let setup = d.setup
            let opts = d.opts
            let start = d.startTime
            if fw == .megatron {
                d.hook = { step, b, _ in
                    guard step % 50 == 0 else { return }
                    let f = base(step)
                    let mx = step < onset ? f * 0.93 : f * (1.25 + 0.0015 * Double(step - onset)) * 0.96
                    b.line("15: (min, max) time across ranks (ms):")
                    b.line("15:     forward-backward ...............................: (\(Py.f(f * 0.90, 2)), \(Py.f(mx, 2)))", mark: step >= onset ? "timer" : nil)
                    b.line("15:     optimizer ......................................: (\(Py.f(f * 0.031, 2)), \(Py.f(f * 0.034, 2)))")
                }
            } else {
                d.tail = { _, _, extra in
                    for rank in 0..<8 {
                        var o = opts
                        o.prefix = ""
                        let sm = opts.stepMs
                        o.stepMs = rank == slow ? sm : { s in s < onset ? sm(s) : sm(s) * 0.98 }
                        var rb = TextBuilder()
                        var c = SimClock(epoch: start + 20)
                        if rank == slow {
                            o.tpsFactor = 1
                        }
                        var ro = o
                        let slowRank = rank == slow
                        ro.stepMs = { s in
                            let t = sm(s)
                            return slowRank || s < onset ? t : t / (1.25 + 0.0015 * Double(s - onset))
                        }
                        FrameworkRender.render(recs, setup: setup, opts: ro, into: &rb, clock: &c, hook: { _, _, _ in })
                        extra["logs/rank\(rank).log"] = rb
                    }
                }
            }
        }, truth: { r, d, _ in
            let logged = ((onset + d.opts.logEvery * 2) / d.opts.logEvery) * d.opts.logEvery
            if fw == .megatron {
                let t = ((onset + 49) / 50) * 50
                _ = t
                return (onset, nil, [CaseHelp.logEvidence(r, d, "timer", why: "max forward-backward time across ranks far above the min: one rank lags"),
                                     CaseHelp.logEvidence(r, d, "log\(logged)", why: "elapsed time per iteration grows with no config change")],
                        "One node slows down from step \(onset); iteration time grows and the cross-rank timer spread widens.")
            }
            return (onset, nil, [CaseHelp.logEvidence(r, d, "log\(logged)", why: "throughput of rank \(slow) drops while its peers keep their rate", file: "logs/rank\(slow).log"),
                                 CaseHelp.logEvidence(r, d, "log\(logged)", why: "step time grows on the combined log with no config change")],
                    "Rank \(slow) runs slow from step \(onset); only its per-rank log shows the lag at full size.")
        })
    }

    static func dataloaderStall(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .titan, .megatron][v]
        let onset = [140, 200, 160][v]
        return kit.build(cause: "dataloader-stall", split: sp, fw: fw, base: { d in
            d.sidecar = v == 1 ? .jsonl : .none
            d.opts.dataWaitMs = v == 1 ? { s in 4 + Double(s % 7) } : nil
            if fw == .megatron { d.opts.prefix = "15: " }
        }, incident: { d, _ in
            let base = d.opts.stepMs
            let wait: (Int) -> Double = { s in s < onset ? 4 + Double(s % 7) : 300 + 4 * Double(s - onset) + Double((s * 37) % 90) }
            d.opts.stepMs = { s in base(s) + wait(s) }
            if v == 1 { d.opts.dataWaitMs = wait }
            if v == 0 {
                d.extraConfig = [("dataloader_num_workers", "1")]
                d.hook = { step, b, _ in
                    if step == 1 { b.line("/usr/local/lib/python3.11/site-packages/torch/utils/data/dataloader.py:617: UserWarning: This DataLoader will create 1 worker processes in total. Our suggested max number of worker in current system is 12, which is smaller than what this DataLoader is going to create. Please be aware that excessive worker creation might get DataLoader running slow or even freeze, lower the worker number to avoid potential slowness/freeze if necessary.") }
                }
            }
            if v == 2 {
                d.hook = { step, b, _ in
                    guard step % 40 == 0 else { return }
                    b.line("15: (min, max) time across ranks (ms):")
                    b.line("15:     forward-backward ...............................: (\(Py.f(base(step) * 0.9, 2)), \(Py.f(base(step) * 0.93, 2)))")
                    b.line("15:     batch-generator ................................: (\(Py.f(wait(step) * 0.8, 2)), \(Py.f(wait(step), 2)))", mark: step >= onset ? "timer" : nil)
                }
            }
        }, truth: { r, d, _ in
            let logged = ((onset + d.opts.logEvery * 2) / d.opts.logEvery) * d.opts.logEvery
            var ev = [CaseHelp.logEvidence(r, d, "log\(logged)", why: "throughput/step time degrade from here on with no model change")]
            if v == 0 { ev.append(CaseHelp.configEvidence(r, d, key: "dataloader_num_workers", why: "dataloader workers 8 -> 1")) }
            if v == 1 { ev.append(Evidence(file: "metrics.jsonl", line: CaseKit.lineOf(r.files["metrics.jsonl"]!, "\"step\": \(logged),"), why: "data wait per step grows to hundreds of ms")) }
            if v == 2 { ev.append(CaseHelp.logEvidence(r, d, "timer", why: "batch-generator time grows on all ranks")) }
            return (onset, nil, ev, "Input pipeline cannot keep up from step \(onset): data wait dominates step time, throughput and MFU fall.")
        })
    }

    static func diskFull(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .hfDeepSpeed, .nanogpt][v]
        let at = [300, 200, 300][v]
        return kit.build(cause: "disk-full", split: sp, fw: fw, base: { d in
            d.sidecar = v == 0 ? .trainerState : .none
        }, incident: { d, _ in
            d.opts.stopAfter = at
            d.opts.saveEvery = fw == .nanogpt ? 100 : 100
            let out = d.opts.outputDir
            d.tail = { b, clock, _ in
                switch v {
                case 0:
                    b.line("")
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:3984", "Saving model checkpoint to \(out)/checkpoint-\(at)"))
                    let err = "RuntimeError: [enforce fail at inline_container.cc:445] . PytorchStreamWriter failed writing file data/176: file write failed"
                    for l in Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(3)) + [
                        ("/usr/local/lib/python3.11/site-packages/transformers/trainer.py", 3156, "_save_checkpoint", "self._save_optimizer_and_scheduler(output_dir)"),
                        ("/usr/local/lib/python3.11/site-packages/torch/serialization.py", 652, "save", "_save(obj, opened_zipfile, pickle_module, pickle_protocol, _disable_byteorder_record)")], error: err) {
                        b.line("[rank0]: " + l, mark: l == err ? "err" : nil)
                    }
                    b.line("[rank0]: RuntimeError: [enforce fail at inline_container.cc:603] . unexpected pos 2240981056 vs 2240980944")
                case 1:
                    b.line("")
                    b.line("[\(clock.asctime)] [INFO] [logging.py:128:log_dist] [Rank 0] [Torch] Checkpoint global_step\(at) is about to be saved!")
                    b.line("[\(clock.asctime)] [INFO] [logging.py:128:log_dist] [Rank 0] Saving model checkpoint: \(out)/checkpoint-\(at)/global_step\(at)/mp_rank_00_model_states.pt")
                    b.line("[\(clock.asctime)] [INFO] [torch_checkpoint_engine.py:21:save] [Torch] Saving \(out)/checkpoint-\(at)/global_step\(at)/mp_rank_00_model_states.pt...")
                    let err = "OSError: [Errno 28] No space left on device"
                    for l in Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(3)) + [
                        ("/usr/local/lib/python3.11/site-packages/deepspeed/runtime/engine.py", 3370, "_save_zero_checkpoint", "self.checkpoint_engine.save(zero_sd, zero_checkpoint_name)"),
                        ("/usr/local/lib/python3.11/site-packages/deepspeed/runtime/checkpoint_engine/torch_checkpoint_engine.py", 22, "save", "torch.save(state_dict, path)")], error: err) {
                        b.line("[rank0]: " + l, mark: l == err ? "err" : nil)
                    }
                default:
                    b.line("saving checkpoint to \(out)")
                    let err = "RuntimeError: [enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing file data.pkl: file write failed"
                    for l in Signatures.traceback([("/workspace/nanoGPT/train.py", 281, "<module>", "torch.save(checkpoint, os.path.join(out_dir, 'ckpt.pt'))"),
                                                   ("/usr/local/lib/python3.11/site-packages/torch/serialization.py", 651, "save", "with _open_zipfile_writer(f) as opened_zipfile:")], error: err) {
                        b.line(l, mark: l == err ? "err" : nil)
                    }
                }
            }
        }, truth: { r, d, _ in
            (at, nil, [CaseHelp.logEvidence(r, d, "err", why: "checkpoint write fails: storage exhausted")],
             "Disk filled while saving the step-\(at) checkpoint; earlier saves succeeded.")
        })
    }

    static func preemption(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.megatron, .hf4, .titan][v]
        let stop = [287, 164, 222][v]
        return kit.build(cause: "preemption", split: sp, fw: fw, base: { d in
            if fw == .megatron { d.opts.prefix = "15: "; d.logPath = "slurm-\(4_823_000 + Int(d.setup.seed % 997)).out" }
        }, incident: { d, _ in
            d.opts.stopAfter = stop
            if fw == .megatron { d.logPath = "slurm-\(4_823_000 + Int(d.setup.seed % 997)).out" }
            let job = 4_823_000 + Int(d.setup.seed % 997)
            d.tail = { b, clock, _ in
                let h = host(2, 4)
                switch v {
                case 0:
                    b.line("slurmstepd: error: *** JOB \(job) ON \(h) CANCELLED AT \(clock.iso) DUE TO TIME LIMIT ***", mark: "slurm")
                    b.line("srun: Job step aborted: Waiting up to 32 seconds for job step to finish.")
                    b.line("slurmstepd: error: *** STEP \(job).0 ON \(h) CANCELLED AT \(clock.iso) DUE TO TIME LIMIT ***")
                case 1:
                    b.line("")
                    b.line("slurmstepd-\(h): error: *** JOB \(job) ON \(h) CANCELLED AT \(clock.iso) DUE TO PREEMPTION ***", mark: "slurm")
                    b.line("W1103 \(clock.ymdhms.suffix(8)).000000 1733 torch/distributed/elastic/agent/server/api.py:704] Received 15 death signal, shutting down workers")
                    b.line("W1103 \(clock.ymdhms.suffix(8)).000000 1733 torch/distributed/elastic/multiprocessing/api.py:897] Sending process 1760 closing signal SIGTERM")
                    b.line("W1103 \(clock.ymdhms.suffix(8)).000000 1733 torch/distributed/elastic/multiprocessing/api.py:897] Sending process 1761 closing signal SIGTERM")
                    b.line("torch.distributed.elastic.multiprocessing.api.SignalException: Process 1733 got signal: 15")
                default:
                    b.line("slurmstepd: error: *** STEP \(job).0 ON \(h) CANCELLED AT \(clock.iso) DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***", mark: "slurm")
                    b.line("srun: error: \(h): tasks 0-7: Killed")
                }
            }
        }, truth: { r, d, _ in
            (stop, nil, [CaseHelp.logEvidence(r, d, "slurm", why: "the scheduler cancelled the job; training was healthy up to here")],
             "Scheduler killed the job (time limit / preemption / node failure); not a model problem.")
        })
    }

    static func healthy(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .titan, .nanogpt, .hf5][v]
        return kit.build(cause: "healthy", split: sp, fw: fw, base: { d in
            d.sidecar = [.jsonl, .none, .none, .tensorboardCSV, .trainerState][v]
            if fw == .megatron { d.opts.prefix = "15: " }
        }, incident: { d, _ in
            d.opts.logEvery = d.opts.logEvery * (v == 1 ? 2 : 1)
            if v == 0 {
                let per = d.setup.microBatch * d.setup.accum
                for p in (161 * per)..<(161 * per + 6) { d.setup.badSamples[p] = .extreme }
            }
            d.warningPicks.append(4)
        }, truth: { _, _, _ in
            (nil, nil, [], "Healthy run; only benign diffs (run name, seed, output dir, logging interval, wandb project) and normal noise.")
        })
    }
}
