import DiagnoseCore

/// Renders a `Diagnosis` as one self-contained HTML page: inline CSS, inline SVG charts, no
/// scripts and no external assets. Every string that came from an input is cleaned and
/// HTML-escaped, in text and in attributes.
public struct HTMLRenderer: Sendable {
    public init() {}

    /// The order charts appear in; other metrics follow alphabetically.
    static let metricOrder = ["loss", "eval_loss", "grad_norm", "lr", "loss_scale", "step_time_ms", "data_time_ms",
                              "tokens_per_s", "samples_per_s", "gen_tokens_per_s", "mfu", "cache_hit_rate",
                              "kv_cache_usage", "evictions", "preemptions"]

    public func render(_ d: Diagnosis) -> String {
        var o = ""
        o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        o += "<title>\(e(ReportFacts.banner(d.signoff).hasPrefix("DRAFT") ? "DRAFT · " : ""))diagnose · \(e(d.runID))</title>\n"
        o += "<style>\(HTMLRenderer.css)</style>\n</head>\n<body>\n<main>\n"
        o += header(d)
        o += checklist(d)
        o += charts(d)
        o += hypotheses(d)
        o += timeline(d)
        o += configDiff(d)
        o += symptoms(d)
        o += weakSignals(d)
        o += inputs(d)
        o += trace(d)
        o += "</main>\n</body>\n</html>\n"
        return o
    }

    private func e(_ s: String) -> String { TextFormat.html(TextFormat.clean(s)) }
    private func para(_ s: String) -> String { TextFormat.html(TextFormat.clean(s, multiline: true)) }
    private func code(_ s: String) -> String { "<code>\(e(s))</code>" }

    private func header(_ d: Diagnosis) -> String {
        let draft = d.signoff.state == .draft
        var o = "<div class=\"banner \(draft ? "draft" : "signed")\">\(e(ReportFacts.banner(d.signoff)))</div>\n"
        o += "<h1>diagnose: \(e(d.runID))</h1>\n<dl class=\"facts\">"
        o += "<dt>Run</dt><dd>\(code(d.runID))</dd>"
        o += "<dt>Baseline</dt><dd>\(d.baselineRunID.map(code) ?? "none (diagnosed on the run’s own signals)")</dd>"
        o += "<dt>Generated</dt><dd>\(e(d.generatedAt))</dd>"
        o += "<dt>Verdict</dt><dd class=\"verdict \(d.status == .incident ? "bad" : "good")\">\(e(ReportFacts.verdictLine(d)))</dd>"
        o += "</dl>\n"
        return o
    }

    private func checklist(_ d: Diagnosis) -> String {
        guard !d.hypotheses.isEmpty else { return "" }
        var o = "<section><h2>Sign-off checklist</h2>\n<ul class=\"checklist\">\n"
        for h in ReportFacts.ranked(d.hypotheses) {
            let name = "#\(h.rank) \(code(h.cause)) (\(TextFormat.percent(h.confidence)))"
            if let v = ReportFacts.verdict(for: h, in: d.signoff) {
                o += "<li class=\"done\"><span class=\"box\">☑</span> \(name): <strong>\(e(v.verdict.rawValue))</strong> by \(e(v.by)) at \(e(v.at))"
                if let n = v.note, !n.isEmpty { o += ": \(e(n))" }
                o += "</li>\n"
            } else {
                o += "<li><span class=\"box\">☐</span> \(name): \(code(ReportFacts.signOffCommand(runID: d.runID, rank: h.rank)))</li>\n"
            }
        }
        return o + "</ul></section>\n"
    }

    /// Series grouped by metric in `metricOrder`, each with the onsets and key events as markers.
    static func chartGroups(_ d: Diagnosis) -> [(String, [ChartSeries])] {
        var groups: [String: [ChartSeries]] = [:]
        for s in d.charts { groups[s.metric, default: []].append(s) }
        let rank = Dictionary(uniqueKeysWithValues: metricOrder.enumerated().map { ($1, $0) })
        return groups.keys.sorted { (rank[$0] ?? Int.max, $0) < (rank[$1] ?? Int.max, $1) }.map { ($0, groups[$0]!) }
    }

    static func markers(_ d: Diagnosis, xIsStep: Bool) -> [ChartMarker] {
        guard xIsStep else { return [] }
        var out: [ChartMarker] = []
        var seen = Set<Int>()
        // The leading hypothesis (and a confirmed one) get onset lines; more would be clutter.
        let leading = ([ReportFacts.confirmedHypothesis(d)] + [ReportFacts.ranked(d.hypotheses).first]).compactMap { $0 }
        for h in leading {
            if let s = h.onsetStep, seen.insert(s).inserted {
                out.append(ChartMarker(x: Double(s), label: "onset #\(h.rank) \(h.cause) @\(s)", kind: .onset))
            }
        }
        let events = ReportFacts.timeline(d.timeline).filter { $0.step != nil && !seen.contains($0.step!) }
        for t in events.prefix(6) { out.append(ChartMarker(x: Double(t.step!), label: t.label, kind: .event)) }
        return out
    }

    private func charts(_ d: Diagnosis) -> String {
        let groups = HTMLRenderer.chartGroups(d)
        guard !groups.isEmpty else { return "" }
        var o = "<section><h2>Charts</h2>\n<div class=\"charts\">\n"
        for (metric, series) in groups {
            let ordered = series.filter { !$0.baseline } + series.filter(\.baseline)
            let chart = SVGChart(metric: metric, series: ordered,
                                 markers: HTMLRenderer.markers(d, xIsStep: ordered.first?.xIsStep ?? true))
            o += "<figure class=\"chart\"><figcaption>\(e(metric))</figcaption>\n\(chart.render())\n<div class=\"legend\">"
            var runIndex = 0, baseIndex = 0
            for s in ordered {
                let c = SVGChart.color(baseline: s.baseline, index: s.baseline ? baseIndex : runIndex)
                if s.baseline { baseIndex += 1 } else { runIndex += 1 }
                let who = s.baseline ? "baseline" + (d.baselineRunID.map { " \($0)" } ?? "") : "run"
                let nonFinite = s.y.filter { !$0.isFinite }.count
                o += "<span class=\"key\"><span class=\"swatch\(s.baseline ? " dashed" : "")\" style=\"border-color:\(c)\"></span>\(e(s.label)) <span class=\"muted\">(\(e(who)))</span>"
                if nonFinite > 0 { o += " <span class=\"nan\">▼ \(nonFinite) non-finite</span>" }
                o += "</span>"
            }
            if chart.markers.contains(where: { $0.kind == .onset }) {
                o += "<span class=\"key\"><span class=\"swatch onset\"></span>onset</span>"
            }
            o += "</div></figure>\n"
        }
        return o + "</div></section>\n"
    }

    private func hypotheses(_ d: Diagnosis) -> String {
        guard !d.hypotheses.isEmpty else { return "" }
        var o = "<section><h2>Hypotheses</h2>\n"
        for h in ReportFacts.ranked(d.hypotheses) { o += hypothesis(h, d) }
        return o + "</section>\n"
    }

    private func hypothesis(_ h: Hypothesis, _ d: Diagnosis) -> String {
        var o = "<article class=\"hyp\"><h3><span class=\"rank\">\(h.rank)</span> \(e(h.title))</h3>\n"
        o += "<p class=\"meta\">\(code(h.cause)) · confidence <strong>\(TextFormat.percent(h.confidence))</strong>"
        let onset = ReportFacts.when(step: h.onsetStep, time: h.onsetTime)
        if !onset.isEmpty { o += " · onset \(e(onset))" }
        if let v = ReportFacts.verdict(for: h, in: d.signoff) { o += " · <strong>\(e(v.verdict.rawValue))</strong> by \(e(v.by))" }
        o += "</p>\n"
        o += "<div class=\"bar\"><span style=\"width:\(TextFormat.percent(h.confidence))\"></span></div>\n"
        if !h.summary.isEmpty { o += "<p class=\"pre\">\(para(h.summary))</p>\n" }
        let (pro, con) = ReportFacts.topContributions(h)
        if !pro.isEmpty || !con.isEmpty {
            o += "<h4>Why it ranks here</h4>\n<table class=\"contrib\"><tr><th>log-odds</th><th>term</th></tr>"
            for c in pro { o += "<tr><td class=\"pos\">\(TextFormat.logOdds(c.logOdds))</td><td>\(e(c.label))</td></tr>" }
            for c in con { o += "<tr><td class=\"neg\">\(TextFormat.logOdds(c.logOdds))</td><td>\(e(c.label))</td></tr>" }
            o += "</table>\n"
        }
        for (title, list) in [("Evidence (supports)", h.evidence.filter(\.supports)),
                              ("Evidence (argues against)", h.evidence.filter { !$0.supports })] where !list.isEmpty {
            o += "<h4>\(title)</h4>\n<ul class=\"evidence\">\n"
            for ev in list { o += evidence(ev) }
            o += "</ul>\n"
        }
        if let v = h.verify, !v.isEmpty { o += "<h4>To confirm or refute</h4>\n<p class=\"pre\">\(para(v))</p>\n" }
        if !h.remediation.isEmpty { o += "<h4>Remediation</h4>\n<p class=\"pre\">\(para(h.remediation))</p>\n" }
        if let p = h.playbook { o += "<p class=\"muted\">Playbook: \(code(p))</p>\n" }
        return o + "</article>\n"
    }

    private func evidence(_ ev: Evidence) -> String {
        var o = "<li class=\"\(ev.supports ? "for" : "against")\"><span class=\"loc\">\(e(TextFormat.location(ev.source, ev.line)))</span> <span class=\"tag\">\(e(ev.kind.rawValue))</span>"
        let when = ReportFacts.when(step: ev.step, time: ev.time)
        if !when.isEmpty { o += " <span class=\"muted\">\(e(when))</span>" }
        if let r = ev.rank { o += " <span class=\"muted\">rank \(r)</span>" }
        if let k = ev.key, ev.oldValue != nil || ev.newValue != nil {
            o += " <span class=\"muted\">\(code(k)): \(code(ev.oldValue ?? "∅")) → \(code(ev.newValue ?? "∅"))</span>"
        }
        o += "<pre>\(e(ev.excerpt))</pre></li>\n"
        return o
    }

    private func timeline(_ d: Diagnosis) -> String {
        guard !d.timeline.isEmpty else { return "" }
        var o = "<section><h2>Timeline</h2>\n<table><tr><th>step</th><th>time</th><th>event</th><th>source</th></tr>\n"
        for t in ReportFacts.timeline(d.timeline) {
            o += "<tr><td class=\"num\">\(t.step.map(String.init) ?? "")</td><td>\(t.time.map { e(TextFormat.time($0)) } ?? "")</td>"
            o += "<td>\(e(t.label))</td><td>\(t.source.map { code(TextFormat.location($0, t.line)) } ?? "")</td></tr>\n"
        }
        return o + "</table></section>\n"
    }

    private func configTable(_ changes: [ConfigChange]) -> String {
        var o = "<table><tr><th>key</th><th>baseline</th><th>run</th><th>file</th><th>why</th></tr>\n"
        for c in changes {
            o += "<tr><td>\(code(c.key))</td><td>\(c.oldValue.map(code) ?? "<em>absent</em>")</td>"
            o += "<td>\(c.newValue.map(code) ?? "<em>absent</em>")</td><td>\(code(TextFormat.location(c.file, c.line)))</td>"
            o += "<td>\(e(c.reason ?? c.change.rawValue))</td></tr>\n"
        }
        return o + "</table>\n"
    }

    private func configDiff(_ d: Diagnosis) -> String {
        guard !d.configDiff.isEmpty else { return "" }
        let (material, benign) = ReportFacts.configGroups(d.configDiff)
        var o = "<section><h2>Config diff</h2>\n"
        if !material.isEmpty { o += "<h3>Material changes</h3>\n" + configTable(material) }
        if !benign.isEmpty {
            o += "<details><summary>Benign changes (\(benign.count))</summary>\n\(configTable(benign))</details>\n"
        }
        return o + "</section>\n"
    }

    private func symptoms(_ d: Diagnosis) -> String {
        guard !d.symptoms.isEmpty else { return "" }
        var o = "<section><h2>Symptoms</h2>\n<ul>\n"
        for s in d.symptoms {
            let when = ReportFacts.when(step: s.onsetStep, time: s.onsetTime)
            o += "<li>\(code(s.kind.rawValue))\(when.isEmpty ? "" : " <span class=\"muted\">\(e(when))</span>"): \(e(s.summary))</li>\n"
        }
        return o + "</ul></section>\n"
    }

    private func weakSignals(_ d: Diagnosis) -> String {
        guard !d.weakSignals.isEmpty else { return "" }
        var o = "<section><h2>Weak signals <span class=\"muted\">(below the threshold)</span></h2>\n<ul>\n"
        for h in ReportFacts.ranked(d.weakSignals) {
            o += "<li>\(code(h.cause)) \(TextFormat.percent(h.confidence)): \(e(h.title))"
            if let ev = h.evidence.first { o += " <span class=\"loc\">\(e(TextFormat.location(ev.source, ev.line)))</span>" }
            o += "</li>\n"
        }
        return o + "</ul></section>\n"
    }

    private func inputs(_ d: Diagnosis) -> String {
        let i = d.inputs
        var o = "<section><h2>Inputs coverage</h2>\n<dl class=\"facts\">"
        o += "<dt>Files</dt><dd>\(i.files) (\(i.bytes) bytes)</dd><dt>Lines</dt><dd>\(i.lines)</dd>"
        o += "<dt>Unparsed lines</dt><dd>\(i.unparsedLines)</dd><dt>Truncated lines</dt><dd>\(i.truncatedLines)</dd>"
        let formats = ReportFacts.formats(i).map { "\(code($0.0)) × \($0.1)" }.joined(separator: ", ")
        o += "<dt>Formats</dt><dd>\(formats.isEmpty ? "none" : formats)</dd></dl>\n"
        o += "<h3>Unrecognised files (\(i.unrecognizedFiles.count))</h3>\n"
        o += i.unrecognizedFiles.isEmpty ? "<p class=\"muted\">none</p>\n"
            : "<ul>" + i.unrecognizedFiles.sorted().map { "<li>\(code($0))</li>" }.joined() + "</ul>\n"
        if !i.skippedFiles.isEmpty {
            o += "<h3>Skipped files (\(i.skippedFiles.count))</h3>\n<ul>"
            for f in i.skippedFiles.sorted(by: { $0.path < $1.path }) { o += "<li>\(code(f.path)): \(e(f.reason))</li>" }
            o += "</ul>\n"
        }
        if !i.problems.isEmpty {
            o += "<h3>Problems (\(i.problems.count))</h3>\n<ul>"
            for p in i.problems { o += "<li>\(code(p))</li>" }
            o += "</ul>\n"
        }
        return o + "</section>\n"
    }

    private func trace(_ d: Diagnosis) -> String {
        guard !d.trace.isEmpty else { return "" }
        var o = "<section><h2>Investigation trace</h2>\n<ol class=\"trace\">\n"
        for t in d.trace { o += "<li><strong>\(e(t.action))</strong>: \(e(t.detail))</li>\n" }
        return o + "</ol></section>\n"
    }

    static let css = """
    body{margin:0;background:#f8fafc;color:#0f172a;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
    main{max-width:980px;margin:0 auto;padding:16px 24px 48px}
    h1{font-size:22px;margin:12px 0 8px;word-break:break-all}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
    h3{font-size:16px;margin:16px 0 6px}h4{font-size:13px;margin:12px 0 4px;text-transform:uppercase;letter-spacing:.04em;color:#475569}
    .banner{padding:10px 16px;border-radius:6px;font-weight:700;letter-spacing:.03em}
    .banner.draft{background:#fef3c7;border:2px solid #f59e0b;color:#92400e}.banner.signed{background:#dcfce7;border:2px solid #16a34a;color:#166534}
    .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}.facts dt{font-weight:600;color:#475569}.facts dd{margin:0;overflow-wrap:anywhere}
    .verdict{font-weight:700}.verdict.bad{color:#b91c1c}.verdict.good{color:#15803d}
    code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
    code{background:#eef2f7;border-radius:3px;padding:0 3px;overflow-wrap:anywhere}
    pre{background:#0f172a;color:#e2e8f0;padding:6px 10px;border-radius:4px;margin:4px 0 8px;white-space:pre-wrap;overflow-wrap:anywhere}
    .checklist{list-style:none;padding-left:0}.checklist li{margin:4px 0}.box{font-size:16px}
    .charts{display:flex;flex-direction:column;gap:14px}
    .chart{margin:0;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px}
    .chart figcaption{font-weight:600;margin:0 0 2px 4px}.chart svg{width:100%;height:auto;display:block}
    .legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:2px 4px;font-size:12.5px}
    .swatch{display:inline-block;width:26px;height:0;border-top:2.5px solid;vertical-align:middle;margin-right:6px}
    .swatch.dashed{border-top-style:dashed}.swatch.onset{border-color:#dc2626;border-top-style:dashed}
    .nan{color:#dc2626}.muted{color:#64748b}
    .hyp{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:4px 16px 10px;margin:12px 0}
    .rank{display:inline-block;min-width:22px;text-align:center;background:#1e293b;color:#fff;border-radius:11px;margin-right:6px}
    .meta{margin:2px 0}.bar{height:6px;background:#e2e8f0;border-radius:3px;margin:4px 0 8px}.bar span{display:block;height:100%;background:#2563eb;border-radius:3px}
    .pre{white-space:pre-wrap}
    table{border-collapse:collapse;margin:6px 0;width:100%}th,td{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top}
    th{background:#f1f5f9}.num{text-align:right}.contrib{width:auto}.pos{color:#15803d;font-weight:600}.neg{color:#b91c1c;font-weight:600}
    .evidence{list-style:none;padding-left:0}.evidence li{border-left:3px solid #16a34a;padding-left:8px;margin:6px 0}
    .evidence li.against{border-left-color:#dc2626}.loc{font-family:ui-monospace,monospace;font-weight:600}
    .tag{font-size:11px;background:#e0e7ff;color:#3730a3;border-radius:3px;padding:0 4px}
    details summary{cursor:pointer;color:#475569}
    """
}
