import DiagnoseCore

/// The rank that stopped logging well before the others (a hung or dead rank the rest then wait
/// on): the last time each rank wrote a metric or a failure line (a timeout, a traceback); where
/// no times are logged, the last step. The gap must exceed a minute (or two logging intervals) and five typical intervals.
///
/// Magnitude: the gap in seconds between this rank's last record and the next-earliest rank's
/// (in steps when no times are logged). `before`: this rank's last time/step; `after`: the
/// median last time/step of the other ranks.
public struct RankStoppedFirstDetector: Detector {
    public let id = "rank-stopped-first"
    public init() {}

    struct Last { var x: Double; var ref: Ref; var count: Int }
    enum Ref { case point(series: Int, point: Int), event(Int) }

    private func cite(_ r: Ref, _ obs: RunObservations) -> Evidence {
        switch r {
        case .point(let s, let p): Cite.point(obs.series[s].points[p], in: obs.series[s])
        case .event(let e): Cite.event(obs.events[e])
        }
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        if let s = stopped(input.run, useTime: true) { return [s] }
        return stopped(input.run, useTime: false).map { [$0] } ?? []
    }

    private func stopped(_ obs: RunObservations, useTime: Bool) -> Symptom? {
        var last: [Int: Last] = [:]
        var intervals: [Double] = []
        func see(_ rank: Int?, _ x: Double?, _ ref: Ref) {
            guard let rank, let x, x.isFinite else { return }
            if let l = last[rank] {
                last[rank]!.count = l.count + 1
                if x > l.x { last[rank]!.x = x; last[rank]!.ref = ref }
            } else {
                last[rank] = Last(x: x, ref: ref, count: 1)
            }
        }
        for (si, s) in obs.series.enumerated() {
            var prev: Double?
            var diffs: [Double] = []
            var top: [Int: (x: Double, index: Int, count: Int)] = [:]
            for (pi, p) in s.points.enumerated() {
                let x = useTime ? p.time : p.step.map(Double.init)
                guard let x, x.isFinite else { continue }
                if let pr = prev, x > pr { diffs.append(x - pr) }
                prev = x
                guard let r = p.rank ?? s.rank else { continue }
                if let t = top[r] { top[r] = x > t.x ? (x, pi, t.count + 1) : (t.x, t.index, t.count + 1) }
                else { top[r] = (x, pi, 1) }
            }
            for (r, t) in top {
                see(r, t.x, .point(series: si, point: t.index))
                last[r]!.count += t.count - 1
            }
            if !diffs.isEmpty { intervals.append(Stats.median(diffs)) }
        }
        // Failure lines (timeouts, tracebacks) show who was still alive; routine lines such as a final
        // checkpoint save on rank 0 would make every other rank look stopped.
        for (ei, e) in obs.events.enumerated() where EventKind.failures.contains(e.value.kind) {
            see(e.value.rank, useTime ? e.value.time : e.value.step.map(Double.init), .event(ei))
        }
        // Ranks that log metrics are compared; a rank seen only in a startup warning is not "stopped".
        let metricRanks = Set(obs.series.flatMap { s in s.points.compactMap { $0.rank ?? s.rank } })
        if metricRanks.count >= 2 {
            last = last.filter { metricRanks.contains($0.key) }
        } else {
            last = last.filter { $0.value.count >= 3 }
        }
        guard last.count >= 2 else { return nil }
        let sorted = last.sorted { ($0.value.x, $0.key) < ($1.value.x, $1.key) }
        let (rank, first) = sorted[0]
        let next = sorted[1].value.x
        let gap = next - first.x
        let typical = intervals.isEmpty ? 0 : Stats.median(intervals)
        let floor = useTime ? 60.0 : 2 * max(1, typical)
        guard gap >= floor, gap >= 5 * typical else { return nil }
        let others = sorted.dropFirst().map(\.value.x)
        let unit = useTime ? "s" : "steps"
        let firstCite = cite(first.ref, obs), nextCite = cite(sorted[1].value.ref, obs)
        return Symptom(kind: .rankStoppedFirst, onsetStep: useTime ? firstCite.step : Int(first.x),
                       onsetTime: useTime ? first.x : firstCite.time, rank: rank,
                       magnitude: bounded(gap, cap: 1e7), before: first.x, after: Stats.median(others),
                       summary: "rank \(rank) stopped logging first, \(Fmt.num(gap.rounded())) \(unit) before the next rank "
                           + "(\(sorted[1].key)); last record \(firstCite.source):\(firstCite.line ?? 0)",
                       evidence: [firstCite, nextCite])
    }
}
