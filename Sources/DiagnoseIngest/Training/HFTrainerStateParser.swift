import DiagnoseCore
import DiagnoseText

/// HF `trainer_state.json` (FORMATS.md A.1): `log_history` entries become metric points at their
/// `step` (bare `NaN`/`Infinity` accepted), each cited at the line where its object starts. Train,
/// eval and final-summary entries are told apart by keys (`loss` / `eval_loss` /
/// `train_runtime`); the summary's run-mean `train_loss` is not a loss point. The run-shape fields
/// (`max_steps`, `logging_steps`, `eval_steps`, `save_steps`, `train_batch_size`,
/// `num_train_epochs`) become config entries of the document "trainer_state". A file cut off
/// mid-write still yields every complete entry, and the cut is reported as a problem.
public struct HFTrainerStateParser: FormatParser {
    public let id = "hf-trainer-state"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        if head.name == "trainer_state.json" { return 0.95 }
        guard head.ext == "json" || head.ext == "" else { return 0 }
        if head.text.contains("\"log_history\"") && head.text.contains("\"global_step\"") { return 0.9 }
        if head.text.contains("\"log_history\"") { return 0.7 }
        return 0
    }

    static let configKeys = ["max_steps", "logging_steps", "eval_steps", "save_steps", "train_batch_size",
                             "num_train_epochs"]

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let (bytes, stats) = try WholeFile.read(input)
        bytes.withUnsafeBytes { b in
            if let doc = try? JSONParser.parse(b) {
                for key in HFTrainerStateParser.configKeys {
                    guard let v = doc[key] else { continue }
                    let value: ConfigValue
                    switch v {
                    case .number(let d): value = .number(d)
                    case .string(let s): value = .string(s)
                    case .bool(let x): value = .bool(x)
                    case .null: value = .null
                    default: continue
                    }
                    sink.emitConfig(document: "trainer_state", kind: .training,
                                    ConfigEntry(key: key, value: value, line: HFTrainerStateParser.lineOf(key, in: b)))
                }
            } else {
                sink.problem(line: nil, "trainer_state.json is not complete JSON (cut off mid-write?); complete log_history entries were read")
            }
            scanLogHistory(b, input: input, sink: sink)
        }
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }

    static func lineOf(_ key: String, in b: UnsafeRawBufferPointer) -> Int? {
        let needle = Array("\"\(key)\":".utf8)
        var line = 1
        var i = 0
        while i + needle.count <= b.count {
            if b[i] == 0x0A { line += 1 }
            if b[i] == needle[0] {
                var k = 1
                while k < needle.count, b[i + k] == needle[k] { k += 1 }
                if k == needle.count { return line }
            }
            i += 1
        }
        return nil
    }

    private func scanLogHistory(_ b: UnsafeRawBufferPointer, input: ParseInput, sink: RecordSink) {
        let key = Array("\"log_history\"".utf8)
        var i = 0, line = 1
        var found = false
        while i + key.count <= b.count {
            if b[i] == 0x0A { line += 1 }
            if b[i] == key[0], (0..<key.count).allSatisfy({ b[i + $0] == key[$0] }) { found = true; i += key.count; break }
            i += 1
        }
        guard found else { sink.problem(line: nil, "no log_history in trainer state"); return }
        while i < b.count, b[i] != UInt8(ascii: "[") { if b[i] == 0x0A { line += 1 }; i += 1 }
        i += 1
        var depth = 0
        var inString = false
        var start = -1, startLine = 0
        while i < b.count {
            let c = b[i]
            if c == 0x0A { line += 1 }
            if inString {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                if depth == 0, c == UInt8(ascii: "{") { start = i; startLine = line }
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { return }  // end of log_history
                depth -= 1
                if depth == 0, start >= 0 {
                    entry(UnsafeRawBufferPointer(rebasing: b[start...i]), line: startLine, input: input, sink: sink)
                    start = -1
                }
            }
            i += 1
        }
        if start >= 0 { sink.problem(line: startLine, "log_history entry cut off") }
    }

    private func entry(_ b: UnsafeRawBufferPointer, line: Int, input: ParseInput, sink: RecordSink) {
        guard let v = try? JSONParser.parse(b), let obj = v.objectValue else {
            sink.unparsed(line: line)
            return
        }
        let step = v["step"]?.double.flatMap { $0.isFinite ? Int($0) : nil }
        let summary = v["train_runtime"] != nil
        let isEval = obj.contains { $0.0.hasPrefix("eval_") }
        var any = false
        for (k, value) in obj {
            guard k != "step", let d = value.double else { continue }
            let name: MetricName?
            if summary {
                name = k == "train_samples_per_second" ? .samplesPerS : k == "train_tokens_per_second" ? .tokensPerS : nil
            } else if isEval {
                name = k == "eval_loss" ? .evalLoss : nil
            } else {
                name = MetricVocabulary.name(for: k)
            }
            guard let name else { continue }
            sink.emit(MetricPoint(name: name, value: d, step: step, rank: input.rankHint,
                                  label: name.rawValue == k ? nil : k, line: line))
            any = true
        }
        if !any && !summary { sink.unparsed(line: line) }
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "trainer_state.json with NaN and eval entries", path: "out/checkpoint-40/trainer_state.json",
                       content: """
                       {
                         "best_metric": null,
                         "epoch": 0.4,
                         "eval_steps": 20,
                         "global_step": 40,
                         "log_history": [
                           {
                             "epoch": 0.1,
                             "grad_norm": 2.5,
                             "learning_rate": 1e-05,
                             "loss": 2.1,
                             "step": 10
                           },
                           {
                             "epoch": 0.2,
                             "grad_norm": NaN,
                             "learning_rate": 2e-05,
                             "loss": Infinity,
                             "step": 20
                           },
                           {
                             "epoch": 0.2,
                             "eval_loss": 1.95,
                             "eval_runtime": 3.2,
                             "step": 20
                           },
                           {
                             "epoch": 0.4,
                             "step": 40,
                             "total_flos": 1234.0,
                             "train_loss": 1.9,
                             "train_runtime": 100.5,
                             "train_samples_per_second": 12.5
                           }
                         ],
                         "logging_steps": 10,
                         "max_steps": 40,
                         "train_batch_size": 8
                       }
                       """,
                       expect: [
                           .metric(name: .loss, value: 2.1, step: 10, line: 7),
                           .metric(name: .gradNorm, value: 2.5, step: 10, line: 7),
                           .nonFinite(name: .gradNorm, step: 20, line: 14),
                           .nonFinite(name: .loss, step: 20, line: 14),
                           .metric(name: .evalLoss, value: 1.95, step: 20, line: 21),
                           .metric(name: .samplesPerS, value: 12.5, step: 40, line: 27),
                           .config(key: "logging_steps", value: .number(10), document: "trainer_state"),
                           .config(key: "max_steps", value: .number(40), document: "trainer_state"),
                           .count(metrics: 10, events: 0, unparsed: 0),
                       ])]
    }
}
