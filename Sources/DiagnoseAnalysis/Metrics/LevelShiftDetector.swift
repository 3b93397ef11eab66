import DiagnoseCore

/// Sustained level shifts (change points) in loss, grad norm and params norm, trend-corrected so
/// a decaying curve is not a shift; and discontinuities in the learning rate (a jump between
/// consecutive points far larger than the schedule's usual step). Step time, throughput and MFU
/// shifts are reported by `ThroughputDetector` as `.stepTimeShift`/`.throughputDrop`.
///
/// Magnitude: the relative change of the level, |after − before| / |before|. `before`/`after`:
/// the levels either side of the onset.
public struct LevelShiftDetector: Detector {
    public let id = "metric-level-shift"
    public init() {}

    static let minRelative: [MetricName: Double] = [.loss: 0.08, .gradNorm: 0.5, .paramsNorm: 0.05]

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        for s in input.run.series {
            if s.name == .lr { out += lrJumps(Trace(s)); continue }
            guard let minRel = Self.minRelative[s.name] else { continue }
            let t = Trace(s)
            guard t.count >= 30, let c = StepChange.strongest(in: t, minZ: 10),
                  abs(c.relative) >= minRel else { continue }
            out.append(Self.symptom(c, t))
        }
        return out
    }

    static func symptom(_ c: StepChange, _ t: Trace, kind: SymptomKind? = nil, what: String? = nil) -> Symptom {
        let p = t.points[c.index]
        let up = c.after > c.before
        let name = what ?? t.series.name.rawValue
        let prior = t.points[max(0, c.index - 1)]
        return Symptom(kind: kind ?? (up ? .levelShiftUp : .levelShiftDown), metric: t.series.name, onsetStep: p.step,
                       onsetTime: p.time, rank: p.rank ?? t.series.rank, magnitude: bounded(abs(c.relative)),
                       before: c.before, after: c.after,
                       summary: "\(name) shifted \(up ? "up" : "down") from \(Fmt.num(c.before)) to \(Fmt.num(c.after))"
                           + " (\(up ? "+" : "−")\(Fmt.pct(abs(c.relative)))) \(Fmt.at(p))\(Fmt.whose(t.series))",
                       evidence: [Cite.point(prior, in: t.series, note: "before the shift"),
                                  Cite.point(p, in: t.series, note: "first point at the new level")])
    }

    /// Learning-rate discontinuities after the schedule first reaches 90% of its peak. Each point is
    /// compared with its predecessor in the schedule: the previous point, or, where a resume replays
    /// steps, the first pass's point just before that step (so a correct resume is not a jump).
    private func lrJumps(_ t: Trace) -> [Symptom] {
        let v = t.values
        guard v.count >= 10, let peak = v.max(), peak > 0 else { return [] }
        let start = v.firstIndex { $0 >= 0.9 * peak } ?? 0
        guard start + 2 < v.count else { return [] }
        var pred = [Int](repeating: -1, count: v.count)
        var seen: [(step: Int, index: Int)] = []
        for i in v.indices {
            guard let s = t.points[i].step else { pred[i] = i - 1; continue }
            if i > 0, let ps = t.points[i - 1].step, ps < s {
                pred[i] = i - 1
                if s > (seen.last?.step ?? Int.min) { seen.append((s, i)) }
            } else if let last = seen.last, s <= last.step {
                var lo = 0, hi = seen.count
                while lo < hi { let m = (lo + hi) / 2; if seen[m].step < s { lo = m + 1 } else { hi = m } }
                pred[i] = lo > 0 ? seen[lo - 1].index : -1
            } else {
                pred[i] = i - 1
                seen.append((s, i))
            }
        }
        let diffs = (start + 1..<v.count).compactMap { pred[$0] >= 0 ? abs(v[$0] - v[pred[$0]]) : nil }
        guard !diffs.isEmpty else { return [] }
        let typical = max(Stats.median(diffs), peak * 1e-4)
        var out: [Symptom] = []
        for i in (start + 1)..<v.count {
            let j = pred[i]
            guard j >= 0 else { continue }
            let d = v[i] - v[j]
            guard abs(d) > 20 * typical, abs(d) >= 0.25 * max(v[j], v[i]) else { continue }
            let p = t.points[i]
            let rel = v[j] > 0 ? abs(d) / v[j] : nonFiniteMagnitude
            out.append(Symptom(kind: d > 0 ? .levelShiftUp : .levelShiftDown, metric: .lr, onsetStep: p.step,
                               onsetTime: p.time, rank: p.rank ?? t.series.rank, magnitude: bounded(rel),
                               before: v[j], after: v[i],
                               summary: "lr jumped from \(Fmt.num(v[j])) to \(Fmt.num(v[i])) \(Fmt.at(p))\(Fmt.whose(t.series))",
                               evidence: [Cite.point(t.points[j], in: t.series, note: "before the jump"),
                                          Cite.point(p, in: t.series, note: "after the jump")]))
            if out.count >= 5 { break }
        }
        return out
    }
}
