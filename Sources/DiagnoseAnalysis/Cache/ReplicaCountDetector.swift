import DiagnoseCore

/// The number of serving replicas differs from the baseline's: distinct replica labels (else
/// ranks, else files) among the cache and scheduler metrics.
///
/// Magnitude: the run's replica count over the baseline's. `before`/`after`: the two counts.
public struct ReplicaCountDetector: Detector {
    public let id = "replica-count-change"
    public init() {}

    static let metrics: Set<MetricName> = [.cacheHitRate, .cacheHits, .cacheQueries, .kvCacheUsage, .runningRequests,
                                           .waitingRequests, .preemptions, .promptTokens, .cachedTokens]

    static func replicas(_ obs: RunObservations) -> [String: MetricSeries] {
        var out: [String: MetricSeries] = [:]
        for s in obs.series where metrics.contains(s.name) && !s.points.isEmpty {
            let r = HitRateSeries.replica(s)
            if out[r] == nil { out[r] = s }
        }
        return out
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let base = input.baseline else { return [] }
        let r = Self.replicas(input.run), b = Self.replicas(base)
        guard !r.isEmpty, !b.isEmpty, r.count != b.count else { return [] }
        let rs = r.keys.sorted(), bs = b.keys.sorted()
        let s = r[rs[rs.count - 1]]!, bsr = b[bs[bs.count - 1]]!
        let p = s.points.min { $0.line < $1.line }!
        return [Symptom(kind: .replicaCountChange, onsetStep: p.step, onsetTime: p.time,
                        magnitude: Double(r.count) / Double(b.count), before: Double(b.count), after: Double(r.count),
                        summary: "\(r.count) replicas vs \(b.count) in the baseline (\(rs.prefix(6).joined(separator: ", ")))",
                        evidence: [Cite.point(p, in: s), Cite.point(bsr.points.min { $0.line < $1.line }!, in: bsr, baseline: true)])]
    }
}
