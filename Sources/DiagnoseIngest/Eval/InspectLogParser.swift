import Foundation
import DiagnoseCore
import DiagnoseText

/// Inspect AI eval logs in the JSON form (FORMATS.md D.4): `results.scores[].metrics` ->
/// `EvalScore` (filter = scorer), `samples[]` -> `EvalSample` (C = correct; I and N = incorrect;
/// P = partial, unknown; numbers >= 0.5 correct), the generation settings (`eval.config`,
/// `eval.model`, `eval.task_args`, `plan.config`, …) -> config entries (document `inspect`, kind
/// `.eval`). A log with status `error`/`cancelled` is reported. The zipped `.eval` form is read by
/// `InspectEvalZipParser` through the same pieces.
public struct InspectLogParser: FormatParser {
    public let id = "inspect-log"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "json", ConfigSupport.firstNonSpace(head.text) == "{" else { return 0 }
        let t = head.text
        guard t.contains("\"eval\"") else { return 0 }
        let signals = ["\"task\"", "\"status\"", "\"plan\"", "\"results\"", "\"samples\"", "\"eval_id\"", "\"task_id\""].filter { t.contains($0) }.count
        return signals >= 3 ? 0.93 : 0
    }

    /// Keys of `eval` that identify one execution (ids, times, environment), not its settings.
    static let volatile: Set<String> = ["eval.eval_id", "eval.run_id", "eval.task_id", "eval.created", "eval.revision",
                                        "eval.packages", "eval.metadata", "eval.task_file", "eval.task_registry_name"]

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "Inspect log too large (\(bytes.count) bytes)")
            return
        }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        let lines = bytes.withUnsafeBytes { JSONKeyLines.index($0) }
        let r = JSONConfigReader.read(bytes)
        if let e = r.error { sink.problem(line: e.line, "truncated or malformed Inspect log: \(e.message)") }
        guard let v = r.value else { return }
        InspectLogParser.status(v, lines: lines, into: sink)
        let context = InspectLogParser.context(v)
        InspectLogParser.scores(v, task: context.task, lines: lines, into: sink)
        if let samples = v["samples"]?.arrayValue {
            for (i, s) in samples.enumerated() {
                let line = lines["samples.\(i)"] ?? 1
                sink.emit(InspectLogParser.sample(s, context, line: line))
            }
        }
        InspectLogParser.settings(r.entries, into: sink)
    }

    /// What reading a sample needs from the log's header: the task and the generation limits.
    struct Context {
        var task: String
        var maxTokens: Int?
        var stops: [String]
    }

    /// The pieces below read one document of a log: the whole JSON log, or the members of the
    /// `.eval` zip (`header.json`, `_journal/start.json`, `results.json`, `samples/…`) whose key
    /// paths are the same (`eval.…`, `plan.…`, `results.…`, `status`).
    static func context(_ v: JSONValue) -> Context {
        let generate = [v["eval"]?["model_generate_config"], v["plan"]?["config"], v["eval"]?["config"]].compactMap { $0 }
        return Context(task: v["eval"]?["task"]?.string ?? "inspect",
                       maxTokens: generate.lazy.compactMap { $0["max_tokens"]?.double }.first.map { Int($0) },
                       stops: generate.lazy.compactMap { $0["stop_seqs"]?.arrayValue }.first?.compactMap(\.string) ?? [])
    }

    /// A log whose status is not `success` (`error`, `cancelled`, `started`) is reported.
    static func status(_ v: JSONValue, lines: [String: Int], into sink: RecordSink) {
        if let status = v["status"]?.string, status != "success" {
            sink.problem(line: lines["status"], "Inspect eval status is \(status)")
        }
    }

    /// `results.scores[].metrics` as eval scores (filter = scorer; `stderr` attached, not a score).
    static func scores(_ v: JSONValue, task: String, lines: [String: Int], into sink: RecordSink) {
        let total = v["results"]?["total_samples"]?.double.map { Int($0) }
        guard let scores = v["results"]?["scores"]?.arrayValue else { return }
        for (i, s) in scores.enumerated() {
            let scorer = s["name"]?.string ?? s["scorer"]?.string
            guard let metrics = s["metrics"]?.objectValue else { continue }
            let stderr = metrics.first { $0.0 == "stderr" }?.1["value"]?.double
            for (name, m) in metrics where name != "stderr" {
                guard let x = m["value"]?.double else { continue }
                let line = lines["results.scores.\(i).metrics.\(name)"] ?? lines["results.scores.\(i)"] ?? 1
                sink.emit(EvalScore(task: task, metric: name, filter: scorer, value: x, stderr: stderr, samples: total, line: line))
            }
        }
    }

    /// The generation settings (`eval.…`, `plan.…` without ids and times) as config entries.
    static func settings(_ entries: [FlatEntry], into sink: RecordSink) {
        let settings = entries.filter { e in
            (e.key.hasPrefix("eval.") || e.key.hasPrefix("plan.")) && !InspectLogParser.volatile.contains(where: { e.key == $0 || e.key.hasPrefix($0 + ".") })
        }
        ConfigSupport.emit(settings, document: "inspect", kind: .eval, into: sink)
    }

    static func sample(_ s: JSONValue, _ c: Context, line: Int) -> EvalSample {
        sample(s, task: c.task, maxTokens: c.maxTokens, stops: c.stops, line: line)
    }

    static func sample(_ s: JSONValue, task: String, maxTokens: Int?, stops: [String] = [], line: Int) -> EvalSample {
        let id = s["id"].map { $0.string ?? $0.double.map { ConfigValue.format($0) } ?? "?" } ?? "?"
        let epoch = s["epoch"]?.double.map { Int($0) }
        let output = s["output"]
        let completion = output?["completion"]?.string
        let message = output?["choices"]?.arrayValue?.first?["message"]?["content"]?.string
        let response = (completion?.isEmpty ?? true) ? (message ?? completion) : completion
        let stop = output?["stop_reason"]?.string ?? output?["choices"]?.arrayValue?.first?["stop_reason"]?.string
        var correct: Bool? = nil
        var answer: String? = nil
        if let scores = s["scores"]?.objectValue, let first = scores.first?.1 {
            answer = first["answer"]?.string
            switch first["value"] {
            case .string(let g)?:
                switch g.uppercased() {
                case "C": correct = true
                case "I", "N": correct = false
                default: correct = nil
                }
            case .number(let d)?: correct = d >= 0.5
            case .bool(let b)?: correct = b
            default: break
            }
        }
        let target: String? = s["target"]?.string ?? s["target"]?.arrayValue?.compactMap(\.string).joined(separator: " | ")
        let traits = GenerationTraits.classify(response: response, extracted: answer, finishReason: stop, maxTokens: maxTokens,
                                               stops: stops, extractionApplies: correct == false && answer != nil, correct: correct)
        return EvalSample(task: task, docID: epoch.map { "\(id)#\($0)" } ?? id, correct: correct, traits: traits, target: target,
                          response: response.map { String($0.prefix(4096)) }, extracted: answer, finishReason: stop, line: line)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "Inspect JSON log", path: "logs/2026-11-03T08-00-00_gsm8k_abc.json", content: """
        {
          "version": 2,
          "status": "success",
          "eval": {"eval_id": "e1", "run_id": "r1", "created": "2026-11-03T08:00:00+00:00", "task": "gsm8k", "task_id": "t1", "model": "openai/gpt-4o-mini", "config": {"max_tokens": 512, "temperature": 0.0}},
          "plan": {"name": "plan", "steps": [{"solver": "generate", "params": {}}], "config": {}},
          "results": {"total_samples": 2, "completed_samples": 2, "scores": [{"name": "match", "scorer": "match", "scored_samples": 2, "unscored_samples": 0, "params": {}, "metrics": {"accuracy": {"name": "accuracy", "value": 0.5, "params": {}}, "stderr": {"name": "stderr", "value": 0.5, "params": {}}}}]},
          "samples": [
            {"id": 1, "epoch": 1, "input": "What is 2+2?", "target": "4", "output": {"model": "gpt-4o-mini", "choices": [{"message": {"role": "assistant", "content": "4"}, "stop_reason": "stop"}], "completion": "4"}, "scores": {"match": {"value": "C", "answer": "4"}}},
            {"id": 2, "epoch": 1, "input": "What is 3+3?", "target": "6", "output": {"model": "gpt-4o-mini", "choices": [{"message": {"role": "assistant", "content": "Let me think about"}, "stop_reason": "max_tokens"}], "completion": "Let me think about"}, "scores": {"match": {"value": "I", "answer": ""}}}
          ]
        }
        """, expect: [.evalScore(task: "gsm8k", metric: "accuracy", value: 0.5),
                      .evalSample(task: "gsm8k", docID: "1#1", correct: true),
                      .evalSample(task: "gsm8k", docID: "2#1", correct: false, trait: .truncated),
                      .config(key: "eval.config.max_tokens", value: .number(512), document: "inspect")])]
    }
}
