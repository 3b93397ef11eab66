import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseIngest

/// Runs parser and rule examples for the serving/eval/config tests: writes files into a fresh
/// temporary run folder, sniffs, parses and checks the expectations.
enum ServingTestSupport {
    static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("diagnose-serve-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `files` (relative path -> content) and returns the folder.
    static func write(_ files: [(String, String)]) throws -> URL {
        let dir = tempDir()
        for (path, content) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// Parses one file with a parser (after writing it into a fresh run folder).
    static func parse(_ parser: any FormatParser, path: String, content: String, extra: [(String, String)] = []) throws -> RecordSink {
        let dir = try write(extra + [(path, content)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let sink = RecordSink()
        try parser.parse(ParseInput(absolutePath: dir.appendingPathComponent(path).path, path: path), into: sink)
        return sink
    }

    /// Parses text-log content with the given line rules only.
    static func parseLog(_ spec: LineRuleSpec, path: String, content: String) throws -> RecordSink {
        try parse(TextLogParser(rules: [spec]), path: path, content: content)
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    /// The expectations that a sink does not meet, as messages.
    static func failures(_ sink: RecordSink, _ expect: [ParserExample.Expectation]) -> [String] {
        var out: [String] = []
        for e in expect {
            switch e {
            case let .metric(name, value, step, line, rank):
                if !sink.metrics.contains(where: { $0.name == name && close($0.value, value) && (step == nil || $0.step == step)
                    && (line == nil || $0.line == line) && (rank == nil || $0.rank == rank) }) {
                    out.append("missing metric \(name) = \(value) line \(line.map(String.init) ?? "-"); have \(sink.metrics.filter { $0.name == name }.map { "\($0.value)@\($0.line)" })")
                }
            case let .nonFinite(name, step, line):
                if !sink.metrics.contains(where: { $0.name == name && !$0.value.isFinite && (step == nil || $0.step == step) && (line == nil || $0.line == line) }) {
                    out.append("missing non-finite \(name)")
                }
            case let .event(kind, line, rank, step, contains):
                if !sink.events.contains(where: { $0.kind == kind && (line == nil || $0.line == line) && (rank == nil || $0.rank == rank)
                    && (step == nil || $0.step == step) && (contains == nil || $0.message.contains(contains!)) }) {
                    out.append("missing event \(kind)")
                }
            case let .config(key, value, document):
                if !sink.configs.contains(where: { $0.entry.key == key && $0.entry.value == value && (document == nil || $0.document == document) }) {
                    out.append("missing config \(key) = \(value); have \(sink.configs.filter { $0.entry.key == key }.map { "\($0.document):\($0.entry.value)" })")
                }
            case let .evalScore(task, metric, value):
                if !sink.evalScores.contains(where: { $0.task == task && $0.metric == metric && close($0.value, value) }) {
                    out.append("missing eval score \(task)/\(metric) = \(value); have \(sink.evalScores.map { "\($0.task)/\($0.metric)=\($0.value)" })")
                }
            case let .evalSample(task, docID, correct, trait):
                if !sink.evalSamples.contains(where: { $0.task == task && $0.docID == docID && $0.correct == correct
                    && (trait == nil || $0.traits.contains(trait!)) }) {
                    out.append("missing eval sample \(task)/\(docID) correct=\(String(describing: correct)) trait=\(String(describing: trait)); have \(sink.evalSamples.map { "\($0.task)/\($0.docID)/\(String(describing: $0.correct))/\($0.traits)" })")
                }
            case let .count(metrics, events, unparsed):
                if let m = metrics, sink.metrics.count != m { out.append("expected \(m) metrics, got \(sink.metrics.count)") }
                if let ev = events, sink.events.count != ev { out.append("expected \(ev) events, got \(sink.events.count)") }
                if let u = unparsed, sink.unparsedLines != u { out.append("expected \(u) unparsed, got \(sink.unparsedLines)") }
            case let .noEvent(kind):
                if sink.events.contains(where: { $0.kind == kind }) { out.append("unexpected event \(kind)") }
            }
        }
        return out
    }
}
