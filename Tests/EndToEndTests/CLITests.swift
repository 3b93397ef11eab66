import Foundation
import Testing

/// Runs the built `diagnose` binary as a user would.
enum CLI {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable: next to the test bundle, else under the repo's .build.
    static var binary: String {
        let nearTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [nearTests, nearTests.deletingLastPathComponent(),
                    repoRoot.appendingPathComponent(".build/debug")] {
            let p = dir.appendingPathComponent("diagnose").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return repoRoot.appendingPathComponent(".build/debug/diagnose").path
    }

    struct Result { var status: Int32; var stdout: Data; var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) } }

    static func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes fully before waiting, so a large report cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let group = DispatchGroup()
        group.enter()
        let reader = out.fileHandleForReading
        DispatchQueue.global().async { box.data = reader.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: box.data, stderr: String(decoding: errData, as: UTF8.self))
    }

    static func tempRoot() throws -> String {
        let root = NSTemporaryDirectory() + "diag-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }
}

@Suite struct CLITests {
    @Test func exitCodesFollowTheContract() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/runs/ok-run", withIntermediateDirectories: true)
        let missing = try CLI.run(["nope", "--runs", root + "/runs"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no run 'nope'"))
        #expect(missing.stdout.isEmpty)
        let slash = try CLI.run(["a/b", "--runs", root + "/runs"])
        #expect(slash.status == 64)
        let dots = try CLI.run(["..", "--runs", root + "/runs"])
        #expect(dots.status == 64)
        let noRoot = try CLI.run(["ok-run", "--runs", root + "/nowhere"])
        #expect(noRoot.status == 66)
        let ok = try CLI.run(["ok-run", "--runs", root + "/runs", "--format", "json"])
        #expect(ok.status == 0)
    }

    @Test func runsRootComesFromEnvironmentThenDefault() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/runs/r1/logs", withIntermediateDirectories: true)
        try "INFO hello\n".write(toFile: root + "/runs/r1/logs/a.log", atomically: true, encoding: .utf8)
        let viaEnv = try CLI.run(["r1", "--format", "json"], env: ["DIAGNOSE_RUNS": root + "/runs"])
        #expect(viaEnv.status == 0)
        let viaDefault = try CLI.run(["r1", "--format", "json"], env: ["DIAGNOSE_RUNS": ""], cwd: root)
        // An empty DIAGNOSE_RUNS is not a root: "./runs" applies only when the variable is unset.
        _ = viaDefault
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DIAGNOSE_RUNS")
        let p = try CLI.run(["r1", "--format", "json"], cwd: root)
        #expect(p.status == 0 || ProcessInfo.processInfo.environment["DIAGNOSE_RUNS"] != nil)
        #expect(FileManager.default.fileExists(atPath: root + "/runs/.diagnose/index.sqlite"))
    }

    @Test func jsonReportOnARunHasTheContractShape() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/runs/sft-small-r2"
        try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
        try "baseline: sft-small-r1\nowner: team\n".write(toFile: run + "/run.yaml", atomically: true, encoding: .utf8)
        try "INFO start\n{'loss': 2.5, 'learning_rate': 0.0003, 'epoch': 0.1}\n".write(
            toFile: run + "/logs/rank0.log", atomically: true, encoding: .utf8)
        try Data([0, 1, 2, 3, 0, 0, 0]).write(to: URL(fileURLWithPath: run + "/model.bin"))
        let r = try CLI.run(["sft-small-r2", "--runs", root + "/runs", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        #expect(obj["schema"] as? String == "diagnose.report/v1")
        #expect(obj["run_id"] as? String == "sft-small-r2")
        #expect(obj["baseline_run_id"] as? String == "sft-small-r1")
        #expect(["incident", "no-incident"].contains(obj["status"] as? String ?? ""))
        #expect(obj["hypotheses"] is [Any])
        #expect((obj["signoff"] as? [String: Any])?["state"] as? String == "draft")
        let inputs = try #require(obj["inputs"] as? [String: Any])
        #expect(inputs["files"] as? Int == 3)
        #expect(inputs["lines"] as? Int ?? 0 >= 2)
        #expect(inputs["unparsed_lines"] is Int)
        #expect(inputs["unrecognized_files"] is [Any])
        // Re-running on the unchanged run re-uses the index.
        let again = try CLI.run(["sft-small-r2", "--runs", root + "/runs", "--format", "json"])
        #expect(again.status == 0)
    }

    @Test func searchPrintsFileLineText() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/runs/r1"
        try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
        try "INFO fine\nINFO fine again\n[rank3]: RuntimeError: NCCL communicator was aborted\n".write(
            toFile: run + "/logs/rank3.log", atomically: true, encoding: .utf8)
        let r = try CLI.run(["search", "r1", "NCCL", "aborted", "--runs", root + "/runs"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text.contains("logs/rank3.log:3: [rank3]: RuntimeError: NCCL communicator was aborted"))
        let runs = try CLI.run(["runs", "--runs", root + "/runs"])
        #expect(runs.text.contains("r1"))
    }

    /// Kill an ingest with SIGKILL part-way, run again, and compare with a clean ingest.
    @Test func killedIngestLeavesAConsistentIndex() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/runs/big"
        try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
        for rank in 0..<2 {
            var text = ""
            for i in 0..<60_000 {
                text += "[rank\(rank)]: INFO step \(i) worker \(i % 13) took \(i % 977) ms\n"
                if i % 5000 == 4999 { text += "[rank\(rank)]: WARNING slow step \(i)\n" }
            }
            try text.write(toFile: run + "/logs/rank\(rank).log", atomically: true, encoding: .utf8)
        }
        // A clean ingest into its own index gives the reference counts.
        let cleanIndex = root + "/clean.sqlite"
        let clean = try CLI.run(["ingest", "big", "--runs", root + "/runs", "--index", cleanIndex])
        #expect(clean.status == 0, "\(clean.stderr)")

        let index = root + "/killed.sqlite"
        let env = ["DIAGNOSE_COMMIT_EVERY": "4000"]
        var partialLines = 0
        for delay in [0.8, 0.4, 0.2, 1.6, 0.1] {
            try? FileManager.default.removeItem(atPath: index)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["ingest", "big", "--runs", root + "/runs", "--index", index]
            p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let detail = try CLI.run(["runs", "--detail", "--runs", root + "/runs", "--index", index]).text
            if let r = detail.range(of: "lines=") {
                partialLines = Int(detail[r.upperBound...].prefix { $0.isNumber }) ?? 0
            } else { partialLines = 0 }
            if partialLines > 0 && partialLines < 120_024 { break }
        }
        // The kill landed between commits: some, not all, lines were committed.
        #expect(partialLines > 0 && partialLines < 120_024, "kill did not land mid-ingest (\(partialLines) lines)")
        let resumed = try CLI.run(["ingest", "big", "--runs", root + "/runs", "--index", index], env: env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let a = try CLI.run(["runs", "--detail", "--runs", root + "/runs", "--index", cleanIndex]).text
        let b = try CLI.run(["runs", "--detail", "--runs", root + "/runs", "--index", index]).text
        #expect(a == b)
        #expect(a.contains("lines=120024"))
        #expect(a.contains("template_occurrences=120024"))
        #expect(a.contains("pending_files=0"))
    }
}

@Suite struct SecretsTests {
    /// Planted secrets in a log and a config never leave through search, report or diff.
    @Test func plantedSecretsAreRedactedEverywhere() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/runs/leaky"
        let base = root + "/runs/leaky-base"
        for dir in [run, base] {
            try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        }
        let openai = "sk-proj-" + "Abcdefghijklmnopqrstuvwxyz0123456789ABCD"
        let hf = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
        try "baseline: leaky-base\n".write(toFile: run + "/run.yaml", atomically: true, encoding: .utf8)
        try "INFO starting\nERROR request failed: Authorization: Bearer \(openai)\n".write(
            toFile: run + "/logs/rank0.log", atomically: true, encoding: .utf8)
        try "{\"learning_rate\": 0.0003, \"hub_token\": \"\(hf)\"}\n".write(
            toFile: run + "/training_args.json", atomically: true, encoding: .utf8)
        try "INFO starting\n".write(toFile: base + "/logs/rank0.log", atomically: true, encoding: .utf8)
        try "{\"learning_rate\": 0.0003, \"hub_token\": \"hf_old\"}\n".write(
            toFile: base + "/training_args.json", atomically: true, encoding: .utf8)
        let outputs = [
            try CLI.run(["search", "leaky", "request", "failed", "--runs", root + "/runs"]),
            try CLI.run(["leaky", "--runs", root + "/runs", "--format", "json"]),
            try CLI.run(["leaky", "--runs", root + "/runs", "--format", "html"]),
            try CLI.run(["leaky", "--runs", root + "/runs"]),
            try CLI.run(["diff", "leaky", "--runs", root + "/runs", "--format", "json"]),
            try CLI.run(["symptoms", "leaky", "--runs", root + "/runs", "--format", "json"]),
        ]
        #expect(outputs[0].text.contains("request failed"))
        for o in outputs {
            #expect(o.status == 0, "\(o.stderr)")
            #expect(!o.text.contains(openai))
            #expect(!o.text.contains(String(openai.dropFirst(8).prefix(12))))
            #expect(!o.text.contains(hf))
        }
    }
}

@Suite struct FilesCommandTests {
    @Test func filesListsFormatsReasonsAndUnparsedCounts() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = root + "/runs/sft-small-r3"
        try FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
        try "{'loss': 2.5, 'learning_rate': 0.0003, 'epoch': 0.1}\n{'loss': 2.4, 'learning_rate': 0.0003, 'epoch': 0.2}\n"
            .write(toFile: run + "/logs/rank0.log", atomically: true, encoding: .utf8)
        let jsonl = (1...6).map { "{\"step\": \($0), \"loss\": 2.5}\n" }.joined() + "{not json\n"
        try jsonl.write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        try Data([0, 1, 2, 3, 0, 0, 0]).write(to: URL(fileURLWithPath: run + "/model.bin"))
        let r = try CLI.run(["files", "sft-small-r3", "--runs", root + "/runs", "--index", root + "/i.sqlite"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["path", "format", "lines", "unparsed", "generic", "truncated"])
        let byPath = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        #expect(byPath["logs/rank0.log"]?[1] == "hf-trainer-log" || byPath["logs/rank0.log"]?[1] == "text-log")
        #expect(byPath["logs/rank0.log"]?[2] == "2")
        #expect(byPath["metrics.jsonl"]?[3] == "1")
        #expect(byPath["model.bin"]?[1].hasPrefix("-(") == true)
        let missing = try CLI.run(["files", "nope", "--runs", root + "/runs", "--index", root + "/i.sqlite"])
        #expect(missing.status == 66)
    }
}
