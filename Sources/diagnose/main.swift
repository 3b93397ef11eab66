import ArgumentParser
import DiagnoseCore
import DiagnoseKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Options every run-reading command shares (CONTRACT.md §2).
struct WorkspaceOptions: ParsableArguments {
    @Option(help: "Where run folders live (default: $DIAGNOSE_RUNS, else ./runs).")
    var runs: String?
    @Option(help: "Index database path (default: <runs-root>/.diagnose/index.sqlite).")
    var index: String?

    func session() throws -> Session {
        let s = try guarded { () throws(DiagnoseError) in try Session(workspace: Workspace(runs: runs, index: index)) }
        if isatty(2) != 0 {
            s.progress = { path, done, total in
                FileHandle.standardError.write(Data("\r\u{1B}[K[\(done)/\(total)] \(path.suffix(60))".utf8))
                if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            }
        }
        return s
    }
}

/// Runs library code, turning a DiagnoseError into one line on stderr and its exit status.
func guarded<T>(_ body: () throws(DiagnoseError) -> T) throws -> T {
    do { return try body() } catch {
        FileHandle.standardError.write(Data("diagnose: \(error.description)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}

/// Writes to --output or stdout.
func emit(_ data: Data, output: String?) throws {
    if let output {
        do { try data.write(to: URL(fileURLWithPath: output)) } catch {
            FileHandle.standardError.write(Data("diagnose: cannot write \(output): \(error.localizedDescription)\n".utf8))
            throw ExitCode(73)
        }
    } else {
        FileHandle.standardOutput.write(data)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json, html
}

@main
struct Diagnose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Diagnose a training run, eval or serving deployment: ranked root-cause hypotheses with cited evidence.",
        discussion: "`diagnose <run-id>` is `diagnose report <run-id>`.",
        subcommands: [Report.self, Ingest.self, Runs.self, Search.self, Bench.self],
        defaultSubcommand: Report.self)
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest, analyse and report on a run (the default command).")
    @Argument(help: "The run id (a folder name under the runs root).")
    var runID: String
    @OptionGroup var workspace: WorkspaceOptions
    @Option(help: "The last known good run to compare with (overrides run.yaml's baseline).")
    var baseline: String?
    @Option(help: "markdown, json or html.")
    var format: OutputFormat = .markdown
    @Option(help: "Write the report to FILE instead of stdout.")
    var output: String?

    func run() throws {
        let session = try workspace.session()
        let diagnosis = try guarded { () throws(DiagnoseError) in
            let base = try session.baseline(for: runID, override: baseline)
            return try session.inventory(runID, baseline: base)
        }
        try emit(Rendering.render(diagnosis, format: format.rawValue, color: output == nil && isatty(1) != 0),
                 output: output)
    }
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest a run into the index (incremental).")
    @Argument var runID: String
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let session = try workspace.session()
        let r = try guarded { () throws(DiagnoseError) in try session.ingest(runID) }
        print("\(runID): \(r.files) files, \(r.parsed) parsed (\(r.resumed) resumed, \(r.reingested) re-read), "
              + "\(r.skippedUnchanged) unchanged; \(r.lines) lines, \(r.bytes) bytes in "
              + String(format: "%.2f s", r.seconds))
    }
}

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List indexed runs with counts.")
    @OptionGroup var workspace: WorkspaceOptions
    @Flag(help: "Print every stored row count per run (files, lines, events, metric points, template occurrences, ...).")
    var detail = false

    func run() throws {
        let session = try workspace.session()
        let runs = try guarded { () throws(DiagnoseError) in try session.runs() }
        if runs.isEmpty { print("no runs indexed under \(session.workspace.displayRoot)"); return }
        if detail {
            for r in runs {
                let counts = try guarded { () throws(DiagnoseError) in try session.counts(r.name) }
                print(r.name + " " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
            return
        }
        print("run\tfiles\tlines\tevents\tmetric_points")
        for r in runs { print("\(r.name)\t\(r.files)\t\(r.lines)\t\(r.events)\t\(r.metricPoints)") }
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Full-text search a run's logs; prints file:line: text.")
    @Argument var runID: String
    @Argument(parsing: .remaining, help: "Words to search for.")
    var query: [String]
    @OptionGroup var workspace: WorkspaceOptions
    @Option(help: "At most this many hits.")
    var limit = 200

    func run() throws {
        let session = try workspace.session()
        let hits = try guarded { () throws(DiagnoseError) in
            try session.search(runID, query: query.joined(separator: " "), limit: limit)
        }
        for h in hits { print("\(h.path):\(h.line): \(h.text)") }
        if hits.isEmpty { throw ExitCode(1) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (speed and accuracy).",
                                                    subcommands: [BenchIngest.self])
}

struct BenchIngest: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest",
        abstract: "Generate training-log-like text, ingest it, print lines/s, MB/s and peak RSS beside grep -c.")
    @Option(help: "Lines to generate.") var lines = 2_000_000
    @Option(help: "Files to spread them over (ranks).") var files = 4
    @Option(help: "Work folder (default: a temporary folder, removed after).") var dir: String?

    func run() throws {
        let result = try guarded { () throws(DiagnoseError) in
            try IngestBenchmark.run(lines: lines, files: files, dir: dir)
        }
        print(result.table)
    }
}
