import DiagnoseCore

/// Loss drops at epoch boundaries (the model has seen the data before): at each boundary the
/// trend-corrected drop between the loss just before and just after, in noise units. Boundaries
/// come from the `epoch` metric; without one, from the period of the loss residual's
/// autocorrelation.
///
/// Magnitude: the mean drop at the boundaries in noise (σ) units. `before`: the baseline's value
/// of the same measure where it has one; `after`: the number of boundaries.
public struct SawtoothDetector: Detector {
    public let id = "loss-sawtooth"
    public init() {}

    struct Result { let z: Double; let boundaries: [Int] }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let loss = input.run.primary(.loss), loss.count >= 30,
              let r = Self.measure(input.run, loss), r.z >= 4 else { return [] }
        var base: Double?
        if let b = input.baseline, let bl = b.primary(.loss), bl.count >= 30 { base = Self.measure(b, bl)?.z ?? 0 }
        if let base, base >= 0.7 * r.z { return [] }
        let p = loss.points[r.boundaries[0]]
        let fromEpoch = !input.run.series(.epoch).isEmpty
        return [Symptom(kind: .lossSawtooth, metric: .loss, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? loss.series.rank,
                        magnitude: bounded(r.z), before: base, after: Double(r.boundaries.count),
                        summary: "loss drops by \(Fmt.num(r.z.rounded())) σ at \(r.boundaries.count) "
                            + (fromEpoch ? "epoch boundaries" : "periodic boundaries") + ", first \(Fmt.at(p))"
                            + (base.map { "; baseline \(Fmt.num($0.rounded())) σ" } ?? ""),
                        evidence: r.boundaries.prefix(4).flatMap { k in
                            [Cite.point(loss.points[k - 1], in: loss.series, note: "before the boundary"),
                             Cite.point(loss.points[k], in: loss.series, note: "after the boundary")]
                        })]
    }

    /// Mean trend-corrected drop at boundaries, in noise units (positive = drops).
    static func meanDrop(_ v: [Double], at ks: [Int], window w: Int) -> Double? {
        let valid = ks.filter { $0 >= w && $0 + w <= v.count }
        guard !valid.isEmpty else { return nil }
        let scale = StepChange.scale(v, window: w)
        return -Stats.mean(valid.map { StepChange.jump(v, at: $0, window: w) / scale })
    }

    static func measure(_ obs: RunObservations, _ loss: Trace) -> Result? {
        let v = loss.values
        if let epoch = obs.primary(.epoch), epoch.count >= 3 {
            var ks: [Int] = []
            func whole(_ e: Double) -> Int { Int(max(-1e12, min(1e12, e + 1e-9)).rounded(.down)) }
            var prev = whole(epoch.values[0])
            for (i, e) in epoch.values.enumerated() {
                let cur = whole(e)
                if cur > prev, let s = epoch.points[i].step, let k = loss.firstIndex(atOrAfterStep: s) { ks.append(k) }
                prev = cur
            }
            let w = max(3, min(20, ks.isEmpty ? 5 : (ks.first! / 4)))
            let valid = ks.filter { $0 >= w && $0 + w <= v.count }
            guard let z = meanDrop(v, at: valid, window: w) else { return nil }
            return Result(z: z, boundaries: valid)
        }
        return periodic(v)
    }

    /// The strongest periodic drop pattern: the autocorrelation's best lag, then the phase whose
    /// boundaries drop most.
    static func periodic(_ all: [Double]) -> Result? {
        // The early steep decay would dominate the autocorrelation: look past it. Long series are
        // analysed as bucket medians (the noise-unit scale is preserved) to bound the cost.
        let skip = all.count / 6
        let bucket = max(1, (all.count - skip + 2999) / 3000)
        let v = Stats.bucketMedians(Array(all[skip...]), size: bucket)
        let n = v.count
        guard n >= 30 else { return nil }
        let detrended = zip(v, Stats.rollingMedian(v, half: max(5, n / 8))).map { $0 - $1 }
        let mu = Stats.mean(detrended)
        let c = detrended.map { $0 - mu }
        let var0 = c.reduce(0) { $0 + $1 * $1 }
        guard var0 > 0 else { return nil }
        // The period is the highest autocorrelation after the first zero crossing (short lags
        // are correlated by any smooth wiggle).
        var bestLag = 0, bestAcf = 0.0, crossed = false
        for lag in 2...max(2, n / 3) where lag < n {
            var s = 0.0
            for i in lag..<n { s += c[i] * c[i - lag] }
            let acf = s / var0 * Double(n) / Double(n - lag)
            if acf < 0 { crossed = true }
            if crossed, lag >= 8, acf > bestAcf { bestAcf = acf; bestLag = lag }
        }
        guard bestAcf >= 0.3, bestLag > 0, n / bestLag >= 2 else { return nil }
        let w = max(3, bestLag / 4)
        var best: Result?
        for phase in 0..<bestLag {
            let ks = stride(from: phase, to: n, by: bestLag).filter { $0 >= w && $0 + w <= n }
            guard ks.count >= 2, let z = meanDrop(v, at: ks, window: w) else { continue }
            if z > (best?.z ?? -.infinity) { best = Result(z: z, boundaries: ks.map { $0 * bucket + skip }) }
        }
        return best
    }
}
