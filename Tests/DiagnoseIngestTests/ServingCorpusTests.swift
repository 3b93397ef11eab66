import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseIngest

/// Ingests every file of a generated corpus with the built-in registry and prints what each
/// parser made of it. Opt-in: `DIAGNOSE_CORPUS=<corpus dir>`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DIAGNOSE_CORPUS"] != nil))
struct ServingCorpusTests {
    @Test func ingestCorpus() throws {
        let root = ProcessInfo.processInfo.environment["DIAGNOSE_CORPUS"]!
        var byParser: [String: Int] = [:]
        var problems = 0
        for file in try Discovery.walk(root: root) where file.path.contains("/runs/") {
            let head = try Discovery.head(of: file)
            if Discovery.looksBinary(head) || Discovery.looksPickle(head) { print("SKIP \(file.path)"); continue }
            guard let (parser, score) = ParserRegistry.builtIn.claim(head) else { print("UNRECOGNIZED \(file.path)"); continue }
            byParser[parser.id, default: 0] += 1
            let sink = RecordSink()
            try parser.parse(ParseInput(absolutePath: file.absolutePath, path: file.path), into: sink)
            var metrics: [String: Int] = [:]
            for m in sink.metrics { metrics[m.name.rawValue, default: 0] += 1 }
            let kinds = Set(sink.configs.map { "\($0.kind.rawValue)/\($0.document)" }).sorted()
            print("FILE \(file.path) -> \(parser.id) (\(score)) metrics=\(metrics.sorted { $0.key < $1.key }) configs=\(sink.configs.count) \(kinds) scores=\(sink.evalScores.count) samples=\(sink.evalSamples.count) events=\(sink.events.count) unparsed=\(sink.unparsedLines)")
            for p in sink.problems.prefix(3) { print("  PROBLEM line \(p.line.map(String.init) ?? "-"): \(p.message)") }
            problems += sink.problems.count
        }
        print("SUMMARY \(byParser.sorted { $0.key < $1.key }) problems=\(problems)")
    }
}
