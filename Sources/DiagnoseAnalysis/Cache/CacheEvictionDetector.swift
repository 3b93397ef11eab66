import DiagnoseCore

/// Cache pressure rising: preemptions/evictions counted per scrape (cumulative counters are
/// differenced, resets skipped) at a rate well above the baseline's or, without a baseline, well
/// above the run's own first half; or KV-cache usage pinned near full (≥ 95%) far more often
/// than in the baseline.
///
/// Magnitude: the rise factor, run rate / baseline rate (or later half / first half), with a
/// floor on the denominator so a quiet baseline gives a large finite number. `before`/`after`: the
/// two rates (per scrape; for KV usage, the fractions of scrapes near full).
public struct CacheEvictionDetector: Detector {
    public let id = "cache-eviction-rise"
    public init() {}

    struct Increments { let series: MetricSeries; let points: [MetricPoint]; let deltas: [Double] }

    static func increments(_ obs: RunObservations, _ name: MetricName) -> [Increments] {
        obs.series(name).map { s in
            let t = Trace(s)
            let v = t.values
            let diffs = v.count > 1 ? (1..<v.count).map { v[$0] - v[$0 - 1] } : []
            let counter = !diffs.isEmpty && Double(diffs.filter { $0 >= 0 }.count) >= 0.9 * Double(diffs.count)
            if counter {
                return Increments(series: s, points: Array(t.points.dropFirst()), deltas: diffs.map { max(0, $0) })
            }
            return Increments(series: s, points: t.points, deltas: v.map { max(0, $0) })
        }
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        var out: [Symptom] = []
        for name in [MetricName.preemptions, .evictions] {
            let run = Self.increments(input.run, name)
            let n = run.reduce(0) { $0 + $1.deltas.count }
            let total = run.reduce(0.0) { $0 + $1.deltas.reduce(0, +) }
            guard n >= 5, total >= 5 else { continue }
            var before: Double, after = total / Double(n), onset: (MetricPoint, MetricSeries)?
            if let b = input.baseline.map({ Self.increments($0, name) }), b.reduce(0, { $0 + $1.deltas.count }) >= 5 {
                before = b.reduce(0.0) { $0 + $1.deltas.reduce(0, +) } / Double(b.reduce(0) { $0 + $1.deltas.count })
                for inc in run { if let i = inc.deltas.firstIndex(where: { $0 > 0 }) { onset = (inc.points[i], inc.series); break } }
            } else {
                var firstHalf = 0.0, secondHalf = 0.0, n1 = 0, n2 = 0
                for inc in run {
                    let h = inc.deltas.count / 2
                    firstHalf += inc.deltas[..<h].reduce(0, +); secondHalf += inc.deltas[h...].reduce(0, +)
                    n1 += h; n2 += inc.deltas.count - h
                    if onset == nil, let i = inc.deltas[h...].firstIndex(where: { $0 > 0 }) { onset = (inc.points[i], inc.series) }
                }
                guard n1 > 0, n2 > 0 else { continue }
                before = firstHalf / Double(n1); after = secondHalf / Double(n2)
            }
            let floor = max(before, 0.05)
            guard after >= 3 * floor, let (p, s) = onset else { continue }
            out.append(Symptom(kind: .cacheEvictionRise, metric: name, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? s.rank,
                               magnitude: bounded(after / floor), before: before, after: after,
                               summary: "\(name.rawValue) rising: \(Fmt.num(after)) per scrape vs \(Fmt.num(before))"
                                   + (input.baseline != nil ? " in the baseline" : " earlier in the run") + ", from \(Fmt.at(p).dropFirst(3))",
                               evidence: [Cite.point(p, in: s, note: "first rise")]
                                   + run.compactMap { inc in inc.points.last.map { Cite.point($0, in: inc.series) } }.prefix(2)))
        }
        if let kv = input.run.primary(.kvCacheUsage), kv.count >= 10, let bkv = input.baseline?.primary(.kvCacheUsage), bkv.count >= 10 {
            let full = { (t: Trace) in Double(t.values.filter { $0 >= 0.95 }.count) / Double(t.count) }
            let rf = full(kv), bf = full(bkv)
            if rf >= 0.2, rf >= 3 * max(bf, 0.02), let i = kv.values.firstIndex(where: { $0 >= 0.95 }) {
                let p = kv.points[i]
                out.append(Symptom(kind: .cacheEvictionRise, metric: .kvCacheUsage, onsetStep: p.step, onsetTime: p.time,
                                   rank: p.rank ?? kv.series.rank, magnitude: bounded(rf / max(bf, 0.02)), before: bf, after: rf,
                                   summary: "KV cache ≥95% full in \(Fmt.pct(rf)) of scrapes vs \(Fmt.pct(bf)) in the baseline",
                                   evidence: [Cite.point(p, in: kv.series, note: "first near-full"),
                                              Cite.point(bkv.points[bkv.count / 2], in: bkv.series, baseline: true)]))
            }
        }
        return out
    }
}
