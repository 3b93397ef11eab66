import DiagnoseCore

/// The loss stops improving. With a baseline: over the second half of the steps both runs cover,
/// the run improves by less than a quarter of what the baseline improved and ends above it.
/// Without one: the smoothed loss stays within a noise band of its final level for at least half
/// of the run after the warm-up.
///
/// Magnitude: with a baseline, the share of the baseline's improvement the run missed (0–1);
/// without, the fraction of the run spent flat. `before`/`after`: the run's level at the start
/// of the flat section and at the end.
public struct PlateauDetector: Detector {
    public let id = "metric-plateau"
    public init() {}

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let run = input.run.primary(.loss), run.count >= 30 else { return [] }
        if let base = input.baseline?.primary(.loss), base.count >= 30, let s = withBaseline(run, base) { return [s] }
        return alone(run).map { [$0] } ?? []
    }

    /// Where the flat section before the end begins (an index into `t.points`), the smoothed
    /// curve (on bucket medians for long series, indexed by `bucket`) and the noise band.
    private func flatStart(_ t: Trace) -> (index: Int, smooth: [Double], bucket: Int)? {
        let bucket = max(1, t.count / 2000)
        let v = Stats.bucketMedians(t.values, size: bucket)
        let n = v.count
        guard n >= 10 else { return nil }
        let half = max(3, n / 30)
        let smooth = Stats.rollingMedian(v, half: half)
        let sigma = Stats.noise(v)
        guard sigma.isFinite else { return nil }
        let band = max(3 * sigma / Double(2 * half + 1).squareRoot(), abs(smooth[n - 1]) * 0.005)
        let final = Stats.median(Array(smooth[(n - max(3, n / 20))...]))
        var i = n - 1
        while i > 0, abs(smooth[i - 1] - final) <= band { i -= 1 }
        return (min(t.count - 1, i * bucket), smooth, bucket)
    }

    private func alone(_ t: Trace) -> Symptom? {
        let n = t.count
        guard let (start, smooth, bucket) = flatStart(t) else { return nil }
        let warm = t.warmup
        let flat = Double(n - max(start, warm)) / Double(n - warm)
        guard flat >= 0.5 else { return nil }
        let p = t.points[max(start, warm)]
        return Symptom(kind: .plateau, metric: .loss, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? t.series.rank,
                       magnitude: flat, before: smooth[min(smooth.count - 1, max(start, warm) / bucket)], after: smooth[smooth.count - 1],
                       summary: "loss flat at about \(Fmt.num(smooth[smooth.count - 1])) from \(Fmt.at(p).dropFirst(3)) on"
                           + " (\(Fmt.pct(flat)) of the run)\(Fmt.whose(t.series))",
                       evidence: [Cite.point(p, in: t.series, note: "start of the flat section"),
                                  Cite.point(t.points[n - 1], in: t.series, note: "last value")])
    }

    private func withBaseline(_ r: Trace, _ b: Trace) -> Symptom? {
        let rs = r.points.compactMap(\.step), bs = b.points.compactMap(\.step)
        guard let r0 = rs.min(), let r1 = rs.max(), let b0 = bs.min(), let b1 = bs.max() else { return nil }
        let lo = max(r0, b0), hi = min(r1, b1)
        guard hi > lo else { return nil }
        let mid = lo + (hi - lo) / 2
        func level(_ t: Trace, _ a: Int, _ z: Int) -> Double {
            Stats.median(t.points.filter { ($0.step ?? Int.min) >= a && ($0.step ?? Int.min) <= z }.map(\.value))
        }
        let span = max(1, (hi - lo) / 10)
        let rMid = level(r, mid - span, mid + span), rEnd = level(r, hi - span, hi)
        let bMid = level(b, mid - span, mid + span), bEnd = level(b, hi - span, hi)
        guard [rMid, rEnd, bMid, bEnd].allSatisfy(\.isFinite) else { return nil }
        let bImp = bMid - bEnd, rImp = rMid - rEnd
        let sigma = max(Stats.noise(b.values), 1e-12)
        guard bImp > 3 * sigma, rImp < 0.25 * bImp, rEnd > bEnd + 2 * sigma else { return nil }
        let missed = min(1, max(0, 1 - rImp / bImp))
        let idx = r.firstIndex(atOrAfterStep: mid) ?? (r.count / 2)
        let onsetIdx = flatStart(r).map { max(r.warmup, min($0.index, idx)) } ?? idx
        let p = r.points[onsetIdx]
        let bLast = b.points.last { ($0.step ?? Int.min) <= hi } ?? b.points[b.count - 1]
        return Symptom(kind: .plateau, metric: .loss, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? r.series.rank,
                       magnitude: missed, before: rMid, after: rEnd,
                       summary: "loss stalled at about \(Fmt.num(rEnd)) from \(Fmt.at(p).dropFirst(3)) on: improved "
                           + "\(Fmt.num(rImp)) over steps \(mid)–\(hi) where the baseline improved \(Fmt.num(bImp))",
                       evidence: [Cite.point(p, in: r.series, note: "start of the flat section"),
                                  Cite.point(r.points[r.count - 1], in: r.series, note: "last value"),
                                  Cite.point(bLast, in: b.series, baseline: true, note: "baseline at the same step")])
    }
}
