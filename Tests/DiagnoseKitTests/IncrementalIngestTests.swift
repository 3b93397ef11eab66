import DiagnoseCore
import DiagnoseIndex
import Foundation
import Testing
@testable import DiagnoseKit

/// A temporary runs root with one run folder.
struct TempRun {
    let root: String
    let run: String
    var folder: String { root + "/" + run }
    init(_ run: String = "run-a") throws {
        root = NSTemporaryDirectory() + "diag-\(UUID().uuidString)"
        self.run = run
        try FileManager.default.createDirectory(atPath: root + "/" + run + "/logs", withIntermediateDirectories: true)
    }
    func write(_ rel: String, _ text: String) throws {
        let path = folder + "/" + rel
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }
    func append(_ rel: String, _ text: String) throws {
        let h = try #require(FileHandle(forWritingAtPath: folder + "/" + rel))
        try h.seekToEnd()
        h.write(Data(text.utf8))
        try h.close()
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: root) }
}

func logLines(_ range: ClosedRange<Int>) -> String {
    range.map { "INFO worker \($0 % 7) processed batch \($0)\n" }.joined()
}

@Suite struct IncrementalIngestTests {
    @Test func unchangedFileIsSkipped() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...100))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        let first = try ing.ingest(run: t.run, folder: t.folder)
        #expect(first.parsed == 1)
        let second = try ing.ingest(run: t.run, folder: t.folder)
        #expect(second.parsed == 0)
        #expect(second.skippedUnchanged == 1)
        #expect(try idx.counts(run: t.run)["lines"] == 100)
    }

    @Test func grownFileIsReadOnFromItsOffset() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...100))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        try t.append("logs/rank0.log", logLines(101...150) + "ERROR boom at the end\n")
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.resumed == 1)
        #expect(r.lines == 51)
        let c = try idx.counts(run: t.run)
        #expect(c["lines"] == 151)
        #expect(c["template_occurrences"] == 151)
        let obs = try #require(try idx.observations(run: t.run))
        #expect(obs.events.map(\.value.line) == [151])
    }

    @Test func rewrittenFileIsReplacedAtomically() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", "ERROR first version\n" + logLines(1...50))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        try t.write("logs/rank0.log", "WARNING second version, longer\n" + logLines(1...80))
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.reingested == 1)
        let c = try idx.counts(run: t.run)
        #expect(c["lines"] == 81)
        #expect(c["pending_files"] == 0)
        let obs = try #require(try idx.observations(run: t.run))
        #expect(obs.events.map(\.value.message) == ["WARNING second version, longer"])
    }

    @Test func truncatedFileIsReread() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...100))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        try t.write("logs/rank0.log", logLines(1...10))
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.reingested == 1)
        #expect(try idx.counts(run: t.run)["lines"] == 10)
        #expect(try idx.counts(run: t.run)["template_occurrences"] == 10)
    }

    @Test func unterminatedLastLineIsIndexedAndRereadWhenCompleted() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...5) + "ERROR half a li")
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        #expect(try idx.counts(run: t.run)["lines"] == 6)
        try t.append("logs/rank0.log", "ne, now complete\n")
        try ing.ingest(run: t.run, folder: t.folder)
        #expect(try idx.counts(run: t.run)["lines"] == 6)
        let obs = try #require(try idx.observations(run: t.run))
        #expect(obs.events.map(\.value.message) == ["ERROR half a line, now complete"])
    }

    @Test func interruptedIngestResumesWithoutDuplicates() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...5000) + "ERROR late failure\n")
        try t.write("logs/rank1.log", logLines(1...3000))
        // Reference: a clean ingest.
        let clean = try EventIndex(path: ":memory:")
        try Ingestor(index: clean).ingest(run: t.run, folder: t.folder)
        let want = try clean.counts(run: t.run)

        let idx = try EventIndex(path: ":memory:")
        let crashing = Ingestor(index: idx)
        crashing.flushRecords = 10
        crashing.flushOccurrences = 500
        crashing.crashAfterCommits = 3
        #expect(throws: SimulatedCrash.self) { try crashing.ingest(run: t.run, folder: t.folder) }
        let partial = try idx.counts(run: t.run)
        #expect((partial["lines"] ?? 0) < want["lines"]!)
        try Ingestor(index: idx).ingest(run: t.run, folder: t.folder)
        #expect(try idx.counts(run: t.run) == want)
    }

    @Test func binaryPickleAndUnrecognisedFilesAreListedNotSkippedSilently() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...3))
        try Data([0x00, 0x01, 0x02, 0xFF, 0x00] + Array(repeating: 0, count: 100))
            .write(to: URL(fileURLWithPath: t.folder + "/weights.safetensors"))
        try Data([0x80, 0x04, 0x95, 0x10]).write(to: URL(fileURLWithPath: t.folder + "/training_args.bin"))
        let idx = try EventIndex(path: ":memory:")
        let s = try Session(workspace: Workspace(runs: t.root, index: NSTemporaryDirectory() + "i-\(UUID()).sqlite"))
        try s.ingest(t.run)
        let inputs = try s.inputs(t.run)
        _ = idx
        #expect(inputs.files == 3)
        #expect(inputs.skippedFiles.map(\.path).sorted() == ["training_args.bin", "weights.safetensors"])
        #expect(inputs.skippedFiles.first { $0.path == "training_args.bin" }?.reason.contains("pickle") == true)
    }

    @Test func unreadableFileIsReportedAndIngestGoesOn() throws {
        guard getuid() != 0 else { return }  // root reads everything: nothing to test
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...3))
        try t.write("logs/secret.log", "x\n")
        chmod(t.folder + "/logs/secret.log", 0)
        let s = try Session(workspace: Workspace(runs: t.root, index: NSTemporaryDirectory() + "i-\(UUID()).sqlite"))
        try s.ingest(t.run)
        let inputs = try s.inputs(t.run)
        #expect(inputs.skippedFiles.map(\.path) == ["logs/secret.log"])
        #expect(inputs.lines == 3)
    }

    @Test func missingRunAndBadIDsHaveContractExitCodes() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        let w = Workspace(runs: t.root, index: nil)
        #expect(throws: DiagnoseError.noRun(id: "nope", root: w.displayRoot)) { try w.runFolder("nope") }
        do { _ = try w.runFolder("a/b"); Issue.record("accepted a/b") } catch { #expect(error.exitCode == 64) }
        do { _ = try w.runFolder(".."); Issue.record("accepted ..") } catch { #expect(error.exitCode == 64) }
        let missingRoot = Workspace(runs: t.root + "/nowhere", index: nil)
        do { _ = try missingRoot.runFolder("x"); Issue.record("accepted missing root") } catch {
            #expect(error.exitCode == 66)
        }
    }
}
