import DiagnoseCore

/// A straggler seen in cross-rank timers: frameworks that report a timer's (min, max) across
/// ranks (Megatron's `(min, max) time across ranks (ms)`) show one slow rank as a spread that
/// widens while the fastest rank's time stays put. Emits `.rankStraggler` with no rank (the timer
/// does not say which rank is slow); magnitude = the late max/min ratio.
struct TimerSpreadDetector: Detector {
    let id = "timer-spread"
    static let minMin = MetricName("timer_min_ms")
    static let maxMax = MetricName("timer_max_ms")

    func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        let mins = input.run.series(Self.minMin)
        for hi in input.run.series(Self.maxMax) {
            guard let lo = mins.first(where: { $0.source == hi.source && $0.label == hi.label && $0.rank == hi.rank })
            else { continue }
            var loByStep: [Int: MetricPoint] = [:]
            for p in lo.points { if let s = p.step { loByStep[s] = p } }
            let pairs: [(step: Int, ratio: Double, point: MetricPoint)] = hi.points.compactMap { p in
                guard let s = p.step, let l = loByStep[s], l.value > 0, p.value.isFinite, l.value.isFinite else { return nil }
                return (s, p.value / l.value, p)
            }
            guard pairs.count >= 4 else { continue }
            let early = Stats.median(pairs.prefix(max(2, pairs.count / 2)).map(\.ratio))
            let lateSlice = pairs.suffix(max(2, pairs.count / 3))
            let late = Stats.median(lateSlice.map(\.ratio))
            // A spread that grew by a fifth and now exceeds 15%: one rank is pulling the collective.
            guard late >= 1.15, late / early >= 1.2 else { continue }
            let threshold = early + (late - early) / 2
            guard let onset = pairs.first(where: { $0.ratio >= threshold && $0.step >= pairs[pairs.count / 3].step })
                ?? pairs.first(where: { $0.ratio >= threshold }) else { continue }
            let first = pairs[0]
            let name = hi.label.map { "'\($0)'" } ?? "timer"
            out.append(Symptom(
                kind: .rankStraggler, metric: Self.maxMax, onsetStep: onset.step, onsetTime: onset.point.time,
                magnitude: late, before: early, after: late,
                summary: "cross-rank spread of \(name) widened from ×\(Fmt.num(early)) to ×\(Fmt.num(late)) (max/min) from step \(onset.step): one rank lags",
                evidence: [Cite.point(onset.point, in: hi, note: "max/min across ranks ×\(Fmt.num(onset.ratio))"),
                           Cite.point(first.point, in: hi, note: "max/min across ranks ×\(Fmt.num(first.ratio)) before")]))
        }
        return out
    }
}
