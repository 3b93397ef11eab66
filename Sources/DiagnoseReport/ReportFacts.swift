import DiagnoseCore

/// The facts every human-facing renderer states, derived once from a `Diagnosis` so Markdown,
/// HTML and the postmortem say the same thing.
public enum ReportFacts {
    /// The command a person runs to record a verdict on one hypothesis.
    public static func signOffCommand(runID: String, rank: Int) -> String {
        "diagnose signoff \(runID) --hypothesis \(rank) --verdict confirmed|rejected|inconclusive --by <you>"
    }

    /// "incident: most likely lr-too-high, 81%" or "no incident found".
    public static func verdictLine(_ d: Diagnosis) -> String {
        if let confirmed = confirmedHypothesis(d) {
            return "incident: \(confirmed.cause), confirmed at sign-off (model confidence \(TextFormat.percent(confirmed.confidence)))"
        }
        guard d.status == .incident, let top = d.hypotheses.min(by: { $0.rank < $1.rank }) else {
            return "no incident found"
        }
        return "incident: most likely \(top.cause), \(TextFormat.percent(top.confidence))"
    }

    /// The hypotheses in rank order.
    public static func ranked(_ hs: [Hypothesis]) -> [Hypothesis] {
        hs.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element)
    }

    /// The latest verdict recorded for a hypothesis (matched by rank and cause, else by cause).
    public static func verdict(for h: Hypothesis, in signoff: SignOff) -> Verdict? {
        signoff.verdicts.last { $0.cause == h.cause && ($0.rank == nil || $0.rank == h.rank) }
    }

    /// The hypothesis a person confirmed, if any (the best-ranked one when several were).
    public static func confirmedHypothesis(_ d: Diagnosis) -> Hypothesis? {
        ranked(d.hypotheses).first { verdict(for: $0, in: d.signoff)?.verdict == .confirmed }
    }

    /// The largest contributions for and against, each sorted by size (ties by label).
    public static func topContributions(_ h: Hypothesis, limit: Int = 3) -> (pro: [Contribution], con: [Contribution]) {
        let pro = h.contributions.filter { $0.logOdds > 0 }
            .sorted { ($0.logOdds, $1.label) > ($1.logOdds, $0.label) }
        let con = h.contributions.filter { $0.logOdds < 0 }
            .sorted { ($0.logOdds, $0.label) < ($1.logOdds, $1.label) }
        return (Array(pro.prefix(limit)), Array(con.prefix(limit)))
    }

    /// Config changes split into material and benign, each ordered by file then key.
    public static func configGroups(_ diff: [ConfigChange]) -> (material: [ConfigChange], benign: [ConfigChange]) {
        let sorted = diff.sorted { ($0.file, $0.key, $0.change.rawValue) < ($1.file, $1.key, $1.change.rawValue) }
        return (sorted.filter(\.material), sorted.filter { !$0.material })
    }

    /// Timeline entries in order: by step where both have one, else by time, else as given.
    public static func timeline(_ entries: [TimelineEntry]) -> [TimelineEntry] {
        entries.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if let s = x.step, let t = y.step, s != t { return s < t }
            if let s = x.time, let t = y.time, s != t { return s < t }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Recognised formats, sorted by name.
    public static func formats(_ inputs: InputsSummary) -> [(String, Int)] {
        inputs.formats.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// "step 1200", "2026-11-03T08:00:00Z", "step 1200 · 2026-…", or "".
    public static func when(step: Int?, time: Double?) -> String {
        var parts: [String] = []
        if let step { parts.append("step \(step)") }
        if let time { parts.append(TextFormat.time(time)) }
        return parts.joined(separator: " · ")
    }

    /// The one line that says whether the report is signed off.
    public static func banner(_ s: SignOff) -> String {
        switch s.state {
        case .draft: return "DRAFT: not signed off"
        case .signedOff: return "SIGNED OFF by \(s.by ?? "unknown") at \(s.at ?? "unknown time")"
        }
    }
}
