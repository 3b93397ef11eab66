import Foundation

/// A temporary runs root holding a copy of one bundled sample case's `runs/` folder.
struct SampleCopy {
    let root: String
    let runID: String
    var runs: String { root + "/runs" }
    var runFolder: String { runs + "/" + runID }
    var index: String { runs + "/.diagnose/index.sqlite" }

    /// Copies the runs of the sample case whose truth.yaml names `run` (found by run id, which the
    /// generator keeps stable; case numbers change when the corpus is regenerated) into a fresh
    /// temporary folder.
    init(_ run: String) throws {
        let samples = CLI.repoRoot.appendingPathComponent("samples")
        var found: URL? = nil
        for split in ["dev", "heldout"] {
            let dir = samples.appendingPathComponent(split)
            for c in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                let t = (try? String(contentsOf: dir.appendingPathComponent(c + "/truth.yaml"), encoding: .utf8)) ?? ""
                if t.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "run_id: \(run)" }) {
                    found = dir.appendingPathComponent(c)
                }
            }
        }
        guard let source = found else { throw CopyError(message: "no sample case runs \(run)") }
        let caseID = source.lastPathComponent
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
