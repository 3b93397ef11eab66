/// Finds which of many literal keywords occur in a line, in one pass over its bytes: a table
/// of the keywords' first two bytes says where to compare, so cost grows with line length,
/// not with the number of keywords. (A PCRE2 alternation of ~60 literals tried every branch at
/// every plausible start and cost most of the ingest.)
struct KeywordScanner {
    private let keywords: [[UInt8]]
    /// For each two-byte prefix (b0 << 8 | b1): 0 when none, else 1 + index into `buckets`.
    private var table: [UInt16]
    private var buckets: [[Int]] = []
    /// Keywords of one byte, checked by byte value.
    private var single: [[Int]]

    init(_ words: [String]) {
        keywords = words.map { Array($0.utf8) }
        table = [UInt16](repeating: 0, count: 65536)
        single = [[Int]](repeating: [], count: 256)
        for (k, w) in keywords.enumerated() {
            guard let b0 = w.first else { continue }
            if w.count == 1 { single[Int(b0)].append(k); continue }
            let key = Int(b0) << 8 | Int(w[1])
            if table[key] == 0 {
                buckets.append([k])
                table[key] = UInt16(buckets.count)
            } else {
                buckets[Int(table[key]) - 1].append(k)
            }
        }
    }

    /// Calls `found` with the index of every keyword occurring in `text` (possibly repeatedly).
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int) -> Void) {
        let n = text.count
        guard n > 0, let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var i = 0
        var prev = Int(base[0])
        if !single[prev].isEmpty { for k in single[prev] { found(k) } }
        i = 1
        while i < n {
            let c = Int(base[i])
            let slot = table[prev << 8 | c]
            if slot != 0 {
                let start = i - 1
                for k in buckets[Int(slot) - 1] {
                    let w = keywords[k]
                    if start + w.count > n { continue }
                    var j = 2
                    while j < w.count, base[start + j] == w[j] { j += 1 }
                    if j >= w.count { found(k) }
                }
            }
            if !single[c].isEmpty { for k in single[c] { found(k) } }
            prev = c
            i += 1
        }
    }
}
