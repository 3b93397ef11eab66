import Foundation

/// A temporary runs root holding a copy of one bundled sample case's `runs/` folder.
struct SampleCopy {
    let root: String
    let runID: String
    var runs: String { root + "/runs" }
    var runFolder: String { runs + "/" + runID }
    var index: String { runs + "/.diagnose/index.sqlite" }

    /// Copies `samples/dev/<caseID>/runs` into a fresh temporary folder; the run is truth.yaml's `run_id`.
    init(_ caseID: String) throws {
        let source = CLI.repoRoot.appendingPathComponent("samples/dev/\(caseID)")
        let truth = try String(contentsOf: source.appendingPathComponent("truth.yaml"), encoding: .utf8)
        guard let line = truth.split(separator: "\n").first(where: { $0.hasPrefix("run_id:") }) else {
            throw CopyError(message: "\(caseID)/truth.yaml names no run_id")
        }
        runID = line.dropFirst("run_id:".count).trimmingCharacters(in: .whitespaces)
        root = try CLI.tempRoot()
        try FileManager.default.copyItem(atPath: source.appendingPathComponent("runs").path, toPath: runs)
    }

    struct CopyError: Error, CustomStringConvertible { let message: String; var description: String { message } }

    /// Runs `diagnose` with `--runs` pointing at this copy.
    func diagnose(_ args: [String], env: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(args + ["--runs", runs], env: env)
    }

    /// The JSON report as an object.
    func jsonReport() throws -> [String: Any] {
        let r = try diagnose([runID, "--format", "json"])
        guard r.status == 0, let obj = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any] else {
            throw CopyError(message: "report failed (\(r.status)): \(r.stderr)")
        }
        return obj
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
