#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes ANSI escape sequences (`ESC [ ... final`, and two-byte `ESC x`) for matching; the raw
/// line stays in the file for citation.
public enum Ansi {
    /// True when the bytes contain an escape character (fast: memchr).
    @inline(__always)
    public static func contains(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        return memchr(base, 0x1B, bytes.count) != nil
    }

    /// Copies `bytes` without escape sequences into `out` (cleared first).
    public static func strip(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c == 0x1B {
                i += 1
                if i < n, bytes[i] == UInt8(ascii: "[") {
                    i += 1
                    // Parameters and intermediates, then one final byte in 0x40...0x7E.
                    while i < n, !(bytes[i] >= 0x40 && bytes[i] <= 0x7E) { i += 1 }
                    i += 1
                } else if i < n, bytes[i] == UInt8(ascii: "]") {
                    // OSC: up to BEL or ESC \.
                    while i < n, bytes[i] != 0x07, bytes[i] != 0x1B { i += 1 }
                    i += 1
                } else {
                    i += 1
                }
                continue
            }
            out.append(c)
            i += 1
        }
    }

    public static func strip(_ s: String) -> String {
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { strip(UnsafeRawBufferPointer($0), into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
