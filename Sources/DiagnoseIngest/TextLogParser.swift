import DiagnoseCore
import DiagnoseText

/// The parser for text logs (training, launcher, kernel, scheduler, serving): it peels prefixes,
/// runs the line rules whose keywords occur in the line, and hands every line no rule consumed to
/// the template miner. Rules come from `LineRules.builtIn`.
public struct TextLogParser: FormatParser {
    public let id = "text-log"
    public let rules: [LineRuleSpec]
    public init(rules: [LineRuleSpec] = LineRules.builtIn) { self.rules = rules }

    public var resumable: Bool { true }

    public var examples: [ParserExample] { rules.flatMap(\.examples) }

    /// Text that is mostly printable: the fallback for any log-like file.
    public func sniff(_ head: FileHead) -> Double {
        if head.bytes.isEmpty { return head.ext == "log" || head.ext == "txt" || head.ext == "out" ? 0.3 : 0.05 }
        var printable = 0
        for c in head.bytes.prefix(8192) where c >= 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x1B {
            printable += 1
        }
        let ratio = Double(printable) / Double(min(head.bytes.count, 8192))
        guard ratio > 0.95 else { return 0 }
        switch head.ext {
        case "log", "txt", "out", "err", "stdout", "stderr": return 0.5
        default: return 0.3
        }
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let session = try TextLogSession(rules: rules.map { $0.make() }, path: input.path, rankHint: input.rankHint)
        let stats = try input.reader().forEach { view in
            session.consume(view, sink)
        }
        session.finish(sink)
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }
}

/// One file's pass: rule instances, the keyword prefilter and the current step. Owned by one
/// thread and never re-entered, so its per-line state skips the dynamic exclusivity checks.
final class TextLogSession {
    let rules: [LineRule]
    let path: String
    let rankHint: Int?
    let prefilter: KeywordScanner
    /// For each keyword, the rules that asked for it.
    let ruleForKeyword: [[Int]]
    let everyLine: [Int]
    @exclusivity(unchecked) var step: Int?
    @exclusivity(unchecked) var clean: [UInt8] = []
    @exclusivity(unchecked) var candidates: [Int] = []
    @exclusivity(unchecked) var seen: [Bool]
    /// Rules collecting a block. A rule only changes state while it runs, so this is updated
    /// after each call instead of asking every rule on every line.
    @exclusivity(unchecked) var activeRules: [Int] = []

    init(rules: [LineRule], path: String, rankHint: Int?) throws {
        self.rules = rules
        self.path = path
        self.rankHint = rankHint
        var keywordIndex: [String: Int] = [:]
        var byKeyword: [[Int]] = []
        var every: [Int] = []
        for (r, rule) in rules.enumerated() {
            if rule.keywords.isEmpty { every.append(r); continue }
            for k in rule.keywords {
                if let idx = keywordIndex[k] { byKeyword[idx].append(r) } else {
                    keywordIndex[k] = byKeyword.count
                    byKeyword.append([r])
                }
            }
        }
        ruleForKeyword = byKeyword
        everyLine = every
        seen = Array(repeating: false, count: rules.count)
        prefilter = KeywordScanner(keywordIndex.sorted { $0.value < $1.value }.map(\.key))
    }

    func consume(_ view: LineView, _ sink: RecordSink) {
        let raw = view.bytes
        if Ansi.contains(raw) {
            Ansi.strip(raw, into: &clean)
            clean.withUnsafeBytes { handle(view, raw: raw, text: $0, sink) }
        } else {
            handle(view, raw: raw, text: raw, sink)
        }
    }

    private func handle(_ view: LineView, raw: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer, _ sink: RecordSink) {
        let prefix = LinePrefixes.peel(text)
        let payload = UnsafeRawBufferPointer(rebasing: text[prefix.payloadStart...])
        let ctx = LineContext(number: view.number, offset: view.offset, frame: view.frame, raw: raw, text: text,
                              payload: payload, rank: prefix.rank ?? rankHint, time: prefix.time,
                              severity: prefix.severity, step: step, path: path)
        // Which rules to try: active ones, every-line ones, and those whose keyword occurs.
        candidates.removeAll(keepingCapacity: true)
        for r in activeRules { candidates.append(r); seen[r] = true }
        for r in everyLine where !seen[r] { candidates.append(r); seen[r] = true }
        prefilter.scan(text) { k in
            for r in ruleForKeyword[k] where !seen[r] { candidates.append(r); seen[r] = true }
        }
        var consumed = false
        if !candidates.isEmpty {
            candidates.sort()
            for r in candidates {
                seen[r] = false
                // A rule collecting a block sees every line, even one an earlier rule consumed
                // (a traceback's last line is also an OOM message).
                let rule = rules[r]
                if consumed && !rule.active { continue }
                let outcome = rule.consume(ctx, sink)
                let nowActive = rule.active
                if let at = activeRules.firstIndex(of: r) {
                    if !nowActive { activeRules.remove(at: at) }
                } else if nowActive {
                    activeRules.append(r)
                    activeRules.sort()
                }
                switch outcome {
                case .pass: break
                case .consumed(let s):
                    if let s { step = s }
                    consumed = true
                case .noted(let s):
                    if let s { step = s }
                }
            }
        }
        if !consumed {
            let sev = prefix.severity ?? Severity.guess(payload)
            if sev >= .warning {
                sink.emit(LogEvent(line: view.number, byteOffset: view.offset, time: prefix.time, step: step,
                                   rank: prefix.rank ?? rankHint, severity: sev,
                                   kind: sev >= .error ? .errorLine : .warningLine,
                                   message: Text.capped(payload)))
            }
            sink.generic(payload, line: view.number, offset: view.offset)
        }
        if view.isLastFrame, view.lineEnd >= 0, activeRules.isEmpty {
            sink.safePoint(nextOffset: view.lineEnd, linesDone: view.number)
        }
    }

    func finish(_ sink: RecordSink) {
        for rule in rules { rule.finish(sink) }
    }
}

extension Severity {
    /// A severity read off level words in the first bytes of a payload with no logger prefix:
    /// one pass over at most 96 bytes, looking only where a capital letter starts a word.
    public static func guess(_ payload: UnsafeRawBufferPointer) -> Severity {
        let n = min(payload.count, 96)
        guard n >= 4 else { return .info }
        var best = Severity.info
        var i = 0
        while i < n {
            let c = payload[i]
            switch c {
            case UInt8(ascii: "E"):
                if has(payload, i, n, "ERROR") || has(payload, i, n, "Error:") || has(payload, i, n, "Exception:") {
                    return .error
                }
            case UInt8(ascii: "F"):
                if has(payload, i, n, "FATAL") { return .error }
            case UInt8(ascii: "T"):
                if has(payload, i, n, "Traceback (most recent call last)") { return .error }
            case UInt8(ascii: "W"):
                if has(payload, i, n, "WARNING") || has(payload, i, n, "Warning:") || has(payload, i, n, "WARN ") {
                    best = .warning
                }
            case UInt8(ascii: "r"), UInt8(ascii: "n"):
                // "...Error: ..." / "...Exception: ..." suffixes of class names.
                if has(payload, i, n, "rror: ") && i >= 1 && payload[i - 1] == UInt8(ascii: "E") { return .error }
                if has(payload, i, n, "ning: ") && i >= 3 && payload[i - 3] == UInt8(ascii: "W") { best = .warning }
            default: break
            }
            i += 1
        }
        return best
    }

    @inline(__always)
    private static func has(_ b: UnsafeRawBufferPointer, _ i: Int, _ n: Int, _ word: StaticString) -> Bool {
        let w = word.utf8CodeUnitCount
        guard i + w <= n else { return false }
        let p = word.utf8Start
        for k in 0..<w where b[i + k] != p[k] { return false }
        return true
    }
}

/// Small text helpers shared by parsers.
public enum Text {
    /// The bytes as a String, capped at `limit` bytes (on a UTF-8 boundary), invalid UTF-8 repaired.
    public static func capped(_ b: UnsafeRawBufferPointer, limit: Int = 2048) -> String {
        if b.count <= limit { return String(decoding: b, as: UTF8.self) }
        var end = limit
        while end > 0, (b[end] & 0xC0) == 0x80 { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<end]), as: UTF8.self) + "…"
    }
}
