import DiagnoseCore
@testable import DiagnoseEngine
import Foundation
import Testing

@Suite struct PlaybookExampleTests {
    /// Every example a playbook names agrees with the case's truth where the case is on disk.
    @Test func examplesAgreeWithTheirTruth() {
        let lib = PlaybookLoader.load(directory: Fixture.playbookDir).library
        let samples = Fixture.repoRoot + "/samples"
        for ex in PlaybookExamples.all(lib) {
            guard let dir = PlaybookExamples.caseDirectory(ex.caseID, samplesRoot: samples) else { continue }
            let truth = PlaybookExamples.truthCause(caseDirectory: dir)
            switch ex.expectation {
            case .ranksFirst: #expect(truth == ex.cause, "\(ex.cause) lists \(ex.caseID) whose truth is \(truth ?? "?")")
            case .staysSilent: #expect(truth == CauseCatalog.healthy, "\(ex.cause) lists \(ex.caseID) as healthy; truth is \(truth ?? "?")")
            }
        }
    }

    @Test func checkJudgesAnInvestigation() {
        let inv = InvestigatorCauseTests.scenario("disk-full").investigate()
        #expect(PlaybookExamples.check(PlaybookExample(cause: "disk-full", caseID: "c1", expectation: .ranksFirst), inv) == nil)
        #expect(PlaybookExamples.check(PlaybookExample(cause: "cuda-oom", caseID: "c1", expectation: .ranksFirst), inv) != nil)
        #expect(PlaybookExamples.check(PlaybookExample(cause: "disk-full", caseID: "c1", expectation: .staysSilent), inv) != nil)
        let quiet = Fixture().investigate()
        #expect(PlaybookExamples.check(PlaybookExample(cause: "disk-full", caseID: "h1", expectation: .staysSilent), quiet) == nil)
    }

    @Test func examplesAreParsed() {
        let text = PlaybookLoadingTests.valid + "\nexamples:\n  incidents: [case-009, case-031]\n  healthy: [case-010]\n"
        let (pb, errs) = PlaybookLoader.parse(text, file: "cuda-oom.yaml")
        #expect(errs.isEmpty)
        let lib = PlaybookLibrary(playbooks: ["cuda-oom": pb!], origin: "test")
        #expect(PlaybookExamples.all(lib).map(\.caseID) == ["case-009", "case-031", "case-010"])
        let bad = PlaybookLoadingTests.valid + "\nexamples:\n  incidents: [a]\n  flaky: [b]\n"
        #expect(PlaybookLoader.parse(bad, file: "cuda-oom.yaml").1.map(\.field) == ["examples.flaky"])
    }

    @Test func truthIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("case-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/dev/case-x", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "run_id: r1\ncause: disk-full\nonset_step: 200\n".write(toFile: dir + "/dev/case-x/truth.yaml", atomically: true, encoding: .utf8)
        let found = PlaybookExamples.caseDirectory("case-x", samplesRoot: dir)
        #expect(found != nil)
        #expect(found.flatMap { PlaybookExamples.truthCause(caseDirectory: $0) } == "disk-full")
        #expect(PlaybookExamples.caseDirectory("case-y", samplesRoot: dir) == nil)
    }
}
