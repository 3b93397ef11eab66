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

    /// Learning-rate discontinuities after the schedule first reaches 90% of its peak.
    private func lrJumps(_ t: Trace) -> [Symptom] {
        let v = t.values
        guard v.count >= 10, let peak = v.max(), peak > 0 else { return [] }
        let start = v.firstIndex { $0 >= 0.9 * peak } ?? 0
        guard start + 2 < v.count else { return [] }
        let diffs = (start + 1..<v.count).map { abs(v[$0] - v[$0 - 1]) }
        let typical = max(Stats.median(diffs), peak * 1e-4)
        var out: [Symptom] = []
        for i in (start + 1)..<v.count {
            let d = v[i] - v[i - 1]
            guard abs(d) > 20 * typical, abs(d) >= 0.25 * max(v[i - 1], v[i]) else { continue }
            let p = t.points[i]
            let rel = v[i - 1] > 0 ? abs(d) / v[i - 1] : nonFiniteMagnitude
            out.append(Symptom(kind: d > 0 ? .levelShiftUp : .levelShiftDown, metric: .lr, onsetStep: p.step,
                               onsetTime: p.time, rank: p.rank ?? t.series.rank, magnitude: bounded(rel),
                               before: v[i - 1], after: v[i],
                               summary: "lr jumped from \(Fmt.num(v[i - 1])) to \(Fmt.num(v[i])) \(Fmt.at(p))\(Fmt.whose(t.series))",
                               evidence: [Cite.point(t.points[i - 1], in: t.series, note: "before the jump"),
                                          Cite.point(p, in: t.series, note: "after the jump")]))
            if out.count >= 5 { break }
        }
        return out
    }
}
