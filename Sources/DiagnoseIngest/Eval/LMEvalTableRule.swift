import Foundation
import DiagnoseCore
import DiagnoseText

/// lm-eval's printed Markdown results table (FORMATS.md D.3), with or without the
/// higher-is-better arrow column: the header row (`Tasks|Version|Filter|n-shot|Metric|…`) starts
/// the table; each row becomes an `EvalScore` (continuation rows inherit the task, subtasks lose
/// their ` - ` indent, `N/A` stderr is nil).
final class LMEvalTableRule: LineRule {
    let keywords = ["|Version|"]
    private(set) var active = false
    private var columns: [String: Int] = [:]
    private var task: String?
    private var version: String?

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let text = line.payloadString.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("|") else {
            active = false
            return .pass
        }
        let cells = LMEvalTableRule.cells(text)
        if !active || cells.contains("Version") {
            guard cells.contains("Version"), cells.contains("Metric"), cells.contains("Value") else { return .pass }
            columns = [:]
            for (i, c) in cells.enumerated() where !c.isEmpty && columns[c] == nil { columns[c] = i }
            if let g = columns["Groups"], columns["Tasks"] == nil { columns["Tasks"] = g }
            task = nil
            active = true
            return .consumed(step: nil)
        }
        if cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" } }) { return .consumed(step: nil) }
        func cell(_ name: String) -> String? {
            guard let i = columns[name], i < cells.count else { return nil }
            return cells[i]
        }
        if let t = cell("Tasks"), !t.isEmpty {
            task = t.hasPrefix("- ") ? String(t.dropFirst(2)) : t
        }
        guard let task, let metric = cell("Metric"), !metric.isEmpty, let vs = cell("Value"), let value = Numbers.parseDouble(vs) else {
            sink.unparsed(line: line.number)
            return .consumed(step: nil)
        }
        let stderr = cell("Stderr").flatMap { Numbers.parseDouble($0) }
        let filter = cell("Filter").flatMap { $0.isEmpty ? nil : $0 }
        let nShot = cell("n-shot").flatMap { Int($0) }
        sink.emit(EvalScore(task: task, metric: metric, filter: filter, value: value, stderr: stderr, nShot: nShot, line: line.number))
        return .consumed(step: nil)
    }

    static func cells(_ row: String) -> [String] {
        var parts = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}

extension ServingRules {
    static func lmEvalTable() -> LineRuleSpec {
        LineRuleSpec(id: "lm-eval-table", examples: [
            ParserExample(name: "lm-eval table with arrow column (FORMATS.md D.3)", path: "logs/eval.log", content: """
            hf (pretrained=EleutherAI/pythia-160m), gen_kwargs: (None), limit: 10.0, num_fewshot: None, batch_size: 1
            |    Tasks    |Version|Filter|n-shot| Metric |   |Value|   |Stderr|
            |-------------|------:|------|-----:|--------|---|----:|---|------|
            |arc_challenge|      1|none  |     0|acc     |↑  |  0.0|±  |   N/A|
            |             |       |none  |     0|acc_norm|↑  |  0.0|±  |   N/A|
            |mmmu_val                        |      0|none  |      |acc   |↑  |0.3778|±  |0.0155|
            | - Art and Design               |      0|none  |      |acc   |↑  |0.5500|±  |0.0415|

            """, expect: [.evalScore(task: "arc_challenge", metric: "acc", value: 0), .evalScore(task: "arc_challenge", metric: "acc_norm", value: 0),
                          .evalScore(task: "mmmu_val", metric: "acc", value: 0.3778), .evalScore(task: "Art and Design", metric: "acc", value: 0.55)]),
            ParserExample(name: "older lm-eval table without the arrow column", path: "logs/eval-old.log", content: """
            |  Tasks  |Version|  Filter  |n-shot|  Metric   |Value |   |Stderr|
            |---------|------:|----------|-----:|-----------|-----:|---|-----:|
            |gsm8k    |      3|strict-match|     5|exact_match|0.4200|±  |0.0136|
            |         |       |flexible-extract|     5|exact_match|0.4500|±  |0.0137|
            """, expect: [.evalScore(task: "gsm8k", metric: "exact_match", value: 0.42), .evalScore(task: "gsm8k", metric: "exact_match", value: 0.45)]),
        ], make: { LMEvalTableRule() })
    }
}
