#if canImport(Glibc)
import Glibc
#endif
import DiagnoseCore
import DiagnoseEngine
import DiagnoseIndex
import DiagnoseReport
import DiagnoseTemplates
import DiagnoseText
import Foundation

/// `diagnose templates` and `diagnose bench templates`.
public enum TemplateCommand {
    public static func run(path: String, csv: Bool) throws(DiagnoseError) -> String {
        guard FileManager.default.isReadableFile(atPath: path) else { throw .unreadable("cannot read \(path)") }
        do {
            let rows = try TemplateFile.lines(path: path)
            if csv { return TemplateFile.csv(rows) }
            return rows.map { "\($0.line)\t\($0.templateID)\t\($0.template)" }.joined(separator: "\n") + "\n"
        } catch { throw .unreadable("\(path): \(error)") }
    }

    /// The Loghub-2k folder: the option, else `../shared/datasets/loghub-2k` from the current
    /// directory or from the repository that holds the binary.
    static func datasetRoot(_ option: String?) -> String? {
        if let option { return option }
        var candidates = [FileManager.default.currentDirectoryPath + "/../shared/datasets/loghub-2k"]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("../shared/datasets/loghub-2k").standardized.path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    public static func benchmark(dataset: String?) throws(DiagnoseError) -> String {
        guard let root = datasetRoot(dataset) else { throw .unreadable("Loghub-2k not found: pass --dataset DIR") }
        let results: [LoghubBenchmark.Result]
        do { results = try LoghubBenchmark.run(datasetRoot: root) } catch { throw .unreadable("\(error)") }
        var s = "template mining on Loghub-2k (\(root))\n"
        s += "dataset       lines  truth  mined  grouping-acc  lines/s\n"
        for r in results {
            s += r.dataset.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: " %6d %6d %6d      %.3f  %9.0f\n", r.lines, r.truthTemplates, r.minedTemplates,
                         r.groupingAccuracy, r.linesPerSecond)
        }
        let avg = LoghubBenchmark.average(results)
        s += String(format: "average grouping accuracy %.3f, %.0f lines/s\n", avg.groupingAccuracy, avg.linesPerSecond)
        return s
    }
}

/// `diagnose playbooks validate|list`.
public enum PlaybookCommands {
    public static func validate(_ dir: String?) throws(DiagnoseError) -> (errors: [String], checked: String) {
        let folder = dir ?? PlaybookLoader.builtInDirectory(executablePath: CommandLine.arguments[0])
        guard let folder else { throw .unreadable("no playbooks folder found: pass one") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw .unreadable("no playbooks folder at \(folder)")
        }
        let errors = PlaybookLoader.validate(directory: folder).map(\.description)
        let count = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".yaml") && $0 != PlaybookLoader.calibrationFile }.count
        return (errors, "\(count) playbooks in \(folder)")
    }

    public static func list(_ dir: String?) throws(DiagnoseError) -> String {
        let lib: PlaybookLibrary
        do { lib = try PlaybookLoader.resolve(userDirectory: dir) } catch { throw .badUsage("invalid playbooks:\n\(error)") }
        var s = "playbooks from \(lib.origin)\n"
        for cause in lib.causes { s += "  \(cause)\n" }
        return s
    }
}

extension Session {
    /// Signs a hypothesis of the current diagnosis off (by rank or cause id).
    public func signOff(_ runID: String, hypothesis: String, verdict: Verdict.Value, by: String, note: String?,
                        baseline: String?) throws(DiagnoseError) -> AuditEntry {
        let who = by.trimmingCharacters(in: .whitespaces)
        guard !who.isEmpty else { throw .badUsage("--by must name who signs") }
        let d = try diagnose(runID, baseline: baseline).diagnosis
        let all = d.hypotheses + d.weakSignals
        let target: Hypothesis?
        if let rank = Int(hypothesis) { target = d.hypotheses.first { $0.rank == rank } }
        else { target = all.first { $0.cause == hypothesis } }
        guard let h = target else {
            let have = d.hypotheses.map { "\($0.rank)=\($0.cause)" }.joined(separator: ", ")
            throw .badUsage("no hypothesis '\(hypothesis)' in the report of \(runID) (have: \(have.isEmpty ? "none" : have))")
        }
        return try appendSignOff(runID, rank: h.rank, cause: h.cause, verdict: verdict, by: who, note: note)
    }

    /// The audit trail and its verification.
    public func verifyAudit(_ runID: String) throws(DiagnoseError) -> ([AuditEntry], AuditVerification) {
        _ = try workspace.runFolder(runID)
        let entries = try auditEntries(runID)
        return (entries, AuditChain.verify(entries))
    }

    /// A postmortem draft from the diagnosis and the observed timeline.
    public func postmortem(_ runID: String, baseline: String?, gpus: Int?) throws(DiagnoseError) -> String {
        let bundle = try diagnose(runID, baseline: baseline)
        let obs = bundle.input.run
        let ranks = Set(obs.series.compactMap(\.rank) + obs.events.compactMap(\.value.rank))
        let steps = obs.series.flatMap { $0.points.compactMap(\.step) }
        let stepTimes = obs.series(.stepTimeMs).flatMap { $0.points.map(\.value) }.filter { $0.isFinite && $0 > 0 }.sorted()
        let times = obs.series.flatMap { $0.points.compactMap(\.time) } + obs.events.compactMap(\.value.time)
        let top = bundle.diagnosis.hypotheses.first
        let ctx = PostmortemContext(
            gpuCount: gpus ?? (ranks.isEmpty ? nil : ranks.count),
            stepTimeSeconds: stepTimes.isEmpty ? nil : stepTimes[stepTimes.count / 2] / 1000,
            onsetStep: top?.onsetStep, lastStep: steps.max(), onsetTime: top?.onsetTime, endTime: times.max(),
            detectedAt: bundle.diagnosis.generatedAt)
        return PostmortemRenderer.render(bundle.diagnosis, context: ctx)
    }

    /// A page payload for the run's diagnosis.
    public func pagePayload(_ runID: String, baseline: String?, target: String, routingKey: String?,
                            reportURL: String?) throws(DiagnoseError) -> Data {
        let d = try diagnose(runID, baseline: baseline).diagnosis
        switch target {
        case "pagerduty":
            guard let key = routingKey, !key.isEmpty else {
                throw .badUsage("PagerDuty needs --routing-key (or $PAGERDUTY_ROUTING_KEY)")
            }
            return PagePayload.pagerDuty(d, routingKey: key, reportURL: reportURL)
        case "alertmanager":
            return PagePayload.alertmanager(d, receiver: "diagnose", externalURL: reportURL ?? "http://localhost/diagnose")
        default:
            return PagePayload.slack(d, reportURL: reportURL)
        }
    }
}

/// Sends a page with retries.
public enum PageDelivery {
    public static func send(_ data: Data, to url: URL) async throws -> PageResponse {
        try await PageSender.send(data, to: url)
    }
}

/// `diagnose bench accuracy`.
public enum AccuracyCommand {
    public static func run(corpus: String, split: String?, playbooks: String?, fit: Bool, calibrationOut: String?,
                           progress: Bool) throws(DiagnoseError) -> String {
        var cases = try AccuracyBenchmark.cases(corpus: corpus)
        if let split { cases = cases.filter { $0.split == split } }
        guard !cases.isEmpty else { throw .noRunsRoot("\(corpus) (no case with a truth.yaml)") }
        let scratch = NSTemporaryDirectory() + "diagnose-accuracy-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let started = Date()
        let summary = AccuracyBenchmark.run(cases: cases, scratch: scratch, playbooks: playbooks) { k, n in
            if progress { FileHandle.standardError.write(Data("\r\u{1B}[K[\(k)/\(n)]".utf8)) }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var out = "accuracy on \(corpus) (\(cases.count) cases, \(String(format: "%.1f", Date().timeIntervalSince(started))) s)\n"
        out += summary.table
        if fit {
            let dev = summary.outcomes.filter { $0.testCase.split == "dev" }
            let lib: PlaybookLibrary
            do { lib = try PlaybookLoader.resolve(userDirectory: playbooks) } catch { throw .badUsage("\(error)") }
            // Fit on raw scores: they do not depend on the current calibration.
            let fitted = AccuracyBenchmark.fit(dev, base: lib.calibration)
            guard let dir = calibrationOut ?? playbooks ?? PlaybookLoader.builtInDirectory(executablePath: CommandLine.arguments[0])
            else { throw .unreadable("no playbooks folder to write the calibration to") }
            let path = dir + "/" + PlaybookLoader.calibrationFile
            do { try AccuracyBenchmark.yaml(fitted).write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw .unreadable("cannot write \(path): \(error)")
            }
            out += "\ncalibration fit on \(dev.count) dev cases written to \(path): a=\(fitted.a) b=\(fitted.b)\n"
        }
        return out
    }
}
