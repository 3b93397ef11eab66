import DiagnoseCore

/// Chart series for the HTML report: the metrics that tell an incident's story, for the run and
/// its baseline, one representative series each (the lowest rank, unlabelled first), downsampled.
public enum Charts {
    static let metrics: [MetricName] = [.loss, .evalLoss, .gradNorm, .lr, .lossScale, .stepTimeMs, .tokensPerS, .mfu,
                                         .cacheHitRate, .kvCacheUsage]
    static let maxPoints = 400

    public static func series(run: RunObservations, baseline: RunObservations?) -> [ChartSeries] {
        var out: [ChartSeries] = []
        for m in metrics {
            if let s = pick(run, m) { out.append(make(s, baseline: false, runID: run.runID)) }
            if let b = baseline, let s = pick(b, m) { out.append(make(s, baseline: true, runID: b.runID)) }
        }
        return out.filter { !$0.x.isEmpty }
    }

    static func pick(_ obs: RunObservations, _ m: MetricName) -> MetricSeries? {
        let all = obs.series(m).filter { $0.points.count >= 2 }
        return all.min { a, b in
            ((a.label == nil ? 0 : 1), a.rank ?? -1, -a.points.count, a.source)
                < ((b.label == nil ? 0 : 1), b.rank ?? -1, -b.points.count, b.source)
        }
    }

    static func make(_ s: MetricSeries, baseline: Bool, runID: String) -> ChartSeries {
        let byStep = s.points.allSatisfy { $0.step != nil }
        let t0 = s.points.compactMap(\.time).min() ?? 0
        var pts: [(Double, Double)] = s.points.compactMap { p in
            if byStep { return (Double(p.step!), p.value) }
            guard let t = p.time else { return nil }
            return (t - t0, p.value)
        }
        pts.sort { $0.0 < $1.0 }
        // Downsample by buckets, keeping each bucket's extremes and every non-finite point.
        if pts.count > maxPoints {
            let bucket = Double(pts.count) / Double(maxPoints / 2)
            var kept: [(Double, Double)] = []
            var i = 0.0
            while Int(i) < pts.count {
                let slice = pts[Int(i)..<min(pts.count, Int(i + bucket))]
                let finite = slice.filter { $0.1.isFinite }
                if let lo = finite.min(by: { $0.1 < $1.1 }), let hi = finite.max(by: { $0.1 < $1.1 }) {
                    kept.append(contentsOf: lo.0 <= hi.0 ? [lo, hi] : [hi, lo])
                }
                kept.append(contentsOf: slice.filter { !$0.1.isFinite })
                i += bucket
            }
            pts = kept.sorted { $0.0 < $1.0 }
        }
        let label = baseline ? "\(s.name.rawValue) (baseline \(runID))" : "\(s.name.rawValue) (run)"
        return ChartSeries(metric: s.name.rawValue, label: label, baseline: baseline, xIsStep: byStep,
                           x: pts.map(\.0), y: pts.map(\.1))
    }
}
