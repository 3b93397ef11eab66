/// Scans a printed Python dict (`{'loss': 0.2051, 'grad_norm': nan, 'epoch': '3'}`) over bytes:
/// key and value ranges, quotes kept on values (Numbers strips them).
enum PyDictScanner {
    struct Pair {
        var key: Range<Int>
        var value: Range<Int>
    }

    /// Scans from the `{` at `start`. Returns the pairs and whether the closing `}` was seen.
    static func scan(_ b: UnsafeRawBufferPointer, from start: Int, into pairs: inout [Pair]) -> Bool {
        pairs.removeAll(keepingCapacity: true)
        let n = b.count
        var i = start + 1
        while true {
            while i < n, b[i] == 0x20 { i += 1 }
            guard i < n else { return false }
            if b[i] == UInt8(ascii: "}") { return true }
            let q = b[i]
            guard q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { return false }
            let ks = i + 1
            var j = ks
            while j < n, b[j] != q { if b[j] == UInt8(ascii: "\\") { j += 1 }; j += 1 }
            guard j < n else { return false }
            let key = ks..<j
            i = j + 1
            while i < n, b[i] == 0x20 { i += 1 }
            guard i < n, b[i] == UInt8(ascii: ":") else { return false }
            i += 1
            while i < n, b[i] == 0x20 { i += 1 }
            let vs = i
            var depth = 0
            var quote: UInt8 = 0
            while i < n {
                let c = b[i]
                if quote != 0 {
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    if c == quote { quote = 0 }
                } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                    quote = c
                } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "(") || c == UInt8(ascii: "{") {
                    depth += 1
                } else if c == UInt8(ascii: "]") || c == UInt8(ascii: ")") {
                    depth -= 1
                } else if c == UInt8(ascii: "}") {
                    if depth == 0 { break }
                    depth -= 1
                } else if c == UInt8(ascii: ","), depth == 0 {
                    break
                }
                i += 1
            }
            var ve = min(i, n)
            while ve > vs, b[ve - 1] == 0x20 { ve -= 1 }
            pairs.append(Pair(key: key, value: vs..<ve))
            guard i < n else { return false }
            if b[i] == UInt8(ascii: ",") { i += 1 }
        }
    }
}
