import DiagnoseAnalysis
import DiagnoseCore
@testable import DiagnoseEngine
import Foundation

/// Hand-built runs: real-looking file lists, symptoms citing lines in them, config changes.
struct Fixture {
    var files: [IngestedFile] = [
        IngestedFile(path: "logs/rank0.log", format: "text-log", lines: 20_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "logs/rank1.log", format: "text-log", lines: 20_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "logs/rank2.log", format: "text-log", lines: 20_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "logs/rank3.log", format: "text-log", lines: 20_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "metrics.jsonl", format: "jsonl-metrics", lines: 5_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "config.yaml", format: "yaml-config", lines: 80, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "kern.log", format: "kernel-log", lines: 500, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "eval/samples.jsonl", format: "lm-eval-samples", lines: 1_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "serve/metrics.prom", format: "prometheus", lines: 3_000, bytes: 1, unparsedLines: 0, note: nil),
        IngestedFile(path: "prompts/system.jinja", format: "prompt-template", lines: 40, bytes: 1, unparsedLines: 0, note: nil),
    ]
    var symptoms: [Symptom] = []
    var changes: [ConfigChange] = []
    var events: [Sourced<LogEvent>] = []
    var templates: [TemplateStat] = []
    /// Both sides have a config document unless a test says otherwise.
    var configs: [ConfigDocument] = [
        ConfigDocument(path: "config.yaml", document: "", kind: .training,
                       entries: [ConfigEntry(key: "learning_rate", value: .number(3e-4), line: 3)]),
    ]

    func input() -> AnalysisInput {
        let run = RunObservations(runID: "run-under-test", root: "/nonexistent/run", files: files, events: events,
                                  configs: configs, templates: templates)
        let base = RunObservations(runID: "baseline-run", root: "/nonexistent/base", files: files, configs: configs)
        return AnalysisInput(run: run, baseline: base, configChanges: changes)
    }

    func investigate(_ investigator: Investigator = Investigator()) -> Investigation {
        investigator.investigate(input(), symptoms: symptoms)
    }

    static func logFile(rank: Int?) -> String { "logs/rank\(rank ?? 0).log" }

    /// The cited line: real text where a playbook reads it (a scheduler cancellation names its
    /// reason), else a placeholder.
    static func excerpt(_ kind: SymptomKind, _ event: EventKind?) -> String {
        if event == .slurmCancel {
            return "slurmstepd: error: *** JOB 4471902 ON gpu-d11 CANCELLED AT 2026-07-19T08:02:41 DUE TO TIME LIMIT ***"
        }
        return "\(kind.rawValue) excerpt"
    }

    mutating func add(_ kind: SymptomKind, metric: MetricName? = nil, event: EventKind? = nil, key: String? = nil,
                      trait: GenerationTrait? = nil, step: Int? = nil, time: Double? = nil, rank: Int? = nil,
                      magnitude: Double = 1, before: Double? = nil, after: Double? = nil, old: String? = nil,
                      new: String? = nil, source: String? = nil, line: Int = 100, excerpt: String? = nil) {
        let src = source ?? {
            if metric != nil { return "metrics.jsonl" }
            if kind.rawValue.hasPrefix("cache") || kind == .replicaCountChange { return "serve/metrics.prom" }
            if kind.rawValue.hasPrefix("eval") || kind == .checkpointMismatch { return "eval/samples.jsonl" }
            if kind.rawValue.hasPrefix("template") { return "prompts/system.jinja" }
            if event == .xid || event == .eccError { return "kern.log" }
            return Fixture.logFile(rank: rank)
        }()
        let evKind: Evidence.Kind = metric != nil ? .metric : (src.hasPrefix("eval") ? .eval : (src.hasPrefix("serve") ? .cache : (src.hasPrefix("prompts") ? .template : .log)))
        let ev = Evidence(kind: evKind, source: src, line: line, step: step, time: time, rank: rank,
                          excerpt: excerpt ?? Fixture.excerpt(kind, event), metric: metric?.rawValue)
        var what = kind.rawValue
        if let metric { what += " of \(metric.rawValue)" }
        if let event { what += " \(event.rawValue)" }
        if let rank { what += " on rank \(rank)" }
        if let step { what += " at step \(step)" }
        symptoms.append(Symptom(kind: kind, metric: metric, eventKind: event, configKey: key, trait: trait, onsetStep: step,
                                onsetTime: time, rank: rank, magnitude: magnitude, before: before, after: after,
                                oldValue: old, newValue: new, summary: what, evidence: [ev]))
    }

    /// A material config change, as a symptom and in the diff (as the detectors report it).
    mutating func change(_ key: String, _ old: String?, _ new: String?, material: Bool = true, line: Int = 12) {
        let kind: ConfigChange.Change = old == nil ? .added : (new == nil ? .removed : .changed)
        let c = ConfigChange(file: "config.yaml", baselineFile: "config.yaml", key: key, change: kind, oldValue: old,
                             newValue: new, line: line, baselineLine: line, material: material)
        changes.append(c)
        if material {
            let ev = Evidence(kind: .config, source: "config.yaml", line: line, excerpt: "\(key): \(new ?? "")",
                              key: key, oldValue: old, newValue: new)
            symptoms.append(Symptom(kind: .configChange, configKey: key, oldValue: old, newValue: new,
                                    summary: "config \(key): \(old ?? "(unset)") -> \(new ?? "(unset)")", evidence: [ev]))
        }
    }

    mutating func event(_ kind: EventKind, rank: Int?, line: Int, time: Double? = nil, step: Int? = nil, message: String) {
        events.append(Sourced(source: Fixture.logFile(rank: rank),
                              value: LogEvent(line: line, byteOffset: Int64(line * 80), time: time, step: step, rank: rank,
                                              severity: .error, kind: kind, message: message)))
    }

    /// Benign differences every real pair of runs has.
    mutating func benignNoise() {
        change("seed", "42", "1234", material: false)
        change("run_name", "sft-a", "sft-b", material: false)
        change("logging_steps", "10", "50", material: false)
        change("output_dir", "/ckpt/a", "/ckpt/b", material: false)
    }

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
    static var playbookDir: String { repoRoot + "/playbooks" }
}
