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

    /// The tag of `run-<run>-tag-<tag>.csv`, else the file's stem.
    static func tag(path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        if name.lowercased().hasSuffix(".csv") { name.removeLast(4) }
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
            sink.safePoint(nextOffset: view.offset + Int64(b.count) + 1, linesDone: view.number)
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

/// Step-indexed metric CSVs: PyTorch Lightning's `CSVLogger` `metrics.csv` (FORMATS.md A.6: a
/// `step` column, sparse rows, the header rewritten mid-run when new keys appear) and similar
/// exports with a `step`/`Step`/`_step`/`global_step` column. `_step` suffixes are dropped,
/// `_epoch` aggregates skipped; W&B panel exports (`<run> - <metric>`, `__MIN`/`__MAX`) read the
/// metric after ` - `.
public struct CSVMetricsParser: FormatParser {
    public let id = "csv-metrics"
    public init() {}
    public var resumable: Bool { false }

    static let stepColumns: Set<String> = ["step", "_step", "global_step", "trainer/global_step", "iteration", "iter"]

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "csv", let first = head.lines.first else { return 0 }
        let cols = first.split(separator: ",").map { String($0).trimming("\"").lowercased() }
        guard cols.contains(where: { CSVMetricsParser.stepColumns.contains($0) }) else { return 0 }
        let known = cols.contains { CSVMetricsParser.column($0) != nil }
        if head.name == "metrics.csv" { return known ? 0.9 : 0.6 }
        return known ? 0.6 : 0.25
    }

    static func column(_ raw: String) -> (MetricName, String?)? {
        var k = raw
        if let r = k.range(of: " - ") { k = String(k[r.upperBound...]) }
        if k.hasSuffix("__MIN") || k.hasSuffix("__MAX") || k.hasSuffix("_epoch") { return nil }
        if k.hasSuffix("_step"), k != "_step", k != "global_step" { k.removeLast(5) }
        guard let n = MetricVocabulary.name(for: k) else { return nil }
        if n == .epoch { return nil }
        return (n, n.rawValue == raw ? nil : raw)
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        var cells: [Range<Int>] = []
        var columns: [(MetricName, String?)?] = []
        var stepColumn: Int? = nil
        var header = true
        let stats = try input.reader().forEach { view in
            guard view.frame == 0 else { return }
            let b = view.bytes
            if b.count == 0 { return }
            CSVCells.split(b, into: &cells)
            let names = cells.map { Bytes.string(b, $0).trimming(" ") }
            // A header: the first line, or a rewritten one (no cell parses as a number).
            if header || (names.contains { CSVMetricsParser.stepColumns.contains($0.lowercased()) }
                          && !cells.contains { Numbers.parseDouble(Bytes.slice(b, $0)) != nil }) {
                header = false
                columns = names.map { CSVMetricsParser.column($0) }
                stepColumn = names.firstIndex { CSVMetricsParser.stepColumns.contains($0.lowercased()) }
                return
            }
            let step = stepColumn.flatMap { $0 < cells.count ? Numbers.parseInt(Bytes.slice(b, cells[$0])) : nil }
            var any = false
            for (i, cell) in cells.enumerated() where i < columns.count && !cell.isEmpty {
                guard let (name, label) = columns[i], let v = Numbers.parseDouble(Bytes.slice(b, cell)) else { continue }
                sink.emit(MetricPoint(name: name, value: v, step: step, rank: input.rankHint, label: label, line: view.number))
                any = true
            }
            if !any, cells.count != columns.count { sink.unparsed(line: view.number) }
        }
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "Lightning CSVLogger metrics.csv, sparse, header rewritten", path: "lightning_logs/version_0/metrics.csv",
                       content: """
                       epoch,step,train_loss_step
                       0,49,2.31
                       0,99,2.10
                       epoch,step,train_loss_epoch,train_loss_step,val_loss
                       0,99,,,2.05
                       0,99,2.2,,
                       1,149,,1.95,
                       """,
                       expect: [
                           .metric(name: .loss, value: 2.31, step: 49, line: 2),
                           .metric(name: .loss, value: 2.10, step: 99, line: 3),
                           .metric(name: .evalLoss, value: 2.05, step: 99, line: 5),
                           .metric(name: .loss, value: 1.95, step: 149, line: 7),
                           .count(metrics: 4, unparsed: 0),
                       ])]
    }
}
