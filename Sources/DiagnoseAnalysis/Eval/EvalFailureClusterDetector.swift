import DiagnoseCore

/// What the failing eval samples share: for each generation trait (empty, truncated, leaked
/// special tokens, ran on, extraction invalid, stopped early), the fraction of failing samples
/// that show it, against the baseline's fraction.
///
/// Magnitude: the fraction of failing samples with the trait (≥ 0.2 and ≥ 3 samples; with a
/// baseline at least 0.15 above its fraction). `before`: the baseline's fraction; `after`: the
/// run's.
public struct EvalFailureClusterDetector: Detector {
    public let id = "eval-failure-cluster"
    public init() {}

    static func fractions(_ samples: [Sourced<EvalSample>]) -> (failing: [Sourced<EvalSample>], byTrait: [GenerationTrait: [Sourced<EvalSample>]]) {
        let failing = samples.filter { $0.value.correct == false }
        var byTrait: [GenerationTrait: [Sourced<EvalSample>]] = [:]
        for s in failing { for t in Set(s.value.traits) { byTrait[t, default: []].append(s) } }
        return (failing, byTrait)
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let (failing, byTrait) = Self.fractions(input.run.evalSamples)
        guard failing.count >= 3 else { return [] }
        let base = input.baseline.map { Self.fractions($0.evalSamples) }
        var out: [Symptom] = []
        for trait in GenerationTrait.allCases {
            guard let with = byTrait[trait], with.count >= 3 else { continue }
            let f = Double(with.count) / Double(failing.count)
            var bf: Double?
            if let base, !base.failing.isEmpty { bf = Double(base.byTrait[trait]?.count ?? 0) / Double(base.failing.count) }
            guard f >= 0.2, f - (bf ?? 0) >= 0.15 else { continue }
            let tasks = Set(with.map(\.value.task)).count
            out.append(Symptom(kind: .evalFailureCluster, trait: trait, magnitude: f, before: bf, after: f,
                               summary: "\(with.count) of \(failing.count) failing samples (\(Fmt.pct(f))) are \(trait.rawValue)"
                                   + " across \(tasks) task\(tasks == 1 ? "" : "s")" + (bf.map { "; baseline \(Fmt.pct($0))" } ?? ""),
                               evidence: with.prefix(4).map { Cite.sample($0, note: trait.rawValue) }))
        }
        return out
    }
}
