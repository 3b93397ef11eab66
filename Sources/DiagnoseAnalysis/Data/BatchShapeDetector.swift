import DiagnoseCore

/// The effective batch differs from the baseline's: the logged global batch size, the samples
/// consumed per step, or the epochs per step (the inverse of steps per epoch), the first of these
/// that differs. `metric` names it: `epoch` with the batch measures unchanged means the dataset
/// itself changed size (epochs pass faster or slower at the same batch).
///
/// Magnitude: the run's effective batch over the baseline's (≠ 1 by at least 10%; < 1 means
/// smaller batches / more steps per epoch). `before`/`after`: the baseline's and the run's value
/// of the measure named in the summary.
public struct BatchShapeDetector: Detector {
    public let id = "batch-shape-change"
    public init() {}

    struct Measure { let value: Double; let cite: (Bool) -> Evidence; let onset: MetricPoint }

    /// Median of a level metric (one printed value is enough: nanoGPT prints its tokens per
    /// iteration once), or the per-step slope of a cumulative one (at least three points).
    static func measure(_ obs: RunObservations, _ name: MetricName, slope: Bool) -> Measure? {
        guard let t = obs.primary(name), t.count >= (slope ? 3 : 1) else { return nil }
        if !slope {
            let m = Stats.median(t.values)
            guard m > 0 else { return nil }
            let p = t.points.min { abs($0.value - m) < abs($1.value - m) }!
            return Measure(value: m, cite: { Cite.point(p, in: t.series, baseline: $0) }, onset: p)
        }
        let pts = t.points.filter { $0.step != nil }
        guard pts.count >= 3 else { return nil }
        let xs = pts.map { Double($0.step!) }, ys = pts.map(\.value)
        guard let fit = Stats.linearFit(x: xs, y: ys), fit.b > 0 else { return nil }
        let p = pts[pts.count - 1]
        return Measure(value: fit.b, cite: { Cite.point(p, in: t.series, baseline: $0) }, onset: pts[0])
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let base = input.baseline else { return [] }
        let measures: [(MetricName, Bool, String)] = [
            (.globalBatchSize, false, "global batch size"), (.consumedSamples, true, "samples per step"),
            (.epoch, true, "epochs per step"),
        ]
        var unchanged: [String] = []
        for (name, slope, what) in measures {
            guard let r = Self.measure(input.run, name, slope: slope), let b = Self.measure(base, name, slope: slope) else { continue }
            let ratio = r.value / b.value
            guard ratio.isFinite else { continue }
            if abs(ratio - 1) < 0.1 { unchanged.append(what); continue }
            let p = r.onset
            let detail = name == .epoch
                ? "steps per epoch \(Fmt.num((1 / r.value).rounded())) vs \(Fmt.num((1 / b.value).rounded())) in the baseline"
                : "\(what) \(Fmt.num(r.value)) vs \(Fmt.num(b.value)) in the baseline"
            let same = unchanged.isEmpty ? "" : " (\(unchanged.joined(separator: ", ")) unchanged)"
            return [Symptom(kind: .batchShapeChange, metric: name, onsetStep: p.step, onsetTime: p.time, rank: p.rank,
                            magnitude: bounded(ratio), before: b.value, after: r.value,
                            summary: "effective batch ×\(Fmt.num((ratio * 100).rounded() / 100)) the baseline's: \(detail)\(same)",
                            evidence: [r.cite(false), b.cite(true)])]
        }
        return []
    }
}
