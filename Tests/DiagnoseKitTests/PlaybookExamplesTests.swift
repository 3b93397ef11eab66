import DiagnoseCore
import DiagnoseEngine
import Foundation
import Testing
@testable import DiagnoseKit

/// Every playbook's examples, run through the whole job: the sample incidents where its cause
/// must rank first, and the healthy samples where it must stay silent (below the threshold).
@Suite struct PlaybookExamplesTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var samples: String { repoRoot.appendingPathComponent("samples").path }
    static var library: PlaybookLibrary {
        PlaybookLoader.load(directory: repoRoot.appendingPathComponent("playbooks").path).library
    }

    /// Examples grouped by case, so each case is diagnosed once.
    static var cases: [String] { Array(Set(PlaybookExamples.all(library).map(\.caseID))).sorted() }

    @Test func everyPlaybookHasExamples() {
        for cause in Self.library.causes {
            let ex = PlaybookExamples.all(Self.library).filter { $0.cause == cause }
            #expect(ex.contains { $0.expectation == .ranksFirst }, "\(cause) names no incident example")
            #expect(ex.contains { $0.expectation == .staysSilent }, "\(cause) names no healthy example")
        }
    }

    @Test(arguments: cases)
    func examplesHold(_ caseID: String) throws {
        let dir = try #require(PlaybookExamples.caseDirectory(caseID, samplesRoot: Self.samples), "no case \(caseID)")
        let truth = try #require(PlaybookExamples.truthCause(caseDirectory: dir))
        let cases = try AccuracyBenchmark.cases(corpus: (dir as NSString).deletingLastPathComponent)
        let c = try #require(cases.first { $0.folder.hasSuffix("/" + (caseID as NSString).lastPathComponent) })
        let index = NSTemporaryDirectory() + "examples-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: index) }
        let session = try Session(workspace: Workspace(runs: dir + "/runs", index: index))
        let d = try session.diagnose(c.runID, baseline: nil, playbooks: nil).diagnosis
        for ex in PlaybookExamples.all(Self.library) where ex.caseID == caseID {
            switch ex.expectation {
            case .ranksFirst:
                #expect(truth == ex.cause, "\(caseID) is a \(truth) case, listed under \(ex.cause)")
                #expect(d.status == .incident && d.hypotheses.first?.cause == ex.cause,
                        "\(caseID): expected \(ex.cause) first, got \(d.hypotheses.first?.cause ?? "no incident")")
            case .staysSilent:
                #expect(truth == "healthy", "\(caseID) is not a healthy case")
                #expect(!d.hypotheses.contains { $0.cause == ex.cause }, "\(caseID): \(ex.cause) raised on a healthy run")
            }
        }
    }
}
