import DiagnoseCore
import DiagnoseText

/// Findings over template-like config text (chat templates, prompt templates, tool schemas):
/// dynamic content that defeats prefix caching, reorderings, and where a template changed.
///
/// - `.templateDynamicContent`: the earliest timestamp, date, UUID, request id, epoch number, or
///   date/time/random call in a template (`strftime`, `now()`, `{{ date }}`, `datetime`). `magnitude`
///   is 1 minus the fraction of the text before it (near the start: close to 1); the summary and
///   the evidence (`value` = character offset) say where. A literal value that the baseline's
///   matching text also holds is static and is not reported; template code that the baseline also
///   has is reported with `before` = 1 (already there), else `before` = 0 (new) or nil (no baseline).
/// - `.templateReordered`: JSON whose keys or array elements (a tool list) were reordered without
///   other change.
/// - `.templateChanged`: the text changed; the summary gives the first differing line and the
///   common-prefix length in characters; `magnitude` is 1 minus the shared fraction.
public enum ConfigTextFindings {
    struct Probe { let label: String; let pattern: Pattern; let isCode: Bool }

    static let probes: [Probe] = {
        func p(_ label: String, _ re: String, code: Bool, caseless: Bool = false) -> Probe? {
            guard let pat = try? Pattern(re, options: caseless ? [.caseless] : []) else { return nil }
            return Probe(label: label, pattern: pat, isCode: code)
        }
        return [
            p("date/time call", #"strftime|\bnow\s*\(|datetime|Date\.now|new Date\(|time\.time\(|localtime|utcnow"#, code: true),
            p("date/time variable", #"\{\{-?\s*(?:date|time|today|current_date|current_time|timestamp|now|date_string)\b"#, code: true, caseless: true),
            p("random or per-request variable", #"\{\{-?\s*(?:request_id|uuid|session_id|trace_id|nonce|random)\b|uuid4?\s*\(|\brandom\.\w+\("#, code: true, caseless: true),
            p("timestamp", #"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"#, code: false),
            p("date", #"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4}\b|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b"#, code: false),
            p("UUID", #"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"#, code: false),
            p("request id", #"\b(?:req|request|chatcmpl|msg|trace|sess|session)[-_][A-Za-z0-9]{6,}\b"#, code: false),
            p("epoch timestamp", #"\b1[5-9]\d{8}(?:\.\d+)?\b"#, code: false),
        ].compactMap { $0 }
    }()

    /// A dynamic-content hit: what, where (characters), and the matched text.
    public struct Hit: Sendable, Hashable {
        public var label: String
        public var offset: Int
        public var length: Int
        public var match: String
        public var isCode: Bool
    }

    /// The earliest dynamic content in a text, or nil.
    public static func dynamicContent(in text: String) -> Hit? {
        var best: (Int, Int, Probe)? = nil
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            let b = UnsafeRawBufferPointer(raw)
            for probe in probes {
                let m = probe.pattern.matcher()
                if m.matches(b), let r = m.range(0), best == nil || r.lowerBound < best!.0 {
                    best = (r.lowerBound, r.upperBound, probe)
                }
            }
        }
        guard let (s, e, probe) = best else { return nil }
        let offset = String(decoding: bytes[0..<s], as: UTF8.self).count
        let match = String(decoding: bytes[s..<e], as: UTF8.self)
        return Hit(label: probe.label, offset: offset, length: match.count, match: match, isCode: probe.isCode)
    }

    public static func analyse(run: [ConfigDocument], baseline: [ConfigDocument]) -> [Symptom] {
        var out: [Symptom] = []
        let runTexts = run.filter { ConfigDiff.textKinds.contains($0.kind) }
        let baseTexts = baseline.filter { ConfigDiff.textKinds.contains($0.kind) }
        for pair in DocumentMatcher.match(run: runTexts, baseline: baseTexts) {
            guard let r = pair.run else { continue }
            for e in r.entries {
                guard let text = textValue(e, kind: r.kind) else { continue }
                let baseEntry = pair.baseline?.entries.first { $0.key == e.key }
                let baseText = baseEntry.flatMap { textValue($0, kind: pair.baseline!.kind) }
                if let s = dynamic(r, e, text, baseline: pair.baseline, baseText: baseText) { out.append(s) }
                if let b = pair.baseline, let be = baseEntry, let bt = baseText, bt != text {
                    out.append(change(r, e, text, b, be, bt))
                    if let s = droppedToolSort(r, e, text, b, be, bt) { out.append(s) }
                }
            }
        }
        return out
    }

    private static let toolSort = try? Pattern(#"tools\b[^\n]*\b(?:sort|dictsort|sort_keys)\b|\b(?:sort|dictsort|sorted)\b[^\n]*\btools\b"#,
                                               options: [.caseless])
    private static let toolLoop = try? Pattern(#"\bfor\b[^\n]*\bin\s+tools\b|tools\s*\|\s*(?:tojson|map)"#, options: [.caseless])

    /// 0-based indexes of the lines matching a pattern.
    static func lines(_ text: String, _ p: Pattern?) -> [Int] {
        guard let p else { return [] }
        let m = p.matcher()
        var out: [Int] = []
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var bytes = Array(l.utf8)
            if bytes.withUnsafeMutableBytes({ m.matches(UnsafeRawBufferPointer($0)) }) { out.append(i) }
        }
        return out
    }

    /// The baseline's template sorted the tool list (or its keys) and the run's no longer does:
    /// tools now render in whatever order the caller sends them.
    static func droppedToolSort(_ r: ConfigDocument, _ e: ConfigEntry, _ text: String, _ b: ConfigDocument, _ be: ConfigEntry,
                                _ bt: String) -> Symptom? {
        let baseSorts = lines(bt, toolSort)
        guard !baseSorts.isEmpty, lines(text, toolSort).count < baseSorts.count else { return nil }
        let loop = lines(text, toolLoop).first ?? TextComparison.lineIndex(text, offset: TextComparison.commonPrefix(text, bt))
        let runLine = e.line.map { r.path.lowercased().hasSuffix(".json") ? $0 : $0 + loop }
        let baseLine = be.line.map { b.path.lowercased().hasSuffix(".json") ? $0 : $0 + baseSorts[0] }
        let runExcerpt = TextComparison.line(text, loop)
        let baseExcerpt = TextComparison.line(bt, baseSorts[0])
        return Symptom(kind: .templateReordered, configKey: e.key, magnitude: 1, oldValue: baseExcerpt, newValue: runExcerpt,
                       summary: "\(r.kind.rawValue) \(r.path): the baseline sorted the tool list, this template no longer does; "
                           + "tools render in the caller's order",
                       evidence: [Evidence(kind: .config, source: r.path, line: runLine, excerpt: runExcerpt, key: e.key,
                                           oldValue: baseExcerpt, newValue: runExcerpt),
                                  Evidence(kind: .config, source: "baseline:" + b.path, line: baseLine, excerpt: baseExcerpt, key: be.key,
                                           oldValue: baseExcerpt, newValue: runExcerpt)])
    }

    /// Templates for the user turn (`user_turn.jinja`, `user_prompt.txt`, `human.j2`) come after the
    /// system prompt and tool definitions in the rendered context.
    static func rendersAfterSharedPrefix(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        let words = Set(stem.split(whereSeparator: { $0 == "_" || $0 == "-" }).map(String.init))
        return !words.contains("system") && !words.intersection(["user", "turn", "human", "query", "question"]).isEmpty
    }

    static func textValue(_ e: ConfigEntry, kind: ConfigKind) -> String? {
        if case .text(let t) = e.value { return t }
        return nil
    }

    /// The file line of a character offset inside an entry's text: templates stored whole start
    /// at the entry's line; text embedded in a JSON string stays on the key's line.
    static func fileLine(_ doc: ConfigDocument, _ e: ConfigEntry, _ text: String, offset: Int) -> Int? {
        guard let base = e.line else { return nil }
        if doc.path.lowercased().hasSuffix(".json") { return base }
        return base + TextComparison.lineIndex(text, offset: offset)
    }

    static func dynamic(_ doc: ConfigDocument, _ e: ConfigEntry, _ text: String, baseline: ConfigDocument?,
                        baseText: String?) -> Symptom? {
        guard let hit = dynamicContent(in: text) else { return nil }
        var before: Double? = nil
        if baseline != nil {
            if let bt = baseText, let bh = dynamicContent(in: bt) {
                // The same literal in the baseline is static text, not per-request content.
                if !hit.isCode, bh.match == hit.match { return nil }
                before = hit.isCode && bh.isCode ? 1 : 0
            } else {
                before = 0
            }
        }
        let count = max(text.count, 1)
        let fraction = Double(hit.offset) / Double(count)
        let pct = Int((fraction * 100).rounded())
        let line = fileLine(doc, e, text, offset: hit.offset)
        let lineText = TextComparison.line(text, TextComparison.lineIndex(text, offset: hit.offset))
        let where_ = fraction < 0.25 ? "near the start" : fraction < 0.6 ? "in the middle" : "near the end"
        let summary = "\(hit.label) `\(hit.match)` at character \(hit.offset) of \(count) (\(pct)% in, \(where_)) of "
            + "\(doc.kind.rawValue) \(doc.path)\(e.key == "text" ? "" : " [\(e.key)]")"
            + (before == 1 ? "; the baseline has it too" : before == 0 ? "; not in the baseline" : "")
        return Symptom(kind: .templateDynamicContent, configKey: e.key, magnitude: max(0.05, 1 - fraction), before: before,
                       newValue: hit.match, summary: summary,
                       evidence: [Evidence(kind: .config, source: doc.path, line: line, excerpt: lineText, key: e.key)]
                           .map { var ev = $0; ev.value = Double(hit.offset); return ev })
    }

    static func change(_ r: ConfigDocument, _ e: ConfigEntry, _ text: String, _ b: ConfigDocument, _ be: ConfigEntry,
                       _ bt: String) -> Symptom {
        let common = TextComparison.commonPrefix(text, bt)
        let lineIdx = TextComparison.lineIndex(text, offset: common)
        let runLine = fileLine(r, e, text, offset: common)
        let baseLine = fileLine(b, be, bt, offset: common)
        let runExcerpt = TextComparison.line(text, lineIdx)
        let baseExcerpt = TextComparison.line(bt, TextComparison.lineIndex(bt, offset: common))
        let evidence = [
            Evidence(kind: .config, source: r.path, line: runLine, excerpt: runExcerpt, key: e.key,
                     oldValue: baseExcerpt, newValue: runExcerpt),
            Evidence(kind: .config, source: "baseline:" + b.path, line: baseLine, excerpt: baseExcerpt, key: be.key,
                     oldValue: baseExcerpt, newValue: runExcerpt),
        ]
        if TextComparison.sameModuloOrder(text, bt) {
            return Symptom(kind: .templateReordered, configKey: e.key, magnitude: 1,
                           summary: "\(r.kind.rawValue) \(r.path): same content in a different order (keys or list elements); "
                               + "first difference at character \(common)",
                           evidence: evidence)
        }
        let longest = max(text.count, bt.count, 1)
        // A user-turn template renders after the system prompt and tools: its change leaves the shared prefix alone.
        let late = rendersAfterSharedPrefix(r.path)
        let magnitude = (1 - Double(common) / Double(longest)) * (late ? 0.3 : 1)
        return Symptom(kind: .templateChanged, configKey: e.key, magnitude: magnitude,
                       before: Double(bt.count), after: Double(text.count), oldValue: baseExcerpt, newValue: runExcerpt,
                       summary: "\(r.kind.rawValue) \(r.path)\(e.key == "text" ? "" : " [\(e.key)]") changed: first differing line "
                           + "\(lineIdx + 1) of the text, common prefix \(common) of \(longest) characters"
                           + (late ? " (a user-turn template, rendered after the shared prefix)" : ""),
                       evidence: evidence)
    }
}
