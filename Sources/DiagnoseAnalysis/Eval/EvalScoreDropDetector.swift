import DiagnoseCore

/// Per-task eval score change against the baseline, relative to the standard error: for each task
/// the metric whose drop is largest in stderr units (reported stderrs combined; a binomial stderr
/// from the sample count where none is reported; else 5% of the baseline's value). Metrics where
/// lower is better (loss, perplexity, bits per byte, error rates) count rises as drops.
///
/// Magnitude: the drop in stderr units (≥ 3 to fire). `before`/`after`: the baseline's and the
/// run's value. The summary says across how many of the compared tasks scores dropped.
public struct EvalScoreDropDetector: Detector {
    public let id = "eval-score-drop"
    public init() {}

    public static let minZ = 3.0

    static func lowerIsBetter(_ metric: String) -> Bool {
        let m = metric.lowercased()
        return ["perplexity", "loss", "bits_per_byte", "bpb", "ppl", "error", "wer", "ter", "latency"].contains { m.contains($0) }
    }

    static func key(_ s: EvalScore) -> String { "\(s.task)|\(s.metric)|\(s.filter ?? "")" }

    /// Per task, the metric with the largest drop in stderr units (negative z: a rise), and the
    /// tasks compared.
    static func changes(_ input: AnalysisInput)
        -> (perTask: [String: (z: Double, run: Sourced<EvalScore>, base: Sourced<EvalScore>)], compared: Set<String>) {
        guard let base = input.baseline, !base.evalScores.isEmpty else { return ([:], []) }
        var baseline: [String: Sourced<EvalScore>] = [:]
        for s in base.evalScores where s.value.value.isFinite { baseline[Self.key(s.value)] = baseline[Self.key(s.value)] ?? s }
        let sampleCounts = Dictionary(grouping: input.run.evalSamples, by: { $0.value.task }).mapValues(\.count)
        var perTask: [String: (z: Double, run: Sourced<EvalScore>, base: Sourced<EvalScore>)] = [:]
        var compared: Set<String> = []
        for r in input.run.evalScores where r.value.value.isFinite {
            guard let b = baseline[Self.key(r.value)] else { continue }
            compared.insert(r.value.task)
            let rv = r.value.value, bv = b.value.value
            let drop = Self.lowerIsBetter(r.value.metric) ? rv - bv : bv - rv
            let n = r.value.samples ?? b.value.samples ?? sampleCounts[r.value.task]
            var se: Double
            if let rs = r.value.stderr, let bs = b.value.stderr, rs.isFinite, bs.isFinite, rs + bs > 0 {
                se = (rs * rs + bs * bs).squareRoot()
            } else if let s = r.value.stderr ?? b.value.stderr, s.isFinite, s > 0 {
                se = s * 2.0.squareRoot()
            } else if let n, n > 1, (0...1).contains(bv) {
                se = (2 * max(bv * (1 - bv), 0.01) / Double(n)).squareRoot()
            } else {
                se = max(abs(bv) * 0.05, 1e-9)
            }
            se = max(se, 1e-9)
            let z = drop / se
            if z > (perTask[r.value.task]?.z ?? -.infinity) { perTask[r.value.task] = (z, r, b) }
        }
        return (perTask, compared)
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let (perTask, compared) = Self.changes(input)
        let dropped = perTask.filter { $0.value.z >= Self.minZ }
        return dropped.keys.sorted().map { task in
            let d = dropped[task]!
            let m = d.run.value.metric + (d.run.value.filter.map { ",\($0)" } ?? "")
            return Symptom(kind: .evalScoreDrop, magnitude: bounded(d.z), before: d.base.value.value, after: d.run.value.value,
                           summary: "\(task) \(m) \(Fmt.num(d.run.value.value)) vs \(Fmt.num(d.base.value.value)) in the baseline"
                               + " (\(Fmt.num((d.z * 10).rounded() / 10)) stderr); \(dropped.count) of \(compared.count) tasks dropped",
                           evidence: [Cite.score(d.run), Cite.score(d.base, baseline: true)])
        }
    }
}

/// A score that moved against the baseline by at least one stderr either way, or by half a stderr
/// when the move is also at least five points on a 0-1 metric (small eval sets have wide stderrs,
/// and a 15-point move on 20 questions is still what an expert would call "it moved"): too small
/// to be a drop on its own, but enough to show that a changed evaluation setting had an effect.
/// Magnitude: the largest |change| in stderr units across tasks.
public struct EvalScoreShiftDetector: Detector {
    public let id = "eval-score-shift"
    public init() {}
    public static let minZ = 1.0
    /// The looser bar for large absolute moves of bounded scores.
    public static let minZLargeMove = 0.5
    public static let largeMove = 0.05

    static func moved(_ d: (z: Double, run: Sourced<EvalScore>, base: Sourced<EvalScore>)) -> Bool {
        if abs(d.z) >= minZ { return true }
        let r = d.run.value.value, b = d.base.value.value
        return abs(d.z) >= minZLargeMove && (0...1).contains(r) && (0...1).contains(b) && abs(r - b) >= largeMove
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let (perTask, compared) = EvalScoreDropDetector.changes(input)
        // Rises count too: take each task's largest |z| over its metrics.
        var largest: (task: String, z: Double, run: Sourced<EvalScore>, base: Sourced<EvalScore>)? = nil
        for (task, d) in perTask.sorted(by: { $0.key < $1.key }) where Self.moved(d) {
            if largest == nil || abs(d.z) > abs(largest!.z) { largest = (task, d.z, d.run, d.base) }
        }
        guard let l = largest else { return [] }
        let moved = perTask.values.filter { Self.moved($0) }.count
        let m = l.run.value.metric + (l.run.value.filter.map { ",\($0)" } ?? "")
        return [Symptom(kind: .evalScoreShift, magnitude: min(abs(l.z), 1e6), before: l.base.value.value, after: l.run.value.value,
                        summary: "\(l.task) \(m) \(Fmt.num(l.run.value.value)) vs \(Fmt.num(l.base.value.value)) in the baseline"
                            + " (\(Fmt.num((abs(l.z) * 10).rounded() / 10)) stderr); \(moved) of \(compared.count) tasks moved",
                        evidence: [Cite.score(l.run), Cite.score(l.base, baseline: true)])]
    }
}
