import DiagnoseCore
import Testing
@testable import DiagnoseIndex

/// Event messages are indexed for full-text search once per written batch, not by a row trigger.
@Suite struct EventFTSBatchTests {
    static func event(_ line: Int, _ message: String) -> LogEvent {
        LogEvent(line: line, byteOffset: Int64(line * 100), severity: .warning, kind: .warningLine, message: message)
    }

    static func fts(_ idx: EventIndex, _ match: String) throws -> [Int64] {
        try idx.db.query("SELECT rowid FROM events_fts WHERE events_fts MATCH ?1 ORDER BY rowid", [.text(match)])
            .compactMap { $0[0].int }
    }

    @Test func everyEventOfEveryBatchIsSearchableExactlyOnce() throws {
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/x", manifest: nil)
        let a = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                           mtime: 0, headLength: 0, headHash: 0, resumable: true))
        let b = try idx.insertFile(FileRow(runID: run, path: "b.log", format: "text-log", note: nil, size: 1,
                                           mtime: 0, headLength: 0, headHash: 0, resumable: true))
        var first = IndexBatch()
        first.events = [Self.event(1, "UserWarning: This DataLoader will create 8 worker processes"),
                        Self.event(2, "NCCL WARN Timeout on rank 3")]
        try idx.db.transaction { try idx.write(first, file: a) }
        var second = IndexBatch()
        second.events = [Self.event(7, "UserWarning: grad norm is nan")]
        try idx.db.transaction { try idx.write(second, file: b) }
        try idx.db.transaction { try idx.write(IndexBatch(), file: b) }
        #expect(try Self.fts(idx, "UserWarning").count == 2)
        #expect(try Self.fts(idx, "NCCL").count == 1)
        #expect(try Self.fts(idx, "nan").count == 1)
        let all = try idx.db.query("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'UserWarning OR NCCL'")
        #expect(all.first?[0].int == 3)
        try idx.db.execute("INSERT INTO events_fts(events_fts) VALUES('integrity-check')")
        // Deleting a file's events removes them from the search index too.
        try idx.db.transaction { try idx.deleteFile(id: a) }
        #expect(try Self.fts(idx, "UserWarning").count == 1)
        #expect(try Self.fts(idx, "NCCL").isEmpty)
    }
}

/// Template texts are indexed for full-text search once per written batch, and by `templateID`.
@Suite struct TemplateFTSBatchTests {
    static func fts(_ idx: EventIndex, _ match: String) throws -> [Int64] {
        try idx.db.query("SELECT rowid FROM templates_fts WHERE templates_fts MATCH ?1 ORDER BY rowid", [.text(match)])
            .compactMap { $0[0].int }
    }

    @Test func newTemplatesOfABatchAndLoneTemplateIDsAreSearchableOnce() throws {
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/x", manifest: nil)
        let file = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                              mtime: 0, headLength: 0, headHash: 0, resumable: true))
        let lone = try idx.templateID("NCCL INFO Channel <*>")
        func chunk(_ text: String) -> TemplateChunk {
            TemplateChunk(text: text, count: 1, firstLine: 1, firstOffset: 0, lines: [], offsets: [])
        }
        var batch = IndexBatch()
        batch.templates = [chunk("NCCL INFO Channel <*>"), chunk("worker <*> exited"), chunk("shard <*> opened")]
        try idx.db.transaction { try idx.write(batch, file: file) }
        batch.templates = [chunk("worker <*> exited"), chunk("checkpoint saved to <*>")]
        try idx.db.transaction { try idx.write(batch, file: file) }
        #expect(try Self.fts(idx, "NCCL") == [lone])
        #expect(try Self.fts(idx, "worker").count == 1)
        #expect(try Self.fts(idx, "shard").count == 1)
        #expect(try Self.fts(idx, "checkpoint").count == 1)
        #expect(try idx.db.query("SELECT count(*) FROM templates")[0][0].int == 4)
        try idx.db.execute("INSERT INTO templates_fts(templates_fts) VALUES('integrity-check')")
    }
}
