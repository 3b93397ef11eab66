#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Content` and `EventId` columns of a Loghub `*_structured.csv` (RFC 4180 quoting:
/// `"` around fields, `""` inside them, line breaks allowed inside quotes).
struct LabelledLines {
    /// Every line's content, back to back; line `i` is `contents[starts[i]..<starts[i + 1]]`.
    var contents: [UInt8] = []
    var starts: [Int] = [0]
    var truth: [String] = []
    var count: Int { truth.count }

    static func load(path: String) throws(LoghubBenchmark.Failure) -> LabelledLines {
        guard let data = readAll(path) else { throw .cannotRead(path: path) }
        var rows = CSVRows(data)
        guard let header = rows.next() else { throw .empty(path: path) }
        let names = header.map { String(decoding: $0, as: UTF8.self) }
        guard let content = names.firstIndex(of: "Content") else { throw .missingColumn(path: path, column: "Content") }
        guard let event = names.firstIndex(of: "EventId") else { throw .missingColumn(path: path, column: "EventId") }
        var out = LabelledLines()
        while let row = rows.next() {
            if row.count == 1, row[0].isEmpty { continue }
            guard row.count > max(content, event) else { continue }
            out.contents.append(contentsOf: row[content])
            out.starts.append(out.contents.count)
            out.truth.append(String(decoding: row[event], as: UTF8.self))
        }
        if out.truth.isEmpty { throw .empty(path: path) }
        return out
    }

    /// Mines the raw lines of `path` instead (line `i` of the file is labelled row `i`).
    mutating func replaceContents(withLinesOf path: String) throws(LoghubBenchmark.Failure) {
        guard let data = LabelledLines.readAll(path) else { throw .cannotRead(path: path) }
        var contents: [UInt8] = []
        var starts = [0]
        var lineStart = 0
        for i in 0...data.count where i == data.count || data[i] == 0x0A {
            if i == data.count, lineStart == i { break }
            var end = i
            if end > lineStart, data[end - 1] == 0x0D { end -= 1 }
            contents.append(contentsOf: data[lineStart..<end])
            starts.append(contents.count)
            lineStart = i + 1
        }
        guard starts.count - 1 == truth.count else {
            throw .lineCountMismatch(path: path, lines: starts.count - 1, labelled: truth.count)
        }
        self.contents = contents
        self.starts = starts
    }

    private static func readAll(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return ferror(f) != 0 ? nil : data
    }
}

/// Splits CSV bytes into rows of unquoted field bytes.
struct CSVRows {
    private let data: [UInt8]
    private var i = 0
    init(_ data: [UInt8]) {
        self.data = data
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
    }

    mutating func next() -> [[UInt8]]? {
        guard i < data.count else { return nil }
        var row: [[UInt8]] = []
        var field: [UInt8] = []
        var quoted = false
        while i < data.count {
            let c = data[i]
            i += 1
            if quoted {
                if c == 0x22 {
                    if i < data.count, data[i] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == 0x22 {
                quoted = true
            } else if c == 0x2C {
                row.append(field); field.removeAll(keepingCapacity: true)
            } else if c == 0x0A {
                break
            } else if c != 0x0D {
                field.append(c)
            }
        }
        row.append(field)
        return row
    }
}
