import DiagnoseCore

/// A sustained rise of loss or grad norm after a minimum: the smoothed curve climbs well above its
/// lowest level so far and stays up for at least a tenth of the run (it may recover later, as a
/// too-high LR's loss often does once the LR decays).
///
/// Magnitude: the relative rise, (highest level − prior minimum) / |prior minimum|. `before` is the
/// minimum, `after` the highest smoothed level.
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
            guard warm < n - 5 else { return nil }
            // The largest sustained excursion above the running minimum (a climb that later recovers
            // counts too: lr-too-high often climbs, then settles back as the LR decays).
            var runMin = [Double](repeating: 0, count: n)
            var argMin = [Int](repeating: warm, count: n)
            runMin[warm] = smooth[warm]
            for i in (warm + 1)..<n {
                if smooth[i] < runMin[i - 1] { runMin[i] = smooth[i]; argMin[i] = i } else { runMin[i] = runMin[i - 1]; argMin[i] = argMin[i - 1] }
            }
            var j = warm
            for i in warm..<n where smooth[i] - runMin[i] > smooth[j] - runMin[j] { j = i }
            let low = runMin[j], rise = smooth[j] - low, m = argMin[j]
            let sigma = Stats.noise(values)
            guard rise > 0, abs(low) > 0, rise / abs(low) >= minRise, !(sigma > 0) || rise > 3 * sigma else { return nil }
            let high = (m..<n).filter { smooth[$0] - runMin[$0] >= rise / 2 }.count
            guard high >= max(5, n / 10) else { return nil }
            let tail = max(3, n / 20)
            let end = Stats.median(Array(smooth[(n - tail)...]))
            var onset = j
            while onset > m + 1, smooth[onset - 1] - low > rise / 4 { onset -= 1 }
            let p = t.points[min(t.count - 1, onset * bucket)]
            return Symptom(kind: .divergence, metric: s.name, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? s.rank,
                           magnitude: bounded(rise / abs(low)), before: low, after: smooth[j],
                           summary: "\(s.name.rawValue) diverged \(Fmt.at(p))\(Fmt.whose(s)): rose from a minimum of "
                               + "\(Fmt.num(low)) to \(Fmt.num(smooth[j])) (+\(Fmt.pct(rise / abs(low))))"
                               + (end < low + rise / 2 ? ", then recovered to \(Fmt.num(end))" : ""),
                           evidence: [Cite.point(t.points[min(t.count - 1, m * bucket)], in: s, note: "minimum before the rise"),
                                      Cite.point(p, in: s, note: "rise begins"),
                                      Cite.point(t.points[min(t.count - 1, j * bucket)], in: s, note: "highest level")])
        }
    }
}
