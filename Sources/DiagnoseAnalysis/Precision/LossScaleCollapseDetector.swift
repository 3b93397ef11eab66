import DiagnoseCore
import Foundation

/// The dynamic loss scale collapsing toward its minimum: from `loss_scale` points (ignoring the
/// initial calibration), from the scales overflow events report, or from a `loss-scale-min` event.
///
/// Magnitude: halvings from the reference scale (its highest level before the minimum) down to the
/// minimum, log2(reference/minimum); 16 when only a `loss-scale-min` event says it hit the floor.
/// `before`: the reference scale; `after`: the minimum.
public struct LossScaleCollapseDetector: Detector {
    public let id = "loss-scale-collapse"
    public init() {}

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let minEvents = input.run.events([.lossScaleMin]).sorted { Ordering.before($0.value, $1.value, $0.source, $1.source) }
        var best: Symptom?
        for s in input.run.series(.lossScale) {
            let t = Trace(s)
            guard t.count >= 5 else { continue }
            let v = t.values, warm = min(t.warmup, t.count - 2)
            guard let lo = v[warm...].min(), let mi = (warm..<v.count).first(where: { v[$0] == lo }),
                  let ref = v[warm...mi].max(), ref > 0, lo > 0 || ref > 0 else { continue }
            let halvings = lo > 0 ? log2(ref / lo) : 16
            guard halvings >= 6 || (lo <= 1 && ref >= 8) else { continue }
            var onset = mi
            while onset > warm, v[onset - 1] < ref / 4 { onset -= 1 }
            let p = t.points[onset]
            let sym = Symptom(kind: .lossScaleCollapse, metric: .lossScale, onsetStep: p.step, onsetTime: p.time,
                              rank: p.rank ?? s.rank, magnitude: bounded(halvings), before: ref, after: lo,
                              summary: "loss scale fell from \(Fmt.num(ref)) to \(Fmt.num(lo)) (\(Fmt.num(halvings.rounded())) halvings) "
                                  + "from \(Fmt.at(p).dropFirst(3))\(Fmt.whose(s))",
                              evidence: [Cite.point(t.points[max(warm, (warm...mi).first { v[$0] == ref } ?? warm)], in: s, note: "reference scale"),
                                         Cite.point(p, in: s, note: "collapse begins"),
                                         Cite.point(t.points[mi], in: s, note: "minimum")] + minEvents.prefix(1).map { Cite.event($0) })
            if sym.magnitude > (best?.magnitude ?? 0) { best = sym }
        }
        if let best { return [best] }
        let overflows = input.run.events([.overflowSkip]).sorted { Ordering.before($0.value, $1.value, $0.source, $1.source) }
        let scales: [(Sourced<LogEvent>, Double, Double)] = overflows.compactMap { e in
            if case .overflow(let a?, let r?, ) = e.value.detail, a > 0, r > 0 { return (e, a, r) }
            return nil
        }
        if scales.count >= 3, let ref = scales.map(\.1).max(), let lowest = scales.min(by: { $0.2 < $1.2 }) {
            let skip = min(scales.count - 1, max(1, scales.count / 10))
            let refAfter = scales.dropFirst(skip).map(\.1).max() ?? ref
            let halvings = log2(refAfter / lowest.2)
            if halvings >= 6 || lowest.2 <= 1 {
                let e = lowest.0.value
                return [Symptom(kind: .lossScaleCollapse, metric: .lossScale, onsetStep: e.step, onsetTime: e.time, rank: e.rank,
                                magnitude: bounded(halvings), before: refAfter, after: lowest.2,
                                summary: "loss scale reduced to \(Fmt.num(lowest.2)) \(Fmt.at(step: e.step, time: e.time, line: e.line)) "
                                    + "after \(scales.count) overflows (\(Fmt.num(halvings.rounded())) halvings)",
                                evidence: [Cite.event(scales[skip].0), Cite.event(lowest.0)] + minEvents.prefix(1).map { Cite.event($0) })]
            }
        }
        if let e = minEvents.first {
            return [Symptom(kind: .lossScaleCollapse, eventKind: .lossScaleMin, onsetStep: e.value.step, onsetTime: e.value.time,
                            rank: e.value.rank, magnitude: 16,
                            summary: "loss scale at its minimum \(Fmt.at(step: e.value.step, time: e.value.time, line: e.value.line)) (\(e.source):\(e.value.line))",
                            evidence: [Cite.event(e)])]
        }
        return []
    }
}
