import DiagnoseCore

/// The rank that went non-finite on its own: of the ranks logging a metric, only it turned
/// NaN/inf, or it did so first while its peers were still finite at that step (a hardware fault
/// tends to poison one rank first; a bad batch or an LR problem hits all ranks together).
///
/// Magnitude: the number of other ranks still finite at the onset. `after`: 1 when no other rank
/// ever went non-finite, else 0.
public struct RankNonFiniteAloneDetector: Detector {
    public let id = "rank-nonfinite-alone"
    public init() {}

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        for name in [MetricName.loss, .gradNorm] {
            var byRank: [Int: MetricSeries] = [:]
            for s in input.run.series(name) {
                guard let r = s.rank else { continue }
                if s.points.count > (byRank[r]?.points.count ?? 0) { byRank[r] = s }
            }
            guard byRank.count >= 2 else { continue }
            var firstBad: [Int: MetricPoint] = [:]
            for (r, s) in byRank {
                if let p = s.points.sorted(by: { $0.line < $1.line }).first(where: { !$0.value.isFinite }) { firstBad[r] = p }
            }
            guard !firstBad.isEmpty else { continue }
            let ordered = firstBad.sorted { a, b in
                ((a.value.step ?? Int.max), (a.value.time ?? .infinity), a.key) < ((b.value.step ?? Int.max), (b.value.time ?? .infinity), b.key)
            }
            let (rank, p) = ordered[0]
            let alone = firstBad.count == 1
            var finitePeers: [(Int, MetricPoint)] = []
            for (r, s) in byRank where r != rank {
                let at = s.points.first { q in
                    if let a = q.step, let b = p.step { return a == b }
                    if let a = q.time, let b = p.time { return abs(a - b) < 1 }
                    return false
                }
                if let at, at.value.isFinite { finitePeers.append((r, at)) }
            }
            guard alone || (!finitePeers.isEmpty && finitePeers.count == byRank.count - 1) else { continue }
            let s = byRank[rank]!
            let peers = finitePeers.sorted { $0.0 < $1.0 }
            var ev = [Cite.point(p, in: s, note: "this rank goes non-finite")]
            if let (pr, pp) = peers.first { ev.append(Cite.point(pp, in: byRank[pr]!, note: "peer still finite")) }
            out.append(Symptom(kind: .rankNonFiniteAlone, metric: name, onsetStep: p.step, onsetTime: p.time, rank: rank,
                               magnitude: Double(alone ? byRank.count - 1 : finitePeers.count), after: alone ? 1 : 0,
                               summary: "\(name.rawValue) on rank \(rank) became \(Fmt.num(p.value)) \(Fmt.at(p)) "
                                   + (alone ? "while all \(byRank.count - 1) other ranks stayed finite"
                                            : "while the other \(finitePeers.count) ranks were still finite"),
                               evidence: ev))
        }
        return out
    }
}
