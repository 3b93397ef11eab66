import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseIndex

@Suite struct EventIndexTests {
    @Test func migrationsApplyOnceAndInOrder() throws {
        let path = NSTemporaryDirectory() + "idx-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try EventIndex(path: path)
        #expect(try a.appliedMigrations() == Schema.migrations.map(\.name))
        // Re-opening applies nothing twice (no error, same list).
        let b = try EventIndex(path: path)
        #expect(try b.appliedMigrations() == Schema.migrations.map(\.name))
        #expect(try b.db.query("PRAGMA journal_mode").first?.first?.text == "wal")
    }

    @Test func constraintsLiveInSQL() throws {
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/x", manifest: nil)
        let file = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                              mtime: 0, headLength: 0, headHash: 0, resumable: true))
        var batch = IndexBatch()
        batch.events = [LogEvent(line: 0, byteOffset: 0, severity: .error, kind: .oom, message: "x")]
        #expect(throws: SQLiteError.self) { try idx.write(batch, file: file) }
        // Two current rows for one path are refused.
        #expect(throws: SQLiteError.self) {
            _ = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                           mtime: 0, headLength: 0, headHash: 0, resumable: true))
        }
    }

    @Test func metricChunksRoundTrip() throws {
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/x", manifest: RunManifest(baseline: "b"))
        let file = try idx.insertFile(FileRow(runID: run, path: "m.jsonl", format: "jsonl-metrics", note: nil,
                                              size: 1, mtime: 0, headLength: 0, headHash: 0, resumable: true))
        var batch = IndexBatch()
        batch.metrics = [
            MetricPoint(name: .loss, value: 2.5, step: 2, time: 100.5, rank: 0, line: 3),
            MetricPoint(name: .loss, value: .nan, step: 1, rank: 0, line: 2),
            MetricPoint(name: .lr, value: 3e-4, step: 1, rank: 0, line: 2),
        ]
        try idx.write(batch, file: file)
        let obs = try #require(try idx.observations(run: "r"))
        #expect(obs.manifest.baseline == "b")
        let loss = try #require(obs.series(.loss).first)
        #expect(loss.points.map(\.step) == [1, 2])
        #expect(loss.points[0].value.isNaN)
        #expect(loss.points[1].time == 100.5)
        #expect(loss.points[1].line == 3)
        #expect(obs.series(.lr).first?.points.first?.value == 3e-4)
    }

    @Test func templateIDsAreStableAcrossRuns() throws {
        let idx = try EventIndex(path: ":memory:")
        let a = try idx.templateID("NCCL INFO Channel <*>")
        let b = try idx.templateID("loss is <*>")
        #expect(try idx.templateID("NCCL INFO Channel <*>") == a)
        #expect(a != b)
    }

    @Test func eventsAreFullTextSearchable() throws {
        let dir = NSTemporaryDirectory() + "idx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = "ok line\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n"
        try text.write(toFile: dir + "/a.log", atomically: true, encoding: .utf8)
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: dir, manifest: nil)
        let file = try idx.insertFile(FileRow(runID: run, path: "a.log", format: "text-log", note: nil, size: 1,
                                              mtime: 0, headLength: 0, headHash: 0, resumable: true))
        var batch = IndexBatch()
        batch.events = [LogEvent(line: 2, byteOffset: 8, severity: .error, kind: .oom,
                                 message: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")]
        batch.templates = [TemplateChunk(text: "ok line", count: 1, firstLine: 1, firstOffset: 0, lines: [], offsets: [])]
        try idx.write(batch, file: file)
        let hits = try idx.search(run: "r", query: "out of memory", limit: 10)
        #expect(hits == [SearchHit(path: "a.log", line: 2, text: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")])
        let tHits = try idx.search(run: "r", query: "ok", limit: 10)
        #expect(tHits.map(\.line) == [1])
        #expect(try idx.search(run: "r", query: "\"unbalanced", limit: 10).isEmpty)
    }

    @Test func varintsRoundTrip() {
        var out: [UInt8] = []
        let values: [UInt64] = [0, 1, 127, 128, 300, 1 << 40]
        for v in values { Varint.append(v, to: &out) }
        #expect(Varint.decodeAll(out) == values)
    }

    @Test func signoffTableIsAppendOnly() throws {
        let idx = try EventIndex(path: ":memory:")
        let run = try idx.upsertRun(name: "r", root: "/x", manifest: nil)
        try idx.db.execute("""
            INSERT INTO signoffs(run_id, seq, at, by, hypothesis_rank, cause, verdict, note, prev_hash, hash)
            VALUES (\(run), 1, '2026-11-03T09:00:00Z', 'ana', 1, 'cuda-oom', 'confirmed', NULL, '', 'h')
            """)
        #expect(throws: SQLiteError.self) { try idx.db.execute("UPDATE signoffs SET verdict = 'rejected'") }
        #expect(throws: SQLiteError.self) { try idx.db.execute("DELETE FROM signoffs") }
    }
}
