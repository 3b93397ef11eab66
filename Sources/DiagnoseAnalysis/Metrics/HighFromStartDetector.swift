import DiagnoseCore

/// Loss abnormally high from the first steps compared with the baseline's start, and still high
/// a quarter of the way in (a tokenizer/model mismatch, a wrong init, a broken data format).
///
/// Magnitude: the ratio of the run's starting loss to the baseline's (median of the first points).
/// `before`: the baseline's start; `after`: the run's.
public struct HighFromStartDetector: Detector {
    public let id = "metric-high-from-start"
    public init() {}

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let r = input.run.primary(.loss), let b = input.baseline?.primary(.loss),
              r.count >= 3, b.count >= 3 else { return [] }
        // Both curves must start at about the same step (a resumed run starts low, a resumed baseline too).
        if let r0 = r.points[0].step, let b0 = b.points[0].step {
            let last = max(r.points.compactMap(\.step).max() ?? r0, b.points.compactMap(\.step).max() ?? b0)
            guard abs(r0 - b0) <= max(20, last / 20) else { return [] }
        }
        let k = max(3, min(20, min(r.count, b.count) / 20))
        let rs = Stats.median(Array(r.values.prefix(k))), bs = Stats.median(Array(b.values.prefix(k)))
        guard bs > 0, rs / bs >= 1.3 else { return [] }
        let noise = Stats.noise(b.values)
        guard !(noise > 0) || rs - bs > 5 * noise else { return [] }
        let q = max(k, r.count / 4), bq = max(k, b.count / 4)
        let rq = Stats.median(Array(r.values.prefix(q))), bqv = Stats.median(Array(b.values.prefix(bq)))
        guard bqv > 0, rq / bqv >= 1.15 else { return [] }
        let p = r.points[0]
        return [Symptom(kind: .highFromStart, metric: .loss, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? r.series.rank,
                        magnitude: bounded(rs / bs), before: bs, after: rs,
                        summary: "loss high from the start: \(Fmt.num(rs)) over the first \(k) points vs"
                            + " \(Fmt.num(bs)) in the baseline (×\(Fmt.num((rs / bs * 100).rounded() / 100)))",
                        evidence: [Cite.point(p, in: r.series, note: "first point"),
                                   Cite.point(b.points[0], in: b.series, baseline: true, note: "baseline's first point")])]
    }
}
