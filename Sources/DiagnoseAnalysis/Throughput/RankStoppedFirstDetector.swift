import DiagnoseCore

/// The rank that stopped logging well before the others (a hung or dead rank the rest then wait
/// on): the last time each rank wrote a metric or an event; where no times are logged, the last
/// step. The gap must exceed a minute (or two logging intervals) and five typical intervals.
///
/// Magnitude: the gap in seconds between this rank's last record and the next-earliest rank's
/// (in steps when no times are logged). `before`: this rank's last time/step; `after`: the
/// median last time/step of the other ranks.
public struct RankStoppedFirstDetector: Detector {
    public let id = "rank-stopped-first"
    public init() {}

    struct Last { var x: Double; var evidence: Evidence; var xs: [Double] }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        if let s = stopped(input.run, useTime: true) { return [s] }
        return stopped(input.run, useTime: false).map { [$0] } ?? []
    }

    private func stopped(_ obs: RunObservations, useTime: Bool) -> Symptom? {
        var last: [Int: Last] = [:]
        func see(_ rank: Int?, _ x: Double?, _ ev: @autoclosure () -> Evidence) {
            guard let rank, let x, x.isFinite else { return }
            if var l = last[rank] {
                l.xs.append(x)
                if x > l.x { l.x = x; l.evidence = ev() }
                last[rank] = l
            } else {
                last[rank] = Last(x: x, evidence: ev(), xs: [x])
            }
        }
        for s in obs.series {
            for p in s.points { see(p.rank ?? s.rank, useTime ? p.time : p.step.map(Double.init), Cite.point(p, in: s)) }
        }
        for e in obs.events { see(e.value.rank, useTime ? e.value.time : e.value.step.map(Double.init), Cite.event(e)) }
        // Ranks that log metrics are compared; a rank seen only in a startup warning is not "stopped".
        let metricRanks = Set(obs.series.flatMap { s in s.points.compactMap { $0.rank ?? s.rank } })
        if metricRanks.count >= 2 {
            last = last.filter { metricRanks.contains($0.key) }
        } else {
            last = last.filter { $0.value.xs.count >= 3 }
        }
        guard last.count >= 2 else { return nil }
        let sorted = last.sorted { ($0.value.x, $0.key) < ($1.value.x, $1.key) }
        let (rank, first) = sorted[0]
        let next = sorted[1].value.x
        let gap = next - first.x
        var intervals: [Double] = []
        for l in last.values {
            let xs = Array(Set(l.xs)).sorted()
            if xs.count >= 2 { for i in 1..<xs.count { intervals.append(xs[i] - xs[i - 1]) } }
        }
        let typical = intervals.isEmpty ? 0 : Stats.median(intervals)
        let floor = useTime ? 60.0 : 2 * max(1, typical)
        guard gap >= floor, gap >= 5 * typical else { return nil }
        let others = sorted.dropFirst().map(\.value.x)
        let unit = useTime ? "s" : "steps"
        return Symptom(kind: .rankStoppedFirst, onsetStep: useTime ? first.evidence.step : Int(first.x),
                       onsetTime: useTime ? first.x : first.evidence.time, rank: rank,
                       magnitude: bounded(gap, cap: 1e7), before: first.x, after: Stats.median(others),
                       summary: "rank \(rank) stopped logging first, \(Fmt.num(gap.rounded())) \(unit) before the next rank "
                           + "(\(sorted[1].key)); last record \(first.evidence.source):\(first.evidence.line ?? 0)",
                       evidence: [first.evidence, sorted[1].value.evidence])
    }
}
