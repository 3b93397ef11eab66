import DiagnoseCore

/// Failures that are consequences of an earlier one: an NCCL timeout/error, a ChildFailedError,
/// a signal (SIGTERM) or a "previous error" line that follows an earlier failure on another rank,
/// or any earlier Xid, ECC error, OOM or scheduler cancellation/preemption. One symptom per consequence kind and rank, citing the
/// consequence and the root; the summary names the root.
///
/// Magnitude: seconds from the root to the consequence where both are timed, else 0 (only the
/// order is known). `before`/`after`: the root's and the consequence's times where known.
public struct CascadeDetector: Detector {
    public let id = "cascade"
    public init() {}

    static let consequenceKinds: Set<EventKind> = [.ncclTimeout, .ncclError, .childFailed, .signal]
    /// Roots that explain a consequence on any rank, their own included (a scheduler kill
    /// signals every rank).
    static let hardRoots: Set<EventKind> = [.xid, .eccError, .oom, .slurmCancel, .preemption]

    static func isConsequence(_ e: LogEvent) -> Bool {
        consequenceKinds.contains(e.kind) || e.message.range(of: "previous error", options: .caseInsensitive) != nil
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        let failures = input.run.events.filter { EventKind.failures.contains($0.value.kind) || Self.isConsequence($0.value) }
        var firsts: [String: Sourced<LogEvent>] = [:]
        for e in failures where Self.isConsequence(e.value) {
            let key = "\(e.value.kind.rawValue)|\(e.value.rank.map(String.init) ?? "-")"
            if let f = firsts[key], Ordering.before(f.value, e.value, f.source, e.source) { continue }
            firsts[key] = e
        }
        var out: [Symptom] = []
        for c in firsts.values {
            let roots = failures.filter { r in
                guard r != c, Ordering.compare(r.value, c.value, r.source, c.source) == true else { return false }
                if Self.hardRoots.contains(r.value.kind) { return true }
                if case .childFailed(let failedRank?, _, _) = c.value.detail, r.value.rank == failedRank { return true }
                guard let rr = r.value.rank, let cr = c.value.rank else { return false }
                return rr != cr
            }
            guard let root = roots.min(by: { Ordering.before($0.value, $1.value, $0.source, $1.source) }) else { continue }
            let lag = (c.value.time != nil && root.value.time != nil) ? max(0, c.value.time! - root.value.time!) : 0
            let ce = c.value, re = root.value
            out.append(Symptom(kind: .cascade, eventKind: ce.kind, onsetStep: ce.step, onsetTime: ce.time, rank: ce.rank,
                               magnitude: lag, before: re.time, after: ce.time,
                               summary: "\(ce.kind.rawValue)\(Fmt.whose(rank: ce.rank, label: nil)) "
                                   + "\(Fmt.at(step: ce.step, time: ce.time, line: ce.line)) follows \(re.kind.rawValue)"
                                   + "\(Fmt.whose(rank: re.rank, label: nil)) (\(root.source):\(re.line)), the likely root"
                                   + (lag > 0 ? ", \(Fmt.num(lag.rounded())) s earlier" : ""),
                               evidence: [Cite.event(c), Cite.event(root)]))
        }
        return out
    }
}
