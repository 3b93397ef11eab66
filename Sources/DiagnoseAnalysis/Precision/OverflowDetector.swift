import DiagnoseCore

/// fp16 overflow skips that keep happening after the loss scale's initial calibration (the burst
/// of overflows in the first steps while a dynamic scale finds its level is normal, and so is one
/// overflow per loss-scale window as the scale probes upward: at least 1 skip per 100 steps
/// without a baseline, 0.3 with one). Counted from
/// `overflow-skip` events and from `skipped_iters` points, compared with the baseline's count.
///
/// Magnitude: the number of overflow skips after calibration. `before`: the baseline's count.
/// `after`: skips per 100 steps where the run's step range is known.
public struct OverflowDetector: Detector {
    public let id = "overflow-frequent"
    public init() {}

    struct Count { let n: Int; let first: Evidence?; let firstStep: Int?; let firstTime: Double?; let cites: [Evidence] }

    static func count(_ obs: RunObservations, baseline: Bool) -> Count {
        let events = obs.events([.overflowSkip]).sorted { Ordering.before($0.value, $1.value, $0.source, $1.source) }
        var calibration = 0
        if let s0 = events.first?.value.step {
            let runStart = obs.series.flatMap(\.points).compactMap(\.step).min() ?? s0
            let runEnd = obs.series.flatMap(\.points).compactMap(\.step).max() ?? s0
            if s0 <= runStart + max(20, (runEnd - runStart) / 50) {
                calibration = 1
                var prev = s0
                while calibration < events.count, let s = events[calibration].value.step, s <= prev + 2 {
                    prev = s; calibration += 1
                }
            }
        }
        let counted = Array(events.dropFirst(calibration))
        var skipped = 0
        var skippedCites: [Evidence] = []
        var firstSkipped: MetricPoint?
        for s in obs.series(.skippedIters) {
            let t = Trace(s)
            for p in t.points.dropFirst(t.warmup) where p.value >= 1 {
                skipped += Int(min(p.value, 1e6))
                if firstSkipped == nil { firstSkipped = p }
                if skippedCites.count < 3 { skippedCites.append(Cite.point(p, in: s, baseline: baseline)) }
            }
        }
        if skipped > counted.count, let p = firstSkipped {
            return Count(n: skipped, first: skippedCites.first, firstStep: p.step, firstTime: p.time, cites: skippedCites)
        }
        let cites = counted.prefix(3).map { Cite.event($0, baseline: baseline) }
            + (counted.count > 3 ? [Cite.event(counted[counted.count - 1], baseline: baseline)] : [])
        return Count(n: counted.count, first: cites.first, firstStep: counted.first?.value.step,
                     firstTime: counted.first?.value.time, cites: cites)
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let c = Self.count(input.run, baseline: false)
        let b = input.baseline.map { Self.count($0, baseline: true) }
        guard c.n >= 5, c.n > 3 * (b?.n ?? 0) + 2 else { return [] }
        let steps = input.run.series.flatMap(\.points).compactMap(\.step)
        let rate = (steps.max().map { mx in Double(c.n) * 100 / Double(max(1, mx - (steps.min() ?? 0))) })
        // A dynamic scale that grows every loss-scale window overflows once per window by design.
        guard (rate ?? 1) >= (b == nil ? 1.0 : 0.3) else { return [] }
        return [Symptom(kind: .overflowFrequent, onsetStep: c.firstStep, onsetTime: c.firstTime, magnitude: Double(c.n),
                        before: b.map { Double($0.n) }, after: rate,
                        summary: "\(c.n) fp16 overflow skips after loss-scale calibration, from "
                            + "\(Fmt.at(step: c.firstStep, time: c.firstTime).dropFirst(3))"
                            + (rate.map { " (\(Fmt.num(($0 * 10).rounded() / 10)) per 100 steps)" } ?? "")
                            + (b.map { "; baseline \($0.n)" } ?? ""),
                        evidence: c.cites)]
    }
}
