import Foundation

/// Metric files written next to the console log.
enum Sidecar {
    case none, jsonl, tensorboardCSV, trainerState
}

/// Everything needed to write one training run folder.
struct RunDraft {
    var runId: String
    var framework: Framework
    var setup: TrainSetup
    var opts: RenderOptions
    var logPath = "logs/train.log"
    /// Extra config keys (name, JSON literal) added to or replacing the rendered config.
    var extraConfig: [(String, String)] = []
    var wandbProject = "llm-train"
    var baseline: String? = nil
    var startTime = 1_793_000_000.0
    var sidecar = Sidecar.none
    var warningPicks: [Int] = [0]
    var ncclInfo = true
    var hook: StepHook = { _, _, _ in }
    /// Lines after the trainer output stops (crash tails), plus extra files keyed by path.
    var tail: (inout TextBuilder, inout SimClock, inout [String: TextBuilder]) -> Void = { _, _, _ in }
    var records: [StepRecord] = []
}

/// The rendered run: files relative to the run folder and the marks recorded in each.
struct RenderedRun {
    var runId: String
    var files: [String: String]
    var marks: [String: [String: Int]]

    func line(_ file: String, _ key: String) -> Int {
        guard let n = marks[file]?[key] else { fatalError("no mark \(key) in \(runId)/\(file)") }
        return n
    }

    func caseFiles() -> [CaseFile] {
        files.sorted { $0.key < $1.key }.map { CaseFile(path: "runs/\(runId)/\($0.key)", content: $0.value) }
    }
}

enum RunWriter {
    static func jsonValue(_ x: Double) -> String { Py.json(x) }

    static func configPairs(_ d: RunDraft) -> [(String, String)] {
        let s = d.setup
        let out = d.opts.outputDir
        var kv: [(String, String)]
        switch d.framework {
        case .hf4, .hf5, .hfDeepSpeed:
            kv = [("output_dir", "\"\(out)\""), ("run_name", "\"\(d.runId)\""), ("seed", "\(s.seed % 10000)"),
                  ("learning_rate", Py.json(s.lr)), ("lr_scheduler_type", "\"\(s.schedule == .constant ? "constant_with_warmup" : s.schedule.rawValue)\""),
                  ("warmup_steps", "\(s.warmup)"), ("max_steps", "\(s.steps)"),
                  ("per_device_train_batch_size", "\(s.microBatch)"), ("gradient_accumulation_steps", "\(s.accum)"),
                  ("max_grad_norm", s.clip.map(Py.json) ?? "0.0"), ("bf16", s.precision == .bf16 ? "true" : "false"),
                  ("fp16", s.precision == .fp16 ? "true" : "false"), ("logging_steps", "\(d.opts.logEvery)"),
                  ("save_steps", "\(d.opts.saveEvery ?? 500)"), ("eval_strategy", "\"steps\""), ("eval_steps", "\(s.evalEvery)"),
                  ("report_to", "[\n    \"wandb\"\n  ]"), ("dataloader_num_workers", "8"), ("weight_decay", "0.1"),
                  ("adam_beta2", "0.95"), ("gradient_checkpointing", "true"), ("num_train_epochs", "3.0"),
                  ("per_device_eval_batch_size", "\(s.microBatch)"), ("logging_dir", "\"\(out)/runs\"")]
            if d.framework == .hfDeepSpeed { kv.append(("deepspeed", "\"configs/ds_config.json\"")) }
        case .megatron:
            kv = [("lr", Py.repr(s.lr)), ("min_lr", Py.repr(CaseKit.nice(s.lr * s.minLRRatio))),
                  ("lr_decay_style", s.schedule.rawValue), ("lr_decay_iters", "\(s.decaySteps ?? s.steps)"),
                  ("lr_warmup_iters", "\(s.warmup)"), ("train_iters", "\(s.steps)"), ("micro_batch_size", "\(s.microBatch / 8)"),
                  ("global_batch_size", "\(d.opts.globalBatch)"), ("clip_grad", Py.repr(s.clip ?? 0)),
                  ("fp16", s.precision == .fp16 ? "True" : "False"), ("bf16", s.precision == .bf16 ? "True" : "False"),
                  ("initial_loss_scale", "\(Int(pow(2.0, Double(s.initialScalePower))))"), ("min_loss_scale", Py.repr(s.minLossScale)),
                  ("loss_scale_window", Py.repr(Double(s.lossScaleWindow))), ("hysteresis", "\(s.hysteresis)"), ("loss_scale", "None"),
                  ("seq_length", "\(d.opts.seqLen)"), ("tensor_model_parallel_size", "\(min(8, d.opts.worldSize))"),
                  ("pipeline_model_parallel_size", "1"), ("data_path", "['\(Py.repr(s.mixture[0]))', '/data/web/web_text_document', '\(Py.repr(s.mixture[1]))', '/data/code/code_text_document', '\(Py.repr(s.mixture[2]))', '/data/books/books_text_document']"),
                  ("seed", "\(s.seed % 10000)"), ("save", "/checkpoints/\(out)"), ("load", "/checkpoints/\(out)"),
                  ("log_interval", "\(d.opts.logEvery)"), ("save_interval", "\(d.opts.saveEvery ?? 1000)"), ("eval_interval", "\(s.evalEvery)"),
                  ("wandb_project", d.wandbProject), ("wandb_exp_name", d.runId), ("distributed_timeout_minutes", "10"),
                  ("num_workers", "2"), ("world_size", "\(d.opts.worldSize)"), ("adam_beta2", "0.95"), ("weight_decay", "0.1"),
                  ("num_layers", "24"), ("hidden_size", "2048"), ("num_attention_heads", "16"), ("log_throughput", "True"),
                  ("tokenizer_type", "GPT2BPETokenizer"), ("use_distributed_optimizer", "True")]
        case .nanogpt:
            kv = [("out_dir", "\"\(out)\""), ("eval_interval", "\(s.evalEvery)"), ("log_interval", "\(d.opts.logEvery)"),
                  ("eval_iters", "200"), ("always_save_checkpoint", "true"), ("wandb_log", "true"), ("wandb_project", "\"\(d.wandbProject)\""),
                  ("wandb_run_name", "\"\(d.runId)\""), ("dataset", "\"openwebtext\""), ("gradient_accumulation_steps", "\(s.accum * 8)"),
                  ("batch_size", "\(s.microBatch)"), ("block_size", "\(d.opts.seqLen)"), ("n_layer", "12"), ("n_head", "12"), ("n_embd", "768"),
                  ("dropout", "0.0"), ("learning_rate", Py.json(s.lr)), ("max_iters", "\(s.steps)"), ("weight_decay", "0.1"),
                  ("beta1", "0.9"), ("beta2", "0.95"), ("grad_clip", Py.json(s.clip ?? 0)), ("decay_lr", s.schedule == .constant ? "false" : "true"),
                  ("warmup_iters", "\(s.warmup)"), ("lr_decay_iters", "\(s.decaySteps ?? s.steps)"), ("min_lr", Py.json(s.lr * s.minLRRatio)),
                  ("backend", "\"nccl\""), ("device", "\"cuda\""), ("dtype", "\"\(s.precision == .fp16 ? "float16" : "bfloat16")\""), ("compile", "true")]
        case .titan:
            kv = [("job.dump_folder", "./outputs/\(out)"), ("job.description", "\"Llama 3 \(d.opts.paramsB)B training\""),
                  ("metrics.log_freq", "\(d.opts.logEvery)"), ("metrics.enable_wandb", "true"), ("metrics.disable_color_printing", d.opts.color ? "false" : "true"),
                  ("optimizer.name", "AdamW"), ("optimizer.lr", Py.json(s.lr)), ("optimizer.eps", "1.0e-08"),
                  ("lr_scheduler.warmup_steps", "\(s.warmup)"), ("lr_scheduler.decay_ratio", "null"), ("lr_scheduler.decay_type", s.schedule == .cosine ? "cosine" : "linear"),
                  ("lr_scheduler.min_lr_factor", Py.json(s.minLRRatio)),
                  ("training.local_batch_size", "\(max(1, d.opts.globalBatch / d.opts.worldSize))"), ("training.global_batch_size", "\(d.opts.globalBatch)"),
                  ("training.seq_len", "\(d.opts.seqLen)"), ("training.max_norm", Py.json(s.clip ?? 0)), ("training.steps", "\(s.steps)"),
                  ("training.seed", "\(s.seed % 10000)"), ("training.mixed_precision_param", s.precision == .fp16 ? "float16" : "bfloat16"),
                  ("training.dataset", "c4"), ("training.shuffle", s.shuffle ? "true" : "false"), ("training.num_workers", "4"),
                  ("parallelism.data_parallel_shard_degree", "-1"), ("checkpoint.enable", "true"), ("checkpoint.folder", "checkpoint"),
                  ("checkpoint.interval", "\(d.opts.saveEvery ?? 500)"), ("comm.init_timeout_seconds", "300"), ("comm.train_timeout_seconds", "100")]
        }
        for (k, v) in d.extraConfig {
            if let i = kv.firstIndex(where: { $0.0 == k }) { kv[i].1 = v } else { kv.append((k, v)) }
        }
        return kv
    }

    static func jsonObject(_ kv: [(String, String)]) -> String {
        "{\n" + kv.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    static func hydraYAML(_ kv: [(String, String)]) -> String {
        var groups: [(String, [(String, String)])] = []
        for (k, v) in kv {
            let parts = k.split(separator: ".", maxSplits: 1).map(String.init)
            let (g, key) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            if let i = groups.firstIndex(where: { $0.0 == g }) { groups[i].1.append((key, v)) } else { groups.append((g, [(key, v)])) }
        }
        var out = ""
        for (g, items) in groups {
            if g.isEmpty { for (k, v) in items { out += "\(k): \(v)\n" } ; continue }
            out += "\(g):\n"
            for (k, v) in items { out += "  \(k): \(v)\n" }
        }
        return out
    }

    static func dsConfig(_ d: RunDraft) -> String {
        let s = d.setup
        var kv: [(String, String)] = [
            ("train_batch_size", "\(s.microBatch * s.accum * d.opts.worldSize)"),
            ("train_micro_batch_size_per_gpu", "\(s.microBatch)"),
            ("gradient_accumulation_steps", "\(s.accum)"),
            ("gradient_clipping", Py.json(s.clip ?? 0)),
            ("steps_per_print", "\(d.opts.logEvery * 2)"),
            ("wall_clock_breakdown", "false"),
            ("fp16", "{\n    \"enabled\": \(s.precision == .fp16),\n    \"loss_scale\": 0,\n    \"initial_scale_power\": \(s.initialScalePower),\n    \"loss_scale_window\": \(s.lossScaleWindow),\n    \"hysteresis\": \(s.hysteresis),\n    \"min_loss_scale\": \(Int(s.minLossScale))\n  }"),
            ("bf16", "{\n    \"enabled\": \(s.precision == .bf16)\n  }"),
            ("zero_optimization", "{\n    \"stage\": 2,\n    \"overlap_comm\": true,\n    \"contiguous_gradients\": true,\n    \"reduce_bucket_size\": 500000000,\n    \"allgather_bucket_size\": 500000000\n  }"),
            ("scheduler", "{\n    \"type\": \"WarmupDecayLR\",\n    \"params\": {\n      \"warmup_min_lr\": 0,\n      \"warmup_max_lr\": \(Py.json(s.lr)),\n      \"warmup_num_steps\": \(s.warmup),\n      \"total_num_steps\": \(s.decaySteps ?? s.steps)\n    }\n  }"),
        ]
        for (k, v) in d.extraConfig where k.hasPrefix("ds.") {
            let key = String(k.dropFirst(3))
            if let i = kv.firstIndex(where: { $0.0 == key }) { kv[i].1 = v } else { kv.append((key, v)) }
        }
        return jsonObject(kv)
    }

    /// Renders a run folder: console log (with preamble, trainer output and tail), configs, sidecars, run.yaml.
    static func render(_ d: RunDraft, rng: inout SeededRNG) -> RenderedRun {
        var clock = SimClock(epoch: d.startTime)
        var b = TextBuilder()
        var extra: [String: TextBuilder] = [:]
        var files: [String: String] = [:]
        let recs = d.records
        let cfg = configPairs(d).filter { !$0.0.hasPrefix("ds.") }
        let host = "node-\(String(format: "%03d", Int(d.setup.seed % 97) + 10))"
        let pfx = d.opts.prefix
        switch d.framework {
        case .megatron:
            b.line(pfx + "using world size: \(d.opts.worldSize), data-parallel size: \(max(1, d.opts.worldSize / 8)), context-parallel size: 1, tensor-model-parallel size: \(min(8, d.opts.worldSize)), pipeline-model-parallel size: 1")
            for l in FrameworkRender.megatronArgs(cfg) { b.line(pfx + l) }
            b.line(pfx + "> initializing torch distributed ...")
        case .nanogpt:
            b.line("Overriding config with config/train_gpt2.py:")
            b.line("tokens per iteration will be: \(Py.thousands(d.setup.accum * 8 * d.setup.microBatch * d.opts.seqLen))")
            b.line("found vocab_size = 50304 (inside data/openwebtext/meta.pkl)")
            b.line("Initializing a new model from scratch")
            b.line("number of parameters: 123.59M")
        case .titan:
            b.line(pfx + FrameworkRender.titanPrefix(clock) + "Starting job: Llama 3 \(d.opts.paramsB)B training")
            b.line(pfx + FrameworkRender.titanPrefix(clock) + "Building 1-D device mesh with ['dp_shard'], [\(d.opts.worldSize)]")
        default:
            break
        }
        var seen = Set<Int>()
        let hfRun = [.hf4, .hf5, .hfDeepSpeed].contains(d.framework)
        for w in d.warningPicks {
            let pick = !hfRun && (w % 5 == 1 || w % 5 == 2) ? w % 5 + 2 : w % 5
            if seen.insert(pick).inserted { for l in Signatures.startupWarnings(pick) { b.line(pfx + l) } }
        }
        if d.ncclInfo {
            for l in Signatures.ncclInfoBoot(host: host, pid: 41_000 + Int(d.setup.seed % 900), dev: 0, rank: 0, nranks: d.opts.worldSize) { b.line(pfx + l) }
        }
        switch d.framework {
        case .megatron:
            b.line(pfx + "[after dataloaders are built] datetime: \(clock.ymdhms) ")
            b.line(pfx + "done with setup ...")
            b.line(pfx + "training ...")
            b.line(pfx + "[before the start of training step] datetime: \(clock.ymdhms) ")
        case .nanogpt:
            b.line("num decayed parameter tensors: 50, with 124,354,560 parameters")
            b.line("num non-decayed parameter tensors: 98, with 121,344 parameters")
            b.line("using fused AdamW: True")
            b.line("compiling the model... (takes a ~minute)")
        case .titan:
            b.line(pfx + FrameworkRender.titanPrefix(clock) + "[GC] Initial GC collection 0.00 seconds")
        default:
            for l in Signatures.wandb(runId: d.runId, project: d.wandbProject, clock: clock) { b.line(l) }
        }
        FrameworkRender.render(recs, setup: d.setup, opts: d.opts, into: &b, clock: &clock, hook: d.hook)
        d.tail(&b, &clock, &extra)
        files[d.logPath] = b.text
        var marks: [String: [String: Int]] = [d.logPath: b.marks]
        for (p, eb) in extra { files[p] = eb.text; marks[p] = eb.marks }

        switch d.framework {
        case .hf4, .hf5, .hfDeepSpeed:
            files["configs/training_args.json"] = jsonObject(cfg)
            if d.framework == .hfDeepSpeed { files["configs/ds_config.json"] = dsConfig(d) }
        case .nanogpt:
            files["config.json"] = jsonObject(cfg)
        case .titan:
            files[".hydra/config.yaml"] = hydraYAML(cfg)
            let ov = d.extraConfig.filter { !$0.0.hasPrefix("ds.") }.map { "- \($0.0)=\($0.1)" }
            files[".hydra/overrides.yaml"] = (["- job.dump_folder=./outputs/\(d.opts.outputDir)"] + ov).joined(separator: "\n") + "\n"
        case .megatron:
            break
        }
        let last = d.opts.stopAfter ?? d.setup.steps
        switch d.sidecar {
        case .none: break
        case .jsonl:
            var s = ""
            var c = SimClock(epoch: d.startTime + 60)
            for r in recs where r.step <= last {
                c.advance(ms: d.opts.stepMs(r.step))
                s += "{\"step\": \(r.step), \"loss\": \(Py.json(r.loss)), \"grad_norm\": \(Py.json(r.gradNorm)), \"lr\": \(Py.json(r.lr)), \"step_time_ms\": \(Py.f(d.opts.stepMs(r.step), 1)), \(d.opts.dataWaitMs.map { "\"data_wait_ms\": \(Py.f($0(r.step), 1)), " } ?? "")\"time\": \(Py.f(c.t, 3))}\n"
            }
            files["metrics.jsonl"] = s
        case .tensorboardCSV:
            var s = "Wall time,Step,Value\n"
            var c = SimClock(epoch: d.startTime + 60)
            for r in recs where r.step <= last {
                c.advance(ms: d.opts.stepMs(r.step))
                if r.step % d.opts.logEvery != 0 { continue }
                s += "\(Py.repr((c.t * 1000).rounded() / 1000)),\(r.step),\(Py.repr(r.loss))\n"
            }
            files["tb/run-\(d.runId)-tag-train_loss.csv"] = s
        case .trainerState:
            let se = d.opts.saveEvery ?? 100
            let upTo = (last / se) * se
            if upTo > 0 {
                files["\(d.opts.outputDir)/checkpoint-\(upTo)/trainer_state.json"] =
                    FrameworkRender.trainerState(recs, setup: d.setup, logEvery: d.opts.logEvery, upTo: upTo, saveEvery: se)
            }
        }
        var runYAML = ""
        if let base = d.baseline { runYAML += "baseline: \(base)\n" }
        runYAML += "started_at: \(SimClock(epoch: d.startTime).isoZ)\nowner: \(["pretrain-team", "post-training", "ml-infra"][Int(d.setup.seed % 3)])\n"
        files["run.yaml"] = runYAML
        _ = rng.next()
        return RenderedRun(runId: d.runId, files: files, marks: marks)
    }
}
