import Foundation
import DiagnoseCore
import DiagnoseText

/// JUnit XML as pytest writes it (FORMATS.md D.5; all on one line, xunit2 by default, xunit1 with
/// `file`/`line` attributes, with or without the `<testsuites>` wrapper): one `EvalSample` per
/// test case (failed or errored = incorrect, skipped = unknown), a `pass_rate` `EvalScore` per
/// suite, and a `.testFailure` event per failure or error with its message.
public struct JUnitXMLParser: FormatParser {
    public let id = "junit-xml"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        let t = head.text
        guard t.contains("<testsuite") else { return 0 }
        return t.contains("<testcase") || t.contains("tests=") ? 0.9 : 0.6
    }

    struct Tag {
        var name: String
        var attributes: [String: String]
        var selfClosing: Bool
        var closing: Bool
        var start: Int
        var end: Int
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "JUnit file too large (\(bytes.count) bytes)")
            return
        }
        var newlines: [Int] = []
        for (i, c) in bytes.enumerated() where c == 0x0A { newlines.append(i) }
        sink.progress(lines: newlines.count + (bytes.last == 0x0A || bytes.isEmpty ? 0 : 1))
        func lineOf(_ offset: Int) -> Int {
            var lo = 0, hi = newlines.count
            while lo < hi { let mid = (lo + hi) / 2; if newlines[mid] < offset { lo = mid + 1 } else { hi = mid } }
            return lo + 1
        }
        var suite = "tests"
        var suiteLine = 1
        var current: (classname: String, name: String, line: Int, file: String?, fileLine: String?)? = nil
        var outcome: (kind: String, message: String)? = nil
        var counts: [String: (passed: Int, failed: Int, skipped: Int, line: Int)] = [:]
        var sawCase = false
        var openSuites: [Int] = []
        func finishCase() {
            guard let c = current else { return }
            let id = c.classname.isEmpty ? c.name : "\(c.classname)::\(c.name)"
            let correct: Bool? = outcome == nil ? true : outcome!.kind == "skipped" ? nil : false
            var tally = counts[suite] ?? (0, 0, 0, suiteLine)
            switch correct {
            case true?: tally.passed += 1
            case false?: tally.failed += 1
            case nil: tally.skipped += 1
            }
            counts[suite] = tally
            sink.emit(EvalSample(task: suite, docID: id, correct: correct, response: outcome.map { String($0.message.prefix(2048)) },
                                 finishReason: outcome?.kind, line: c.line))
            if let o = outcome, o.kind != "skipped" {
                var facts = ["test": id, "outcome": o.kind]
                if let f = c.file { facts["file"] = f }
                if let l = c.fileLine { facts["line"] = l }
                sink.emit(LogEvent(line: c.line, byteOffset: 0, severity: .error, kind: .testFailure,
                                   message: "\(o.kind): \(id): \(o.message.prefix(400))", detail: .facts(facts)))
            }
            current = nil
            outcome = nil
        }
        var i = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            guard let tag = JUnitXMLParser.tag(bytes, at: i) else { i += 1; continue }
            i = tag.end
            switch (tag.name, tag.closing) {
            case ("testsuite", false):
                suite = tag.attributes["name"] ?? "tests"
                suiteLine = lineOf(tag.start)
                if !tag.selfClosing { openSuites.append(suiteLine) }
            case ("testsuite", true):
                _ = openSuites.popLast()
            case ("testcase", false):
                finishCase()
                sawCase = true
                current = (tag.attributes["classname"] ?? "", tag.attributes["name"] ?? "?", lineOf(tag.start),
                           tag.attributes["file"], tag.attributes["line"])
                if tag.selfClosing { finishCase() }
            case ("testcase", true):
                finishCase()
            case ("failure", false), ("error", false):
                // A call failure outranks a teardown error on the same test.
                if outcome == nil || outcome?.kind == "skipped" {
                    outcome = (tag.name, tag.attributes["message"] ?? "")
                }
            case ("skipped", false):
                if outcome == nil { outcome = ("skipped", tag.attributes["message"] ?? "") }
            default: break
            }
        }
        finishCase()
        if let open = openSuites.last {
            // Written by a run that was killed: what is there is read, the cut is reported.
            sink.problem(line: lineOf(max(0, n - 1)),
                         "JUnit XML cut off: <testsuite> opened at line \(open) is never closed")
        }
        if !sawCase { sink.problem(line: nil, "no <testcase> elements") }
        for (name, t) in counts.sorted(by: { $0.key < $1.key }) where t.passed + t.failed > 0 {
            sink.emit(EvalScore(task: name, metric: "pass_rate", value: Double(t.passed) / Double(t.passed + t.failed),
                                samples: t.passed + t.failed + t.skipped, line: t.line))
        }
    }

    /// Reads one tag at `i` (`<name a="v" …>`, `</name>`, `<name …/>`); skips comments, the prolog and CDATA.
    static func tag(_ b: [UInt8], at start: Int) -> Tag? {
        var i = start + 1
        let n = b.count
        guard i < n else { return nil }
        if b[i] == UInt8(ascii: "?") || b[i] == UInt8(ascii: "!") {
            var j = i
            while j < n, b[j] != UInt8(ascii: ">") { j += 1 }
            return Tag(name: "", attributes: [:], selfClosing: true, closing: false, start: start, end: min(j + 1, n))
        }
        var closing = false
        if b[i] == UInt8(ascii: "/") { closing = true; i += 1 }
        let nameStart = i
        while i < n, b[i] != 0x20, b[i] != UInt8(ascii: ">"), b[i] != UInt8(ascii: "/"), b[i] != 0x0A, b[i] != 0x09 { i += 1 }
        let name = String(decoding: b[nameStart..<i], as: UTF8.self)
        var attrs: [String: String] = [:]
        var selfClosing = false
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: ">") { i += 1; break }
            if c == UInt8(ascii: "/") { selfClosing = true; i += 1; continue }
            if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { i += 1; continue }
            let ks = i
            while i < n, b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: ">"), b[i] != 0x20 { i += 1 }
            let key = String(decoding: b[ks..<i], as: UTF8.self)
            guard i < n, b[i] == UInt8(ascii: "=") else { continue }
            i += 1
            guard i < n, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else { continue }
            let q = b[i]
            i += 1
            let vs = i
            while i < n, b[i] != q { i += 1 }
            attrs[key] = unescape(String(decoding: b[vs..<min(i, n)], as: UTF8.self))
            i += 1
        }
        return Tag(name: name, attributes: attrs, selfClosing: selfClosing, closing: closing, start: start, end: i)
    }

    /// XML entities: the five named ones and numeric `&#10;` / `&#x0A;`.
    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let ent = s[s.index(after: i)..<semi]
                var rep: String? = nil
                switch ent {
                case "lt": rep = "<"
                case "gt": rep = ">"
                case "amp": rep = "&"
                case "quot": rep = "\""
                case "apos": rep = "'"
                default:
                    if ent.hasPrefix("#x"), let v = UInt32(ent.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { rep = String(Character(u)) }
                    else if ent.hasPrefix("#"), let v = UInt32(ent.dropFirst()), let u = Unicode.Scalar(v) { rep = String(Character(u)) }
                }
                if let rep { out += rep; i = s.index(after: semi); continue }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "pytest 9 junit xml on one line (FORMATS.md D.5)", path: "reports/junit.xml", content: #"""
        <?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.035" timestamp="2026-11-21T17:22:00.032445+00:00" hostname="vm"><testcase classname="test_demo" name="test_ok" time="0.000" /><testcase classname="test_demo" name="test_fail" time="0.000"><failure message="assert 1 == 2">&gt;   def test_fail(): assert 1 == 2
        E   assert 1 == 2

        test_demo.py:3: AssertionError</failure></testcase><testcase classname="test_demo" name="test_skip" time="0.000"><skipped type="pytest.skip" message="not now">test_demo.py:5: not now</skipped></testcase><testcase classname="test_demo" name="test_err" time="0.000"><error message="failed on setup with &quot;fixture 'nope' not found&quot;">file test_demo.py, line 7</error></testcase></testsuite></testsuites>
        """#, expect: [.evalSample(task: "pytest", docID: "test_demo::test_ok", correct: true),
                       .evalSample(task: "pytest", docID: "test_demo::test_fail", correct: false),
                       .evalSample(task: "pytest", docID: "test_demo::test_skip", correct: nil),
                       .evalScore(task: "pytest", metric: "pass_rate", value: 1.0 / 3.0),
                       .event(kind: .testFailure, line: 1, contains: "assert 1 == 2")])]
    }
}
