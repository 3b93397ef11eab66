import DiagnoseCore

/// Renders a `Diagnosis` as Markdown for terminals and pages. ANSI colour only when asked
/// (the CLI decides from isatty and NO_COLOR). Input text is cleaned of control characters and
/// escaped (prose) or put in code spans (excerpts, keys, values), so it cannot inject markup.
public struct MarkdownRenderer: Sendable {
    public var color: Bool

    public init(color: Bool = false) { self.color = color }

    /// The report; `diagnosis` should already be redacted (`ReportRenderer` does that).
    public func render(_ d: Diagnosis) -> String {
        var o: [String] = []
        header(d, &o)
        checklist(d, &o)
        hypotheses(d, &o)
        timeline(d, &o)
        configDiff(d, &o)
        symptoms(d, &o)
        weakSignals(d, &o)
        inputs(d, &o)
        trace(d, &o)
        return o.joined(separator: "\n") + "\n"
    }

    // MARK: - Styling

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    private func bold(_ s: String) -> String { paint(s, "1") }
    private func heading(_ level: Int, _ s: String) -> String {
        String(repeating: "#", count: level) + " " + paint(s, "1;36")
    }
    private func prose(_ s: String) -> String { TextFormat.markdown(TextFormat.clean(s)) }
    private func block(_ s: String) -> String { TextFormat.markdown(TextFormat.clean(s, multiline: true)) }
    private func code(_ s: String, table: Bool = false) -> String { TextFormat.code(s, inTable: table) }
    /// Table cells: `prose` already escapes `|` as `\|`, GFM's cell escape.
    private func cell(_ s: String) -> String { prose(s) }

    // MARK: - Sections

    private func header(_ d: Diagnosis, _ o: inout [String]) {
        let banner = ReportFacts.banner(d.signoff)
        o.append(heading(1, "diagnose: \(prose(d.runID))"))
        o.append("")
        o.append("> " + (d.signoff.state == .draft ? paint("**\(prose(banner))**", "1;33") : paint("**\(prose(banner))**", "1;32")))
        o.append("")
        o.append("- **Run:** \(code(d.runID))")
        if let b = d.baselineRunID {
            o.append("- **Baseline:** \(code(b))")
        } else {
            o.append("- **Baseline:** none (diagnosed on the run's own signals)")
        }
        o.append("- **Generated:** \(prose(d.generatedAt))")
        let verdict = ReportFacts.verdictLine(d)
        o.append("- **Verdict:** " + paint(bold(prose(verdict)), d.status == .incident ? "31" : "32"))
        o.append("")
    }

    private func checklist(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.hypotheses.isEmpty else { return }
        o.append(heading(2, "Sign-off checklist"))
        o.append("")
        for h in ReportFacts.ranked(d.hypotheses) {
            let name = "#\(h.rank) \(code(h.cause)) (\(TextFormat.percent(h.confidence)))"
            if let v = ReportFacts.verdict(for: h, in: d.signoff) {
                var line = "- [x] \(name): **\(v.verdict.rawValue)** by \(prose(v.by)) at \(prose(v.at))"
                if let note = v.note, !note.isEmpty { line += ": \(prose(note))" }
                o.append(line)
            } else {
                o.append("- [ ] \(name): \(code(ReportFacts.signOffCommand(runID: d.runID, rank: h.rank)))")
            }
        }
        o.append("")
    }

    private func hypotheses(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.hypotheses.isEmpty else { return }
        o.append(heading(2, "Hypotheses"))
        o.append("")
        for h in ReportFacts.ranked(d.hypotheses) { hypothesis(h, level: 3, &o) }
    }

    private func hypothesis(_ h: Hypothesis, level: Int, _ o: inout [String]) {
        o.append(heading(level, "\(h.rank). \(prose(h.title))"))
        o.append("")
        var facts = "**Cause:** \(code(h.cause)) · **Confidence:** \(bold(TextFormat.percent(h.confidence)))"
        let onset = ReportFacts.when(step: h.onsetStep, time: h.onsetTime)
        if !onset.isEmpty { facts += " · **Onset:** \(onset)" }
        o.append(facts)
        o.append("")
        if !h.summary.isEmpty { o.append(block(h.summary)); o.append("") }
        let (pro, con) = ReportFacts.topContributions(h)
        if !pro.isEmpty || !con.isEmpty {
            o.append("**Why it ranks here** (log-odds):")
            o.append("")
            for c in pro { o.append("- " + paint(TextFormat.logOdds(c.logOdds), "32") + " \(prose(c.label))") }
            for c in con { o.append("- " + paint(TextFormat.logOdds(c.logOdds), "31") + " \(prose(c.label))") }
            o.append("")
        }
        let supports = h.evidence.filter(\.supports)
        let against = h.evidence.filter { !$0.supports }
        if !supports.isEmpty {
            o.append("**Evidence (supports):**")
            o.append("")
            for e in supports { o.append(evidence(e)) }
            o.append("")
        }
        if !against.isEmpty {
            o.append("**Evidence (argues against):**")
            o.append("")
            for e in against { o.append(evidence(e)) }
            o.append("")
        }
        if let verify = h.verify, !verify.isEmpty {
            o.append("**To confirm or refute:** \(block(verify))")
            o.append("")
        }
        if !h.remediation.isEmpty {
            o.append("**Remediation:** \(block(h.remediation))")
            o.append("")
        }
        if let p = h.playbook { o.append("Playbook: \(code(p))"); o.append("") }
    }

    private func evidence(_ e: Evidence) -> String {
        var line = "- \(code(TextFormat.location(e.source, e.line))) [\(e.kind.rawValue)]"
        let when = ReportFacts.when(step: e.step, time: e.time)
        if !when.isEmpty { line += " \(when)" }
        if let r = e.rank { line += " rank \(r)" }
        line += ": \(code(e.excerpt))"
        if let k = e.key, e.oldValue != nil || e.newValue != nil {
            line += " (\(code(k)): \(code(e.oldValue ?? "∅")) → \(code(e.newValue ?? "∅")))"
        }
        return line
    }

    private func timeline(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.timeline.isEmpty else { return }
        o.append(heading(2, "Timeline"))
        o.append("")
        o.append("| step | time | event | source |")
        o.append("|---:|---|---|---|")
        for t in ReportFacts.timeline(d.timeline) {
            let src = t.source.map { code(TextFormat.location($0, t.line), table: true) } ?? ""
            o.append("| \(t.step.map(String.init) ?? "") | \(t.time.map(TextFormat.time) ?? "") | \(cell(t.label)) | \(src) |")
        }
        o.append("")
    }

    private func configDiff(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.configDiff.isEmpty else { return }
        let (material, benign) = ReportFacts.configGroups(d.configDiff)
        o.append(heading(2, "Config diff"))
        o.append("")
        if !material.isEmpty {
            o.append("Material changes:")
            o.append("")
            o.append("| key | baseline | run | file | why |")
            o.append("|---|---|---|---|---|")
            for c in material { o.append(configRow(c)) }
            o.append("")
        }
        if !benign.isEmpty {
            let keys = benign.map { code($0.key) }.joined(separator: ", ")
            o.append("Benign changes (\(benign.count), collapsed): \(keys)")
            o.append("")
        }
    }

    private func configRow(_ c: ConfigChange) -> String {
        let old = c.oldValue.map { code($0, table: true) } ?? "_(absent)_"
        let new = c.newValue.map { code($0, table: true) } ?? "_(absent)_"
        let file = code(TextFormat.location(c.file, c.line), table: true)
        return "| \(code(c.key, table: true)) | \(old) | \(new) | \(file) | \(cell(c.reason ?? c.change.rawValue)) |"
    }

    private func symptoms(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.symptoms.isEmpty else { return }
        o.append(heading(2, "Symptoms"))
        o.append("")
        for s in d.symptoms {
            var line = "- \(code(s.kind.rawValue))"
            let when = ReportFacts.when(step: s.onsetStep, time: s.onsetTime)
            if !when.isEmpty { line += " (\(when))" }
            line += ": \(prose(s.summary))"
            o.append(line)
        }
        o.append("")
    }

    private func weakSignals(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.weakSignals.isEmpty else { return }
        o.append(heading(2, "Weak signals (below the threshold)"))
        o.append("")
        for h in ReportFacts.ranked(d.weakSignals) {
            var line = "- \(code(h.cause)) \(TextFormat.percent(h.confidence)): \(prose(h.title))"
            if let e = h.evidence.first { line += " (\(code(TextFormat.location(e.source, e.line))))" }
            o.append(line)
        }
        o.append("")
    }

    private func inputs(_ d: Diagnosis, _ o: inout [String]) {
        let i = d.inputs
        o.append(heading(2, "Inputs coverage"))
        o.append("")
        o.append("- Files: \(i.files), lines: \(i.lines), bytes: \(i.bytes)")
        let formats = ReportFacts.formats(i).map { "\(code($0.0)) × \($0.1)" }
        if !formats.isEmpty { o.append("- Formats: " + formats.joined(separator: ", ")) }
        o.append("- Unparsed lines: \(i.unparsedLines); truncated lines: \(i.truncatedLines)")
        if i.unrecognizedFiles.isEmpty {
            o.append("- Unrecognised files: none")
        } else {
            o.append("- Unrecognised files (\(i.unrecognizedFiles.count)):")
            for f in i.unrecognizedFiles.sorted() { o.append("  - \(code(f))") }
        }
        if !i.skippedFiles.isEmpty {
            o.append("- Skipped files (\(i.skippedFiles.count)):")
            for f in i.skippedFiles.sorted(by: { $0.path < $1.path }) { o.append("  - \(code(f.path)): \(prose(f.reason))") }
        }
        if !i.problems.isEmpty {
            o.append("- Problems (\(i.problems.count)):")
            for p in i.problems { o.append("  - \(code(p))") }
        }
        o.append("")
    }

    private func trace(_ d: Diagnosis, _ o: inout [String]) {
        guard !d.trace.isEmpty else { return }
        o.append(heading(2, "Investigation trace"))
        o.append("")
        for (n, t) in d.trace.enumerated() { o.append("\(n + 1). **\(prose(t.action))**: \(prose(t.detail))") }
        o.append("")
    }
}
