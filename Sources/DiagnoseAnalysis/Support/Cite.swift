import DiagnoseCore

/// Builds evidence that points at records the detectors were given, never at invented lines.
enum Cite {
    static let cacheMetrics: Set<MetricName> = [
        .cacheHitRate, .cacheQueries, .cacheHits, .kvCacheUsage, .preemptions, .evictions,
        .runningRequests, .waitingRequests, .promptTokens, .cachedTokens,
    ]

    static func source(_ path: String, baseline: Bool) -> String { baseline ? "baseline:" + path : path }

    /// A metric point of a series.
    static func point(_ p: MetricPoint, in s: MetricSeries, baseline: Bool = false, supports: Bool = true,
                      note: String? = nil) -> Evidence {
        var text = "\(s.name.rawValue) \(Fmt.num(p.value))"
        var ctx: [String] = []
        if let step = p.step { ctx.append("step \(step)") }
        if let r = p.rank ?? s.rank { ctx.append("rank \(r)") }
        if let l = p.label ?? s.label, !l.isEmpty { ctx.append(l) }
        if !ctx.isEmpty { text += " (" + ctx.joined(separator: ", ") + ")" }
        if let note { text += ": " + note }
        return Evidence(kind: cacheMetrics.contains(s.name) ? .cache : .metric, source: source(s.source, baseline: baseline),
                        line: p.line, step: p.step, time: p.time, rank: p.rank ?? s.rank, excerpt: text,
                        supports: supports, metric: s.name.rawValue, value: p.value)
    }

    /// A log event; the excerpt is the event's message.
    static func event(_ e: Sourced<LogEvent>, baseline: Bool = false, supports: Bool = true) -> Evidence {
        Evidence(kind: .log, source: source(e.source, baseline: baseline), line: e.value.line, step: e.value.step,
                 time: e.value.time, rank: e.value.rank, excerpt: Fmt.excerpt(e.value.message), supports: supports)
    }

    static func score(_ s: Sourced<EvalScore>, baseline: Bool = false) -> Evidence {
        let v = s.value
        var text = "\(v.task) \(v.metric)"
        if let f = v.filter { text += ",\(f)" }
        text += " = \(Fmt.num(v.value))"
        if let e = v.stderr { text += " ± \(Fmt.num(e))" }
        return Evidence(kind: .eval, source: source(s.source, baseline: baseline), line: v.line, excerpt: text,
                        metric: v.metric, value: v.value)
    }

    static func sample(_ s: Sourced<EvalSample>, baseline: Bool = false, note: String? = nil) -> Evidence {
        let v = s.value
        var text = "\(v.task) doc \(v.docID)"
        if let note { text += " [\(note)]" }
        if let r = v.response { text += ": " + r }
        return Evidence(kind: .eval, source: source(s.source, baseline: baseline), line: v.line,
                        excerpt: Fmt.excerpt(text))
    }

    static func config(_ doc: ConfigDocument, _ entry: ConfigEntry, baseline: Bool = false) -> Evidence {
        let value = entry.secret ? "<redacted>" : entry.value.description
        return Evidence(kind: .config, source: source(doc.path, baseline: baseline), line: entry.line,
                        excerpt: Fmt.excerpt("\(entry.key): \(value)"), key: entry.key,
                        newValue: entry.secret ? nil : Fmt.excerpt(value))
    }
}
