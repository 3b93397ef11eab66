import DiagnoseCore
import DiagnoseEngine
import DiagnoseIndex
import Foundation
import Testing
@testable import DiagnoseKit

/// An Inspect `.eval` zip through the whole ingest: read (not listed as binary), cited as
/// `path!member`, its citations grounded; a broken one reported and counted.
@Suite struct InspectEvalIngestTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/inspect").path

    func copy(_ name: String, to rel: String, in t: TempRun, cut: Int? = nil) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + name))
        if let cut { data = data.prefix(cut) }
        let path = t.folder + "/" + rel
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func evalZipIsIndexedWithMemberCitations() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try copy("gsm8k.eval", to: "logs/2026-11-03T08-00-00_gsm8k_kW3y.eval", in: t)
        let idx = try EventIndex(path: ":memory:")
        try Ingestor(index: idx).ingest(run: t.run, folder: t.folder)
        let obs = try #require(try idx.observations(run: t.run))
        let file = try #require(obs.files.first)
        #expect(file.format == "inspect-eval")
        #expect(file.lines > 0 && file.unparsedLines == 0)
        let path = "logs/2026-11-03T08-00-00_gsm8k_kW3y.eval"
        #expect(obs.evalSamples.map(\.source) == (1...3).map { "\(path)!samples/\($0)_epoch_1.json" })
        #expect(obs.evalSamples.map(\.value.line) == [1, 1, 1])
        #expect(obs.evalScores.map(\.source) == ["\(path)!header.json"])
        #expect(obs.configs.map(\.path) == ["\(path)!header.json"])
        #expect(obs.configs.first?.document == "inspect")
        #expect(try idx.problems(run: t.run).isEmpty)

        // Every citation of these records resolves; one into a file that is not indexed does not.
        let grounding = Grounding(run: obs, baseline: nil)
        for s in obs.evalSamples {
            #expect(grounding.resolves(Evidence(kind: .eval, source: s.source, line: s.value.line, excerpt: s.value.docID)))
        }
        let score = try #require(obs.evalScores.first)
        #expect(grounding.resolves(Evidence(kind: .eval, source: score.source, line: score.value.line, excerpt: "score")))
        #expect(!grounding.resolves(Evidence(kind: .eval, source: "logs/other.eval!header.json", line: 1, excerpt: "x")))
        #expect(!grounding.resolves(Evidence(kind: .eval, source: score.source, line: file.lines + 1, excerpt: "x")))
    }

    @Test func brokenEvalZipsAreReportedAndCountedNotListedAsBinary() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try copy("gsm8k.eval", to: "logs/cut.eval", in: t, cut: 1500)
        try t.write("logs/junk.eval", "definitely not a zip\n")
        let idx = try EventIndex(path: ":memory:")
        try Ingestor(index: idx).ingest(run: t.run, folder: t.folder)
        let obs = try #require(try idx.observations(run: t.run))
        #expect(obs.files.map(\.format) == ["inspect-eval", "inspect-eval"])
        #expect(obs.files.map(\.unparsedLines) == [1, 1])
        let problems = try idx.problems(run: t.run)
        #expect(problems.contains { $0.hasPrefix("logs/cut.eval: Inspect .eval log: ZIP archive cut short") })
        #expect(problems.contains("logs/junk.eval: Inspect .eval log not read: not a ZIP archive (no end-of-central-directory record, no local file header)"))
        // What came before the cut is kept.
        #expect(!obs.evalSamples.isEmpty)
        #expect(obs.evalSamples.allSatisfy { $0.source.hasPrefix("logs/cut.eval!samples/") })
    }

    @Test func problemsInsideAMemberNameIt() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try copy("failed.eval", to: "logs/failed.eval", in: t)
        let idx = try EventIndex(path: ":memory:")
        try Ingestor(index: idx).ingest(run: t.run, folder: t.folder)
        let problems = try idx.problems(run: t.run)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("logs/failed.eval!header.json:") == true)
        #expect(problems.first?.hasSuffix(": Inspect eval status is error") == true)
    }
}
