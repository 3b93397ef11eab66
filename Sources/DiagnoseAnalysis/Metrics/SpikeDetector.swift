import DiagnoseCore

/// Robust spikes: a point's residual against a centred rolling median, in MAD (σ-equivalent)
/// units of the local residual spread. The warm-up transient is skipped and a spike must also be
/// a material relative jump, so a noisy healthy curve stays quiet. A spike is also a jump up from
/// the point before it (by at least half its residual): early in training the loss falls steeply,
/// and a point on that descent sits far above a centred median that later, lower points dominate
/// without being a spike.
///
/// Magnitude: the largest spike in MAD units; a single grad-norm spike that the loss does not
/// follow within two steps is capped at 12 (`isolatedGradCap`): clipping absorbs it. `before` is
/// the rolling median at the onset spike, `after` the spike's value. The summary counts the spikes.
public struct SpikeDetector: Detector {
    public let id = "metric-spike"
    public init() {}

    /// Minimum residual in MAD units for a point to count as a spike.
    public static let threshold = 6.0
    /// Minimum residual relative to the rolling median, per metric.
    static let minRelative: [MetricName: Double] = [.loss: 0.05, .gradNorm: 0.5, .paramsNorm: 0.02, .evalLoss: 0.05]

    /// A lone grad-norm spike the loss does not follow (clipping absorbs it) is reported at most this strong.
    public static let isolatedGradCap = 12.0

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let lossSpikeSteps = Set(input.run.series(.loss).flatMap { s -> [Int] in
            let t = Trace(s)
            return Self.spikes(t, minRelative: 0.02, threshold: 4).compactMap { t.points[$0.index].step }
        })
        return input.run.series.compactMap { s in
            guard let rel = Self.minRelative[s.name] else { return nil }
            let t = Trace(s)
            let spikes = Self.spikes(t, minRelative: rel)
            guard let top = spikes.max(by: { $0.z < $1.z }) else { return nil }
            let onset = spikes.first { $0.z >= top.z / 2 }!
            let p = t.points[onset.index]
            let events = spikes.sorted { $0.z > $1.z }.prefix(5).sorted { $0.index < $1.index }
            var more = spikes.count == 1 ? "" : "; \(spikes.count) spikes in \(t.count) points"
            var magnitude = bounded(top.z)
            if s.name == .gradNorm, spikes.count == 1, let st = p.step, !input.run.series(.loss).isEmpty,
               !(st - 2...st + 2).contains(where: lossSpikeSteps.contains) {
                magnitude = min(magnitude, Self.isolatedGradCap)
                more += "; isolated, the loss did not follow"
            }
            return Symptom(kind: .spike, metric: s.name, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? s.rank,
                           magnitude: magnitude, before: onset.median, after: p.value,
                           summary: "\(s.name.rawValue) spiked to \(Fmt.num(p.value)) (\(Fmt.num(onset.z.rounded())) MAD)"
                               + " \(Fmt.at(p))\(Fmt.whose(s))\(more)",
                           evidence: events.map { Cite.point(t.points[$0.index], in: s,
                                                             note: "\(Fmt.num($0.z.rounded())) MAD above the rolling median \(Fmt.num($0.median))") })
        }
    }

    struct Spike { let index: Int; let z: Double; let median: Double }

    /// Upward spikes (one per run of consecutive spiking points, the largest of each run).
    static func spikes(_ t: Trace, minRelative: Double, threshold: Double = SpikeDetector.threshold) -> [Spike] {
        let n = t.count
        guard n >= 20 else { return [] }
        let v = t.values
        let med = Stats.rollingMedian(v, half: 10)
        let r = (0..<n).map { v[$0] - med[$0] }
        let warm = t.warmup
        let global = Stats.mad(Array(r[warm...]))
        let local = Stats.rollingMedian(r.map(abs), half: 20).map { $0 * Stats.madScale }
        var out: [Spike] = []
        var i = warm
        while i < n {
            let scale = max(local[i], 0.5 * global, abs(med[i]) * 1e-4, 1e-6)
            let z = r[i] / scale
            if z >= threshold, r[i] >= minRelative * abs(med[i]) {
                var best = Spike(index: i, z: z, median: med[i])
                var j = i + 1
                while j < n {
                    let zj = r[j] / max(local[j], 0.5 * global, abs(med[j]) * 1e-4, 1e-6)
                    guard zj >= threshold, r[j] >= minRelative * abs(med[j]) else { break }
                    if zj > best.z { best = Spike(index: j, z: zj, median: med[j]) }
                    j += 1
                }
                if v[best.index] - v[i - 1] >= 0.5 * r[best.index] { out.append(best) }
                i = j
            } else {
                i += 1
            }
        }
        return out
    }
}
