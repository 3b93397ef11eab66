import DiagnoseCore

/// The gap between eval loss and train loss at the same steps widens over the run (train keeps
/// falling while eval stalls or rises), more than it did in the baseline.
///
/// Magnitude: the widening, (last gap − smallest earlier gap) / the lowest eval loss.
/// `before`/`after`: the smallest gap and the last gap, in loss units.
public struct TrainValGapDetector: Detector {
    public let id = "train-val-gap"
    public init() {}

    struct Gap { let widening: Double; let minIndex: Int; let gaps: [Double]; let eval: Trace; let train: Trace }

    static func gap(_ obs: RunObservations) -> Gap? {
        guard let ev = obs.primary(.evalLoss), ev.count >= 3, let tr = obs.primary(.loss), tr.count >= 5 else { return nil }
        var gaps: [Double] = [], idx: [Int] = []
        for (i, p) in ev.points.enumerated() {
            guard let s = p.step else { continue }
            let near = tr.points.filter { ($0.step ?? Int.max) <= s }.suffix(5).map(\.value)
            guard !near.isEmpty else { continue }
            gaps.append(p.value - Stats.median(near)); idx.append(i)
        }
        guard gaps.count >= 3, let evMin = ev.values.min(), evMin > 0 else { return nil }
        let last = gaps[gaps.count - 1]
        let earlier = gaps.dropLast()
        let mi = earlier.indices.min { earlier[$0] < earlier[$1] }!
        return Gap(widening: (last - earlier[mi]) / evMin, minIndex: idx[mi], gaps: gaps, eval: ev, train: tr)
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let g = Self.gap(input.run), g.widening >= 0.1 else { return versusBaseline(input) }
        let b = input.baseline.flatMap(Self.gap)
        if let b, b.widening >= 0.7 * g.widening { return versusBaseline(input) }
        let onsetIdx = min(g.eval.count - 1, g.minIndex + 1)
        let p = g.eval.points[onsetIdx]
        let lastEval = g.eval.points[g.eval.count - 1]
        let minGap = g.gaps.dropLast().min() ?? 0, lastGap = g.gaps[g.gaps.count - 1]
        return [Symptom(kind: .trainValGap, metric: .evalLoss, onsetStep: p.step, onsetTime: p.time, rank: p.rank ?? g.eval.series.rank,
                        magnitude: bounded(g.widening), before: minGap, after: lastGap,
                        summary: "train/val gap widened from \(Fmt.num(minGap)) to \(Fmt.num(lastGap)) after \(Fmt.at(p).dropFirst(3))"
                            + (b.map { "; baseline widened by \(Fmt.pct($0.widening))" } ?? ""),
                        evidence: [Cite.point(g.eval.points[g.minIndex], in: g.eval.series, note: "eval loss where the gap was smallest"),
                                   Cite.point(lastEval, in: g.eval.series, note: "last eval loss"),
                                   Cite.point(g.train.points[g.train.count - 1], in: g.train.series, note: "last train loss")])]
    }

    /// The gap against the baseline's at the same eval steps: the run's validation loss is above
    /// the baseline's while its training loss is not, so the gap is wider from the start (a data
    /// mixture or repetition that the model fits but that does not generalise). Magnitude: the
    /// extra gap relative to the baseline's eval loss (≥ 0.1 to fire).
    func versusBaseline(_ input: AnalysisInput) -> [Symptom] {
        guard let base = input.baseline, let r = Self.gap(input.run), let b = Self.gap(base) else { return [] }
        var baseGapAt: [Int: Double] = [:], baseEvalAt: [Int: Double] = [:]
        for (i, p) in b.eval.points.enumerated() where i < b.gaps.count { if let s = p.step { baseGapAt[s] = b.gaps[i]; baseEvalAt[s] = p.value } }
        var extra: [Double] = [], evalRatio: [Double] = [], shared: [Int] = []
        for (i, p) in r.eval.points.enumerated() where i < r.gaps.count {
            guard let s = p.step, let bg = baseGapAt[s], let be = baseEvalAt[s], be > 0 else { continue }
            extra.append((r.gaps[i] - bg) / be)
            evalRatio.append(p.value / be)
            shared.append(i)
        }
        guard extra.count >= 3 else { return [] }
        let excess = Stats.median(extra), ratio = Stats.median(evalRatio)
        guard excess >= 0.1, ratio >= 1.03, extra.allSatisfy({ $0 > 0 }) else { return [] }
        let first = r.eval.points[shared[0]], last = r.eval.points[shared[shared.count - 1]]
        return [Symptom(kind: .trainValGap, metric: .evalLoss, onsetStep: first.step, onsetTime: first.time,
                        rank: first.rank ?? r.eval.series.rank, magnitude: bounded(excess), before: b.gaps.last, after: r.gaps.last,
                        summary: "validation loss runs \(Fmt.pct(ratio - 1)) above the baseline's while training loss does not: "
                            + "the train/val gap is wider than the baseline's at every eval (median excess \(Fmt.pct(excess)) of the eval loss)",
                        evidence: [Cite.point(first, in: r.eval.series, note: "eval loss, first eval"),
                                   Cite.point(last, in: r.eval.series, note: "last eval loss"),
                                   Cite.point(b.eval.points[b.eval.count - 1], in: b.eval.series, baseline: true,
                                              note: "baseline's last eval loss")])]
    }
}
