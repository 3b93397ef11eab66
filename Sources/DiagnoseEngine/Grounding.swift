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

    /// Whether the citation points at something that exists. A source `path!member` (a record read
    /// from a member of an archive, an Inspect `.eval` zip) resolves when `path` is indexed; its
    /// line, a line within the member, is checked against the lines read from all the archive's
    /// members together.
    public func resolves(_ e: Evidence) -> Bool {
        let baseline = e.source.hasPrefix("baseline:")
        let table = baseline ? baselineLines : runLines
        let source = Grounding.normalize(baseline ? String(e.source.dropFirst("baseline:".count)) : e.source)
        var lines = table[source]
        if lines == nil {
            // The archive is the longest indexed prefix before a `!` (paths may hold `!` too).
            var i = source.endIndex
            while lines == nil, let bang = source[..<i].lastIndex(of: "!") {
                lines = table[String(source[..<bang])]
                i = bang
            }
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
