import DiagnoseCore

/// The first non-finite value (NaN, ±inf) per metric and rank, and the first `nan-detected` event.
/// A NaN loss point is also how the ingest reports Megatron's missing `lm loss` field.
///
/// Megatron's `nan_iters` counter (iterations skipped for NaN) is reported the same way.
///
/// Magnitude: the number of non-finite points in the series (events: the number of such events;
/// `nan_iters`: the iterations counted).
/// `before` is the last finite value before the onset; `after` the fraction of points from the
/// onset on that are non-finite (1 = never recovered).
public struct NonFiniteDetector: Detector {
    public let id = "metric-nonfinite"
    public init() {}

    /// Metrics where NaN/inf means something broke (cache gauges can be NaN when idle: excluded).
    static let metrics: Set<MetricName> = [
        .loss, .evalLoss, .gradNorm, .lr, .lossScale, .paramsNorm, .stepTimeMs, .tokensPerS, .mfu, .tflops,
    ]

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        for s in input.run.series where Self.metrics.contains(s.name) {
            let pts = s.points.sorted { $0.line < $1.line }
            guard let first = pts.firstIndex(where: { !$0.value.isFinite }) else { continue }
            let p = pts[first]
            let bad = pts.filter { !$0.value.isFinite }.count
            let tail = pts.count - first
            let lastFinite = pts[..<first].last { $0.value.isFinite }
            var ev = [Cite.point(p, in: s)]
            if let lastFinite { ev.append(Cite.point(lastFinite, in: s, note: "last finite value before")) }
            out.append(Symptom(kind: .nonFinite, metric: s.name, onsetStep: p.step, onsetTime: p.time,
                               rank: p.rank ?? s.rank, magnitude: Double(bad), before: lastFinite?.value,
                               after: Double(pts[first...].filter { !$0.value.isFinite }.count) / Double(max(1, tail)),
                               summary: "\(s.name.rawValue) became \(Fmt.num(p.value)) \(Fmt.at(p))\(Fmt.whose(s))"
                                   + " (\(bad) non-finite of \(pts.count) points)",
                               evidence: ev))
        }
        // Megatron counts skipped NaN iterations per log interval.
        for s in input.run.series(.nanIters) {
            let t = Trace(s)
            guard let first = t.points.first(where: { $0.value >= 1 }) else { continue }
            let total = t.points.reduce(0.0) { $0 + max(0, min($1.value, 1e6)) }
            out.append(Symptom(kind: .nonFinite, metric: .nanIters, onsetStep: first.step, onsetTime: first.time,
                               rank: first.rank ?? s.rank, magnitude: total,
                               summary: "\(Fmt.num(total)) NaN iterations skipped, first \(Fmt.at(first))\(Fmt.whose(s))",
                               evidence: [Cite.point(first, in: s)]))
        }
        let nanEvents = input.run.events([.nanDetected])
        var byRank: [Int?: [Sourced<LogEvent>]] = [:]
        for e in nanEvents { byRank[e.value.rank, default: []].append(e) }
        for (rank, evs) in byRank {
            let first = evs.min { Ordering.before($0.value, $1.value, $0.source, $1.source) }!
            out.append(Symptom(kind: .nonFinite, eventKind: .nanDetected, onsetStep: first.value.step,
                               onsetTime: first.value.time, rank: rank, magnitude: Double(evs.count),
                               summary: "NaN/inf reported \(Fmt.at(step: first.value.step, time: first.value.time, line: first.value.line))"
                                   + Fmt.whose(rank: rank, label: nil) + " (\(evs.count) such lines)",
                               evidence: [Cite.event(first)]))
        }
        return out
    }
}
