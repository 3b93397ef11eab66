/// The shape of a line: a 64-bit hash of its bytes with every digit run collapsed to one mark
/// (one-digit runs marked apart from longer ones) and every whitespace run to one space
/// (leading and trailing whitespace dropped). The one digit that ends a word of two or more
/// letters (`eth0`, `ssh2`) is kept as it is, since `TokenMasker` keeps such words. Distinct
/// shapes colliding in 64 bits is accepted as negligible (about n²/2⁶⁵ for n shapes).
///
/// Two lines with one shape mask to the same tokens (see `TokenMasker`), so the template a
/// shape got once is the template it gets again.
enum ShapeHasher {
    /// The shape of an empty (or all-whitespace) line.
    static let emptyShape: UInt64 = {
        var b: UInt8 = 0
        return withUnsafePointer(to: &b) { hash($0, 0) }
    }()

    /// `loneDigits: false` collapses every digit run (a token's skeleton: `rank0` = `rank1`).
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, loneDigits: Bool = true) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var i = 0
        var pendingSpace = false
        var started = false
        var inDigits = false
        var wordLength = 0
        var wordHasDigit = false
        while i < n {
            let c = p[i]
            i += 1
            if TokenMasker.isSpace(c) {
                pendingSpace = true
                inDigits = false
                wordLength = 0
                wordHasDigit = false
                continue
            }
            if pendingSpace {
                if started { h = (h ^ 0x20) &* prime }
                pendingSpace = false
            }
            started = true
            if c &- 0x30 < 10 {
                if loneDigits, !wordHasDigit, wordLength >= 2, i == n || !TokenMasker.isAlnum(p[i]) {
                    h = (h ^ (0x3_00 | UInt64(c))) &* prime
                } else if !inDigits {
                    h = (h ^ 0x1_00) &* prime
                } else if p[i - 2] &- 0x30 < 10, i < 3 || p[i - 3] &- 0x30 >= 10 {
                    h = (h ^ 0x2_00) &* prime
                }
                inDigits = true
                wordLength += 1
                wordHasDigit = true
                continue
            }
            inDigits = false
            if TokenMasker.isAlnum(c) {
                wordLength += 1
            } else {
                wordLength = 0
                wordHasDigit = false
            }
            h = (h ^ UInt64(c)) &* prime
        }
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

/// Open-addressing map from a line shape to its template id. Bounded: when it is full it is
/// cleared, which costs only re-mining the next line of each shape.
struct ShapeCache {
    private var keys: [UInt64]
    private var values: [Int32]
    private var used = 0
    private let capacityLimit: Int
    private var mask: Int

    init(maxEntries: Int) {
        capacityLimit = max(16, maxEntries)
        keys = Array(repeating: 0, count: 1024)
        values = Array(repeating: -1, count: 1024)
        mask = 1023
    }

    @inline(__always)
    func lookup(_ key: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: key) & mask
        return keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                while true {
                    let value = v[slot]
                    if value < 0 { return -1 }
                    if k[slot] == key { return value }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    mutating func insert(_ key: UInt64, _ value: Int32) {
        if used >= capacityLimit {
            clear()
        }
        if (used + 1) * 2 > keys.count { grow() }
        var slot = Int(truncatingIfNeeded: key) & mask
        while values[slot] >= 0 {
            if keys[slot] == key { values[slot] = value; return }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        used += 1
    }

    private mutating func clear() {
        for i in values.indices { values[i] = -1 }
        used = 0
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
        used = 0
        for i in oldKeys.indices where oldValues[i] >= 0 {
            var slot = Int(truncatingIfNeeded: oldKeys[i]) & mask
            while values[slot] >= 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
            used += 1
        }
    }
}
