import DiagnoseCore
import DiagnoseText

/// TensorBoard scalar JSON downloads (FORMATS.md A.7): one list of `[wall_time, step, value]`
/// triples for one tag, named like the CSV download (`run-<run>-tag-<tag>.json`).
public struct TensorBoardJSONParser: FormatParser {
    public let id = "tensorboard-json"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "json" else { return 0 }
        var t = Substring(head.text)
        while let f = t.first, f == " " || f == "\n" || f == "\r" || f == "\t" { t.removeFirst() }
        guard t.hasPrefix("[") else { return 0 }
        t.removeFirst()
        while let f = t.first, f == " " || f == "\n" || f == "\r" || f == "\t" { t.removeFirst() }
        guard t.hasPrefix("[") else { return 0 }
        return head.name.contains("-tag-") ? 0.9 : 0.5
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let (name, label) = TensorBoardCSVParser.metricName(tag: TensorBoardCSVParser.tag(path: input.path))
        let (bytes, stats) = try WholeFile.read(input)
        let parsed: JSONValue?
        do { parsed = try JSONParser.parse(bytes) } catch {
            sink.problem(line: error.line, "not valid JSON: \(error.message)")
            parsed = nil
        }
        if let rows = parsed?.arrayValue {
            for row in rows {
                guard let r = row.arrayValue, r.count >= 3, let step = r[1].double.flatMap({ Int(fromFile: $0) }),
                      let value = r[2].double else {
                    sink.unparsed(line: 1)
                    continue
                }
                sink.emit(MetricPoint(name: name, value: value, step: step, time: r[0].double, rank: input.rankHint,
                                      label: label, line: 1))
            }
        } else if parsed != nil {
            sink.problem(line: 1, "expected a list of [wall_time, step, value] triples")
        }
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "TensorBoard scalar JSON", path: "tb/run-sft-tag-train_grad_norm.json",
                       content: "[[1762160000.5, 10, 1.25], [1762160010.5, 20, NaN]]",
                       expect: [.metric(name: .gradNorm, value: 1.25, step: 10, line: 1), .nonFinite(name: .gradNorm, step: 20),
                                .count(metrics: 2, unparsed: 0)])]
    }
}
