import DiagnoseCore

/// One rank persistently slower than its peers: its step time (median over the later half of the
/// run) against the fastest rank's, while the other ranks agree with each other. The onset is the
/// rank's own change point where it slowed down mid-run, else its first point.
///
/// Magnitude: the rank's step time over the fastest rank's (≥ 1.15). `before`: the fastest rank's
/// step time; `after`: the straggler's.
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
        guard byRank.count >= 2 else { return [] }
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
}
