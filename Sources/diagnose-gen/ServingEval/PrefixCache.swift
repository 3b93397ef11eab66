import Foundation

/// One engine replica's paged KV cache with hash-addressed prefix blocks and LRU eviction of
/// unreferenced blocks (the scheme vLLM's prefix caching uses).
final class PagedKVCache {
    let blockSize: Int
    let capacity: Int
    let cachingEnabled: Bool

    private struct Entry { var ref: Int; var lastUse: Int }
    private var table: [UInt64: Entry] = [:]
    private struct HeapEntry { var tick: Int; var hash: UInt64 }
    private var lru: [HeapEntry] = []   // min-heap on tick; stale entries skipped lazily
    private(set) var uncachedInUse = 0

    init(blockSize: Int, capacity: Int, cachingEnabled: Bool) {
        self.blockSize = blockSize
        self.capacity = capacity
        self.cachingEnabled = cachingEnabled
    }

    var cachedBlocks: Int { table.count }
    var free: Int { capacity - table.count - uncachedInUse }
    private(set) var referenced = 0

    /// Chained block hashes over the full blocks of `tokens`.
    static func blockHashes(_ tokens: [UInt32], blockSize: Int) -> [UInt64] {
        let n = tokens.count / blockSize
        var out = [UInt64](repeating: 0, count: n)
        tokens.withUnsafeBufferPointer { t in
            var parent: UInt64 = 0x84222325cbf29ce4
            for b in 0..<n {
                var h = parent
                let base = b * blockSize
                for k in 0..<blockSize { h = (h ^ UInt64(t[base + k])) &* 0x100000001b3 }
                h ^= h >> 29
                out[b] = h
                parent = h
            }
        }
        return out
    }

    /// Leading blocks of `hashes` already cached.
    func matchLength(_ hashes: [UInt64]) -> Int {
        guard cachingEnabled else { return 0 }
        var m = 0
        while m < hashes.count, table[hashes[m]] != nil { m += 1 }
        return m
    }

    func acquire(_ h: UInt64, tick: Int) {
        if var e = table[h] {
            if e.ref == 0 { referenced += 1 }
            e.ref += 1; e.lastUse = tick; table[h] = e
        }
    }

    func release(_ h: UInt64, tick: Int) {
        guard var e = table[h] else { return }
        e.ref -= 1; e.lastUse = tick
        table[h] = e
        if e.ref == 0 {
            referenced -= 1
            heapPush(HeapEntry(tick: tick, hash: h))
            if lru.count > 2 * capacity + 1024 { compact() }
        }
    }

    /// Drops stale heap entries; a tick-sorted array is a valid min-heap.
    private func compact() {
        lru = table.compactMap { $0.value.ref == 0 ? HeapEntry(tick: $0.value.lastUse, hash: $0.key) : nil }
        lru.sort { $0.tick < $1.tick || ($0.tick == $1.tick && $0.hash < $1.hash) }
    }

    /// Makes room for `n` new blocks, evicting least recently used free cached blocks.
    /// Returns the number evicted, or nil when it cannot.
    func reserve(_ n: Int) -> Int? {
        var evicted = 0
        while free < n {
            guard let top = heapPop() else { return nil }
            if let e = table[top.hash], e.ref == 0, e.lastUse == top.tick {
                table[top.hash] = nil
                evicted += 1
            }
        }
        return evicted
    }

    /// Takes a reserved block as cached under `h` (or as a private block when caching is off or `h` is taken).
    func register(_ h: UInt64?, tick: Int) -> Bool {
        if cachingEnabled, let h, table[h] == nil {
            table[h] = Entry(ref: 1, lastUse: tick)
            referenced += 1
            return true
        }
        uncachedInUse += 1
        return false
    }

    func releaseUncached(_ n: Int) { uncachedInUse -= n }

    var inUse: Int { referenced + uncachedInUse }

    private func heapPush(_ x: HeapEntry) {
        lru.append(x)
        var i = lru.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if lru[p].tick <= lru[i].tick { break }
            lru.swapAt(p, i); i = p
        }
    }

    private func heapPop() -> HeapEntry? {
        guard !lru.isEmpty else { return nil }
        let top = lru[0]
        let last = lru.removeLast()
        if !lru.isEmpty {
            lru[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < lru.count && lru[l].tick < lru[m].tick { m = l }
                if r < lru.count && lru[r].tick < lru[m].tick { m = r }
                if m == i { break }
                lru.swapAt(m, i); i = m
            }
        }
        return top
    }
}
