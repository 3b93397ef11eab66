#if canImport(Glibc)
import Glibc
#endif
import DiagnoseCore
import Foundation
import Yams

/// Where runs live and where the index is (CONTRACT.md §1-2).
public struct Workspace: Sendable {
    /// The runs root, absolute.
    public let runsRoot: String
    /// The index database path.
    public let indexPath: String

    /// `--runs DIR`, else `$DIAGNOSE_RUNS`, else `./runs`; `--index PATH`, else `<runs-root>/.diagnose/index.sqlite`.
    public init(runs: String?, index: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let raw = runs ?? environment["DIAGNOSE_RUNS"] ?? "runs"
        runsRoot = Workspace.absolute(raw)
        indexPath = index.map(Workspace.absolute) ?? runsRoot + "/.diagnose/index.sqlite"
    }

    static func absolute(_ p: String) -> String {
        let url = URL(fileURLWithPath: p, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }

    /// Validates a run id and returns the run's folder; throws 64 for a bad id, 66 when missing.
    public func runFolder(_ id: String) throws(DiagnoseError) -> String {
        do { _ = try RunID(validating: id) } catch { throw .badRunID(error.description) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runsRoot, isDirectory: &isDir), isDir.boolValue,
              access(runsRoot, R_OK | X_OK) == 0 else {
            throw .noRunsRoot(runsRoot)
        }
        let folder = runsRoot + "/" + id
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw .noRun(id: id, root: displayRoot)
        }
        guard access(folder, R_OK | X_OK) == 0 else { throw .unreadable("run '\(id)' cannot be read: \(folder)") }
        return folder
    }

    /// The runs root as the user would recognise it (relative to the current directory when inside it).
    public var displayRoot: String {
        let cwd = FileManager.default.currentDirectoryPath
        if runsRoot.hasPrefix(cwd + "/") { return String(runsRoot.dropFirst(cwd.count + 1)) + "/" }
        return runsRoot + "/"
    }

    /// Reads `run.yaml` (all fields optional). A malformed manifest is reported, not fatal.
    public static func manifest(folder: String) -> (RunManifest, problem: String?) {
        let path = folder + "/run.yaml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (RunManifest(), nil) }
        do {
            guard let node = try Yams.load(yaml: text) as? [String: Any] else { return (RunManifest(), nil) }
            func str(_ k: String) -> String? {
                guard let v = node[k] else { return nil }
                if let d = v as? Date { return ISOTime.string(d) }
                return "\(v)"
            }
            let tags = (node["tags"] as? [Any])?.map { "\($0)" } ?? []
            return (RunManifest(baseline: str("baseline"), startedAt: str("started_at"), owner: str("owner"),
                                tags: tags, notes: str("notes")), nil)
        } catch {
            return (RunManifest(), "run.yaml: \(error)")
        }
    }
}
