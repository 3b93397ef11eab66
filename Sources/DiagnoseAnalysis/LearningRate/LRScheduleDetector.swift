import DiagnoseCore

/// The learning-rate schedule's shape against the baseline's and against the run's own length:
/// - `.lrNoWarmup`: the baseline warmed up, the run starts at (or near) its peak. Magnitude: the
///   baseline's warm-up length over the run's, in steps (the run's is at least one logging interval).
/// - `.lrPeakAboveBaseline`: the run's peak LR over the baseline's (≥ 1.2). Magnitude: that ratio.
/// - `.lrFloorEarly`: the LR reaches its floor (≤ 15% of peak) and stays there for ≥ 30% of the
///   run (and the baseline did not). Magnitude: the fraction of the run spent at the floor.
/// - `.lrFlat`: the LR never decays after warm-up where the baseline decayed over the same steps.
///   Magnitude: the run's final LR over the baseline's at the same step.
/// - `.lrBelowBaseline`: with the same peak (within 25%), the LR after the peak falls below 60% of
///   the baseline's at the same step and stays under 75% of it for the rest of the steps both
///   logged (at least five points and a tenth of them): the schedule decays faster or ends
///   earlier than the baseline's, even when the run stops before reaching its floor.
///   Magnitude: the baseline's LR over the run's at the last step both logged.
public struct LRScheduleDetector: Detector {
    public let id = "lr-schedule"
    public init() {}

    struct Shape {
        let t: Trace
        let peakIndex: Int
        var peak: Double { t.values[peakIndex] }
        /// Index of the first point at ≥ 90% of the peak.
        let reachIndex: Int
        var hasWarmup: Bool { t.values[0] <= 0.5 * peak && reachIndex >= 2 }
        /// Steps (or x units) from the first point to reaching 90% of the peak.
        var warmupLength: Double { t.x(reachIndex) - t.x(0) }
        var spacing: Double { t.count > 1 ? max(1, (t.x(t.count - 1) - t.x(0)) / Double(t.count - 1)) : 1 }

        /// Point indices ordered by (x, index), for nearest-point lookups.
        let byX: [Int]

        init?(_ t: Trace) {
            guard t.count >= 5, let peak = t.values.max(), peak > 0 else { return nil }
            self.t = t
            peakIndex = t.values.firstIndex(of: peak)!
            reachIndex = t.values.firstIndex { $0 >= 0.9 * peak }!
            byX = (0..<t.count).sorted { (t.x($0), $0) < (t.x($1), $1) }
        }

        /// Fraction of the run (by x) spent at the floor after the peak, and the index where it began.
        var floor: (fraction: Double, index: Int, value: Double)? {
            let after = t.values[peakIndex...]
            // min_lr = 10% of the peak is common: compare with margin, not exactly at 0.1.
            guard let low = after.min(), low <= 0.15 * peak else { return nil }
            let tol = 0.02 * (peak - low)
            guard let f = (peakIndex..<t.count).first(where: { t.values[$0] <= low + tol }) else { return nil }
            let span = t.x(t.count - 1) - t.x(0)
            guard span > 0 else { return nil }
            return ((t.x(t.count - 1) - t.x(f)) / span, f, low)
        }

        /// Value at the point nearest to x (by step); among equally near points, the first logged.
        func value(atX x: Double) -> (Double, Int) {
            var lo = 0, hi = byX.count
            while lo < hi { let mid = (lo + hi) / 2; if t.x(byX[mid]) < x { lo = mid + 1 } else { hi = mid } }
            // The nearest x at or above, and the nearest below (its first-logged point).
            var candidates: [Int] = []
            if lo < byX.count { candidates.append(byX[lo]) }
            if lo > 0 {
                var j = lo - 1
                while j > 0, t.x(byX[j - 1]) == t.x(byX[lo - 1]) { j -= 1 }
                candidates.append(byX[j])
            }
            let best = candidates.min { (abs(t.x($0) - x), $0) < (abs(t.x($1) - x), $1) }!
            return (t.values[best], best)
        }
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let rt = input.run.primary(.lr), let r = Shape(rt) else { return [] }
        var out: [Symptom] = []
        let b = input.baseline?.primary(.lr).flatMap(Shape.init)
        let rs = r.t.series
        if let b {
            // A run whose LR log starts after the baseline's warm-up ended (a resumed run) says nothing about warm-up.
            let startsAtBeginning = (r.t.points[0].step ?? 0) <= (b.t.points[b.reachIndex].step ?? Int.max)
            // A run whose LR log ends before the baseline's warm-up did (a crash at step 7) cannot show
            // whether it would have warmed up: its "peak" is just its last value.
            let longEnough = (r.t.points[r.t.count - 1].step ?? Int.max) >= (b.t.points[b.reachIndex].step ?? 0)
            if b.hasWarmup, startsAtBeginning, longEnough, !r.hasWarmup || r.warmupLength <= b.warmupLength / 4 {
                let runLen = max(r.warmupLength, r.spacing)
                let p = r.t.points[0]
                out.append(Symptom(kind: .lrNoWarmup, metric: .lr, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? rs.rank,
                                   magnitude: bounded(b.warmupLength / runLen), before: b.warmupLength, after: r.warmupLength,
                                   summary: r.hasWarmup
                                       ? "lr warm-up \(Fmt.num(r.warmupLength)) steps where the baseline warmed up over \(Fmt.num(b.warmupLength))"
                                       : "lr starts at \(Fmt.num(p.value)) (\(Fmt.pct(p.value / r.peak)) of peak) with no warm-up; the baseline warmed up over \(Fmt.num(b.warmupLength)) steps",
                                   evidence: [Cite.point(p, in: rs, note: "first lr"),
                                              Cite.point(b.t.points[0], in: b.t.series, baseline: true, note: "baseline's first lr"),
                                              Cite.point(b.t.points[b.reachIndex], in: b.t.series, baseline: true,
                                                         note: "baseline reaches its peak")]))
            }
            if r.peak / b.peak >= 1.2 {
                let i = r.t.values.firstIndex { $0 > b.peak * 1.01 } ?? r.peakIndex
                let p = r.t.points[i]
                out.append(Symptom(kind: .lrPeakAboveBaseline, metric: .lr, onsetStep: p.step, onsetTime: p.time,
                                   rank: p.rank ?? rs.rank, magnitude: bounded(r.peak / b.peak), before: b.peak, after: r.peak,
                                   summary: "peak lr \(Fmt.num(r.peak)) is ×\(Fmt.num((r.peak / b.peak * 100).rounded() / 100)) the baseline's \(Fmt.num(b.peak))",
                                   evidence: [Cite.point(r.t.points[r.peakIndex], in: rs, note: "run's peak lr"),
                                              Cite.point(b.t.points[b.peakIndex], in: b.t.series, baseline: true, note: "baseline's peak lr")]))
            }
            if let s = Self.belowBaseline(r, b) { out.append(s) }
            let after = r.t.values[r.peakIndex...]
            if after.count >= 10, let lo = after.min(), let hi = after.max(), lo > 0, hi / lo <= 1.05 {
                let (bAtEnd, bi) = b.value(atX: r.t.x(r.t.count - 1))
                let rEnd = r.t.values[r.t.count - 1]
                if bAtEnd <= 0.7 * b.peak, bAtEnd > 0 || rEnd > 0 {
                    let p = r.t.points[r.peakIndex]
                    out.append(Symptom(kind: .lrFlat, metric: .lr, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? rs.rank,
                                       magnitude: bounded(bAtEnd > 0 ? rEnd / bAtEnd : nonFiniteMagnitude), before: bAtEnd, after: rEnd,
                                       summary: "lr stays flat at \(Fmt.num(rEnd)) where the baseline decayed to \(Fmt.num(bAtEnd)) by the same step",
                                       evidence: [Cite.point(p, in: rs, note: "lr reaches its level"),
                                                  Cite.point(r.t.points[r.t.count - 1], in: rs, note: "lr at the end, unchanged"),
                                                  Cite.point(b.t.points[bi], in: b.t.series, baseline: true, note: "baseline at the same step")]))
                }
            }
        }
        if let f = r.floor, f.fraction >= 0.3, (b?.floor?.fraction ?? 0) < 0.5 * f.fraction {
            let p = r.t.points[f.index]
            var ev = [Cite.point(p, in: rs, note: "lr reaches its floor"),
                      Cite.point(r.t.points[r.t.count - 1], in: rs, note: "last lr")]
            if let b { ev.append(Cite.point(b.t.points[b.t.count - 1], in: b.t.series, baseline: true, note: "baseline's last lr")) }
            out.append(Symptom(kind: .lrFloorEarly, metric: .lr, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? rs.rank,
                               magnitude: f.fraction, before: r.peak, after: f.value,
                               summary: "lr reaches its floor \(Fmt.num(f.value)) \(Fmt.at(p)) and stays there for the last \(Fmt.pct(f.fraction)) of the run",
                               evidence: ev))
        }
        return out
    }

    /// `.lrBelowBaseline` (see the type's documentation), or nil.
    static func belowBaseline(_ r: Shape, _ b: Shape) -> Symptom? {
        guard r.peak / b.peak >= 0.8, r.peak / b.peak <= 1.25,
              r.t.points.allSatisfy({ $0.step != nil }), b.t.points.allSatisfy({ $0.step != nil }) else { return nil }
        let start = max(r.t.x(r.peakIndex), b.t.x(b.peakIndex))
        let tolerance = 2 * b.spacing
        // Run points after both peaks, each with the baseline's value at the same step.
        var pairs: [(i: Int, bi: Int, ratio: Double)] = []
        for i in r.peakIndex..<r.t.count where r.t.x(i) > start {
            let (bv, bi) = b.value(atX: r.t.x(i))
            guard abs(b.t.x(bi) - r.t.x(i)) <= tolerance, bv > 0 else { continue }
            pairs.append((i, bi, r.t.values[i] / bv))
        }
        guard pairs.count >= 10 else { return nil }
        // The last point from which the run stays under 75% of the baseline to the end.
        var k = pairs.count
        while k > 0, pairs[k - 1].ratio < 0.75 { k -= 1 }
        guard let first = pairs[k...].firstIndex(where: { $0.ratio < 0.6 }) else { return nil }
        let tail = pairs.count - first
        guard tail >= 5, Double(tail) >= 0.1 * Double(pairs.count) else { return nil }
        let onset = pairs[first], last = pairs[pairs.count - 1]
        let p = r.t.points[onset.i], rs = r.t.series
        return Symptom(kind: .lrBelowBaseline, metric: .lr, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? rs.rank,
                       magnitude: bounded(1 / max(last.ratio, 1e-12)), before: b.t.values[last.bi], after: r.t.values[last.i],
                       summary: "lr falls below the baseline's schedule \(Fmt.at(p)): \(Fmt.num(p.value)) vs \(Fmt.num(b.t.values[onset.bi]))"
                           + ", and \(Fmt.num(r.t.values[last.i])) vs \(Fmt.num(b.t.values[last.bi])) at the last step both logged (same peak)",
                       evidence: [Cite.point(p, in: rs, note: "lr drops below the baseline's"),
                                  Cite.point(b.t.points[onset.bi], in: b.t.series, baseline: true, note: "baseline's lr at the same step"),
                                  Cite.point(r.t.points[last.i], in: rs, note: "run's lr at the last step both logged"),
                                  Cite.point(b.t.points[last.bi], in: b.t.series, baseline: true, note: "baseline's lr at that step")])
    }
}
