import DiagnoseCore
import Foundation

/// A file's row in the index: what was read of it and how far.
public struct FileRow: Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var path: String
    public var state: String
    public var format: String?
    public var note: String?
    public var size: Int64
    public var mtime: Double
    public var headLength: Int
    public var headHash: Int64
    public var resumable: Bool
    public var offsetDone: Int64
    public var linesDone: Int
    public var complete: Bool
    public var endsMidLine: Bool
    public var unparsedLines: Int
    public var genericLines: Int
    public var truncatedLines: Int
    /// The parser version the file was read with (`ParserRegistry.version`; 0 for rows written
    /// before versions were recorded).
    public var parserVersion: Int

    public init(id: Int64 = 0, runID: Int64, path: String, state: String = "current", format: String?, note: String?,
                size: Int64, mtime: Double, headLength: Int, headHash: Int64, resumable: Bool, offsetDone: Int64 = 0,
                linesDone: Int = 0, complete: Bool = false, endsMidLine: Bool = false, unparsedLines: Int = 0,
                genericLines: Int = 0, truncatedLines: Int = 0, parserVersion: Int = 0) {
        self.id = id; self.runID = runID; self.path = path; self.state = state; self.format = format; self.note = note
        self.size = size; self.mtime = mtime; self.headLength = headLength; self.headHash = headHash
        self.resumable = resumable; self.offsetDone = offsetDone; self.linesDone = linesDone; self.complete = complete
        self.endsMidLine = endsMidLine; self.unparsedLines = unparsedLines; self.genericLines = genericLines
        self.truncatedLines = truncatedLines; self.parserVersion = parserVersion
    }
}

/// Occurrences of one template in one file, delta-encoded (see `Varint`).
public struct TemplateChunk: Sendable {
    public var text: String
    public var count: Int
    public var firstLine: Int
    public var firstOffset: Int64
    public var lines: [UInt8]
    public var offsets: [UInt8]
    public init(text: String, count: Int, firstLine: Int, firstOffset: Int64, lines: [UInt8], offsets: [UInt8]) {
        self.text = text; self.count = count; self.firstLine = firstLine; self.firstOffset = firstOffset
        self.lines = lines; self.offsets = offsets
    }
}

/// Records to write for one file in one transaction.
public struct IndexBatch: Sendable {
    public var events: [LogEvent] = []
    public var metrics: [MetricPoint] = []
    public var evalScores: [EvalScore] = []
    public var evalSamples: [EvalSample] = []
    public var configs: [(document: String, kind: ConfigKind, entry: ConfigEntry)] = []
    public var problems: [(line: Int?, message: String)] = []
    public var templates: [TemplateChunk] = []
    /// Metric points already grouped and encoded (`MetricSeriesChunk.group`), written before `metrics`.
    public var metricChunks: [MetricSeriesChunk] = []
    /// The archive member each record came from (`samples/3_epoch_1.json` in an Inspect `.eval`
    /// zip), parallel to `evalScores`, `evalSamples`, `configs` and `problems`; empty or nil for
    /// records of the file itself. Read back as the source `path!member`.
    public var evalScoreMembers: [String?] = []
    public var evalSampleMembers: [String?] = []
    public var configMembers: [String?] = []
    public var problemMembers: [String?] = []
    public init() {}
    public var isEmpty: Bool {
        events.isEmpty && metrics.isEmpty && evalScores.isEmpty && evalSamples.isEmpty && configs.isEmpty
            && problems.isEmpty && templates.isEmpty && metricChunks.isEmpty
    }
}

/// An indexed run, for `diagnose runs`.
public struct RunSummary: Sendable, Equatable {
    public var name: String
    public var root: String
    public var files: Int
    public var lines: Int
    public var events: Int
    public var metricPoints: Int
    public var ingestedAt: Double?
}

/// A search hit: where, and the text (re-read from the file for template hits).
public struct SearchHit: Sendable, Equatable {
    public var path: String
    public var line: Int
    public var text: String
    public init(path: String, line: Int, text: String) { self.path = path; self.line = line; self.text = text }
}

/// The SQLite event index. Nothing else in the project writes SQL.
public final class EventIndex {
    public let db: SQLiteDatabase
    private var templateIDs: [String: Int64] = [:]
    private lazy var insertEvent = try! db.prepare("""
        INSERT INTO events(file_id, line, line_count, byte_offset, time, step, rank, severity, kind, template_id, message, detail)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11)
        """)
    private lazy var insertChunk = try! db.prepare("""
        INSERT INTO metric_chunks(file_id, name, rank, label, count, first_step, last_step, data)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """)
    private lazy var insertTemplateChunk = try! db.prepare("""
        INSERT INTO template_chunks(file_id, template_id, count, first_line, first_offset, lines, offsets)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """)
    private lazy var indexEvents = try! db.prepare("""
        INSERT INTO events_fts(rowid, message) SELECT id, message FROM events WHERE id BETWEEN ?1 AND ?2
        """)
    private lazy var indexTemplateTexts = try! db.prepare("""
        INSERT INTO templates_fts(rowid, text) SELECT id, text FROM templates WHERE id BETWEEN ?1 AND ?2
        """)
    private lazy var insertTemplate = try! db.prepare("INSERT INTO templates(text) VALUES (?1)")
    private lazy var findTemplate = try! db.prepare("SELECT id FROM templates WHERE text = ?1")

    /// Opens (creating if needed) an index at `path`; ":memory:" for tests.
    public init(path: String) throws {
        if path != ":memory:" {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=NORMAL")
        try db.execute("PRAGMA foreign_keys=ON")
        try db.execute("PRAGMA temp_store=MEMORY")
        try migrate()
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    func migrate() throws {
        try db.execute("CREATE TABLE IF NOT EXISTS migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        let applied = Set(try db.query("SELECT name FROM migrations").compactMap { $0[0].text })
        for m in Schema.migrations where !applied.contains(m.name) {
            try db.transaction {
                // Another process opening the same new index may have applied it meanwhile.
                guard try db.query("SELECT 1 FROM migrations WHERE name = ?1", [.text(m.name)]).isEmpty else { return }
                try db.execute(m.sql)
                let st = try db.prepare("INSERT INTO migrations(name, applied_at) VALUES (?1, ?2)")
                try st.bind([.text(m.name), .text(ISOTime.string(Date()))])
                try st.run()
            }
        }
    }

    /// Names of the applied migrations, in order.
    public func appliedMigrations() throws -> [String] {
        try db.query("SELECT name FROM migrations ORDER BY name").compactMap { $0[0].text }
    }

    // MARK: runs

    @discardableResult
    public func upsertRun(name: String, root: String, manifest: RunManifest?) throws -> Int64 {
        let json = manifest.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        let st = try db.prepare("""
            INSERT INTO runs(name, root, manifest, ingested_at) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT(name) DO UPDATE SET root = excluded.root, manifest = excluded.manifest,
            ingested_at = excluded.ingested_at
            """)
        try st.bind([.text(name), .text(root), SQLiteValue(json), .double(Date().timeIntervalSince1970)])
        try st.run()
        return try db.scalarInt("SELECT id FROM runs WHERE name = ?1", [.text(name)])!
    }

    public func runID(named name: String) throws -> Int64? {
        try db.scalarInt("SELECT id FROM runs WHERE name = ?1", [.text(name)])
    }

    public func runs() throws -> [RunSummary] {
        let rows = try db.query("""
            SELECT r.name, r.root, r.ingested_at,
              (SELECT count(*) FROM files f WHERE f.run_id = r.id AND f.state = 'current'),
              (SELECT coalesce(sum(lines_done), 0) FROM files f WHERE f.run_id = r.id AND f.state = 'current'),
              (SELECT count(*) FROM events e JOIN files f ON f.id = e.file_id WHERE f.run_id = r.id AND f.state = 'current'),
              (SELECT coalesce(sum(count), 0) FROM metric_chunks m JOIN files f ON f.id = m.file_id WHERE f.run_id = r.id AND f.state = 'current')
            FROM runs r ORDER BY r.name
            """)
        return rows.map {
            RunSummary(name: $0[0].text ?? "", root: $0[1].text ?? "", files: Int($0[3].int ?? 0),
                       lines: Int($0[4].int ?? 0), events: Int($0[5].int ?? 0), metricPoints: Int($0[6].int ?? 0),
                       ingestedAt: $0[2].double)
        }
    }

    // MARK: files

    static let fileColumns = """
        id, run_id, path, state, format, note, size, mtime, head_len, head_hash, resumable, offset_done, lines_done,
        complete, ends_mid_line, unparsed_lines, generic_lines, truncated_lines, parser_version
        """

    static func fileRow(_ r: [SQLiteValue]) -> FileRow {
        FileRow(id: r[0].int!, runID: r[1].int!, path: r[2].text!, state: r[3].text!, format: r[4].text, note: r[5].text,
                size: r[6].int!, mtime: r[7].double ?? 0, headLength: Int(r[8].int!), headHash: r[9].int!,
                resumable: r[10].int == 1, offsetDone: r[11].int!, linesDone: Int(r[12].int!), complete: r[13].int == 1,
                endsMidLine: r[14].int == 1, unparsedLines: Int(r[15].int!), genericLines: Int(r[16].int!),
                truncatedLines: Int(r[17].int!), parserVersion: Int(r[18].int ?? 0))
    }

    public func files(run: Int64, state: String = "current") throws -> [FileRow] {
        try db.query("SELECT \(Self.fileColumns) FROM files WHERE run_id = ?1 AND state = ?2 ORDER BY path",
                     [.int(run), .text(state)]).map(Self.fileRow)
    }

    public func currentFile(run: Int64, path: String) throws -> FileRow? {
        try db.query("SELECT \(Self.fileColumns) FROM files WHERE run_id = ?1 AND path = ?2 AND state = 'current'",
                     [.int(run), .text(path)]).first.map(Self.fileRow)
    }

    /// Inserts a file row; returns its id.
    public func insertFile(_ f: FileRow) throws -> Int64 {
        let st = try db.prepare("""
            INSERT INTO files(run_id, path, state, format, note, size, mtime, head_len, head_hash, resumable,
              offset_done, lines_done, complete, ends_mid_line, unparsed_lines, generic_lines, truncated_lines,
              parser_version)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
            """)
        try st.bind([.int(f.runID), .text(f.path), .text(f.state), SQLiteValue(f.format), SQLiteValue(f.note),
                     .int(f.size), .double(f.mtime), .int(Int64(f.headLength)), .int(f.headHash),
                     .int(f.resumable ? 1 : 0), .int(f.offsetDone), .int(Int64(f.linesDone)), .int(f.complete ? 1 : 0),
                     .int(f.endsMidLine ? 1 : 0), .int(Int64(f.unparsedLines)), .int(Int64(f.genericLines)),
                     .int(Int64(f.truncatedLines)), .int(Int64(f.parserVersion))])
        try st.run()
        return db.lastInsertRowID
    }

    /// Records progress on a file (inside the caller's transaction).
    public func updateProgress(_ f: FileRow) throws {
        let st = try db.prepare("""
            UPDATE files SET size = ?2, mtime = ?3, head_len = ?4, head_hash = ?5, offset_done = ?6, lines_done = ?7,
              complete = ?8, ends_mid_line = ?9, unparsed_lines = ?10, generic_lines = ?11, truncated_lines = ?12,
              note = ?13, format = ?14, parser_version = ?15
            WHERE id = ?1
            """)
        try st.bind([.int(f.id), .int(f.size), .double(f.mtime), .int(Int64(f.headLength)), .int(f.headHash),
                     .int(f.offsetDone), .int(Int64(f.linesDone)), .int(f.complete ? 1 : 0), .int(f.endsMidLine ? 1 : 0),
                     .int(Int64(f.unparsedLines)), .int(Int64(f.genericLines)), .int(Int64(f.truncatedLines)),
                     SQLiteValue(f.note), SQLiteValue(f.format), .int(Int64(f.parserVersion))])
        try st.run()
    }

    /// Deletes a file row and (by cascade) all its records.
    public func deleteFile(id: Int64) throws {
        let st = try db.prepare("DELETE FROM files WHERE id = ?1")
        try st.bind([.int(id)])
        try st.run()
    }

    /// Makes a pending row current, deleting the row it replaces (call inside a transaction).
    public func promote(pending id: Int64, replacing old: Int64?) throws {
        if let old { try deleteFile(id: old) }
        let st = try db.prepare("UPDATE files SET state = 'current' WHERE id = ?1")
        try st.bind([.int(id)])
        try st.run()
    }

    /// Removes rows left pending by an interrupted ingest, and current rows whose file is gone.
    public func dropPending(run: Int64) throws {
        let st = try db.prepare("DELETE FROM files WHERE run_id = ?1 AND state = 'pending'")
        try st.bind([.int(run)])
        try st.run()
    }

    // MARK: writes

    /// The id of a template text, inserting it when new. Ids are stable for the index's life.
    public func templateID(_ text: String) throws -> Int64 {
        let (id, new) = try findOrInsertTemplate(text)
        if new { try indexTemplates(id...id) }
        return id
    }

    /// The id of a template text and whether it was inserted now (not yet in `templates_fts`).
    private func findOrInsertTemplate(_ text: String) throws -> (id: Int64, new: Bool) {
        if let id = templateIDs[text] { return (id, false) }
        try findTemplate.bind([.text(text)])
        if try findTemplate.step(), let id = findTemplate.int(0) {
            findTemplate.reset()
            templateIDs[text] = id
            return (id, false)
        }
        findTemplate.reset()
        try insertTemplate.bind([.text(text)])
        try insertTemplate.run()
        let id = db.lastInsertRowID
        templateIDs[text] = id
        return (id, true)
    }

    /// Adds templates `ids` (inserted together, so contiguous) to the full-text index.
    private func indexTemplates(_ ids: ClosedRange<Int64>) throws {
        let st = indexTemplateTexts
        st.bind(1, ids.lowerBound)
        st.bind(2, ids.upperBound)
        try st.run()
    }

    /// The member of record `i` (none when the batch carries no members).
    static func member(_ members: [String?], _ i: Int) -> String? { i < members.count ? members[i] : nil }

    /// The source of a record: its file's path, `path!member` for a record from an archive member.
    public static func source(path: String, member: String?) -> String {
        guard let member, !member.isEmpty else { return path }
        return path + "!" + member
    }

    /// Writes one batch of records for a file (inside the caller's transaction).
    public func write(_ batch: IndexBatch, file: Int64) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var firstEvent: Int64? = nil
        for e in batch.events {
            let st = insertEvent
            st.bind(1, file)
            st.bind(2, e.line)
            st.bind(3, e.lineCount)
            st.bind(4, e.byteOffset)
            st.bind(5, e.time)
            st.bind(6, e.step)
            st.bind(7, e.rank)
            st.bind(8, e.severity.rawValue)
            st.bind(9, e.kind.rawValue)
            st.bind(10, e.message)
            st.bind(11, e.detail.flatMap { try? String(decoding: enc.encode($0), as: UTF8.self) })
            try st.run()
            if firstEvent == nil { firstEvent = db.lastInsertRowID }
        }
        if let firstEvent {
            let st = indexEvents
            st.bind(1, firstEvent)
            st.bind(2, db.lastInsertRowID)
            try st.run()
        }
        for chunks in [batch.metricChunks, MetricSeriesChunk.group(batch.metrics)] {
            for c in chunks {
                let st = insertChunk
                st.bind(1, file)
                st.bind(2, c.name.rawValue)
                st.bind(3, c.rank)
                st.bind(4, c.label)
                st.bind(5, c.count)
                st.bind(6, c.firstStep)
                st.bind(7, c.lastStep)
                st.bind(8, blob: c.data)
                try st.run()
            }
        }
        if !batch.templates.isEmpty {
            var newTemplates: ClosedRange<Int64>? = nil
            for t in batch.templates {
                let (tid, new) = try findOrInsertTemplate(t.text)
                if new { newTemplates = (newTemplates?.lowerBound ?? tid)...tid }
                let st = insertTemplateChunk
                st.bind(1, file)
                st.bind(2, tid)
                st.bind(3, t.count)
                st.bind(4, t.firstLine)
                st.bind(5, t.firstOffset)
                st.bind(6, blob: t.lines)
                st.bind(7, blob: t.offsets)
                try st.run()
            }
            if let newTemplates { try indexTemplates(newTemplates) }
        }
        if !batch.evalScores.isEmpty {
            let st = try db.prepare("""
                INSERT INTO eval_scores(file_id, line, task, metric, filter, value, stderr, n_shot, samples, member)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """)
            for (i, s) in batch.evalScores.enumerated() {
                st.bind(1, file); st.bind(2, max(1, s.line)); st.bind(3, s.task); st.bind(4, s.metric)
                st.bind(5, s.filter); st.bind(6, s.value.isNaN ? nil : s.value); st.bind(7, s.stderr)
                st.bind(8, s.nShot); st.bind(9, s.samples); st.bind(10, Self.member(batch.evalScoreMembers, i))
                if s.value.isNaN { continue }
                try st.run()
            }
        }
        if !batch.evalSamples.isEmpty {
            let st = try db.prepare("""
                INSERT INTO eval_samples(file_id, line, task, doc_id, correct, traits, target, response, extracted, finish_reason,
                  member)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                """)
            for (i, s) in batch.evalSamples.enumerated() {
                st.bind(11, Self.member(batch.evalSampleMembers, i))
                st.bind(1, file); st.bind(2, max(1, s.line)); st.bind(3, s.task); st.bind(4, s.docID)
                st.bind(5, s.correct.map { $0 ? 1 : 0 }); st.bind(6, s.traits.map(\.rawValue).joined(separator: ","))
                st.bind(7, s.target); st.bind(8, s.response); st.bind(9, s.extracted); st.bind(10, s.finishReason)
                try st.run()
            }
        }
        if !batch.configs.isEmpty {
            let st = try db.prepare("""
                INSERT INTO config_entries(file_id, document, kind, key, value, line, secret, member)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """)
            for (i, c) in batch.configs.enumerated() {
                st.bind(8, Self.member(batch.configMembers, i))
                st.bind(1, file); st.bind(2, c.document); st.bind(3, c.kind.rawValue); st.bind(4, c.entry.key)
                st.bind(5, String(decoding: try enc.encode(c.entry.value), as: UTF8.self))
                st.bind(6, c.entry.line.map { max(1, $0) }); st.bind(7, c.entry.secret ? 1 : 0)
                try st.run()
            }
        }
        if !batch.problems.isEmpty {
            let st = try db.prepare("INSERT INTO problems(file_id, line, message, member) VALUES (?1, ?2, ?3, ?4)")
            for (i, p) in batch.problems.enumerated() {
                st.bind(1, file); st.bind(2, p.line); st.bind(3, p.message); st.bind(4, Self.member(batch.problemMembers, i))
                try st.run()
            }
        }
    }
}
