import DiagnoseCore
import DiagnoseText
import Foundation
@testable import DiagnoseIngest

/// Writes example files into a fresh temp directory and parses them the way the pipeline does.
enum ExampleRunner {
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "diagnose-ingest-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes `bytes` at `dir/path`, creating folders; returns the absolute path.
    static func write(_ bytes: [UInt8], dir: String, path: String) throws -> String {
        let abs = dir + "/" + path
        let parent = (abs as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: abs))
        return abs
    }

    static func head(_ abs: String, path: String) throws -> FileHead {
        let size = (try FileManager.default.attributesOfItem(atPath: abs)[.size] as? NSNumber)?.int64Value ?? 0
        return try Discovery.head(of: DiscoveredFile(path: path, absolutePath: abs, size: size, mtime: 0))
    }

    static func parse(_ parser: any FormatParser, abs: String, path: String, maxLineBytes: Int = 1 << 20) throws -> RecordSink {
        let sink = RecordSink()
        try parser.parse(ParseInput(absolutePath: abs, path: path, rankHint: Discovery.rankHint(path: path),
                                    maxLineBytes: maxLineBytes), into: sink)
        return sink
    }

    /// Why `expectation` is not met by `sink`, or nil when it is.
    static func failure(_ expectation: ParserExample.Expectation, _ sink: RecordSink) -> String? {
        switch expectation {
        case .metric(let name, let value, let step, let line, let rank):
            let ok = sink.metrics.contains {
                $0.name == name && close($0.value, value) && (step == nil || $0.step == step)
                    && (line == nil || $0.line == line) && (rank == nil || $0.rank == rank)
            }
            return ok ? nil : "no metric \(name)=\(value) step \(step.map(String.init) ?? "-") line \(line.map(String.init) ?? "-") rank \(rank.map(String.init) ?? "-"); got \(describe(sink.metrics))"
        case .nonFinite(let name, let step, let line):
            let ok = sink.metrics.contains {
                $0.name == name && !$0.value.isFinite && (step == nil || $0.step == step) && (line == nil || $0.line == line)
            }
            return ok ? nil : "no non-finite \(name) at step \(step.map(String.init) ?? "-"); got \(describe(sink.metrics))"
        case .event(let kind, let line, let rank, let step, let contains):
            let ok = sink.events.contains {
                $0.kind == kind && (line == nil || $0.line == line) && (rank == nil || $0.rank == rank)
                    && (step == nil || $0.step == step) && (contains == nil || $0.message.contains(contains!))
            }
            return ok ? nil : "no event \(kind) line \(line.map(String.init) ?? "-") rank \(rank.map(String.init) ?? "-") step \(step.map(String.init) ?? "-") containing \(contains ?? "-"); got \(sink.events.map { "\($0.kind)@\($0.line) r\($0.rank.map(String.init) ?? "-") s\($0.step.map(String.init) ?? "-"): \($0.message.prefix(80))" })"
        case .config(let key, let value, let document):
            let ok = sink.configs.contains {
                $0.entry.key == key && same($0.entry.value, value) && (document == nil || $0.document == document)
            }
            return ok ? nil : "no config \(key)=\(value); got \(sink.configs.map { "\($0.document):\($0.entry.key)=\($0.entry.value)" })"
        case .evalScore(let task, let metric, let value):
            let ok = sink.evalScores.contains { $0.task == task && $0.metric == metric && close($0.value, value) }
            return ok ? nil : "no eval score \(task)/\(metric)=\(value); got \(sink.evalScores)"
        case .evalSample(let task, let docID, let correct, let trait):
            let ok = sink.evalSamples.contains {
                $0.task == task && $0.docID == docID && $0.correct == correct && (trait == nil || $0.traits.contains(trait!))
            }
            return ok ? nil : "no eval sample \(task)#\(docID) correct=\(String(describing: correct)); got \(sink.evalSamples.count) samples"
        case .count(let metrics, let events, let unparsed):
            var why: [String] = []
            if let metrics, sink.metrics.count != metrics { why.append("metrics \(sink.metrics.count) != \(metrics): \(describe(sink.metrics))") }
            if let events, sink.events.count != events {
                why.append("events \(sink.events.count) != \(events): \(sink.events.map { "\($0.kind)@\($0.line)" })")
            }
            if let unparsed, sink.unparsedLines != unparsed { why.append("unparsed \(sink.unparsedLines) != \(unparsed)") }
            return why.isEmpty ? nil : why.joined(separator: "; ")
        case .noEvent(let kind):
            let bad = sink.events.filter { $0.kind == kind }
            return bad.isEmpty ? nil : "unexpected \(kind) events at lines \(bad.map(\.line))"
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    static func same(_ a: ConfigValue, _ b: ConfigValue) -> Bool {
        if case .number(let x) = a, case .number(let y) = b { return close(x, y) }
        return a == b
    }

    static func describe(_ ms: [MetricPoint]) -> String {
        ms.prefix(24).map { "\($0.name)=\($0.value)@s\($0.step.map(String.init) ?? "-")/l\($0.line)" }.joined(separator: ", ")
    }
}
