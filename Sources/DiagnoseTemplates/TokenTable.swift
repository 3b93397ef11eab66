#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns masked token bytes as dense `Int32` ids without a String per token. Id 0 is the
/// wildcard `<*>`.
struct TokenTable {
    private var bytes: [UInt8] = []
    private var starts: [Int32] = [0]
    private var hashes: [UInt64] = []
    private var words: [Bool] = []
    private var introducers: [Bool] = []
    private var masked: [Bool] = []
    private var keyLengths: [Int32] = []
    private var skeletons: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    /// Bytes of token text kept in all (well inside `Int32` offsets).
    static let maxBytes = 1 << 27

    /// Distinct tokens kept; past it an unseen token reads as the wildcard (bounds memory).
    var limit = 1 << 21

    init() {
        slots = Array(repeating: -1, count: 4096)
        mask = 4095
        TokenMasker.wildcard.withUnsafeBufferPointer { _ = intern($0.baseAddress!, $0.count) }
    }

    var count: Int { hashes.count }

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 32
        return h
    }

    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let h = TokenTable.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            let i = Int(id)
            if hashes[i] == h {
                let s = Int(starts[i])
                if Int(starts[i + 1]) - s == n {
                    let same = bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + s, p, n) == 0 }
                    if same { return id }
                }
            }
            slot = (slot + 1) & mask
        }
        if hashes.count >= limit || bytes.count + n > TokenTable.maxBytes { return 0 }
        let id = Int32(hashes.count)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(Int32(truncatingIfNeeded: bytes.count))
        hashes.append(h)
        words.append(TokenTable.isWord(p, n))
        introducers.append(TokenTable.isIntroducer(p, n))
        masked.append(TokenTable.hasDigitOrMask(p, n))
        keyLengths.append(TokenTable.keyLength(p, n))
        skeletons.append(ShapeHasher.hash(p, n, loneDigits: false))
        slots[slot] = id
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    /// True for a plain word: two or more letters, no masked part, no `/` (paths are data).
    @inline(__always)
    func isWord(_ id: Int32) -> Bool { words[Int(id)] }

    /// True where two tokens differ only in their digits (`rank0` and `rank1`).
    @inline(__always)
    func sameSkeleton(_ a: Int32, _ b: Int32) -> Bool { skeletons[Int(a)] == skeletons[Int(b)] }

    /// True for `key=a` against `key=b`: the same key with different values.
    func sameKey(_ a: Int32, _ b: Int32) -> Bool {
        let ka = Int(keyLengths[Int(a)])
        guard ka > 0, ka == Int(keyLengths[Int(b)]) else { return false }
        let sa = Int(starts[Int(a)]), sb = Int(starts[Int(b)])
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + sa, $0.baseAddress! + sb, ka) == 0 }
    }

    /// Length of `key=` at the token's start (a key of letters, digits, `_`, `-`, `.`), or 0.
    private static func keyLength(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        var k = 0
        while k < n {
            let c = p[k]
            if c == 0x3D { return k > 0 && k + 1 < n ? Int32(k + 1) : 0 }
            if !(TokenMasker.isAlnum(c) || c == 0x5F || c == 0x2D || c == 0x2E) { return 0 }
            k += 1
        }
        return 0
    }

    /// True where the token holds a masked part or a digit (`blk_<*>`, `host-<*>`, `eth0`); such
    /// tokens route through the tree's `<*>` branch, as Drain routes tokens with digits.
    @inline(__always)
    func routesThroughWildcard(_ id: Int32) -> Bool { masked[Int(id)] }

    private static func hasDigitOrMask(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for k in 0..<n where TokenMasker.isDigit(p[k]) { return true }
        var k = 0
        while k + 2 < n {
            if p[k] == 0x3C, p[k + 1] == 0x2A, p[k + 2] == 0x3E { return true }
            k += 1
        }
        return false
    }

    /// True for a word after which a name usually follows (`for root`, `user cyrus`).
    @inline(__always)
    func introducesName(_ id: Int32) -> Bool { introducers[Int(id)] }

    private static let introducerWords: [[UInt8]] = ["user", "for", "from", "by", "host", "account"].map { Array($0.utf8) }

    private static func isIntroducer(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard n <= 7 else { return false }
        let token = UnsafeBufferPointer(start: p, count: n)
        return introducerWords.contains { $0.elementsEqual(token) }
    }

    private static func isWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var letters = 0
        for k in 0..<n {
            let c = p[k]
            if (c | 0x20) &- 0x61 < 26 { letters += 1 } else if c == 0x3C || c == 0x2A || c == 0x2F { return false }
        }
        return letters >= 2
    }

    func string(_ id: Int32) -> String {
        let i = Int(id)
        guard i >= 0, i < hashes.count else { return "<*>" }
        return String(decoding: bytes[Int(starts[i])..<Int(starts[i + 1])], as: UTF8.self)
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}
