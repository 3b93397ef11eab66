import Foundation
import DiagnoseCore
import DiagnoseText

/// What the postmortem needs beyond the diagnosis, computed by the caller from the observations.
public struct PostmortemContext: Sendable, Hashable {
    /// GPUs the run held (world size).
    public var gpuCount: Int?
    /// Median seconds per step before the onset.
    public var stepTimeSeconds: Double?
    public var onsetStep: Int?
    public var lastStep: Int?
    /// Unix seconds.
    public var onsetTime: Double?
    public var endTime: Double?
    /// When the incident was detected / resolved (ISO 8601), when known.
    public var detectedAt: String?
    public var resolvedAt: String?
    public var author: String?

    public init(gpuCount: Int? = nil, stepTimeSeconds: Double? = nil, onsetStep: Int? = nil, lastStep: Int? = nil,
                onsetTime: Double? = nil, endTime: Double? = nil, detectedAt: String? = nil, resolvedAt: String? = nil,
                author: String? = nil) {
        self.gpuCount = gpuCount; self.stepTimeSeconds = stepTimeSeconds; self.onsetStep = onsetStep
        self.lastStep = lastStep; self.onsetTime = onsetTime; self.endTime = endTime; self.detectedAt = detectedAt
        self.resolvedAt = resolvedAt; self.author = author
    }
}

/// The impact estimate, with the arithmetic that produced it.
public struct PostmortemImpact: Sendable, Hashable {
    public var lostSteps: Int?
    public var lostSeconds: Double?
    public var gpuHours: Double?
    /// Each line a step of the arithmetic ("1,800 steps × 2.4 s/step = 4,320 s").
    public var arithmetic: [String]

    /// Lost steps from onset to last step; wall time from the step time, or else from the onset
    /// and end times; GPU-hours = wall time × GPUs / 3600.
    public static func estimate(_ c: PostmortemContext) -> PostmortemImpact {
        var lines: [String] = []
        var steps: Int? = nil
        var seconds: Double? = nil
        if let a = c.onsetStep, let b = c.lastStep, b >= a {
            steps = b - a
            lines.append("lost steps = last step \(b) − onset step \(a) = \(b - a)")
        }
        if let steps, let t = c.stepTimeSeconds, t.isFinite, t > 0 {
            seconds = Double(steps) * t
            lines.append("lost time = \(steps) steps × \(TextFormat.number(t)) s/step = \(TextFormat.number(Double(steps) * t)) s")
        } else if let a = c.onsetTime, let b = c.endTime, b >= a {
            seconds = b - a
            lines.append("lost time = end \(TextFormat.time(b)) − onset \(TextFormat.time(a)) = \(TextFormat.number(b - a)) s")
        }
        var gpuHours: Double? = nil
        if let s = seconds, let g = c.gpuCount, g > 0 {
            let h = s * Double(g) / 3600
            gpuHours = h
            lines.append("GPU-hours = \(TextFormat.number(s)) s × \(g) GPUs ÷ 3600 = \(String(format: "%.2f", h))")
        }
        return PostmortemImpact(lostSteps: steps, lostSeconds: seconds, gpuHours: gpuHours, arithmetic: lines)
    }
}

/// Drafts a blameless postmortem in Markdown from a (redacted) diagnosis: the root cause comes
/// from the signed-off verdict, else it is marked UNCONFIRMED with the top hypothesis.
public enum PostmortemRenderer {
    public static func render(_ diagnosis: Diagnosis, context: PostmortemContext = PostmortemContext()) -> String {
        let d = Redactor.redact(diagnosis)
        let p = { (s: String) in TextFormat.markdown(TextFormat.clean(s)) }
        let block = { (s: String) in TextFormat.markdown(TextFormat.clean(s, multiline: true)) }
        let code = { (s: String) in TextFormat.code(s) }
        let confirmed = ReportFacts.confirmedHypothesis(d)
        let top = ReportFacts.ranked(d.hypotheses).first
        let cause = confirmed ?? top
        var o: [String] = []

        o.append("# Postmortem (draft): \(p(d.runID))")
        o.append("")
        o.append("> Drafted by diagnose from the report generated \(p(d.generatedAt)); \(p(ReportFacts.banner(d.signoff))).")
        if let a = context.author { o.append("> Author: \(p(a))") }
        o.append("")

        o.append("## Summary")
        o.append("")
        var summary = "Run \(code(d.runID))"
        if let b = d.baselineRunID { summary += " (baseline \(code(b)))" }
        summary += ": \(p(ReportFacts.verdictLine(d)))."
        o.append(summary)
        if let cause, !cause.summary.isEmpty { o.append(""); o.append(block(cause.summary)) }
        o.append("")

        o.append("## Impact")
        o.append("")
        let impact = PostmortemImpact.estimate(context)
        if impact.arithmetic.isEmpty {
            o.append("Not estimated: the onset/last step with a step time, or onset/end times, are unknown.")
        } else {
            if let s = impact.lostSteps { o.append("- Lost steps: **\(s)**") }
            if let t = impact.lostSeconds { o.append("- Lost wall time: **\(String(format: "%.2f", t / 3600)) h** (\(TextFormat.number(t)) s)") }
            if let g = impact.gpuHours { o.append("- GPU-hours lost: **\(String(format: "%.2f", g))**") }
            o.append("")
            o.append("Arithmetic:")
            o.append("")
            for line in impact.arithmetic { o.append("    \(TextFormat.clean(line))") }
        }
        o.append("")

        o.append("## Root cause")
        o.append("")
        if let c = confirmed, let v = ReportFacts.verdict(for: c, in: d.signoff) {
            o.append("**\(code(c.cause))**: \(p(c.title)) (confirmed by \(p(v.by)) at \(p(v.at)))")
            if let n = v.note, !n.isEmpty { o.append(""); o.append("Sign-off note: \(p(n))") }
        } else if let t = top, d.status == .incident {
            o.append("**UNCONFIRMED.** Most likely \(code(t.cause)): \(p(t.title)) (\(TextFormat.percent(t.confidence))). No hypothesis has been confirmed at sign-off.")
        } else {
            o.append("**UNCONFIRMED.** No incident cause was found.")
        }
        if let c = cause {
            let ev = c.evidence.filter(\.supports).prefix(5)
            if !ev.isEmpty {
                o.append("")
                o.append("Evidence:")
                o.append("")
                for e in ev { o.append("- \(code(TextFormat.location(e.source, e.line))): \(code(e.excerpt))") }
            }
        }
        o.append("")

        o.append("## Trigger")
        o.append("")
        let material = ReportFacts.configGroups(d.configDiff).material
        if !material.isEmpty {
            o.append("Material config changes against the baseline:")
            o.append("")
            for m in material {
                o.append("- \(code(m.key)): \(m.oldValue.map(code) ?? "_absent_") → \(m.newValue.map(code) ?? "_absent_") (\(code(TextFormat.location(m.file, m.line))))")
            }
        } else if let c = cause {
            let onset = ReportFacts.when(step: c.onsetStep, time: c.onsetTime)
            o.append(onset.isEmpty ? "No config change against the baseline; the trigger is to be determined."
                     : "No config change against the baseline; the first symptom appeared at \(onset).")
        } else {
            o.append("_To be determined._")
        }
        o.append("")

        o.append("## Detection")
        o.append("")
        var detection = "Detected by \(code("diagnose"))"
        if let at = context.detectedAt { detection += " at \(p(at))" } else { detection += " (report generated \(p(d.generatedAt)))" }
        if let c = cause {
            let onset = ReportFacts.when(step: c.onsetStep, time: c.onsetTime)
            if !onset.isEmpty { detection += "; onset \(onset)" }
        }
        o.append(detection + ".")
        if !d.symptoms.isEmpty {
            o.append("")
            for s in d.symptoms.prefix(8) { o.append("- \(code(s.kind.rawValue)): \(p(s.summary))") }
        }
        o.append("")

        o.append("## Resolution")
        o.append("")
        if let r = context.resolvedAt { o.append("Resolved at \(p(r)).") }
        if let c = cause, !c.remediation.isEmpty { o.append((context.resolvedAt == nil ? "Proposed: " : "") + block(c.remediation)) }
        else { o.append("_To be filled in._") }
        o.append("")

        o.append("## Timeline")
        o.append("")
        if d.timeline.isEmpty { o.append("_No timeline entries._") }
        for t in ReportFacts.timeline(d.timeline) {
            var line = "- "
            let when = ReportFacts.when(step: t.step, time: t.time)
            line += when.isEmpty ? "" : "\(when): "
            line += p(t.label)
            if let s = t.source { line += " (\(code(TextFormat.location(s, t.line))))" }
            o.append(line)
        }
        o.append("")

        o.append("## Action items")
        o.append("")
        var items: [String] = []
        for h in ([confirmed].compactMap { $0 } + ReportFacts.ranked(d.hypotheses).prefix(1)) {
            if !h.remediation.isEmpty { items.append("- [ ] Fix (\(code(h.cause))): \(p(h.remediation))") }
            if let v = h.verify, !v.isEmpty { items.append("- [ ] Verify (\(code(h.cause))): \(p(v))") }
        }
        var seen = Set<String>()
        items = items.filter { seen.insert($0).inserted }
        if !d.hypotheses.isEmpty && confirmed == nil {
            items.append("- [ ] Sign off the diagnosis: \(code(ReportFacts.signOffCommand(runID: d.runID, rank: top?.rank ?? 1)))")
        }
        items.append("- [ ] Owner and due date for each item")
        o.append(contentsOf: items)
        o.append("")

        o.append("## Lessons learned")
        o.append("")
        o.append("- What went well: _to be filled in by the team_")
        o.append("- What went wrong: _to be filled in by the team_")
        o.append("- Where we got lucky: _to be filled in by the team_")
        o.append("")
        return o.joined(separator: "\n")
    }
}
