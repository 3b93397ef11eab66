import DiagnoseCore

/// A series in the order it was written (by line within its file), finite points only.
/// Line order is chronological within one file even where a resume replays steps.
struct Trace {
    let series: MetricSeries
    let points: [MetricPoint]
    let values: [Double]

    init(_ s: MetricSeries) {
        series = s
        var inOrder = true
        for i in s.points.indices.dropFirst() where s.points[i].line < s.points[i - 1].line { inOrder = false; break }
        let ordered = inOrder ? s.points : s.points.enumerated().sorted { a, b in
            a.element.line != b.element.line ? a.element.line < b.element.line : a.offset < b.offset
        }.map(\.element)
        points = ordered.filter { $0.value.isFinite }
        values = points.map(\.value)
    }

    var count: Int { points.count }
    var isEmpty: Bool { points.isEmpty }

    /// Position on the x axis: the step where known, else the time, else the index.
    func x(_ i: Int) -> Double {
        if let s = points[i].step { return Double(s) }
        if let t = points[i].time { return t }
        return Double(i)
    }

    /// Index of the first point at or after a step (chronological order), or nil.
    func firstIndex(atOrAfterStep step: Int) -> Int? {
        points.firstIndex { ($0.step ?? Int.min) >= step }
    }

    /// Points to skip as a warm-up transient: 5% of the series, at least 3, at most 50.
    var warmup: Int { min(50, max(3, count / 20)) }
}

extension RunObservations {
    /// The series of a metric with the most finite points, preferring unlabeled, then the lowest
    /// rank, then the source path: the run's representative curve for run-vs-baseline comparisons.
    func primary(_ name: MetricName) -> Trace? {
        let candidates = series(name).map(Trace.init).filter { $0.count > 0 }
        return candidates.min { a, b in
            if a.count != b.count { return a.count > b.count }
            let al = a.series.label == nil ? 0 : 1, bl = b.series.label == nil ? 0 : 1
            if al != bl { return al < bl }
            if (a.series.rank ?? -1) != (b.series.rank ?? -1) { return (a.series.rank ?? -1) < (b.series.rank ?? -1) }
            return a.series.source < b.series.source
        }
    }

    /// Events of the given kinds, in source/line order.
    func events(_ kinds: Set<EventKind>) -> [Sourced<LogEvent>] { events.filter { kinds.contains($0.value.kind) } }
}

/// A symptom's sort key, so detector output is deterministic whatever the input order.
extension Symptom {
    static func deterministicOrder(_ a: Symptom, _ b: Symptom) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        if a.metric != b.metric { return (a.metric?.rawValue ?? "") < (b.metric?.rawValue ?? "") }
        if a.rank != b.rank { return (a.rank ?? -1) < (b.rank ?? -1) }
        if a.onsetStep != b.onsetStep { return (a.onsetStep ?? Int.min) < (b.onsetStep ?? Int.min) }
        if a.onsetTime != b.onsetTime { return (a.onsetTime ?? -.infinity) < (b.onsetTime ?? -.infinity) }
        if a.eventKind != b.eventKind { return (a.eventKind?.rawValue ?? "") < (b.eventKind?.rawValue ?? "") }
        if a.trait != b.trait { return (a.trait?.rawValue ?? "") < (b.trait?.rawValue ?? "") }
        if a.summary != b.summary { return a.summary < b.summary }
        let ae = a.evidence.first, be = b.evidence.first
        return (ae?.source ?? "", ae?.line ?? 0) < (be?.source ?? "", be?.line ?? 0)
    }
}

/// Magnitude used where a value is non-finite: JSON has no infinity.
let nonFiniteMagnitude = 100.0

/// Keeps a magnitude finite and bounded for JSON and for the engine's arithmetic.
func bounded(_ m: Double, cap: Double = 1000) -> Double {
    if m.isNaN { return 0 }
    return max(-cap, min(cap, m))
}
