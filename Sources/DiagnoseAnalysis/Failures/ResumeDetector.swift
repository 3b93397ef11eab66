import DiagnoseCore

/// Each resume/checkpoint-load position, once (ranks that print the same resume are merged), so
/// the engine can check "onset within N steps after a resume".
///
/// Magnitude: the number of events (ranks/lines) that report this resume. `onsetStep` is the
/// step resumed from where the event, its detail or its checkpoint path names one.
public struct ResumeDetector: Detector {
    public let id = "resume"
    public init() {}

    struct Resume { let event: Sourced<LogEvent>; let step: Int?; let count: Int }

    /// Resume positions of a run: `resume` events, and `checkpoint-load` events that name a step
    /// after 0 within the steps the run logged (a step-0 load is the initial model; loading another
    /// run's `checkpoint-5000` to fine-tune for 1000 steps is not a resume either).
    static func resumes(_ obs: RunObservations) -> [Resume] {
        var groups: [String: [(Sourced<LogEvent>, Int?)]] = [:]
        var maxStep: Int?
        for s in obs.series { for p in s.points { if let st = p.step { maxStep = max(maxStep ?? st, st) } } }
        for e in obs.events([.resume, .checkpointLoad]) {
            let step = CheckpointStep.step(of: e.value)
            if e.value.kind == .checkpointLoad {
                guard let step, step > 0 else { continue }
                if let maxStep, step > maxStep { continue }
            }
            let key = step.map { "step:\($0)" } ?? "src:\(e.source):\(e.value.line / 50)"
            groups[key, default: []].append((e, step))
        }
        return groups.values.map { g in
            let first = g.min { Ordering.before($0.0.value, $1.0.value, $0.0.source, $1.0.source) }!
            return Resume(event: first.0, step: first.1, count: g.count)
        }.sorted { ($0.step ?? Int.max, $0.event.source, $0.event.value.line) < ($1.step ?? Int.max, $1.event.source, $1.event.value.line) }
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        Self.resumes(input.run).map { r in
            let e = r.event.value
            let state = CheckpointStep.missingState(of: e).map { " \($0)" } ?? ""
            return Symptom(kind: .resumeEvent, eventKind: e.kind, onsetStep: r.step ?? e.step, onsetTime: e.time, rank: e.rank,
                           magnitude: Double(r.count),
                           summary: "resumed" + (r.step.map { " from step \($0)" } ?? "") + state
                               + " (\(r.event.source):\(e.line))",
                           evidence: [Cite.event(r.event)])
        }
    }
}
