import DiagnoseCore

/// Sustained level shifts (change points) in loss, grad norm and params norm, trend-corrected so
/// a decaying curve is not a shift; and discontinuities in the learning rate (a jump between
/// consecutive points far larger than the schedule's usual step). Step time, throughput and MFU
/// shifts are reported by `ThroughputDetector` as `.stepTimeShift`/`.throughputDrop`.
///
/// With a baseline and no change point within the run, a loss (±8%) or grad norm (×1.5) level
/// that differs from the baseline's over the steps both runs logged is a shift from the first
/// compared step on.
///
/// Magnitude: the relative change of the level, |after − before| / |before| (against the
/// baseline: |run/baseline − 1|). `before`/`after`: the levels either side of the onset (or the
/// baseline's and the run's medians).
public struct LevelShiftDetector: Detector {
    public let id = "metric-level-shift"
    public init() {}

    static let minRelative: [MetricName: Double] = [.loss: 0.08, .gradNorm: 0.5, .paramsNorm: 0.05]

    /// Run-vs-baseline level ratios (median over the steps both logged, after warm-up) that count
    /// as a shift when no change point is found within the run.
    static let baselineRatio: [MetricName: Double] = [.loss: 1.08, .gradNorm: 1.5]

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        var shifted: Set<MetricName> = []
        for s in input.run.series {
            if s.name == .lr { out += lrJumps(Trace(s)); continue }
            guard let minRel = Self.minRelative[s.name] else { continue }
            let t = Trace(s)
            guard t.count >= 30, let c = StepChange.strongest(in: t, minZ: 10),
                  abs(c.relative) >= minRel else { continue }
            out.append(Self.symptom(c, t))
            shifted.insert(s.name)
        }
        if let base = input.baseline {
            for (name, ratio) in Self.baselineRatio.sorted(by: { $0.key < $1.key }) where !shifted.contains(name) {
                if let s = Self.againstBaseline(name, input.run, base, minRatio: ratio) { out.append(s) }
            }
        }
        return out
    }

    /// The run's level of a metric against the baseline's over the steps both logged.
    static func againstBaseline(_ name: MetricName, _ run: RunObservations, _ base: RunObservations, minRatio: Double) -> Symptom? {
        guard let r = run.primary(name), let b = base.primary(name), r.count >= 10, b.count >= 10 else { return nil }
        let rs = r.points.compactMap(\.step), bs = b.points.compactMap(\.step)
        guard let r0 = rs.min(), let r1 = rs.max(), let b0 = bs.min(), let b1 = bs.max() else { return nil }
        let lo = max(r0, b0), hi = min(r1, b1)
        guard hi > lo else { return nil }
        let skip = lo + (hi - lo) / 10
        let rv = r.points.filter { ($0.step ?? Int.min) >= skip && ($0.step ?? Int.max) <= hi }.map(\.value)
        let bv = b.points.filter { ($0.step ?? Int.min) >= skip && ($0.step ?? Int.max) <= hi }.map(\.value)
        guard rv.count >= 5, bv.count >= 5 else { return nil }
        let rm = Stats.median(rv), bm = Stats.median(bv)
        guard rm > 0, bm > 0 else { return nil }
        let ratio = rm / bm
        guard ratio >= minRatio || ratio <= 1 / minRatio else { return nil }
        let up = ratio > 1
        guard let p = r.points.first(where: { ($0.step ?? Int.min) >= skip }),
              let bp = b.points.first(where: { ($0.step ?? Int.min) >= (p.step ?? skip) }) else { return nil }
        return Symptom(kind: up ? .levelShiftUp : .levelShiftDown, metric: name, onsetStep: p.step, onsetTime: p.time,
                       rank: p.rank ?? r.series.rank, magnitude: bounded(abs(ratio - 1)), before: bm, after: rm,
                       summary: "\(name.rawValue) runs \(up ? "above" : "below") the baseline over steps \(skip)–\(hi): median "
                           + "\(Fmt.num(rm)) vs \(Fmt.num(bm)) (\(up ? "+" : "−")\(Fmt.pct(abs(ratio - 1))))",
                       evidence: [Cite.point(p, in: r.series), Cite.point(bp, in: b.series, baseline: true)])
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
            // A discontinuity stands alone: a fast ramp (a short decay to zero) moves as much at its neighbours.
            let near = (max(start + 1, i - 3)...min(v.count - 1, i + 3)).filter { $0 != i && pred[$0] >= 0 }
                .map { abs(v[$0] - v[pred[$0]]) }
            guard near.isEmpty || abs(d) > 4 * Stats.median(near) else { continue }
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
