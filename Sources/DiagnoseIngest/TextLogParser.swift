#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

/// One file's pass: rule instances, the keyword prefilter and the current step.
final class TextLogSession {
    let rules: [LineRule]
    let path: String
    let rankHint: Int?
    /// The keyword prefilter: which rules asked for a keyword that occurs in the line.
    let scanner: KeywordScanner?
    /// For each keyword, the rules that asked for it.
    let ruleForKeyword: [[Int]]
    let everyLine: [Int]
    var step: Int?
    var clean: [UInt8] = []
    var candidates: [Int] = []
    var seen: [Bool]
    /// Rules collecting a block. A rule only changes state while it runs, so this is updated
    /// after each call instead of asking every rule on every line.
    var activeRules: [Int] = []

    init(rules: [LineRule], path: String, rankHint: Int?) throws {
        self.rules = rules
        self.path = path
        self.rankHint = rankHint
        var keywordIndex: [String: Int] = [:]
        var byKeyword: [[Int]] = []
        var every: [Int] = []
        for (r, rule) in rules.enumerated() {
            // No keywords (or one too short for the scanner): the rule sees every line.
            if rule.keywords.isEmpty || rule.keywords.contains(where: { $0.utf8.count < 2 }) { every.append(r); continue }
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
        let ordered = keywordIndex.sorted { $0.value < $1.value }.map { Array($0.key.utf8) }
        scanner = ordered.isEmpty ? nil : KeywordScanner(keywords: ordered)
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
        if let scanner {
            scanner.scan(text) { idx in
                for r in ruleForKeyword[idx] where !seen[r] { candidates.append(r); seen[r] = true }
            }
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
        if view.frame == 0, activeRules.isEmpty {
            sink.safePoint(nextOffset: view.offset + Int64(view.bytes.count) + 1, linesDone: view.number)
        }
    }

    func finish(_ sink: RecordSink) {
        for rule in rules { rule.finish(sink) }
    }
}

extension Severity {
    /// A severity read off level words in the first bytes of a payload with no logger prefix.
    public static func guess(_ payload: UnsafeRawBufferPointer) -> Severity {
        let n = min(payload.count, 96)
        guard n >= 4 else { return .info }
        let head = UnsafeRawBufferPointer(rebasing: payload[0..<n])
        if LinePrefixes.contains(head, 0, n, "Traceback (most recent call last)") { return .error }
        if LinePrefixes.contains(head, 0, n, "ERROR") || LinePrefixes.contains(head, 0, n, "Error:")
            || LinePrefixes.contains(head, 0, n, "FATAL") || LinePrefixes.contains(head, 0, n, "Exception:") {
            return .error
        }
        if LinePrefixes.contains(head, 0, n, "WARNING") || LinePrefixes.contains(head, 0, n, "Warning:")
            || LinePrefixes.contains(head, 0, n, "WARN ") {
            return .warning
        }
        return .info
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
