/// Finds which of many literal keywords occur in a line, in one pass over its bytes: a table
/// of the keywords' first two bytes says where to compare, so cost grows with line length,
/// not with the number of keywords. (A PCRE2 alternation of ~60 literals tried every branch at
/// every plausible start and cost most of the ingest.)
struct KeywordScanner {
    private let keywords: [[UInt8]]
    /// For each two-byte prefix (b0 << 8 | b1): 0 when none, else 1 + index into `buckets`.
    private var table: [UInt16]
    /// One bit per two-byte prefix, set where `table` is not 0: 8 KiB that stay in L1 while the
    /// 128 KiB table is read only at candidate positions.
    private var present: [UInt64]
    private var buckets: [[Int]] = []
    /// Keywords of one byte, checked by byte value.
    private var single: [[Int]]
    /// Whether any keyword is one byte long (the per-byte check is skipped otherwise).
    private let hasSingles: Bool

    init(_ words: [String]) {
        keywords = words.map { Array($0.utf8) }
        table = [UInt16](repeating: 0, count: 65536)
        present = [UInt64](repeating: 0, count: 65536 / 64)
        single = [[Int]](repeating: [], count: 256)
        hasSingles = keywords.contains { $0.count == 1 }
        for (k, w) in keywords.enumerated() {
            guard let b0 = w.first else { continue }
            if w.count == 1 { single[Int(b0)].append(k); continue }
            let key = Int(b0) << 8 | Int(w[1])
            if table[key] == 0 {
                buckets.append([k])
                table[key] = UInt16(buckets.count)
                present[key >> 6] |= 1 << UInt64(key & 63)
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
        table.withUnsafeBufferPointer { t in present.withUnsafeBufferPointer { bits in
            if hasSingles {
                if !single[Int(base[0])].isEmpty { for k in single[Int(base[0])] { found(k) } }
            }
            var prev = Int(base[0])
            var i = 1
            while i < n {
                let c = Int(base[i])
                let key = prev << 8 | c
                if bits[key >> 6] & (1 << UInt64(key & 63)) != 0 {
                    compare(bucket: Int(t[key]) - 1, start: i - 1, base, n, found)
                }
                if hasSingles, !single[c].isEmpty { for k in single[c] { found(k) } }
                prev = c
                i += 1
            }
        } }
    }

    /// Checks the keywords of one two-byte bucket at `start` (cold: most positions have none).
    private func compare(bucket: Int, start: Int, _ base: UnsafePointer<UInt8>, _ n: Int, _ found: (Int) -> Void) {
        for k in buckets[bucket] {
            let w = keywords[k]
            if start + w.count > n { continue }
            var j = 2
            while j < w.count, base[start + j] == w[j] { j += 1 }
            if j >= w.count { found(k) }
        }
    }
}
