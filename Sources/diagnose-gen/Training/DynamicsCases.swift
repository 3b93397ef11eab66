import Foundation

/// Training-dynamics causes: the symptom comes from the tiny model's real optimisation.
enum DynamicsCases {
    static func lrTooHigh(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .titan][v]
        let factor = [10.0, 8.0, 12.0][v]
        return kit.build(cause: "lr-too-high", split: sp, fw: fw, base: { d in
            d.sidecar = v == 0 ? .jsonl : .none
        }, incident: { d, b in
            d.setup.lr = CaseKit.nice(b.setup.lr * factor)
            if fw == .titan { d.extraConfig = [("optimizer.lr", Py.json(d.setup.lr))] }
        }, truth: { r, d, _ in
            let start = d.records[0].loss
            let onset = CaseHelp.firstLogged(d.records, every: d.opts.logEvery, from: d.setup.warmup / 2) { l, _ in l > start + 0.25 } ?? d.setup.warmup
            let key = fw == .titan ? "optimizer.lr" : (fw == .megatron ? "lr" : "learning_rate")
            return (onset, nil, [CaseHelp.configEvidence(r, d, key: key, why: "peak learning rate raised \(Int(factor))x over the baseline"),
                                 CaseHelp.logEvidence(r, d, "log\(onset)", why: "loss climbs above its starting value and grad norm grows once LR nears peak")],
                    "Peak LR x\(Int(factor)); loss diverges after warm-up and plateaus high. Other diffs (seed, run name, output dir) are benign.")
        })
    }

    static func warmupMissing(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf5, .hfDeepSpeed, .nanogpt][v]
        return kit.build(cause: "warmup-missing", split: sp, fw: fw, base: { d in
            d.setup.lr *= 2.5
            d.setup.warmup = 80
            d.sidecar = v == 1 ? .tensorboardCSV : .none
        }, incident: { d, _ in
            d.setup.warmup = 0
        }, truth: { r, d, _ in
            let key = fw == .nanogpt ? "warmup_iters" : "warmup_steps"
            var ev = [fw == .hfDeepSpeed
                      ? CaseHelp.configEvidence(r, d, key: "warmup_num_steps", why: "scheduler warm-up set to 0 steps", file: "configs/ds_config.json")
                      : CaseHelp.configEvidence(r, d, key: key, why: "warm-up removed (baseline warms up over 80 steps)")]
            ev.append(CaseHelp.logEvidence(r, d, "log\(d.opts.logEvery)", why: "learning rate already at peak at the first logged step; loss unstable early"))
            return (1, nil, ev, "Warm-up 80 -> 0 with a peak LR the baseline only reaches after warm-up; early loss spikes and slower convergence.")
        })
    }

    static func fp16Overflow(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hfDeepSpeed, .megatron, .hfDeepSpeed][v]
        return kit.build(cause: "fp16-overflow", split: sp, fw: fw, base: { d in
            d.setup.lr *= 1.6
            d.sidecar = [.trainerState, .none, .jsonl][v]
        }, incident: { d, b in
            d.setup.precision = .fp16
            d.setup.lossScaleWindow = 50
            d.setup.hysteresis = v == 2 ? 2 : 1
            d.setup.minLossScale = 1
            d.setup.skipNonFinite = true
            if v == 0 { d.opts.saveEvery = 25 }
            let logits = TinyTrainer.run(d.setup).records.map(\.maxLogit)
            let cross = logits.indices.first { $0 > logits.count / 2 && logits[$0] >= (logits[..<$0].max() ?? 0) } ?? (logits.count * 2 / 3)
            d.setup.activationGain = 65504 / (logits[cross] * 0.999)
            _ = b
            if fw == .hfDeepSpeed {
                let firstMin = { (recs: [StepRecord]) -> Int? in recs.first(where: { $0.overflow != nil && $0.overflow!.attempted <= 1 })?.step }
                let recs = TinyTrainer.run(d.setup).records
                if let s = firstMin(recs) {
                    d.opts.stopAfter = s
                    d.tail = { b, clock, _ in
                        b.line("")
                        b.lines(Signatures.traceback(Signatures.hfTrainFrames + [
                            ("/usr/local/lib/python3.11/site-packages/deepspeed/runtime/engine.py", 2213, "step", "self._take_model_step(lr_kwargs)"),
                            ("/usr/local/lib/python3.11/site-packages/deepspeed/runtime/fp16/loss_scaler.py", 176, "update_scale", "raise Exception(")],
                            error: "Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run."))
                        b.markNext("fatal")
                        b.line("[rank0]: Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.")
                    }
                }
            }
            d.extraConfig = fw == .megatron ? [] : [("ds.fp16", "{\n    \"enabled\": true,\n    \"loss_scale\": 0,\n    \"initial_scale_power\": 16,\n    \"loss_scale_window\": 50,\n    \"hysteresis\": \(d.setup.hysteresis),\n    \"min_loss_scale\": 1\n  }")]
        }, truth: { r, d, _ in
            let onset = d.records.first(where: { $0.loss.isInfinite })?.step ?? 1
            var ev: [Evidence] = []
            if fw == .megatron {
                ev.append(CaseHelp.configEvidence(r, d, key: "fp16", why: "fp16 where the baseline ran bf16"))
                let logged = ((onset + d.opts.logEvery - 1) / d.opts.logEvery) * d.opts.logEvery
                ev.append(CaseHelp.logEvidence(r, d, "log\(logged)", why: "iterations skipped, loss scale falling, lm loss missing (non-finite)"))
            } else {
                ev.append(Evidence(file: "configs/ds_config.json", line: CaseKit.lineOf(r.files["configs/ds_config.json"]!, "\"enabled\": true"), why: "fp16 enabled where the baseline used bf16"))
                ev.append(CaseHelp.logEvidence(r, d, "ovf\(onset)", why: "first of an unbroken run of OVERFLOW skips halving the loss scale"))
                if r.marks[d.logPath]?["fatal"] != nil { ev.append(CaseHelp.logEvidence(r, d, "fatal", why: "loss scale reached its minimum; run exits")) }
            }
            return (onset, nil, ev, "Switched bf16 -> fp16; activations exceed the fp16 range mid-run so every step overflows and the dynamic loss scale collapses. Early isolated overflows while the scale calibrates are normal.")
        })
    }

    static func badDataBatch(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .nanogpt][v]
        let badStep = [237, 281, 193][v]
        return kit.build(cause: "bad-data-batch", split: sp, fw: fw, base: { d in
            d.sidecar = v == 0 ? .jsonl : .none
        }, incident: { d, _ in
            let per = d.setup.microBatch * d.setup.accum
            let p0 = (badStep - 1) * per
            for p in p0..<(p0 + per) { d.setup.badSamples[p] = v == 0 ? .extreme : .nonFinite }
            d.warningPicks.append(2)
            if v == 1 {
                let job = 5_210_000 + Int(d.setup.seed % 9973)
                d.logPath = "slurm-\(job).out"
                d.opts.stopAfter = badStep - 1
                d.opts.saveEvery = 100
                let draft = d
                let recs = TinyTrainer.run(d.setup).records
                let resumeAt = ((badStep - 1) / 100) * 100
                d.tail = { b, clock, extra in
                    let host = "gpu-h\(String(format: "%03d", Int(draft.setup.seed % 60) + 1))"
                    func fail(_ b: inout TextBuilder, _ clock: SimClock, mark: String) {
                        let msg = "RuntimeError: Rank 0, node \(host), device 0, iteration \(badStep): Unexpected result nan (message='found NaN in local grad norm for bucket #0 in backward pass before data-parallel communication collective')"
                        for l in Signatures.traceback(Signatures.megatronFrames + [
                            ("/workspace/Megatron-LM/megatron/core/distributed/param_and_grad_buffer.py", 197, "check_grads", "rerun_state_machine.validate_result(")], error: msg) {
                            b.line(draft.opts.prefix + "[rank0]: " + l, mark: l == msg ? mark : nil)
                        }
                        b.line("srun: error: \(host): task 0: Exited with exit code 1")
                    }
                    fail(&b, clock, mark: "nan1")
                    var second = TextBuilder()
                    var c2 = clock
                    c2.advance(ms: 1_800_000)
                    for l in FrameworkRender.megatronArgs(RunWriter.configPairs(draft)) { second.line(draft.opts.prefix + l) }
                    second.line(draft.opts.prefix + " loading checkpoint from /checkpoints/\(draft.opts.outputDir) at iteration \(resumeAt)", mark: "resume")
                    second.line(draft.opts.prefix + "  successfully loaded checkpoint from /checkpoints/\(draft.opts.outputDir) [ t 1/8, p 1/1 ] at iteration \(resumeAt)")
                    second.line(draft.opts.prefix + "training ...")
                    var o2 = draft.opts
                    o2.startAfter = resumeAt
                    o2.saveEvery = nil
                    FrameworkRender.megatron(recs, setup: draft.setup, opts: o2, into: &second, clock: &c2, hook: { _, _, _ in })
                    fail(&second, c2, mark: "nan2")
                    extra["slurm-\(job + 1).out"] = second
                }
            }
        }, truth: { r, d, _ in
            if v == 1 {
                let second = r.files.keys.first { $0.hasPrefix("slurm-") && $0 != d.logPath }!
                return (badStep, nil, [CaseHelp.logEvidence(r, d, "nan1", why: "NaN gradient at iteration \(badStep) with no config change"),
                                       CaseHelp.logEvidence(r, d, "nan2", why: "after resuming from the last checkpoint the same iteration fails again: the data at that position is bad", file: second)],
                        "Corrupt samples at fixed data positions: the job fails at iteration \(badStep), and again at the same iteration after resuming from checkpoint. Config diff is benign.")
            }
            let logged = v == 2 ? badStep : ((badStep + d.opts.logEvery - 1) / d.opts.logEvery) * d.opts.logEvery
            let key = v == 2 ? "log\(((badStep + d.opts.logEvery - 1) / d.opts.logEvery) * d.opts.logEvery)" : "log\(logged)"
            var ev = [CaseHelp.logEvidence(r, d, key, why: v == 2 ? "loss turns nan at one step with no config change and stays nan" : "isolated loss and grad-norm spike at one step, then recovery")]
            if v == 0 { ev.append(Evidence(file: "metrics.jsonl", line: CaseKit.lineOf(r.files["metrics.jsonl"]!, "{\"step\": \(badStep),"), why: "per-step loss and grad norm spike at exactly this step")) }
            return (badStep, nil, ev,
                    "Corrupt samples at fixed data positions hit at step \(badStep). Config diff is only run name, seed and output dir (benign).")
        })
    }

    static func dataRepeat(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .titan][v]
        return kit.build(cause: "data-repeat", split: sp, fw: fw, base: { d in
            d.sidecar = v == 0 ? .trainerState : .none
            if v == 0 { d.extraConfig = [("max_train_samples", "null")]; d.setup.clip = nil }
        }, incident: { d, _ in
            switch v {
            case 0:
                d.setup.datasetSize = 2400
                d.extraConfig = [("max_train_samples", "2400")]
            case 1:
                d.setup.mixture = [0.92, 0.04, 0.04]
            default:
                d.setup.shuffle = false
                d.extraConfig = [("training.shuffle", "false")]
            }
        }, truth: { r, d, _ in
            var ev: [Evidence] = []
            switch v {
            case 0:
                ev.append(CaseHelp.configEvidence(r, d, key: "max_train_samples", why: "training set capped at 2,400 samples: repeated many epochs"))
                let late = d.records.last(where: { $0.valLoss != nil && $0.step < d.setup.steps })!.step
                ev.append(Evidence(file: d.logPath, line: CaseKit.lineOf(r.files[d.logPath]!, "'eval_loss'", after: r.line(d.logPath, "log\(late)")), why: "eval loss rising while train loss keeps falling (epoch > 1)"))
            case 1:
                ev.append(Evidence(file: d.logPath, line: CaseKit.lineOf(r.files[d.logPath]!, "  data_path ."), why: "mixture weights differ from the baseline's data_path"))
                ev.append(Evidence(file: d.logPath, line: CaseKit.lineOf(r.files[d.logPath]!, "validation loss at iteration \(d.setup.evalEvery * 2)"), why: "validation loss well above the baseline's"))
            default:
                ev.append(CaseHelp.configEvidence(r, d, key: "training.shuffle", why: "data shuffling turned off"))
                var prev = Double.nan
                var jump = d.setup.steps / 2
                var last = 0
                for rec in d.records where rec.step % d.opts.logEvery == 0 {
                    let l = FrameworkRender.avg(d.records[last..<rec.step]) { $0.loss }
                    last = rec.step
                    if rec.step > d.setup.steps * 2 / 5 && l > prev + 0.4 { jump = rec.step; break }
                    prev = l
                }
                ev.append(CaseHelp.logEvidence(r, d, "log\(((jump + d.opts.logEvery - 1) / d.opts.logEvery) * d.opts.logEvery)", why: "loss jumps as the unshuffled stream passes from one data source to the next (sawtooth)"))
            }
            return (1, nil, ev, "Data order/mixture broken from the start; symptoms are train/val gap and sawtooth loss rather than a crash.")
        })
    }

    static func scheduleMisconfig(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hfDeepSpeed, .megatron, .nanogpt][v]
        return kit.build(cause: "lr-schedule-misconfig", split: sp, fw: fw, base: { d in
            if fw == .hfDeepSpeed { d.setup.schedule = .linear; d.setup.minLRRatio = 0 }
            d.sidecar = v == 2 ? .tensorboardCSV : .none
        }, incident: { d, _ in
            d.setup.decaySteps = d.setup.steps / [4, 5, 4][v]
            if fw == .hfDeepSpeed { d.setup.minLRRatio = 0 }
        }, truth: { r, d, _ in
            let ds = d.setup.decaySteps!
            let key = [("total_num_steps", "configs/ds_config.json"), ("lr_decay_iters", ""), ("lr_decay_iters", "config.json")][v]
            let cfg = v == 1 ? CaseHelp.configEvidence(r, d, key: key.0, why: "decay length \(ds) iterations vs train_iters \(d.setup.steps)")
                             : CaseHelp.configEvidence(r, d, key: key.0, why: "schedule length \(ds) steps for a \(d.setup.steps)-step run", file: key.1)
            let floorStep = ((ds + d.opts.logEvery) / d.opts.logEvery) * d.opts.logEvery
            return (ds, nil, [cfg, CaseHelp.logEvidence(r, d, "log\(floorStep)", why: "LR already at its floor; loss stalls for the rest of the run")],
                    "Schedule length computed for a different run length: LR reaches its floor at step \(ds) of \(d.setup.steps).")
        })
    }

    static func gradAccum(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .hfDeepSpeed, .megatron][v]
        return kit.build(cause: "grad-accum-misconfig", split: sp, fw: fw, base: { d in
            d.setup.microBatch = 16
            d.setup.accum = 8
            if fw == .megatron { d.opts.globalBatch = 1024 }
            d.sidecar = v == 0 ? .tensorboardCSV : .none
        }, incident: { d, _ in
            switch v {
            case 0: d.setup.accum = 1
            case 1: d.setup.accum = 32
            default: d.setup.accum = 2; d.opts.globalBatch = 256
            }
        }, truth: { r, d, _ in
            var ev: [Evidence] = []
            switch v {
            case 0: ev.append(CaseHelp.configEvidence(r, d, key: "gradient_accumulation_steps", why: "accumulation 8 -> 1: effective batch 8x smaller"))
            case 1: ev.append(Evidence(file: "configs/ds_config.json", line: CaseKit.lineOf(r.files["configs/ds_config.json"]!, "\"gradient_accumulation_steps\""), why: "accumulation 8 -> 32: effective batch 4x larger, 4x fewer steps per epoch"))
            default: ev.append(CaseHelp.configEvidence(r, d, key: "global_batch_size", why: "global batch 1024 -> 256 with the same LR"))
            }
            ev.append(CaseHelp.logEvidence(r, d, "log100", why: "loss noisier and at a different level than the baseline at the same step"))
            return (1, nil, ev, "Effective batch changed (or accumulated gradients not normalised); only the config diff plus a metric level/noise shift show it.")
        })
    }

    static func resumeReset(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf4, .megatron, .titan][v]
        let at = [200, 200, 200][v]
        return kit.build(cause: "resume-state-reset", split: sp, fw: fw, base: { d in
            d.sidecar = v == 0 ? .jsonl : .none
        }, incident: { d, _ in
            d.setup.resumeAt = at
            d.setup.resumeKeepsState = false
            if v == 1 { d.extraConfig = [("no_load_optim", "True"), ("no_load_rng", "True"), ("override_opt_param_scheduler", "True")] }
            if v == 2 { d.extraConfig = [("checkpoint.exclude_from_loading", "[optimizer,lr_scheduler]")] }
            let out = d.opts.outputDir
            let pfx = d.opts.prefix
            d.hook = { step, b, clock in
                guard step == at else { return }
                clock.advance(ms: 420_000)
                switch v {
                case 0:
                    b.line("")
                    b.line("\(clock.asctime.prefix(10)) job restarted by scheduler (attempt 2)")
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:2414", "***** Running training *****"))
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:2442", "  Continuing training from checkpoint, will skip to saved global_step"), mark: "resume")
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:2443", "  Continuing training from epoch 0"))
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:2444", "  Continuing training from global step \(at)"))
                    b.line(FrameworkRender.hfInfo(clock, "trainer.py:2469", "  Will skip the first 0 epochs then the first \(at * 2) batches in the first epoch."))
                    b.line("[WARNING|trainer.py:2911] \(clock.asctime) >> Loading model from \(out)/checkpoint-\(at) (model weights only).")
                case 1:
                    b.line(pfx + " loading checkpoint from /checkpoints/\(out) at iteration \(at)", mark: "resume")
                    b.line(pfx + " checkpoint version 3.0")
                    b.line(pfx + "  successfully loaded checkpoint from /checkpoints/\(out) [ t 1/8, p 1/1 ] at iteration \(at)")
                default:
                    b.line(FrameworkRender.titanPrefix(clock) + "Loading the checkpoint from ./outputs/\(out)/checkpoint/step-\(at).", mark: "resume")
                    b.line(FrameworkRender.titanPrefix(clock) + "Finished loading the checkpoint in 4.82 seconds.")
                }
            }
        }, truth: { r, d, _ in
            let after = ((at + d.opts.logEvery) / d.opts.logEvery) * d.opts.logEvery
            var ev = [CaseHelp.logEvidence(r, d, "resume", why: "resumed from checkpoint at step \(at)"),
                      CaseHelp.logEvidence(r, d, "log\(after)", why: "LR restarts its warm-up/peak and loss jumps right after the resume")]
            if v == 1 { ev.append(CaseHelp.configEvidence(r, d, key: "no_load_optim", why: "optimizer state not loaded")) }
            if v == 2 { ev.append(Evidence(file: ".hydra/overrides.yaml", line: CaseKit.lineOf(r.files[".hydra/overrides.yaml"]!, "exclude_from_loading"), why: "optimizer and scheduler excluded from the checkpoint load")) }
            return (at, nil, ev, "Resume at step \(at) without optimizer/scheduler state: Adam moments reset and the schedule restarts.")
        })
    }

    static func tokenizerMismatch(_ kit: inout CaseKit, _ v: Int, _ sp: Split) -> GeneratedCase {
        let fw: Framework = [.hf5, .hf4, .hfDeepSpeed][v]
        var pre = TrainSetup()
        pre.seed = 99; pre.steps = 300; pre.lr = 3e-4; pre.lrGain = 150
        let pretrained = TinyTrainer.run(pre).params
        func tokenizerConfig(_ cls: String, pad: String, vocabExtra: Int) -> String {
            var added = ""
            for i in 0..<vocabExtra { added += ",\n    \"\(32000 + i)\": {\n      \"content\": \"<extra_\(i)>\",\n      \"special\": true\n    }" }
            return "{\n  \"add_bos_token\": true,\n  \"add_eos_token\": false,\n  \"added_tokens_decoder\": {\n    \"0\": {\n      \"content\": \"<unk>\",\n      \"special\": true\n    }\(added)\n  },\n  \"bos_token\": \"<s>\",\n  \"clean_up_tokenization_spaces\": false,\n  \"eos_token\": \"</s>\",\n  \"model_max_length\": 4096,\n  \"pad_token\": \(pad),\n  \"tokenizer_class\": \"\(cls)\"\n}\n"
        }
        return kit.build(cause: "tokenizer-mismatch", split: sp, fw: fw, base: { d in
            d.setup.initParams = pretrained
            d.setup.lr = 1e-5
        }, incident: { d, _ in
            switch v {
            case 0: d.setup.permuteTokens = true
            case 1: d.opts.stopAfter = 0
            default: d.opts.stopAfter = 0
            }
            let pfx = d.opts.prefix
            d.tail = { b, clock, extra in
                var tok = TextBuilder()
                switch v {
                case 0: tok.fragment(tokenizerConfig("GPT2TokenizerFast", pad: "null", vocabExtra: 0))
                case 1:
                    tok.fragment(tokenizerConfig("LlamaTokenizerFast", pad: "null", vocabExtra: 0))
                    b.line("")
                    b.lines(Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(4)) + [
                        ("/usr/local/lib/python3.11/site-packages/transformers/data/data_collator.py", 271, "__call__", "batch = pad_without_fast_tokenizer_warning("),
                        ("/usr/local/lib/python3.11/site-packages/transformers/tokenization_utils_base.py", 3392, "pad", "padding_strategy, _, max_length, _ = self._get_padding_truncation_strategies(")],
                        error: "ValueError: Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."))
                    b.markNext("fatal")
                    b.line(pfx + "[rank0]: ValueError: Asking to pad but the tokenizer does not have a padding token.")
                default:
                    tok.fragment(tokenizerConfig("LlamaTokenizerFast", pad: "\"<pad>\"", vocabExtra: 6))
                    b.line("")
                    for t in 0..<4 { b.line("../aten/src/ATen/native/cuda/Indexing.cu:1289: indexSelectLargeIndex: block: [\(214 + t),0,0], thread: [\(64 + t * 32),0,0] Assertion `srcIndex < srcSelectDimSize` failed.", mark: t == 0 ? "assert" : nil) }
                    b.lines(Signatures.traceback(Array(Signatures.hfTrainFrames.prefix(4)) + [
                        ("/usr/local/lib/python3.11/site-packages/torch/nn/modules/sparse.py", 190, "forward", "return F.embedding(")],
                        error: "RuntimeError: CUDA error: device-side assert triggered"))
                    b.line("CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.")
                    b.line("For debugging consider passing CUDA_LAUNCH_BLOCKING=1")
                    b.line("Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.")
                    _ = clock
                }
                extra["tokenizer/tokenizer_config.json"] = tok
            }
        }, truth: { r, d, _ in
            var ev: [Evidence] = []
            switch v {
            case 0:
                ev.append(Evidence(file: "tokenizer/tokenizer_config.json", line: CaseKit.lineOf(r.files["tokenizer/tokenizer_config.json"]!, "tokenizer_class"), why: "different tokenizer class than the model was trained with"))
                ev.append(CaseHelp.logEvidence(r, d, "log\(d.opts.logEvery)", why: "loss far above the baseline's from the first logged step"))
            case 1:
                ev.append(Evidence(file: "tokenizer/tokenizer_config.json", line: CaseKit.lineOf(r.files["tokenizer/tokenizer_config.json"]!, "\"pad_token\""), why: "pad_token is null"))
                ev.append(CaseHelp.logEvidence(r, d, "fatal", why: "padding fails: tokenizer has no padding token"))
            default:
                ev.append(Evidence(file: "tokenizer/tokenizer_config.json", line: CaseKit.lineOf(r.files["tokenizer/tokenizer_config.json"]!, "<extra_0>"), why: "added tokens beyond the model's 32000-entry embedding"))
                ev.append(CaseHelp.logEvidence(r, d, "assert", why: "embedding index out of range"))
            }
            return (v == 0 ? 1 : 0, nil, ev, "Tokenizer and model disagree (class/vocab/pad token).")
        })
        .addingBaselineFile("tokenizer/tokenizer_config.json", tokenizerConfig("LlamaTokenizerFast", pad: "\"<pad>\"", vocabExtra: 0))
    }
}

extension GeneratedCase {
    /// Adds a file to the baseline run (the run that is not `run_id`).
    func addingBaselineFile(_ path: String, _ content: String) -> GeneratedCase {
        var c = self
        let incident = truthYAML.split(separator: "\n")[0].replacingOccurrences(of: "run_id: ", with: "")
        if let base = files.first(where: { $0.path.hasPrefix("runs/") && !$0.path.hasPrefix("runs/\(incident)/") })?.path.split(separator: "/")[1] {
            c.files.append(CaseFile(path: "runs/\(base)/\(path)", content: content))
        }
        return c
    }

}
