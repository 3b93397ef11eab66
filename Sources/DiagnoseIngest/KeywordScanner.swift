#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds which of a fixed set of literal keywords (2+ bytes, case-sensitive) occur in a line:
/// a 64K-entry table over each position's first two bytes, then a byte compare of the few
/// keywords starting with that pair. One pass over the line, no allocation, no regex.
final class KeywordScanner {
    private let table: UnsafeMutablePointer<Int16>
    private let lists: [[Int]]
    private let keywords: [[UInt8]]

    init(keywords: [[UInt8]]) {
        precondition(keywords.allSatisfy { $0.count >= 2 }, "keywords need two bytes or more")
        precondition(keywords.count < Int(Int16.max))
        self.keywords = keywords
        table = .allocate(capacity: 65536)
        table.initialize(repeating: -1, count: 65536)
        var lists: [[Int]] = []
        for (i, k) in keywords.enumerated() {
            let key = Int(k[0]) << 8 | Int(k[1])
            if table[key] < 0 {
                table[key] = Int16(lists.count)
                lists.append([i])
            } else {
                lists[Int(table[key])].append(i)
            }
        }
        self.lists = lists
    }

    deinit { table.deallocate() }

    /// Calls `hit` with the index of every keyword occurrence, in line order.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ hit: (Int) -> Void) {
        let n = text.count
        guard n >= 2, let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var i = 0
        var key = Int(base[0])
        while i < n - 1 {
            key = (key & 0xFF) << 8 | Int(base[i + 1])
            let slot = table[key]
            if slot >= 0 {
                for idx in lists[Int(slot)] {
                    let k = keywords[idx]
                    if i + k.count <= n, k.withUnsafeBufferPointer({ memcmp(base + i, $0.baseAddress!, k.count) == 0 }) {
                        hit(idx)
                    }
                }
            }
            i += 1
        }
    }
}
