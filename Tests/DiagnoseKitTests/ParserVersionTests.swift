import DiagnoseIndex
import DiagnoseIngest
import Foundation
import Testing
@testable import DiagnoseKit

/// A file indexed by another parser version is re-read (through the pending-row replacement, so
/// its old records go); the same version skips an unchanged file.
@Suite struct ParserVersionTests {
    /// Sets every file row of the index to `version`, as an index built by an older `diagnose`.
    func stamp(_ idx: EventIndex, version: Int) throws {
        try idx.db.execute("UPDATE files SET parser_version = \(version)")
    }

    func versions(_ idx: EventIndex, run: String) throws -> [Int] {
        let id = try #require(try idx.runID(named: run))
        return try idx.files(run: id).map(\.parserVersion)
    }

    @Test func rowsRecordTheRegistryVersion() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...20))
        try t.write("notes.bin", "\u{0}\u{1}\u{2}binary")
        let idx = try EventIndex(path: ":memory:")
        try Ingestor(index: idx).ingest(run: t.run, folder: t.folder)
        // Parsed and skipped rows alike.
        #expect(try versions(idx, run: t.run) == [ParserRegistry.currentVersion, ParserRegistry.currentVersion])
    }

    @Test func unchangedVersionIsSkipped() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", "ERROR disk on fire\n" + logLines(1...50))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.skippedUnchanged == 1)
        #expect(r.parsed == 0 && r.reingested == 0)
    }

    @Test func olderVersionIsReread() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", "ERROR disk on fire\n" + logLines(1...50))
        // A whole-document format too (re-read through the one-transaction path).
        try t.write("logs/inspect.json", InspectLogParser().examples[0].content)
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        let want = try idx.counts(run: t.run)
        try stamp(idx, version: 0)

        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.skippedUnchanged == 0)
        #expect(r.reingested == 2)
        #expect(r.resumed == 0)
        // Read again from the start, the old records replaced (no duplicates, no pending rows).
        #expect(try idx.counts(run: t.run) == want)
        #expect(try versions(idx, run: t.run) == [ParserRegistry.currentVersion, ParserRegistry.currentVersion])
        let obs = try #require(try idx.observations(run: t.run))
        #expect(obs.events.map(\.value.line) == [1])

        // And then it is unchanged again.
        let again = try ing.ingest(run: t.run, folder: t.folder)
        #expect(again.skippedUnchanged == 2)
    }

    @Test func grownFileOfAnOlderVersionIsRereadWholeNotResumed() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("logs/rank0.log", logLines(1...40))
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        try stamp(idx, version: 0)
        try t.append("logs/rank0.log", logLines(41...60))
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.resumed == 0)
        #expect(r.reingested == 1)
        #expect(r.lines == 60)
        let c = try idx.counts(run: t.run)
        #expect(c["lines"] == 60)
        #expect(c["template_occurrences"] == 60)
    }

    @Test func skippedFileOfAnOlderVersionIsLookedAtAgain() throws {
        let t = try TempRun()
        defer { t.cleanup() }
        try t.write("notes.bin", "\u{0}\u{1}\u{2}binary")
        let idx = try EventIndex(path: ":memory:")
        let ing = Ingestor(index: idx)
        try ing.ingest(run: t.run, folder: t.folder)
        try stamp(idx, version: 0)
        let r = try ing.ingest(run: t.run, folder: t.folder)
        #expect(r.skippedUnchanged == 0)
        #expect(try versions(idx, run: t.run) == [ParserRegistry.currentVersion])
        #expect(try ing.ingest(run: t.run, folder: t.folder).skippedUnchanged == 1)
    }

    @Test func anIndexFromBeforeVersionsRereadsEverythingOnce() throws {
        // Rows written before migration 003 carry version 0.
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/tmp", manifest: nil)
        let id = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                            mtime: 0, headLength: 0, headHash: 0, resumable: true))
        #expect(try idx.files(run: run).first { $0.id == id }?.parserVersion == 0)
        #expect(ParserRegistry.currentVersion > 0)
    }
}
