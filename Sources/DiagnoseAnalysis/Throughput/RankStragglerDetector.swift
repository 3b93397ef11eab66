import DiagnoseCore

/// One rank persistently slower than its peers: its step time (median over the later half of the
/// run) against the fastest rank's, while the other ranks agree with each other. The onset is the
/// rank's own change point where it slowed down mid-run, else its first point. Where ranks log no
/// step time of their own (synchronous training prints the same numbers everywhere), the rank
/// that logs each step later and later than its peers is the straggler: its lag behind the first
/// rank to log the same step grows steadily (a constant lag would be clock skew, not slowness).
///
/// Magnitude: the rank's step time over the fastest rank's (≥ 1.15); from logging lag, 1 + the
/// lag's growth per second of the peers' time. `before`: the fastest rank's step time (or 0 lag);
/// `after`: the straggler's (or its final lag in seconds).
public struct RankStragglerDetector: Detector {
    public let id = "rank-straggler"
    public init() {}

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var byRank: [Int: Trace] = [:]
        for s in input.run.series(.stepTimeMs) {
            guard let r = s.rank else { continue }
            let t = Trace(s)
            if t.count >= 6, t.count > (byRank[r]?.count ?? 0) { byRank[r] = t }
        }
        guard byRank.count >= 2 else { return Self.lagging(input.run).map { [$0] } ?? [] }
        let level: [Int: Double] = byRank.mapValues { t in Stats.median(Array(t.values.suffix(max(3, t.count / 2)))) }
        guard let fastest = level.values.min(), fastest > 0 else { return [] }
        let ratios = level.mapValues { $0 / fastest }
        guard let (rank, ratio) = ratios.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }), ratio >= 1.15 else { return [] }
        let others = ratios.filter { $0.key != rank }.map(\.value)
        let typical = Stats.median(others)
        guard ratio >= 1.1 * typical, others.filter({ $0 >= 1.15 }).count * 2 < max(1, others.count) else { return [] }
        let t = byRank[rank]!
        let change = StepChange.strongest(in: t, minZ: 8, sign: 1).flatMap { $0.after > $0.before ? $0 : nil }
        let p = t.points[change?.index ?? 0]
        let fastRank = level.filter { $0.value == fastest }.keys.min()!
        let ft = byRank[fastRank]!
        return [Symptom(kind: .rankStraggler, metric: .stepTimeMs, onsetStep: p.step, onsetTime: p.time, rank: rank,
                        magnitude: bounded(ratio), before: fastest, after: level[rank]!,
                        summary: "rank \(rank) step time \(Fmt.num(level[rank]!)) ms is ×\(Fmt.num((ratio * 100).rounded() / 100)) the fastest"
                            + " rank's (\(fastRank): \(Fmt.num(fastest)) ms)" + (change != nil ? ", slowed \(Fmt.at(p))" : ""),
                        evidence: [Cite.point(p, in: t.series, note: change != nil ? "slows down" : "first step time"),
                                   Cite.point(t.points[t.count - 1], in: t.series),
                                   Cite.point(ft.points[ft.count - 1], in: ft.series, supports: true, note: "fastest rank")])]
    }

    /// The rank whose logging of the same steps falls further and further behind its peers'.
    static func lagging(_ obs: RunObservations) -> Symptom? {
        var best: [Int: MetricSeries] = [:]
        for name in [MetricName.loss, .gradNorm, .tokensPerS, .mfu] {
            var byRank: [Int: MetricSeries] = [:]
            for s in obs.series(name) {
                guard let r = s.rank, s.points.contains(where: { $0.time != nil && $0.step != nil }) else { continue }
                if s.points.count > (byRank[r]?.points.count ?? 0) { byRank[r] = s }
            }
            if byRank.count > best.count { best = byRank }
        }
        guard best.count >= 2 else { return nil }
        var times: [Int: [Int: (Double, MetricPoint)]] = [:]
        for (r, s) in best {
            for p in s.points {
                guard let st = p.step, let t = p.time, t.isFinite, times[r]?[st] == nil else { continue }
                times[r, default: [:]][st] = (t, p)
            }
        }
        let steps = Set(times.values.flatMap(\.keys)).filter { st in times.values.filter { $0[st] != nil }.count == times.count }.sorted()
        guard steps.count >= 20 else { return nil }
        let first = steps.map { st in times.values.map { $0[st]!.0 }.min()! }
        var slopes: [Int: (slope: Double, lags: [Double])] = [:]
        let half = steps.count / 2
        for (r, m) in times {
            let lags = steps.indices.map { m[steps[$0]]!.0 - first[$0] }
            let fit = Stats.linearFit(x: Array(first[half...]), y: Array(lags[half...]))
            slopes[r] = (fit?.b ?? 0, lags)
        }
        guard let (rank, top) = slopes.max(by: { ($0.value.slope, -$0.key) < ($1.value.slope, -$1.key) }) else { return nil }
        let others = slopes.filter { $0.key != rank }.map(\.value.slope)
        let finalLag = top.lags[top.lags.count - 1]
        let gaps = (1..<first.count).map { first[$0] - first[$0 - 1] }.filter { $0 > 0 }
        let interval = gaps.isEmpty ? 1 : Stats.median(gaps)
        guard top.slope >= 0.05, others.allSatisfy({ $0 < 0.3 * top.slope }), finalLag >= max(1, 2 * interval) else { return nil }
        var onset = top.lags.count - 1
        while onset > 0, top.lags[onset - 1] > max(0.05, 0.002 * finalLag) { onset -= 1 }
        let (_, p) = times[rank]![steps[onset]]!
        let s = best[rank]!
        let peerRank = slopes.filter { $0.key != rank }.min { ($0.value.slope, $0.key) < ($1.value.slope, $1.key) }!.key
        let (_, peerLast) = times[peerRank]![steps[steps.count - 1]]!
        let (_, last) = times[rank]![steps[steps.count - 1]]!
        return Symptom(kind: .rankStraggler, metric: s.name, onsetStep: p.step, onsetTime: p.time, rank: rank,
                       magnitude: bounded(1 + top.slope), before: 0, after: finalLag,
                       summary: "rank \(rank) falls behind its peers from \(Fmt.at(p).dropFirst(3)): it logs step \(steps[steps.count - 1])"
                           + " \(Fmt.num((finalLag * 10).rounded() / 10)) s after the first rank (about \(Fmt.pct(top.slope)) slower)",
                       evidence: [Cite.point(p, in: s, note: "lag begins"), Cite.point(last, in: s, note: "logged late"),
                                  Cite.point(peerLast, in: best[peerRank]!, note: "a peer logs the same step")])
    }
}
