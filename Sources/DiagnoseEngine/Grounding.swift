import DiagnoseCore

/// Checks that every citation resolves to an indexed input: the file is one of the run's (or,
/// with a `baseline:` prefix, the baseline's) and the line is within it.
public struct Grounding: Sendable {
    let runLines: [String: Int]
    let baselineLines: [String: Int]

    public init(run: RunObservations, baseline: RunObservations?) {
        runLines = Dictionary(run.files.map { (Grounding.normalize($0.path), $0.lines) }, uniquingKeysWith: max)
        baselineLines = Dictionary((baseline?.files ?? []).map { (Grounding.normalize($0.path), $0.lines) },
                                   uniquingKeysWith: max)
    }

    static func normalize(_ p: String) -> String {
        var s = Substring(p)
        while s.hasPrefix("./") { s = s.dropFirst(2) }
        return String(s)
    }

    /// Whether the citation points at something that exists.
    public func resolves(_ e: Evidence) -> Bool {
        let lines: Int?
        if e.source.hasPrefix("baseline:") {
            lines = baselineLines[Grounding.normalize(String(e.source.dropFirst("baseline:".count)))]
        } else {
            lines = runLines[Grounding.normalize(e.source)]
        }
        guard let lines else { return false }
        if let l = e.line { return l >= 1 && l <= lines }
        return true
    }

    /// The citations that resolve, and those dropped.
    public func ground(_ evidence: [Evidence]) -> (kept: [Evidence], dropped: [Evidence]) {
        var kept: [Evidence] = [], dropped: [Evidence] = []
        for e in evidence { if resolves(e) { kept.append(e) } else { dropped.append(e) } }
        return (kept, dropped)
    }
}
