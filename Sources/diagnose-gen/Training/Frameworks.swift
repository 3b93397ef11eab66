import Foundation

/// The trainer whose console output a run imitates.
enum Framework {
    case hf4, hf5, hfDeepSpeed, megatron, nanogpt, titan
}

/// Called after each optimizer step so a case can inject lines (warnings, checkpoints, faults).
typealias StepHook = (_ step: Int, _ b: inout TextBuilder, _ clock: inout SimClock) -> Void

/// How a run's console log is rendered.
struct RenderOptions {
    var framework: Framework
    var logEvery = 10
    /// Launcher prefix on every trainer line (`[rank0]:`, `7: `), empty for none.
    var prefix = ""
    /// Stop after this step (the process died); summaries are not printed.
    var stopAfter: Int? = nil
    var stepMs: (Int) -> Double = { _ in 900 }
    var saveEvery: Int? = nil
    var outputDir = "output"
    /// Glue the log dict straight onto the progress-bar frame (HF).
    var glue = true
    /// Megatron timestamp: 0 none, 1 seconds, 2 microseconds.
    var megatronTimestamp = 2
    var megatronLRDigits = 6
    var globalBatch = 64
    var seqLen = 2048
    var worldSize = 8
    /// torchtitan 2024 format (`wps`, no grad_norm/tflops).
    var titanLegacy = false
    var color = true
    /// Per-rank throughput multiplier for torchtitan per-rank files.
    var tpsFactor = 1.0
    var paramsB = 1.3
    var memGiB = 48.0
    /// Milliseconds per step spent waiting for data (metrics sidecar), when known.
    var dataWaitMs: ((Int) -> Double)? = nil
    /// Skip steps up to and including this one (a resumed launch starts after its checkpoint; Megatron).
    var startAfter = 0
}

/// Renders step records as the console output of common trainers (FORMATS.md A).
enum FrameworkRender {
    static func avg(_ rs: ArraySlice<StepRecord>, _ f: (StepRecord) -> Double) -> Double {
        let xs = rs.map(f)
        if xs.contains(where: { $0.isNaN }) { return .nan }
        if xs.contains(where: { $0.isInfinite }) { return .infinity }
        return xs.reduce(0, +) / Double(max(1, xs.count))
    }

    static func tqdmBar(_ n: Int, _ total: Int, elapsed: Double, rate: Double) -> String {
        let frac = total > 0 ? Double(n) / Double(total) : 0
        let pct = String(format: "%3.0f%%", frac * 100)
        let cells = frac * 10
        let full = Int(cells)
        let parts = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var bar = String(repeating: "█", count: full)
        if full < 10 {
            bar += parts[Int((cells - Double(full)) * 8)]
            bar += String(repeating: " ", count: 10 - bar.count)
        }
        func hms(_ s: Double) -> String {
            let t = Int(s.rounded())
            return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, (t % 3600) / 60, t % 60)
                             : String(format: "%02d:%02d", t / 60, t % 60)
        }
        let rem = rate > 0 ? hms(Double(total - n) * rate) : "?"
        let rateS = rate <= 0 ? "?it/s" : (rate >= 1 ? String(format: "%5.2fs/it", rate) : String(format: "%5.2fit/s", 1 / rate))
        return "\(pct)|\(bar)| \(n)/\(total) [\(hms(elapsed))<\(rem), \(rateS)]"
    }

    /// The HF console dict line (4.x raw floats, 5.x '%.4g' strings).
    static func hfDict(_ kv: [(String, Double)], hf5: Bool) -> String {
        let body = kv.map { k, v -> String in
            if hf5 { return "'\(k)': '\(Py.g4(v))'" }
            return "'\(k)': \(Py.repr(v))"
        }.joined(separator: ", ")
        return "{\(body)}"
    }

    static func render(_ recs: [StepRecord], setup: TrainSetup, opts o: RenderOptions, into b: inout TextBuilder,
                       clock: inout SimClock, hook: StepHook) {
        switch o.framework {
        case .hf4, .hf5, .hfDeepSpeed: hf(recs, setup: setup, opts: o, into: &b, clock: &clock, hook: hook)
        case .megatron: megatron(recs, setup: setup, opts: o, into: &b, clock: &clock, hook: hook)
        case .nanogpt: nanogpt(recs, setup: setup, opts: o, into: &b, clock: &clock, hook: hook)
        case .titan: titan(recs, setup: setup, opts: o, into: &b, clock: &clock, hook: hook)
        }
    }

    // MARK: Hugging Face Trainer (optionally with DeepSpeed)

    static func hfInfo(_ clock: SimClock, _ file: String, _ msg: String) -> String {
        "[INFO|\(file)] \(clock.asctime) >> \(msg)"
    }

    static func hf(_ recs: [StepRecord], setup s: TrainSetup, opts o: RenderOptions, into b: inout TextBuilder,
                   clock: inout SimClock, hook: StepHook) {
        let hf5 = o.framework == .hf5
        let ds = o.framework == .hfDeepSpeed
        let p = o.prefix
        let total = s.steps
        let examples = s.datasetSize < s.steps * s.microBatch * s.accum ? s.datasetSize : s.steps * s.microBatch * s.accum
        b.line(p + hfInfo(clock, "trainer.py:2414", "***** Running training *****"))
        b.line(p + hfInfo(clock, "trainer.py:2415", "  Num examples = \(Py.thousands(examples * o.worldSize))"))
        b.line(p + hfInfo(clock, "trainer.py:2416", "  Num Epochs = \(max(1, Int(ceil(recs.last?.epoch ?? 1))))"))
        b.line(p + hfInfo(clock, "trainer.py:2417", "  Instantaneous batch size per device = \(s.microBatch)"))
        b.line(p + hfInfo(clock, "trainer.py:2420", "  Total train batch size (w. parallel, distributed & accumulation) = \(s.microBatch * s.accum * o.worldSize)"))
        b.line(p + hfInfo(clock, "trainer.py:2421", "  Gradient Accumulation steps = \(s.accum)"))
        b.line(p + hfInfo(clock, "trainer.py:2422", "  Total optimization steps = \(Py.thousands(total))"))
        b.line(p + hfInfo(clock, "trainer.py:2423", "  Number of trainable parameters = \(Py.thousands(Int(o.paramsB * 1e9) + 4_352_000))"))
        b.fragment(p + "  0%|          | 0/\(total) [00:00<?, ?it/s]")
        var elapsed = 0.0
        var lastLog = 0
        let start = recs.first?.step ?? 1
        for r in recs {
            if let stop = o.stopAfter, r.step > stop { break }
            let ms = o.stepMs(r.step)
            elapsed += ms / 1000
            clock.advance(ms: ms)
            b.fragment("\r" + p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
            if ds, let ov = r.overflow {
                let msg: String
                if ov.hysteresis > 1 && ov.next == ov.attempted {
                    msg = "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: \(Int(ov.attempted)), but hysteresis is \(ov.hysteresis). Reducing hysteresis to \(ov.hysteresis - 1)"
                } else {
                    msg = "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: \(Int(ov.attempted)), reducing to \(Int(ov.next))"
                }
                b.fragment("[\(clock.asctime)] [INFO] [loss_scaler.py:183:update_scale] " + msg + "\n", mark: "ovf\(r.step)")
            }
            if r.step % o.logEvery == 0 || r.step == total {
                let slice = recs[(max(lastLog, start - 1) - (start - 1))..<(r.step - (start - 1))]
                lastLog = r.step
                var loss = avg(slice) { $0.loss }
                if !hf5 && loss.isFinite { loss = (loss * 10000).rounded() / 10000 }
                var kv: [(String, Double)] = [("loss", loss)]
                if s.clip != nil { kv.append(("grad_norm", Double(Float(r.gradNorm)))) }
                kv.append(("learning_rate", r.lr))
                kv.append(("epoch", hf5 ? r.epoch : (r.epoch * 100).rounded() / 100))
                if ds && r.step % (o.logEvery * 2) == 0 {
                    let skipped = recs.prefix(while: { $0.step <= r.step }).filter(\.skipped).count
                    b.fragment("[\(clock.asctime)] [INFO] [logging.py:128:log_dist] [Rank 0] step=\(r.step), skipped=\(skipped), lr=[\(Py.repr(r.lr))], mom=[[0.9, 0.95]]\n")
                    let sps = Double(s.microBatch * o.worldSize) / (ms / 1000)
                    b.line("[\(clock.asctime)] [INFO] [timer.py:264:stop] epoch=0/micro_step=\(r.step * s.accum)/global_step=\(r.step), RunningAvgSamplesPerSec=\(Py.repr(sps * 1.003)), CurrSamplesPerSec=\(Py.repr(sps)), MemAllocated=\(Py.f(o.memGiB * 0.41, 2))GB, MaxMemAllocated=\(Py.f(o.memGiB * 0.83, 2))GB")
                    b.fragment(p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
                }
                if o.glue {
                    b.line(hfDict(kv, hf5: hf5), mark: "log\(r.step)")
                } else {
                    b.line("")
                    b.line(p + hfDict(kv, hf5: hf5), mark: "log\(r.step)")
                }
                b.fragment(p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
            }
            if let vl = r.valLoss, r.step < total {
                b.line("")
                b.fragment(p + "\r  0%|          | 0/24 [00:00<?, ?it/s]\r" + p + " 50%|█████     | 12/24 [00:02<00:02,  5.61it/s]\r" + p + "100%|██████████| 24/24 [00:04<00:00,  5.58it/s]")
                b.line(hfDict([("eval_loss", vl), ("eval_runtime", 4.3021), ("eval_samples_per_second", 44.629), ("eval_steps_per_second", 5.579), ("epoch", hf5 ? r.epoch : (r.epoch * 100).rounded() / 100)], hf5: hf5))
                b.fragment(p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
            }
            if let se = o.saveEvery, r.step % se == 0, r.step < total {
                b.line("")
                b.line(p + hfInfo(clock, "trainer.py:3984", "Saving model checkpoint to \(o.outputDir)/checkpoint-\(r.step)"), mark: "save\(r.step)")
                b.line(p + hfInfo(clock, "configuration_utils.py:419", "Configuration saved in \(o.outputDir)/checkpoint-\(r.step)/config.json"))
                hook(r.step, &b, &clock)
                b.fragment(p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
                continue
            }
            let before = b.text.utf8.count
            hook(r.step, &b, &clock)
            if b.text.utf8.count != before {
                b.fragment(p + tqdmBar(r.step, total, elapsed: elapsed, rate: ms / 1000))
            }
        }
        if o.stopAfter == nil, let last = recs.last {
            b.line("")
            b.line(p + hfInfo(clock, "trainer.py:2681", ""))
            b.line(p + "")
            b.line(p + "Training completed. Do not forget to share your model on huggingface.co/models =)")
            b.line(p + "")
            let trainLoss = avg(recs[...]) { $0.loss }
            let kv: [(String, Double)] = [("train_runtime", (elapsed * 10000).rounded() / 10000),
                                          ("train_samples_per_second", (Double(total * s.microBatch * s.accum * o.worldSize) / elapsed * 1000).rounded() / 1000),
                                          ("train_steps_per_second", (Double(total) / elapsed * 1000).rounded() / 1000),
                                          ("train_loss", trainLoss), ("epoch", hf5 ? last.epoch : (last.epoch * 100).rounded() / 100)]
            b.fragment("\r" + p + tqdmBar(total, total, elapsed: elapsed, rate: 0.9))
            b.line(hfDict(kv, hf5: hf5))
            b.line(p + tqdmBar(total, total, elapsed: elapsed, rate: elapsed / Double(total)))
            b.line(p + hfInfo(clock, "trainer.py:3984", "Saving model checkpoint to \(o.outputDir)"))
        } else {
            b.line("")
        }
    }

    /// `trainer_state.json` as `json.dumps(asdict(state), indent=2, sort_keys=True)`.
    static func trainerState(_ recs: [StepRecord], setup s: TrainSetup, logEvery: Int, upTo: Int, saveEvery: Int) -> String {
        var entries: [String] = []
        var last = 0
        for r in recs where r.step <= upTo {
            if r.step % logEvery == 0 {
                let sl = recs[last..<r.step]
                last = r.step
                var fields: [(String, String)] = [("epoch", Py.json(r.epoch)), ("learning_rate", Py.json(r.lr)),
                                                  ("loss", Py.json((avg(sl) { $0.loss } * 10000).rounded() / 10000)), ("step", "\(r.step)")]
                if s.clip != nil { fields.append(("grad_norm", Py.json(r.gradNorm))) }
                fields.sort { $0.0 < $1.0 }
                entries.append("    {\n" + fields.map { "      \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n    }")
            }
            if let vl = r.valLoss {
                let f: [(String, String)] = [("epoch", Py.json(r.epoch)), ("eval_loss", Py.json(vl)), ("eval_runtime", "4.3021"),
                                             ("eval_samples_per_second", "44.629"), ("eval_steps_per_second", "5.579"), ("step", "\(r.step)")]
                entries.append("    {\n" + f.map { "      \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n    }")
            }
        }
        let epoch = recs.last(where: { $0.step <= upTo })?.epoch ?? 0
        return """
        {
          "best_global_step": null,
          "best_metric": null,
          "best_model_checkpoint": null,
          "epoch": \(Py.json(epoch)),
          "eval_steps": \(s.evalEvery),
          "global_step": \(upTo),
          "is_hyper_param_search": false,
          "is_local_process_zero": true,
          "is_world_process_zero": true,
          "log_history": [
        \(entries.joined(separator: ",\n"))
          ],
          "logging_steps": \(logEvery),
          "max_steps": \(s.steps),
          "num_input_tokens_seen": 0,
          "num_train_epochs": 1,
          "save_steps": \(saveEvery),
          "stateful_callbacks": {
            "TrainerControl": {
              "args": {
                "should_epoch_stop": false,
                "should_evaluate": false,
                "should_log": false,
                "should_save": true,
                "should_training_stop": \(upTo == s.steps ? "true" : "false")
              },
              "attributes": {}
            }
          },
          "total_flos": \(Py.json(Double(upTo) * 3.1e15)),
          "train_batch_size": \(s.microBatch),
          "trial_name": null,
          "trial_params": null
        }

        """
    }

    // MARK: Megatron-LM

    static func megatronArgs(_ args: [(String, String)]) -> [String] {
        var out = ["------------------------ arguments ------------------------"]
        for (k, v) in args.sorted(by: { $0.0 < $1.0 }) {
            out.append("  \(k) \(String(repeating: ".", count: max(1, 48 - k.count))) \(v)")
        }
        out.append("-------------------- end of arguments ---------------------")
        return out
    }

    static func megatronTS(_ o: RenderOptions, _ clock: SimClock) -> String {
        switch o.megatronTimestamp {
        case 0: return ""
        case 1: return " [\(clock.ymdhms)]"
        default: return " [\(clock.micro)]"
        }
    }

    static func megatron(_ recs: [StepRecord], setup s: TrainSetup, opts o: RenderOptions, into b: inout TextBuilder,
                         clock: inout SimClock, hook: StepHook) {
        let p = o.prefix
        var lastLog = 0
        var skippedInterval = 0, nanInterval = 0
        for r in recs {
            if let stop = o.stopAfter, r.step > stop { break }
            if r.step <= o.startAfter { lastLog = r.step; continue }
            let ms = o.stepMs(r.step)
            clock.advance(ms: ms)
            if r.skipped { skippedInterval += 1; if !r.loss.isFinite { nanInterval += 1 } }
            if r.step % o.logEvery == 0 || r.step == s.steps {
                let slice = recs[lastLog..<r.step]
                lastLog = r.step
                let adv = slice.filter { !$0.skipped }
                let loss = adv.isEmpty ? Double.nan : avg(adv[...]) { $0.loss }
                let elapsed = avg(slice) { o.stepMs($0.step) }
                var line = p + megatronTS(o, clock)
                line += String(format: " iteration %8d/%8d |", r.step, s.steps)
                line += String(format: " consumed samples: %12d |", r.step * o.globalBatch)
                line += " elapsed time per iteration (ms): \(Py.f(elapsed, 1)) |"
                line += " throughput per GPU (TFLOP/s/GPU): \(Py.f(6 * o.paramsB * 1e9 * Double(o.globalBatch * o.seqLen) / (elapsed / 1000) / Double(o.worldSize) / 1e12, 1)) |"
                line += " learning rate: \(Py.E(r.lr, o.megatronLRDigits)) |"
                line += String(format: " global batch size: %5d |", o.globalBatch)
                if loss >= 0 { line += " lm loss: \(Py.E(loss, 6)) |" }
                line += " loss scale: \(Py.f(s.precision == .fp16 ? r.lossScale : 1.0, 1)) |"
                line += " grad norm: \(Py.f(r.gradNorm, 3)) |"
                line += String(format: " number of skipped iterations: %3d |", skippedInterval)
                line += String(format: " number of nan iterations: %3d |", nanInterval)
                b.line(line, mark: "log\(r.step)")
                skippedInterval = 0; nanInterval = 0
                if r.step == o.logEvery {
                    b.line(p + "[Rank \(o.worldSize - 1)] (after \(r.step) iterations) memory (MB) | allocated: \(Py.f(o.memGiB * 1024 * 0.42, 1)) | max allocated: \(Py.f(o.memGiB * 1024 * 0.81, 1)) | reserved: \(Py.f(o.memGiB * 1024 * 0.88, 1)) | max reserved: \(Py.f(o.memGiB * 1024 * 0.88, 1))")
                }
            }
            if let vl = r.valLoss, r.step < s.steps || o.stopAfter == nil {
                let dash = String(repeating: "-", count: 95)
                b.line(p + dash)
                b.line(p + " validation loss at iteration \(r.step) | lm loss value: \(Py.E(vl, 6)) | lm loss PPL: \(Py.E(exp(vl), 6)) | ")
                b.line(p + dash)
            }
            if let se = o.saveEvery, r.step % se == 0 {
                b.line(p + String(format: "saving checkpoint at iteration %7d to ", r.step) + "/checkpoints/\(o.outputDir) in torch_dist format", mark: "save\(r.step)")
                clock.advance(ms: 4200)
                b.line(p + String(format: "  successfully saved checkpoint from iteration %7d to ", r.step) + "/checkpoints/\(o.outputDir) [ t 1/\(min(8, o.worldSize)), p 1/1 ]")
            }
            hook(r.step, &b, &clock)
        }
        if o.stopAfter == nil {
            b.line(p + "[after training is done] datetime: \(clock.ymdhms) ")
        }
    }

    // MARK: nanoGPT

    static func nanogpt(_ recs: [StepRecord], setup s: TrainSetup, opts o: RenderOptions, into b: inout TextBuilder,
                        clock: inout SimClock, hook: StepHook) {
        var mfu = -1.0
        for (i, r) in recs.enumerated() {
            if let stop = o.stopAfter, r.step > stop { break }
            let ms = o.stepMs(r.step)
            clock.advance(ms: ms)
            if r.step == 1 || r.valLoss != nil {
                let vl = r.valLoss ?? recs[i].loss
                let tl = r.step == 1 ? r.loss : avg(recs[max(0, i - 20)...i]) { $0.loss }
                b.line("step \(r.step == 1 ? 0 : r.step): train loss \(Py.f(tl, 4)), val loss \(Py.f(vl, 4))", mark: "eval\(r.step)")
                if let se = o.saveEvery, r.step % se == 0 {
                    b.line("saving checkpoint to \(o.outputDir)", mark: "save\(r.step)")
                }
            }
            if i >= 5 {
                let flops = 6 * o.paramsB * 1e9 * Double(o.globalBatch * o.seqLen) / (ms / 1000)
                let m = flops / Double(o.worldSize) / 312e12
                mfu = mfu < 0 ? m : 0.9 * mfu + 0.1 * m
            }
            if r.step % o.logEvery == 0 {
                b.line("iter \(r.step): loss \(Py.f(r.loss, 4)), time \(Py.f(ms, 2))ms, mfu \(Py.f(mfu * 100, 2))%", mark: "log\(r.step)")
            }
            hook(r.step, &b, &clock)
        }
    }

    // MARK: torchtitan

    static func titanPrefix(_ clock: SimClock, level: String = "INFO") -> String {
        "[titan] \(clock.asctime) - root - \(level) - "
    }

    static func titanMetric(_ r: StepRecord, loss: Double, o: RenderOptions, ms: Double) -> String {
        let tps = Double(o.globalBatch / o.worldSize * o.seqLen) / (ms / 1000) * o.tpsFactor
        let tflops = 6 * o.paramsB * 1e9 * tps / 1e12
        let mfu = tflops / 989 * 100
        let red = o.color ? "\u{1B}[31m" : "", green = o.color ? "\u{1B}[32m" : "", orange = o.color ? "\u{1B}[38;2;180;60;0m" : ""
        let turq = o.color ? "\u{1B}[38;2;54;234;195m" : "", blue = o.color ? "\u{1B}[34m" : "", cyan = o.color ? "\u{1B}[36m" : ""
        let magenta = o.color ? "\u{1B}[35m" : "", reset = o.color ? "\u{1B}[39m" : ""
        let stepS = r.step < 10 ? " \(r.step)" : "\(r.step)"
        let lossS = String(format: "%8.5f", loss).replacingOccurrences(of: "nan", with: "     nan")
        if o.titanLegacy {
            return "\(red)step: \(stepS)  \(green)loss: \(String(format: "%7.4f", loss))  \(turq)memory: \(String(format: "%5.2f", o.memGiB))GiB(\(Py.f(o.memGiB / 79.1 * 100, 2))%)  \(blue)wps: \(Py.thousands(Int(tps.rounded())))  \(magenta)mfu: \(Py.f(mfu, 2))%\(reset)"
        }
        return "\(red)step: \(stepS)  \(green)loss: \(loss.isNaN ? "     nan" : lossS)  \(orange)grad_norm: \(String(format: "%7.4f", r.gradNorm))  \(turq)memory: \(String(format: "%5.2f", o.memGiB))GiB(\(Py.f(o.memGiB / 79.1 * 100, 2))%)  \(blue)tps: \(Py.thousands(Int(tps.rounded())))  \(cyan)tflops: \(Py.f(tflops, 2))  \(magenta)mfu: \(Py.f(mfu, 2))%\(reset)"
    }

    static func titan(_ recs: [StepRecord], setup s: TrainSetup, opts o: RenderOptions, into b: inout TextBuilder,
                      clock: inout SimClock, hook: StepHook) {
        let p = o.prefix
        b.line(p + titanPrefix(clock) + "Training starts at step 1")
        var lastLog = 0
        for r in recs {
            if let stop = o.stopAfter, r.step > stop { break }
            let ms = o.stepMs(r.step)
            clock.advance(ms: ms)
            if r.step % o.logEvery == 0 || r.step == 1 {
                let sl = recs[lastLog..<r.step]
                lastLog = r.step
                b.line(p + titanPrefix(clock) + titanMetric(r, loss: avg(sl) { $0.loss }, o: o, ms: ms), mark: "log\(r.step)")
            }
            if let vl = r.valLoss {
                b.line(p + titanPrefix(clock) + (o.color ? "\u{1B}[33m" : "") + "validate step: \(r.step)  " + (o.color ? "\u{1B}[32m" : "") + "loss: \(String(format: "%7.4f", vl))" + (o.color ? "\u{1B}[39m" : ""))
            }
            if let se = o.saveEvery, r.step % se == 0 {
                b.line(p + titanPrefix(clock) + "Saving the checkpoint (or staging if async is enabled).", mark: "save\(r.step)")
                clock.advance(ms: 3100)
                b.line(p + titanPrefix(clock) + "[GC] Performing periodical GC collection 0.05 seconds")
                b.line(p + titanPrefix(clock) + "Finished saving the checkpoint (or staging if async is enabled)in 3.10 seconds.")
            }
            hook(r.step, &b, &clock)
        }
        if o.stopAfter == nil {
            b.line(p + titanPrefix(clock) + "Sleeping 2 seconds for other ranks to complete")
            b.line(p + titanPrefix(clock) + "Training completed")
        }
    }
}
