import Foundation

/// Shared machinery for building one training case: ids, default drafts, rendering both runs, truth.yaml.
struct CaseKit {
    var rng: SeededRNG
    var usedIds: Set<String> = []

    static let families = ["sft-7b", "pt-1b3", "sft-13b", "pt-350m", "dpo-8b", "cpt-3b", "pt-7b", "sft-llama3-8b",
                           "pt-moe-16b", "sft-mistral-7b", "rm-2b", "pt-2b7", "sft-qwen-14b", "cpt-1b", "pt-13b", "sft-70b"]

    /// A baseline id and an incident id from the same family.
    mutating func ids() -> (baseline: String, incident: String) {
        while true {
            let fam = Self.families[Int.random(in: 0..<Self.families.count, using: &rng)]
            let style = Int.random(in: 0..<3, using: &rng)
            let n = Int.random(in: 3..<60, using: &rng)
            let pair: (String, String)
            switch style {
            case 0: pair = ("\(fam)-r\(n)", "\(fam)-r\(n + 1 + Int.random(in: 0..<3, using: &rng))")
            case 1:
                let m = Int.random(in: 1...12, using: &rng), d = Int.random(in: 1...20, using: &rng)
                pair = ("\(fam)-" + String(format: "%02d%02d", m, d),
                        "\(fam)-" + String(format: "%02d%02d", m, d + 1 + Int.random(in: 0..<7, using: &rng)))
            default: pair = ("\(fam)-v\(n)", "\(fam)-v\(n + 1)")
            }
            let fixed = pair
            if !usedIds.contains(fixed.0) && !usedIds.contains(fixed.1) {
                usedIds.insert(fixed.0); usedIds.insert(fixed.1)
                return fixed
            }
        }
    }

    /// Per-step wall time with deterministic jitter.
    static func stepTimes(base: Double, seed: UInt64, jitter: Double = 0.03, shape: @escaping (Int) -> Double = { _ in 1 }) -> (Int) -> Double {
        { step in
            var r = SeededRNG(seed: seed &+ UInt64(step) &* 2_654_435_761)
            let j = 1 + jitter * (Double.random(in: -1...1, using: &r))
            return base * j * shape(step)
        }
    }

    /// A healthy default run for a framework.
    mutating func draft(_ fw: Framework, runId: String, seed: UInt64) -> RunDraft {
        var s = TrainSetup()
        s.seed = seed
        s.steps = 400
        s.evalEvery = 100
        s.microBatch = 32
        s.accum = 2
        var o = RenderOptions(framework: fw)
        o.worldSize = 8
        switch fw {
        case .hf4, .hf5, .hfDeepSpeed:
            s.lr = 2e-5; s.lrGain = 2250; s.warmup = 30; s.schedule = .cosine; s.minLRRatio = 0
            o.logEvery = [5, 10][Int.random(in: 0...1, using: &rng)]; o.saveEvery = 100; o.outputDir = "output/\(runId)"; o.paramsB = 7
        case .megatron:
            s.lr = 3e-4; s.lrGain = 150; s.warmup = 40; s.minLRRatio = 0.1
            o.logEvery = [1, 2, 5][Int.random(in: 0...2, using: &rng)]; o.saveEvery = 200; o.outputDir = runId; o.globalBatch = 256; o.worldSize = 16; o.paramsB = 1.3
            o.megatronTimestamp = Int.random(in: 0...2, using: &rng)
            o.megatronLRDigits = o.megatronTimestamp == 0 ? 3 : 6
        case .nanogpt:
            s.lr = 6e-4; s.lrGain = 75; s.warmup = 40; s.minLRRatio = 0.1
            o.logEvery = [1, 2][Int.random(in: 0...1, using: &rng)]; o.saveEvery = 100; o.outputDir = "out-\(runId)"; o.globalBatch = 480; o.seqLen = 1024; o.paramsB = 0.124
        case .titan:
            s.lr = 8e-4; s.lrGain = 56; s.warmup = 40; s.minLRRatio = 0.1
            o.logEvery = [1, 2, 5][Int.random(in: 0...2, using: &rng)]; o.saveEvery = 200; o.outputDir = runId; o.globalBatch = 8; o.seqLen = 8192; o.paramsB = 8
        }
        o.stepMs = Self.stepTimes(base: Double(Int.random(in: 700...1400, using: &rng)), seed: seed)
        o.glue = Int.random(in: 0..<3, using: &rng) != 0
        var d = RunDraft(runId: runId, framework: fw, setup: s, opts: o)
        d.logPath = ["logs/train.log", "train.log", "logs/stdout.log", "output.log"][Int.random(in: 0..<4, using: &rng)]
        let w1 = Int.random(in: 0..<5, using: &rng)
        d.warningPicks = [w1, (w1 + 1 + Int.random(in: 0..<3, using: &rng)) % 5]
        d.startTime = 1_790_000_000 + Double(Int.random(in: 0..<5_000_000, using: &rng))
        d.wandbProject = ["llm-pretrain", "sft-sweeps", "post-train", "scaling"][Int.random(in: 0..<4, using: &rng)]
        return d
    }

    /// Applies the benign differences every incident run has relative to its baseline.
    mutating func benign(_ d: inout RunDraft, from base: RunDraft) {
        d.setup.seed = base.setup.seed &+ UInt64(Int.random(in: 1...999, using: &rng))
        d.startTime = base.startTime + Double(Int.random(in: 86_400...864_000, using: &rng))
        if Bool.random(using: &rng) { d.wandbProject = base.wandbProject + "-v2" }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            switch d.framework {
            case .hf4, .hf5, .hfDeepSpeed: d.opts.logEvery = d.opts.logEvery == 5 ? 10 : 5
            case .megatron, .titan: d.opts.logEvery = d.opts.logEvery == 1 ? 2 : 1
            case .nanogpt: d.opts.logEvery = d.opts.logEvery == 1 ? 2 : 1
            }
        }
        switch d.framework {
        case .hf4, .hf5, .hfDeepSpeed: d.opts.outputDir = "output/\(d.runId)"
        case .megatron, .titan: d.opts.outputDir = d.runId
        case .nanogpt: d.opts.outputDir = "out-\(d.runId)"
        }
        d.opts.stepMs = Self.stepTimes(base: base.opts.stepMs(0) / max(0.5, 1.0), seed: d.setup.seed)
    }

    /// Rounds to two significant digits, as people write learning rates.
    static func nice(_ x: Double) -> Double {
        guard x > 0 else { return x }
        let e = floor(log10(x)) - 1
        return Double(String(format: "%.0fe%d", (x / pow(10, e)).rounded(), Int(e)))!
    }

    static func lineOf(_ text: String, _ needle: String, after: Int = 0) -> Int {
        var n = 0
        for l in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            if n > after && l.contains(needle) { return n }
        }
        fatalError("line containing \(needle) not found")
    }

    static func truth(runId: String, cause: String, onsetStep: Int?, onsetTime: String? = nil, evidence: [Evidence], notes: String) -> String {
        var s = "run_id: \(runId)\ncause: \(cause)\n"
        if let o = onsetStep { s += "onset_step: \(o)\n" }
        if let t = onsetTime { s += "onset_time: \(t)\n" }
        s += evidence.isEmpty ? "key_evidence: []\n" : "key_evidence:\n"
        for e in evidence {
            let why = e.why.replacingOccurrences(of: "\"", with: "'")
            s += "  - {file: \(e.file), line: \(e.line), why: \"\(why)\"}\n"
        }
        let n = notes.replacingOccurrences(of: "\"", with: "'")
        s += "notes: \"\(n)\"\n"
        return s
    }

    /// Trains both runs, renders them and assembles the case.
    mutating func build(cause: String, split: Split, fw: Framework, withBaseline: Bool = true,
                        base configureBase: (inout RunDraft) -> Void = { _ in },
                        incident configureIncident: (inout RunDraft, RunDraft) -> Void,
                        truth makeTruth: (RenderedRun, RunDraft, RenderedRun?) -> (onset: Int?, onsetTime: String?, evidence: [Evidence], notes: String)) -> GeneratedCase {
        let (bid, iid) = ids()
        let seed = UInt64.random(in: 1...1_000_000, using: &rng)
        var b = draft(fw, runId: bid, seed: seed)
        configureBase(&b)
        b.setup.lr = Self.nice(b.setup.lr)
        b.records = TinyTrainer.run(b.setup).records
        var i = b
        i.runId = iid
        i.baseline = withBaseline ? bid : nil
        i.hook = { _, _, _ in }
        i.tail = { _, _, _ in }
        benign(&i, from: b)
        configureIncident(&i, b)
        i.setup.lr = Self.nice(i.setup.lr)
        i.records = TinyTrainer.run(i.setup).records
        let rb = RunWriter.render(b, rng: &rng)
        let ri = RunWriter.render(i, rng: &rng)
        let t = makeTruth(ri, i, rb)
        let truth = Self.truth(runId: iid, cause: cause, onsetStep: t.onset, onsetTime: t.onsetTime, evidence: t.evidence, notes: t.notes)
        var files = ri.caseFiles()
        if withBaseline { files += rb.caseFiles() }
        return GeneratedCase(cause: cause, split: split, truthYAML: truth, files: files)
    }
}
