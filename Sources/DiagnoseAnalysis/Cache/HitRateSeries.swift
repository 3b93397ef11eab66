import DiagnoseCore

/// Cache hit-rate curves per replica: `cache_hit_rate` series as logged, and rates derived from
/// cumulative `cache_hits`/`cache_queries` counters as Δhits/Δqueries between scrapes (counter
/// resets skipped). A derived point cites the `cache_hits` line it was computed at.
enum HitRateSeries {
    struct Curve { let trace: Trace; let replica: String; let derived: Bool }

    static func replica(_ s: MetricSeries) -> String {
        if let l = s.label, !l.isEmpty { return l }
        if let r = s.rank { return "rank \(r)" }
        return s.source
    }

    static func curves(_ obs: RunObservations) -> [Curve] {
        var out = obs.series(.cacheHitRate).map { Curve(trace: Trace($0), replica: replica($0), derived: false) }
        let have = Set(out.map(\.replica))
        let queries = obs.series(.cacheQueries)
        for hits in obs.series(.cacheHits) {
            guard let q = queries.first(where: { $0.source == hits.source && $0.label == hits.label && $0.rank == hits.rank }),
                  !have.contains(replica(hits)) else { continue }
            let h = Trace(hits), qt = Trace(q)
            var qAt: [String: Double] = [:]
            for p in qt.points { qAt[key(p)] = p.value }
            var pts: [MetricPoint] = []
            var prev: (h: Double, q: Double)?
            for p in h.points {
                guard let qv = qAt[key(p)] else { continue }
                if let pr = prev, qv > pr.q, p.value >= pr.h {
                    let rate = min(1, (p.value - pr.h) / (qv - pr.q))
                    pts.append(MetricPoint(name: .cacheHitRate, value: rate, step: p.step, time: p.time, rank: p.rank,
                                           label: p.label, line: p.line))
                }
                prev = (p.value, qv)
            }
            guard !pts.isEmpty else { continue }
            let s = MetricSeries(name: .cacheHitRate, rank: hits.rank, label: hits.label, source: hits.source, points: pts)
            out.append(Curve(trace: Trace(s), replica: replica(hits), derived: true))
        }
        return out.filter { !$0.trace.isEmpty }.sorted { $0.replica < $1.replica }
    }

    /// Points of hits and queries match by time, else step, else line.
    private static func key(_ p: MetricPoint) -> String {
        if let t = p.time { return "t\(t)" }
        if let s = p.step { return "s\(s)" }
        return "l\(p.line)"
    }

    static func note(_ c: Curve) -> String? { c.derived ? "hit rate derived from Δcache_hits/Δcache_queries" : nil }
}
