import DiagnoseCore
import DiagnoseIndex
import DiagnoseIngest
import Foundation

/// The one library entry point the CLI (and servers) call: a workspace and its open index.
public final class Session {
    public let workspace: Workspace
    public let index: EventIndex
    /// Progress callback for long ingests (path, done, total).
    public var progress: ((String, Int, Int) -> Void)?
    /// The clock, injectable so output is deterministic in tests.
    public var now: () -> Date = Date.init

    public init(workspace: Workspace) throws(DiagnoseError) {
        self.workspace = workspace
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workspace.runsRoot, isDirectory: &isDir), isDir.boolValue else {
            throw .noRunsRoot(workspace.displayRoot)
        }
        do { index = try EventIndex(path: workspace.indexPath) } catch {
            throw .index("cannot open index at \(workspace.indexPath): \(error)")
        }
    }

    /// Ingests a run (incrementally) and returns what was done.
    @discardableResult
    public func ingest(_ runID: String) throws(DiagnoseError) -> IngestReport {
        let folder = try workspace.runFolder(runID)
        let ingestor = Ingestor(index: index)
        ingestor.onFile = progress
        // Commit cadence, lowered by tests that kill an ingest part-way.
        if let every = ProcessInfo.processInfo.environment["DIAGNOSE_COMMIT_EVERY"].flatMap(Int.init), every > 0 {
            ingestor.flushRecords = every
            ingestor.flushOccurrences = every
        }
        return try IngestLock.holding(indexPath: workspace.indexPath) { () throws(DiagnoseError) -> IngestReport in
            do { return try ingestor.ingest(run: runID, folder: folder) } catch let e as DiagnoseError { throw e } catch {
                throw .index("\(error)")
            }
        }
    }

    /// The baseline to compare with: the explicit one, else run.yaml's, else none.
    public func baseline(for runID: String, override: String?) throws(DiagnoseError) -> String? {
        if let override { return override }
        let folder = try workspace.runFolder(runID)
        return Workspace.manifest(folder: folder).0.baseline
    }

    /// Observations of an ingested run.
    public func observations(_ runID: String) throws(DiagnoseError) -> RunObservations {
        do {
            guard var obs = try index.observations(run: runID) else { throw DiagnoseError.noRun(id: runID, root: workspace.displayRoot) }
            YearlessTimes.fix(&obs)
            return obs
        } catch let e as DiagnoseError { throw e } catch { throw .index("\(error)") }
    }

    /// Problems listed per file in the report; the rest are counted in one line.
    public static let problemsPerFile = 20

    /// The coverage block of the report, from the index.
    /// `files`: the run's files when the caller already loaded its observations (loading them
    /// again would re-read every metric series and event just for the file list).
    public func inputs(_ runID: String, files known: [IngestedFile]? = nil) throws(DiagnoseError) -> InputsSummary {
        var files = known ?? []
        if known == nil { files = try observations(runID).files }
        var s = InputsSummary()
        s.files = files.count
        for f in files {
            s.lines += f.lines
            s.unparsedLines += f.unparsedLines
            s.bytes += f.bytes
            if let format = f.format { s.formats[format, default: 0] += 1 }
            if f.format == nil {
                if f.note == SkipReason.unrecognized.description { s.unrecognizedFiles.append(f.path) }
                else { s.skippedFiles.append(FileNote(path: f.path, reason: f.note ?? "skipped")) }
            }
        }
        do {
            if let id = try index.runID(named: runID) {
                s.truncatedLines = try index.files(run: id).reduce(0) { $0 + $1.truncatedLines }
            }
            s.problems = try index.problems(run: runID, perFile: Self.problemsPerFile)
        } catch { throw .index("\(error)") }
        return s
    }
}
