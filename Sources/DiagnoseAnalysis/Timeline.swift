import DiagnoseCore

/// One run's step↔time mapping, built from every record that has both, so symptoms found by step
/// (metrics) and by time (kernel logs, serving metrics) can be put in one order. Where a resume
/// replays steps, the first time a step was reached is kept.
public struct Timeline: Sendable, Hashable {
    /// A step reached at a time (Unix seconds).
    public struct Anchor: Sendable, Hashable {
        public var step: Int
        public var time: Double
        public init(step: Int, time: Double) { self.step = step; self.time = time }
    }

    /// Sorted by step; times non-decreasing.
    public let anchors: [Anchor]

    public init(anchors: [Anchor]) {
        var first: [Int: Double] = [:]
        for a in anchors where a.time.isFinite { first[a.step] = min(first[a.step] ?? a.time, a.time) }
        var kept: [Anchor] = []
        for step in first.keys.sorted() {
            let t = first[step]!
            if let last = kept.last, t < last.time { continue }
            kept.append(Anchor(step: step, time: t))
        }
        self.anchors = kept
    }

    /// The mapping of one run's records.
    public init(_ obs: RunObservations) {
        var a: [Anchor] = []
        for s in obs.series { for p in s.points { if let st = p.step, let t = p.time { a.append(Anchor(step: st, time: t)) } } }
        for e in obs.events { if let st = e.value.step, let t = e.value.time { a.append(Anchor(step: st, time: t)) } }
        self.init(anchors: a)
    }

    public var isEmpty: Bool { anchors.isEmpty }

    /// The time a step was reached: interpolated between anchors, extrapolated at the ends from
    /// the nearest two; nil without anchors (or with one anchor and another step).
    public func time(atStep step: Int) -> Double? {
        guard !anchors.isEmpty else { return nil }
        var lo = 0, hi = anchors.count
        while lo < hi { let m = (lo + hi) / 2; if anchors[m].step < step { lo = m + 1 } else { hi = m } }
        if lo < anchors.count, anchors[lo].step == step { return anchors[lo].time }
        guard anchors.count >= 2 else { return nil }
        let i = min(max(lo, 1), anchors.count - 1)
        let a = anchors[i - 1], b = anchors[i]
        let slope = (b.time - a.time) / Double(b.step - a.step)
        return a.time + slope * Double(step - a.step)
    }

    /// The step being run at a time (nearest integer), on the same terms as `time(atStep:)`.
    public func step(atTime time: Double) -> Int? {
        guard !anchors.isEmpty, time.isFinite else { return nil }
        var lo = 0, hi = anchors.count
        while lo < hi { let m = (lo + hi) / 2; if anchors[m].time < time { lo = m + 1 } else { hi = m } }
        if lo < anchors.count, anchors[lo].time == time { return anchors[lo].step }
        guard anchors.count >= 2 else { return nil }
        let i = min(max(lo, 1), anchors.count - 1)
        let a = anchors[i - 1], b = anchors[i]
        guard b.time > a.time else { return a.step }
        let s = Double(a.step) + (time - a.time) * Double(b.step - a.step) / (b.time - a.time)
        guard s.isFinite, abs(s) < 1e15 else { return nil }
        return Int(s.rounded())
    }

    /// Key events that frame a run's timeline besides the symptoms.
    static let keyEvents: Set<EventKind> = [.trainingStart, .trainingEnd, .checkpointSave]

    /// The run's timeline: one entry per symptom (at its onset, with its first cited line) and the
    /// key events (training start/end, first and last checkpoint save), ordered by time where known
    /// (steps mapped through the run's timeline), then by step.
    public static func entries(_ input: AnalysisInput, _ symptoms: [Symptom]) -> [TimelineEntry] {
        let tl = Timeline(input.run)
        var out: [TimelineEntry] = []
        for s in symptoms {
            let step = s.onsetStep ?? s.onsetTime.flatMap(tl.step(atTime:))
            let time = s.onsetTime ?? s.onsetStep.flatMap(tl.time(atStep:))
            let cite = s.evidence.first { $0.line != nil && !$0.source.hasPrefix("baseline:") }
            out.append(TimelineEntry(step: step, time: time, label: "\(s.kind.rawValue): \(s.summary)",
                                     source: cite?.source, line: cite?.line))
        }
        var byKind: [EventKind: [Sourced<LogEvent>]] = [:]
        for e in input.run.events(keyEvents) { byKind[e.value.kind, default: []].append(e) }
        for (_, list) in byKind {
            let sorted = list.sorted { Ordering.before($0.value, $1.value, $0.source, $1.source) }
            for e in [sorted.first, sorted.count > 1 ? sorted.last : nil].compactMap({ $0 }) {
                let v = e.value
                out.append(TimelineEntry(step: v.step ?? v.time.flatMap(tl.step(atTime:)),
                                         time: v.time ?? v.step.flatMap(tl.time(atStep:)),
                                         label: "\(v.kind.rawValue): \(Fmt.excerpt(v.message, limit: 160))",
                                         source: e.source, line: v.line))
            }
        }
        return out.sorted { a, b in
            let ka = (a.time ?? .infinity, a.step ?? Int.max), kb = (b.time ?? .infinity, b.step ?? Int.max)
            if ka != kb { return ka < kb }
            return (a.label, a.source ?? "", a.line ?? 0) < (b.label, b.source ?? "", b.line ?? 0)
        }
    }
}
