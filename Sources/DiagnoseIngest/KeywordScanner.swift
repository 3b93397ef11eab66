#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds which of a fixed set of literal keywords (2+ bytes, case-sensitive) occur in a line:
/// a 64K-entry table over each position's first two bytes, then a byte compare of the few
/// keywords starting with that pair. One pass over the line, no allocation, no reference
/// counting (flat buffers), no regex.
final class KeywordScanner {
    /// Per byte pair: 0 = no keyword starts with it, else 1 + index of its first entry in `entries`.
    private let table: UnsafeMutablePointer<Int32>
    /// Keyword indices grouped by pair; each group ends with -1.
    private let entries: UnsafeMutablePointer<Int32>
    private let bytes: UnsafeMutablePointer<UInt8>
    private let starts: UnsafeMutablePointer<Int32>
    private let lengths: UnsafeMutablePointer<Int32>
    private let count: Int
    private let entryCount: Int
    private let byteCount: Int

    init(keywords: [[UInt8]]) {
        precondition(keywords.allSatisfy { $0.count >= 2 }, "keywords need two bytes or more")
        count = keywords.count
        table = .allocate(capacity: 65536)
        table.initialize(repeating: 0, count: 65536)
        var groups: [Int: [Int]] = [:]
        var order: [Int] = []
        for (i, k) in keywords.enumerated() {
            let key = Int(k[0]) << 8 | Int(k[1])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        entryCount = keywords.count + order.count
        entries = .allocate(capacity: max(entryCount, 1))
        var e = 0
        for key in order {
            table[key] = Int32(e + 1)
            for i in groups[key]! { entries[e] = Int32(i); e += 1 }
            entries[e] = -1; e += 1
        }
        byteCount = keywords.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(byteCount, 1))
        starts = .allocate(capacity: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        var at = 0
        for (i, k) in keywords.enumerated() {
            starts[i] = Int32(at); lengths[i] = Int32(k.count)
            for (j, c) in k.enumerated() { bytes[at + j] = c }
            at += k.count
        }
    }

    deinit {
        table.deallocate(); entries.deallocate(); bytes.deallocate(); starts.deallocate(); lengths.deallocate()
    }

    /// Calls `hit` with the index of every keyword occurrence, in line order.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ hit: (Int) -> Void) {
        let n = text.count
        guard n >= 2, let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var key = Int(base[0])
        var i = 0
        while i < n - 1 {
            key = (key & 0xFF) << 8 | Int(base[i + 1])
            let slot = table[key]
            if slot != 0 {
                var e = Int(slot) - 1
                while entries[e] >= 0 {
                    let k = Int(entries[e])
                    let len = Int(lengths[k])
                    if i + len <= n, memcmp(base + i, bytes + Int(starts[k]), len) == 0 { hit(k) }
                    e += 1
                }
            }
            i += 1
        }
    }
}
