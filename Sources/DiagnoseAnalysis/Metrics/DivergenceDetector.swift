import DiagnoseCore

/// A sustained rise of loss or grad norm after its minimum: the smoothed curve climbs well above
/// its lowest level and stays there to the end of the finite data.
///
/// Magnitude: the relative rise, (end level − minimum) / |minimum|. `before` is the minimum,
/// `after` the end level (smoothed).
public struct DivergenceDetector: Detector {
    public let id = "metric-divergence"
    public init() {}

    static let minRise: [MetricName: Double] = [.loss: 0.25, .gradNorm: 2.0, .evalLoss: 0.25]

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        input.run.series.compactMap { s in
            guard let minRise = Self.minRise[s.name] else { return nil }
            let t = Trace(s)
            guard t.count >= 20 else { return nil }
            // Long series are judged on bucket medians (indices scale back by `bucket`).
            let bucket = max(1, t.count / 2000)
            let values = Stats.bucketMedians(t.values, size: bucket)
            let n = values.count
            let smooth = Stats.rollingMedian(values, half: max(2, n / 40))
            let warm = max(1, t.warmup / bucket)
            var m = warm
            for i in warm..<n where smooth[i] < smooth[m] { m = i }
            let tail = max(3, n / 20)
            guard m <= n - max(5, n / 10) else { return nil }
            let low = smooth[m]
            let end = Stats.median(Array(smooth[(n - tail)...]))
            let rise = end - low
            let sigma = Stats.noise(values)
            guard rise > 0, abs(low) > 0, rise / abs(low) >= minRise, !(sigma > 0) || rise > 6 * sigma else { return nil }
            let after = smooth[(m + 1)...]
            guard Double(after.filter { $0 > low + rise / 4 }.count) / Double(after.count) >= 0.6 else { return nil }
            let onset = (m + 1..<n).first { smooth[$0] > low + rise / 4 } ?? m + 1
            let p = t.points[min(t.count - 1, onset * bucket)]
            return Symptom(kind: .divergence, metric: s.name, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? s.rank,
                           magnitude: bounded(rise / abs(low)), before: low, after: end,
                           summary: "\(s.name.rawValue) diverged \(Fmt.at(p))\(Fmt.whose(s)): rose from a minimum of "
                               + "\(Fmt.num(low)) to \(Fmt.num(end)) (+\(Fmt.pct(rise / abs(low))))",
                           evidence: [Cite.point(t.points[min(t.count - 1, m * bucket)], in: s, note: "minimum before the rise"),
                                      Cite.point(p, in: s, note: "rise begins"),
                                      Cite.point(t.points[t.count - 1], in: s, note: "last finite value")])
        }
    }
}
