import DiagnoseCore
import DiagnoseText

/// TensorBoard scalar CSV downloads (FORMATS.md A.7): `Wall time,Step,Value` rows of one tag. The
/// metric comes from the file name (`run-<run>-tag-<tag>.csv`, `/` in the tag written as `_`),
/// mapped onto the shared vocabulary where possible (`train_loss` → `loss`), else kept under the
/// tag's own name. Wall time is unix seconds. Steps may repeat or go back after a resume.
public struct TensorBoardCSVParser: FormatParser {
    public let id = "tensorboard-csv"
    public init() {}
    public var resumable: Bool { true }

    public func sniff(_ head: FileHead) -> Double {
        guard let first = head.lines.first else { return 0 }
        let h = first.replacingOccurrences(of: "\"", with: "").lowercased()
        return h.hasPrefix("wall time,step,value") ? 0.95 : 0
    }

    /// The tag of `run-<run>-tag-<tag>.csv` (or `.json`), else the file's stem.
    static func tag(path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        if name.lowercased().hasSuffix(".csv") || name.lowercased().hasSuffix(".json") {
            name = String(name[..<name.lastIndex(of: ".")!])
        }
        if let r = name.range(of: "-tag-") { return String(name[r.upperBound...]) }
        return name
    }

    /// A tag's shared name: tried as is, then with each `_` read as the `/` it replaced.
    static func metricName(tag: String) -> (MetricName, String?) {
        if let n = MetricVocabulary.name(for: tag) { return (n, n.rawValue == tag ? nil : tag) }
        let chars = Array(tag)
        for (i, c) in chars.enumerated() where c == "_" {
            var alt = chars
            alt[i] = "/"
            if let n = MetricVocabulary.name(for: String(alt)) { return (n, tag) }
        }
        return (MetricName(tag.lowercased()), tag)
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let (name, label) = TensorBoardCSVParser.metricName(tag: TensorBoardCSVParser.tag(path: input.path))
        var cells: [Range<Int>] = []
        let stats = try input.reader().forEach { view in
            // Every record of a line is out once its last frame is seen: a safe point.
            defer { if view.isLastFrame, view.lineEnd >= 0 { sink.safePoint(nextOffset: view.lineEnd, linesDone: view.number) } }
            guard view.frame == 0 else { return }
            let b = view.bytes
            if b.count == 0 { return }
            CSVCells.split(b, into: &cells)
            guard cells.count >= 3, let value = Numbers.parseDouble(Bytes.slice(b, cells[2])),
                  let step = Numbers.parseInt(Bytes.slice(b, cells[1])) else {
                if view.number != 1 || !Bytes.has(b, "Step") { sink.unparsed(line: view.number) }
                return
            }
            let wall = Numbers.parseDouble(Bytes.slice(b, cells[0]))
            sink.emit(MetricPoint(name: name, value: value, step: step, time: wall, rank: input.rankHint, label: label,
                                  line: view.number))
        }
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "TensorBoard scalar CSV", path: "tb/run-.-tag-train_loss.csv", content: """
            Wall time,Step,Value
            1762160000.123,10,2.5
            1762160010.456,20,nan
            1762160020.789,30,2.25
            """, expect: [
                .metric(name: .loss, value: 2.5, step: 10, line: 2),
                .nonFinite(name: .loss, step: 20, line: 3),
                .metric(name: .loss, value: 2.25, step: 30, line: 4),
                .count(metrics: 3, unparsed: 0),
            ]),
         ParserExample(name: "TensorBoard CSV of a slash tag", path: "tb/run-sft-tag-train_learning_rate.csv", content: """
            Wall time,Step,Value
            1762160000.0,1,0.0001
            """, expect: [.metric(name: .lr, value: 0.0001, step: 1, line: 2)]),
        ]
    }
}
