import DiagnoseText

/// Reads a whole document (plain or gzip) through `LineReader`, keeping its line structure, for
/// formats that are parsed as one document. Capped so a huge file cannot exhaust memory.
enum WholeFile {
    struct TooLarge: Error, CustomStringConvertible {
        let path: String
        let limit: Int
        var description: String { "\(path) is larger than \(limit) bytes; not parsed as one document" }
    }

    static func read(_ input: ParseInput, limit: Int = 512 << 20) throws -> (bytes: [UInt8], stats: ReadStats) {
        var out: [UInt8] = []
        var first = true
        let stats = try LineReader(path: input.absolutePath, maxLineBytes: 64 << 20).forEach { view in
            if !first { out.append(view.frame > 0 ? 0x0D : 0x0A) }
            first = false
            out.append(contentsOf: view.bytes)
            if out.count > limit { throw TooLarge(path: input.path, limit: limit) }
        }
        return (out, stats)
    }
}

/// Splits one CSV record (RFC 4180 quoting) into cell ranges, quotes excluded.
enum CSVCells {
    static func split(_ b: UnsafeRawBufferPointer, into cells: inout [Range<Int>]) {
        cells.removeAll(keepingCapacity: true)
        var i = 0
        let n = b.count
        while true {
            if i < n, b[i] == UInt8(ascii: "\"") {
                let s = i + 1
                var j = s
                while j < n {
                    if b[j] == UInt8(ascii: "\"") {
                        if j + 1 < n, b[j + 1] == UInt8(ascii: "\"") { j += 2; continue }
                        break
                    }
                    j += 1
                }
                cells.append(s..<min(j, n))
                i = j + 1
                while i < n, b[i] != UInt8(ascii: ",") { i += 1 }
            } else {
                let s = i
                while i < n, b[i] != UInt8(ascii: ",") { i += 1 }
                cells.append(s..<i)
            }
            if i >= n { return }
            i += 1
            if i == n { cells.append(n..<n); return }
        }
    }
}
