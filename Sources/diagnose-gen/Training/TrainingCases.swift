import Foundation

/// Training-side incident cases (owned by the training generator).
enum TrainingCases {
    static func make(seed: UInt64) -> [GeneratedCase] {
        if let spec = ProcessInfo.processInfo.environment["GEN_EXP"] { experiment(spec); return [] }
        var kit = CaseKit(rng: SeededRNG(seed: seed ^ 0x7A11))
        var cases: [GeneratedCase] = []
        let splits: [Split] = [.dev, .dev, .heldout]
        for v in 0..<3 {
            let sp = splits[v]
            cases.append(DynamicsCases.lrTooHigh(&kit, v, sp))
            cases.append(DynamicsCases.warmupMissing(&kit, v, sp))
            cases.append(DynamicsCases.fp16Overflow(&kit, v, sp))
            cases.append(DynamicsCases.badDataBatch(&kit, v, sp))
            cases.append(DynamicsCases.dataRepeat(&kit, v, sp))
            cases.append(DynamicsCases.scheduleMisconfig(&kit, v, sp))
            cases.append(DynamicsCases.gradAccum(&kit, v, sp))
            cases.append(DynamicsCases.resumeReset(&kit, v, sp))
            cases.append(DynamicsCases.tokenizerMismatch(&kit, v, sp))
            cases.append(InfraCases.cudaOOM(&kit, v, sp))
            cases.append(InfraCases.ncclTimeout(&kit, v, sp))
            cases.append(InfraCases.gpuFault(&kit, v, sp))
            cases.append(InfraCases.straggler(&kit, v, sp))
            cases.append(InfraCases.dataloaderStall(&kit, v, sp))
            cases.append(InfraCases.diskFull(&kit, v, sp))
            cases.append(InfraCases.preemption(&kit, v, sp))
        }
        for v in 0..<5 {
            cases.append(InfraCases.healthy(&kit, v, v < 3 ? .dev : .heldout))
        }
        return cases
    }
}

extension TrainingCases {
    /// Developer aid: `GEN_EXP="lr=6e-4,warmup=0,resume=200"` prints a smoothed loss curve.
    static func experiment(_ spec: String) {
        var s = TrainSetup()
        for kv in spec.split(separator: ",") {
            let p = kv.split(separator: "=").map(String.init)
            switch p[0] {
            case "lr": s.lr = Double(p[1])!
            case "gain": s.lrGain = Double(p[1])!
            case "warmup": s.warmup = Int(p[1])!
            case "resume": s.resumeAt = Int(p[1])!; s.resumeKeepsState = false
            case "accum": s.accum = Int(p[1])!
            case "mb": s.microBatch = Int(p[1])!
            case "seed": s.seed = UInt64(p[1])!
            case "b2": s.beta2 = Double(p[1])!
            default: break
            }
        }
        let recs = TinyTrainer.run(s).records
        var line = ""
        for i in stride(from: 0, to: recs.count, by: 10) {
            let sl = recs[i..<min(recs.count, i + 10)]
            line += Py.f(FrameworkRender.avg(sl) { $0.loss }, 2) + " "
        }
        print(line)
    }
}

/// Helpers shared by the case builders.
enum CaseHelp {
    /// The first logged step at or after `from` whose interval-mean loss satisfies `pred`.
    static func firstLogged(_ recs: [StepRecord], every: Int, from: Int = 1, _ pred: (Double, StepRecord) -> Bool) -> Int? {
        var last = 0
        for r in recs where r.step % every == 0 {
            let sl = recs[last..<r.step]
            last = r.step
            let l = FrameworkRender.avg(sl) { $0.loss }
            if r.step >= from && pred(l, r) { return r.step }
        }
        return nil
    }

    static func configFile(_ fw: Framework) -> String? {
        switch fw {
        case .hf4, .hf5, .hfDeepSpeed: return "configs/training_args.json"
        case .nanogpt: return "config.json"
        case .titan: return ".hydra/config.yaml"
        case .megatron: return nil
        }
    }

    /// Evidence for a config key: the config file line, or the Megatron arguments line in the log.
    static func configEvidence(_ r: RenderedRun, _ d: RunDraft, key: String, why: String, file: String? = nil) -> Evidence {
        if let f = file ?? configFile(d.framework) {
            let needle = d.framework == .titan && file == nil ? "\(key.split(separator: ".").last!):" : (f.hasSuffix(".json") ? "\"\(key)\"" : key)
            return Evidence(file: f, line: CaseKit.lineOf(r.files[f]!, needle), why: why)
        }
        return Evidence(file: d.logPath, line: CaseKit.lineOf(r.files[d.logPath]!, "  \(key) ."), why: why)
    }

    static func logEvidence(_ r: RenderedRun, _ d: RunDraft, _ key: String, why: String, file: String? = nil) -> Evidence {
        let f = file ?? d.logPath
        return Evidence(file: f, line: r.line(f, key), why: why)
    }

    static func prefixFor(_ fw: Framework, rank: Int) -> String {
        switch fw {
        case .megatron: return "\(rank): "
        default: return "[rank\(rank)]:"
        }
    }
}
