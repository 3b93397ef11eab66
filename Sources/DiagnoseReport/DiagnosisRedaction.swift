import DiagnoseCore
import DiagnoseText

extension Redactor {
    /// The diagnosis with every string field redacted (titles, summaries, excerpts, config values,
    /// symptoms, timeline, trace, chart labels, inputs problems), and the values of config changes
    /// marked secret, or keyed like secrets, replaced by `***`.
    public static func redact(_ d: Diagnosis) -> Diagnosis {
        var d = d
        d.runID = redact(d.runID)
        d.baselineRunID = redact(d.baselineRunID)
        d.hypotheses = d.hypotheses.map(redact(hypothesis:))
        d.weakSignals = d.weakSignals.map(redact(hypothesis:))
        d.signoff.by = redact(d.signoff.by)
        d.signoff.verdicts = d.signoff.verdicts.map { v in
            var v = v
            v.by = redact(v.by); v.note = redact(v.note); v.cause = redact(v.cause)
            return v
        }
        d.inputs.unrecognizedFiles = d.inputs.unrecognizedFiles.map { redact($0) }
        d.inputs.skippedFiles = d.inputs.skippedFiles.map { FileNote(path: redact($0.path), reason: redact($0.reason)) }
        d.inputs.problems = d.inputs.problems.map { redact($0) }
        d.symptoms = d.symptoms.map { s in
            var s = s
            s.summary = redact(s.summary)
            let secret = s.configKey.map { Secrets.isSecretKey($0) } ?? false
            s.oldValue = secret ? s.oldValue.map { _ in mask } : redact(s.oldValue)
            s.newValue = secret ? s.newValue.map { _ in mask } : redact(s.newValue)
            s.evidence = s.evidence.map(redact(evidence:))
            return s
        }
        d.configDiff = d.configDiff.map { c in
            var c = c
            let secret = c.secret || Secrets.isSecretKey(c.key)
            if secret { c.secret = true }
            c.oldValue = secret ? c.oldValue.map { _ in mask } : redact(c.oldValue)
            c.newValue = secret ? c.newValue.map { _ in mask } : redact(c.newValue)
            c.reason = redact(c.reason)
            return c
        }
        d.timeline = d.timeline.map { t in
            var t = t
            t.label = redact(t.label)
            return t
        }
        d.trace = d.trace.map { TraceStep(action: redact($0.action), detail: redact($0.detail)) }
        d.charts = d.charts.map { c in
            var c = c
            c.label = redact(c.label)
            return c
        }
        return d
    }

    static func redact(hypothesis h: Hypothesis) -> Hypothesis {
        var h = h
        h.title = redact(h.title)
        h.summary = redact(h.summary)
        h.remediation = redact(h.remediation)
        h.verify = redact(h.verify)
        h.evidence = h.evidence.map(redact(evidence:))
        h.contributions = h.contributions.map { Contribution(label: redact($0.label), logOdds: $0.logOdds) }
        return h
    }

    static func redact(evidence e: Evidence) -> Evidence {
        var e = e
        e.excerpt = redact(e.excerpt)
        let secret = e.key.map { Secrets.isSecretKey($0) } ?? false
        e.oldValue = secret ? e.oldValue.map { _ in mask } : redact(e.oldValue)
        e.newValue = secret ? e.newValue.map { _ in mask } : redact(e.newValue)
        return e
    }
}
