import DiagnoseCore

/// Step time rising and throughput (tokens/s, samples/s, MFU, TFLOP/s) falling: a sustained,
/// trend-corrected change point within the run (after the warm-up), else a change of level
/// against the baseline over the whole run (an end-of-run summary such as the Trainer's
/// `train_samples_per_second` compares one value with one). Only the adverse direction is reported.
///
/// Magnitude: the relative change, |after − before| / before (0.15 at least). `before`/`after`:
/// the levels before and after the onset (or the baseline's and the run's medians).
public struct ThroughputDetector: Detector {
    public let id = "throughput"
    public init() {}

    static let rates: Set<MetricName> = [.tokensPerS, .samplesPerS, .mfu, .tflops, .throughputTokensPerS]
    static let minRelative = 0.15

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        var covered: Set<MetricName> = []
        for s in input.run.series where s.name == .stepTimeMs || Self.rates.contains(s.name) {
            let t = Trace(s)
            let adverse: Double = s.name == .stepTimeMs ? 1 : -1
            guard t.count >= 20, let c = StepChange.strongest(in: t, minZ: 8, sign: adverse),
                  abs(c.relative) >= Self.minRelative else { continue }
            let kind: SymptomKind = s.name == .stepTimeMs ? .stepTimeShift : .throughputDrop
            out.append(LevelShiftDetector.symptom(c, t, kind: kind))
            covered.insert(s.name)
        }
        guard let base = input.baseline else { return out }
        for name in [MetricName.stepTimeMs] + Self.rates.sorted() where !covered.contains(name) {
            // A Trainer's end-of-run summary is one point per run: enough to compare levels.
            guard let r = input.run.primary(name), let b = base.primary(name),
                  r.count >= 5 && b.count >= 5 || r.count <= 3 && b.count <= 3 else { continue }
            let rm = Stats.median(Array(r.values.dropFirst(r.count >= 10 ? r.warmup : 0)))
            let bm = Stats.median(Array(b.values.dropFirst(b.count >= 10 ? b.warmup : 0)))
            guard bm > 0, rm.isFinite else { continue }
            let rel = (rm - bm) / bm
            let adverse = name == .stepTimeMs ? rel >= 0.2 : rel <= -0.2
            guard adverse else { continue }
            let p = r.points[r.count >= 10 ? min(r.warmup, r.count - 1) : 0]
            let bp = b.points[b.count >= 10 ? min(b.warmup, b.count - 1) : 0]
            out.append(Symptom(kind: name == .stepTimeMs ? .stepTimeShift : .throughputDrop, metric: name, onsetStep: r.points[0].step,
                               onsetTime: r.points[0].time, rank: p.rank ?? r.series.rank, magnitude: bounded(abs(rel)), before: bm, after: rm,
                               summary: "\(name.rawValue) \(Fmt.num(rm)) vs \(Fmt.num(bm)) in the baseline (\(rel > 0 ? "+" : "−")\(Fmt.pct(abs(rel))))"
                                   + " throughout the run",
                               evidence: [Cite.point(p, in: r.series), Cite.point(bp, in: b.series, baseline: true)]))
        }
        return out
    }
}
