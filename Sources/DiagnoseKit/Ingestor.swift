#if canImport(Glibc)
import Glibc
#endif
import DiagnoseCore
import DiagnoseIndex
import DiagnoseIngest
import DiagnoseTemplates
import DiagnoseText
import Foundation

/// What one ingest did.
public struct IngestReport: Sendable, Equatable {
    public var files = 0
    public var skippedUnchanged = 0
    public var resumed = 0
    public var reingested = 0
    public var parsed = 0
    public var lines = 0
    public var bytes: Int64 = 0
    public var seconds = 0.0
    public init() {}
}

/// Streams a run folder into the index, incrementally: an unchanged file is skipped, a grown file
/// is read on from its last offset, a rewritten or truncated file (or one read by another parser
/// version, `ParserRegistry.version`) is re-read into a pending row that replaces the old one in
/// one transaction. Progress is committed at parser safe points, so
/// a killed ingest leaves a consistent index and the next one completes it without duplicates.
public final class Ingestor: @unchecked Sendable {
    let index: EventIndex
    let registry: ParserRegistry
    /// Records buffered before a commit at the next safe point.
    public var flushRecords = 50_000
    /// Template occurrences buffered before a commit at the next safe point.
    public var flushOccurrences = 400_000
    /// Called after each file (for a progress line).
    public var onFile: ((_ path: String, _ done: Int, _ total: Int) -> Void)?
    /// Test hook: stop (as if killed) after this many commits.
    public var crashAfterCommits: Int?
    /// Files parsed at once (each on its own thread; index writes are serialised).
    public var workers = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
    private var commits = 0
    /// Serialises every use of the index (one SQLite connection).
    private let lock = NSLock()

    @inline(__always)
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public init(index: EventIndex, registry: ParserRegistry = .builtIn) {
        self.index = index
        self.registry = registry
    }

    /// Ingests every file under `folder` as run `name`.
    @discardableResult
    public func ingest(run name: String, folder: String) throws -> IngestReport {
        let started = Date()
        var report = IngestReport()
        let (manifest, manifestProblem) = Workspace.manifest(folder: folder)
        let runID = try index.upsertRun(name: name, root: folder, manifest: manifest)
        try index.dropPending(run: runID)
        let files = try Discovery.walk(root: folder)
        report.files = files.count
        let present = Set(files.map(\.path))
        // Files gone from disk leave the index.
        for row in try index.files(run: runID) where !present.contains(row.path) {
            try index.db.transaction { try index.deleteFile(id: row.id) }
        }
        // Largest files first so the workers finish together; results do not depend on the order.
        let queue = files.enumerated().sorted { ($0.element.size, -$0.offset) > ($1.element.size, -$1.offset) }.map(\.element)
        final class Shared: @unchecked Sendable {
            var next = 0
            var done = 0
            var report = IngestReport()
            var error: Error?
        }
        let shared = Shared()
        let workerCount = max(1, min(workers, queue.count))
        DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
            while true {
                let file: DiscoveredFile? = locked {
                    guard shared.error == nil, shared.next < queue.count else { return nil }
                    defer { shared.next += 1 }
                    return queue[shared.next]
                }
                guard let file else { return }
                var local = IngestReport()
                do {
                    try ingestFile(file, runID: runID, report: &local)
                } catch {
                    locked { if shared.error == nil { shared.error = error } }
                    return
                }
                locked {
                    shared.report.skippedUnchanged += local.skippedUnchanged
                    shared.report.resumed += local.resumed
                    shared.report.reingested += local.reingested
                    shared.report.parsed += local.parsed
                    shared.report.lines += local.lines
                    shared.report.bytes += local.bytes
                    shared.done += 1
                    onFile?(file.path, shared.done, queue.count)
                }
            }
        }
        if let e = shared.error { throw e }
        report.skippedUnchanged = shared.report.skippedUnchanged
        report.resumed = shared.report.resumed
        report.reingested = shared.report.reingested
        report.parsed = shared.report.parsed
        report.lines = shared.report.lines
        report.bytes = shared.report.bytes
        if let manifestProblem, let row = try index.currentFile(run: runID, path: "run.yaml") {
            try index.db.transaction {
                var b = IndexBatch()
                b.problems = [(nil, manifestProblem)]
                try index.write(b, file: row.id)
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    // MARK: one file

    private func ingestFile(_ file: DiscoveredFile, runID: Int64, report: inout IngestReport) throws {
        let existing = try locked { try index.currentFile(run: runID, path: file.path) }
        if file.size < 0 || file.unreadable != nil {
            let why = file.unreadable ?? "cannot stat"
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.unreadable(why).description, format: nil)
            return
        }
        // A file read by another parser version is read again, like a rewritten file.
        if let e = existing, e.complete, e.size == file.size, e.mtime == file.mtime, e.parserVersion == registry.version,
           Self.sameHead(file, as: e) {
            report.skippedUnchanged += 1
            return
        }
        let head: FileHead
        do { head = try Discovery.head(of: file) } catch {
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.unreadable("\(error)").description, format: nil)
            return
        }
        if Discovery.looksPickle(head) {
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.pickle.description, format: nil)
            return
        }
        if Discovery.looksUTF16(head) {
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.utf16.description, format: nil)
            return
        }
        // A gzip file's head is its decompressed text, so this also catches compressed binaries.
        // A binary file goes only to the parsers of binary formats (an Inspect `.eval` zip).
        let binary = Discovery.looksBinary(head)
        if binary, registry.claim(head, binary: true) == nil {
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.binary.description, format: nil)
            return
        }
        guard let (parser, _) = registry.claim(head, binary: binary) else {
            try record(skipped: file, runID: runID, existing: existing, note: SkipReason.unrecognized.description, format: nil)
            return
        }
        let (headLength, headHash) = Self.fingerprint(head.bytes)

        // Decide: resume the current row, or (re)read into a pending row.
        var row: FileRow
        var replacing: Int64? = nil
        if let e = existing, e.format == parser.id, e.parserVersion == registry.version, e.resumable, parser.resumable,
           !e.endsMidLine, file.size >= e.offsetDone, Self.fingerprint(head.bytes, length: e.headLength).hash == e.headHash {
            row = e
            if e.offsetDone > 0 { report.resumed += 1 }
        } else {
            if existing != nil { report.reingested += 1 }
            replacing = existing?.id
            row = FileRow(runID: runID, path: file.path, state: existing == nil ? "current" : "pending",
                          format: parser.id, note: nil, size: file.size, mtime: file.mtime, headLength: headLength,
                          headHash: headHash, resumable: parser.resumable, parserVersion: registry.version)
            if !parser.resumable {
                // Whole documents are written in one transaction at the end.
                row.id = -1
            } else {
                let r = row
                row.id = try locked { try index.db.transaction { try index.insertFile(r) } }
            }
        }
        report.parsed += 1
        // One miner per file: a file's templates depend on its content only, whatever the order.
        try parse(file: file, parser: parser, row: &row, replacing: replacing, miner: TemplateMiner(), report: &report,
                  headLength: headLength, headHash: headHash)
    }

    private func record(skipped file: DiscoveredFile, runID: Int64, existing: FileRow?, note: String, format: String?) throws {
        try locked { try index.db.transaction {
            if let e = existing { try index.deleteFile(id: e.id) }
            _ = try index.insertFile(FileRow(runID: runID, path: file.path, format: format, note: note,
                                             size: max(0, file.size), mtime: file.mtime, headLength: 0, headHash: 0,
                                             resumable: false, complete: true, parserVersion: registry.version))
        } }
    }

    private func parse(file: DiscoveredFile, parser: any FormatParser, row: inout FileRow, replacing: Int64?,
                       miner: TemplateMiner, report: inout IngestReport, headLength: Int, headHash: Int64) throws {
        let sink = RecordSink()
        let occurrences = OccurrenceBuffer()
        let startOffset = row.offsetDone
        let startLine = row.linesDone
        let base = (unparsed: row.unparsedLines, generic: row.genericLines, truncated: row.truncatedLines)
        final class Box { var row: FileRow; var crashed = false; init(_ r: FileRow) { row = r } }
        let box = Box(row)
        // The hooks capture the sink and its buffers: clear them when the file is done, or every
        // file's buffers would stay alive in a reference cycle.
        defer { sink.templateHook = nil; sink.safePointHook = nil }
        sink.templateHook = { payload, line, offset in
            occurrences.add(miner.add(payload), line: line, offset: offset)
        }
        if parser.resumable {
            sink.safePointHook = { [self] nextOffset, linesDone in
                guard sink.buffered >= flushRecords || occurrences.total >= flushOccurrences else { return }
                var r = box.row
                r.offsetDone = nextOffset
                r.linesDone = linesDone
                r.unparsedLines = base.unparsed + sink.unparsedLines
                r.genericLines = base.generic + sink.genericLines
                do {
                    try commit(sink: sink, occurrences: occurrences, miner: miner, row: r)
                    box.row = r
                } catch {
                    box.crashed = true
                }
            }
        }
        let input = ParseInput(absolutePath: file.absolutePath, path: file.path, startOffset: startOffset,
                               startLine: startLine, rankHint: Discovery.rankHint(path: file.path), limit: file.size)
        var parseError: String? = nil
        do {
            try parser.parse(input, into: sink)
        } catch is SimulatedCrash {
            throw SimulatedCrash()
        } catch {
            parseError = "\(error)"
        }
        if box.crashed {
            if let limit = crashAfterCommits, commits >= limit { throw SimulatedCrash() }
            throw DiagnoseError.index("commit failed while ingesting \(file.path)")
        }
        // Final commit: everything read, the row complete.
        var r = box.row
        r.size = max(file.size, startOffset)
        r.mtime = file.mtime
        r.headLength = headLength
        r.headHash = headHash
        r.linesDone = startLine + sink.linesRead
        // The reader stops at the size seen at discovery, so everything up to it has been read.
        r.offsetDone = r.size
        r.unparsedLines = base.unparsed + sink.unparsedLines
        r.genericLines = base.generic + sink.genericLines
        r.truncatedLines = base.truncated + sink.truncatedLines
        r.endsMidLine = Self.endsMidLine(path: file.absolutePath, size: r.size)
        r.complete = true
        if let damage = LineReader.gzipDamage(path: file.absolutePath) {
            sink.problem(line: nil, "gzip stream ends early (\(damage)): the lines before it were read")
        }
        if let parseError {
            sink.problem(line: nil, "parse error: \(parseError)")
            r.note = "parse error: \(parseError)"
        }
        report.lines += r.linesDone - startLine
        report.bytes += r.size - startOffset
        if r.id == -1 {
            // Whole-document parser: insert the row and its records in one transaction.
            try locked {
                let current = try index.currentFile(run: r.runID, path: r.path)?.id
                try index.db.transaction {
                    if let old = replacing ?? current { try index.deleteFile(id: old) }
                    r.state = "current"
                    r.id = try index.insertFile(r)
                    try writeAll(sink: sink, occurrences: occurrences, miner: miner, file: r.id)
                    try index.updateProgress(r)
                }
            }
        } else {
            try commit(sink: sink, occurrences: occurrences, miner: miner, row: r, promoteReplacing: replacing,
                       promote: r.state == "pending")
        }
        row = r
    }

    /// Writes buffered records and progress in one transaction.
    private func commit(sink: RecordSink, occurrences: OccurrenceBuffer, miner: TemplateMiner, row: FileRow,
                        promoteReplacing: Int64? = nil, promote: Bool = false) throws {
        // Build the batch outside the lock (template texts, encoding), write under it.
        let batch = IndexBatch(sink.drain(), templates: occurrences.drain(miner: miner))
        try locked {
            if let limit = crashAfterCommits, commits >= limit { throw SimulatedCrash() }
            try index.db.transaction {
                try index.write(batch, file: row.id)
                try index.updateProgress(row)
                if promote { try index.promote(pending: row.id, replacing: promoteReplacing) }
            }
            commits += 1
        }
    }

    private func writeAll(sink: RecordSink, occurrences: OccurrenceBuffer, miner: TemplateMiner, file: Int64) throws {
        try index.write(IndexBatch(sink.drain(), templates: occurrences.drain(miner: miner)), file: file)
    }

    // MARK: helpers

    /// FNV-1a over the first `length` bytes (default: up to 4 KiB) of a head.
    static func fingerprint(_ bytes: [UInt8], length: Int? = nil) -> (length: Int, hash: Int64) {
        let n = min(length ?? 4096, bytes.count)
        var h: UInt64 = 0xcbf29ce484222325
        for i in 0..<n { h = (h ^ UInt64(bytes[i])) &* 0x100000001b3 }
        return (n, Int64(bitPattern: h))
    }

    /// True when the file still starts with the bytes it was indexed with. Size and mtime alone
    /// miss a same-size rewrite whose mtime was preserved (`cp -p`, `rsync -t`, tar).
    static func sameHead(_ file: DiscoveredFile, as row: FileRow) -> Bool {
        guard row.headLength > 0 else { return true }
        guard let head = try? Discovery.head(of: file, limit: row.headLength) else { return false }
        return head.bytes.count == row.headLength && fingerprint(head.bytes, length: row.headLength).hash == row.headHash
    }

    /// True when the file's last byte is not `\n` (a line may still be being written).
    static func endsMidLine(path: String, size: Int64) -> Bool {
        guard size > 0, !LineReader.isGzip(path: path) else { return false }
        let fd = open(path, O_RDONLY)
        if fd < 0 { return false }
        defer { close(fd) }
        var c: UInt8 = 0
        let n = pread(fd, &c, 1, off_t(size - 1))
        return n == 1 && c != 0x0A
    }
}

extension IndexBatch {
    init(_ d: RecordSink.Batch, templates: [TemplateChunk]) {
        self.init()
        events = d.events
        metricChunks = MetricSeriesChunk.group(d.metrics)
        evalScores = d.evalScores
        evalSamples = d.evalSamples
        configs = d.configs
        problems = d.problems
        evalScoreMembers = d.evalScoreMembers
        evalSampleMembers = d.evalSampleMembers
        configMembers = d.configMembers
        problemMembers = d.problemMembers
        self.templates = templates
    }
}

/// Thrown by the crash-test hook to stop an ingest between commits, as a kill would.
public struct SimulatedCrash: Error {}

/// Template occurrences of one file, delta-encoded per template until the next commit. Indexed
/// by the miner's dense template ids, so adding an occurrence is an array access, not a hash.
final class OccurrenceBuffer {
    struct Acc {
        var count = 0
        var firstLine = 0
        var firstOffset: Int64 = 0
        var lastLine = 0
        var lastOffset: Int64 = 0
        var lines: [UInt8] = []
        var offsets: [UInt8] = []
    }
    @exclusivity(unchecked) private var accs: [Acc] = []
    @exclusivity(unchecked) private var used: [Int32] = []
    @exclusivity(unchecked) private(set) var total = 0

    @inline(__always)
    func add(_ id: Int32, line: Int, offset: Int64) {
        total += 1
        let i = Int(id)
        if i >= accs.count { accs.append(contentsOf: repeatElement(Acc(), count: i - accs.count + 1)) }
        if accs[i].count == 0 {
            accs[i].count = 1
            accs[i].firstLine = line; accs[i].firstOffset = offset
            accs[i].lastLine = line; accs[i].lastOffset = offset
            used.append(id)
            return
        }
        Varint.append(UInt64(max(0, line - accs[i].lastLine)), to: &accs[i].lines)
        Varint.append(UInt64(max(0, offset - accs[i].lastOffset)), to: &accs[i].offsets)
        accs[i].count += 1
        accs[i].lastLine = line
        accs[i].lastOffset = offset
    }

    func drain(miner: TemplateMiner) -> [TemplateChunk] {
        let out = used.sorted().map { id -> TemplateChunk in
            let a = accs[Int(id)]
            return TemplateChunk(text: miner.template(id), count: a.count, firstLine: a.firstLine,
                                 firstOffset: a.firstOffset, lines: a.lines, offsets: a.offsets)
        }
        for id in used { accs[Int(id)] = Acc() }
        used.removeAll(keepingCapacity: true)
        total = 0
        return out
    }
}
