#if canImport(Glibc)
import Glibc
#endif
import DiagnoseCore
import DiagnoseTemplates
import DiagnoseText
import Foundation

/// `diagnose bench perf`: on a large run, cold ingest (fresh index), warm re-run (unchanged run),
/// the whole `diagnose` cold and warm, template mining alone, and peak RSS.
public enum PerfBenchmark {
    public static func run(runsRoot: String, runID: String) throws(DiagnoseError) -> String {
        let scratch = NSTemporaryDirectory() + "diagnose-perf-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let session = try Session(workspace: Workspace(runs: runsRoot, index: scratch + "/index.sqlite"))
        let folder = try session.workspace.runFolder(runID)

        var t = Date()
        let cold = try session.ingest(runID)
        let coldIngest = Date().timeIntervalSince(t)
        t = Date()
        _ = try session.ingest(runID)
        let warmIngest = Date().timeIntervalSince(t)
        t = Date()
        let bundle = try session.diagnose(runID, baseline: nil)
        let warmDiagnose = Date().timeIntervalSince(t)

        // Cold diagnose: a fresh index.
        let session2 = try Session(workspace: Workspace(runs: runsRoot, index: scratch + "/index2.sqlite"))
        t = Date()
        _ = try session2.diagnose(runID, baseline: nil)
        let coldDiagnose = Date().timeIntervalSince(t)

        // Template mining alone over every text file (one miner per file, as ingest does).
        var minedLines = 0
        t = Date()
        if let files = FileManager.default.enumerator(atPath: folder) {
            while let rel = files.nextObject() as? String {
                let path = folder + "/" + rel
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                      rel.hasSuffix(".log") || rel.hasSuffix(".out") || rel.hasSuffix(".txt") else { continue }
                let miner = TemplateMiner()
                _ = try? LineReader(path: path).forEach { view in
                    _ = miner.add(view.bytes)
                    minedLines += 1
                }
            }
        }
        let mining = Date().timeIntervalSince(t)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let mb = Double(cold.bytes) / 1e6
        var s = "perf on \(runID): \(cold.files) files, \(cold.lines) lines, \(String(format: "%.0f", mb)) MB\n"
        s += String(format: "  cold ingest:      %.2f s  %.0f lines/s  %.1f MB/s\n", coldIngest,
                    Double(cold.lines) / max(coldIngest, 1e-9), mb / max(coldIngest, 1e-9))
        s += String(format: "  warm ingest:      %.3f s (unchanged run)\n", warmIngest)
        s += String(format: "  diagnose cold:    %.2f s   warm: %.2f s  (%d hypotheses, status %@)\n", coldDiagnose,
                    warmDiagnose, bundle.diagnosis.hypotheses.count, bundle.diagnosis.status.rawValue)
        s += String(format: "  template mining:  %.0f lines/s (%d lines)\n", Double(minedLines) / max(mining, 1e-9), minedLines)
        s += String(format: "  peak RSS:         %.0f MB\n", Double(usage.ru_maxrss) / 1024)
        return s
    }
}
