#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number scanning over bytes, accepting every spelling the emitters use (FORMATS.md gotchas
/// 4-6): `nan`, `-nan`, `NaN`, `inf`, `+Inf`, `-Infinity`, `1.2E+00`, `'1.764'`, `12,345`.
public enum Numbers {
    /// Parses a whole token as a Double. Quotes around it and thousands separators are accepted.
    public static func parseDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        var s = 0, e = raw.count
        while s < e, isSpaceOrQuote(raw[s]) { s += 1 }
        while e > s, isSpaceOrQuote(raw[e - 1]) { e -= 1 }
        if s == e { return nil }
        // Non-finite spellings.
        if let special = nonFinite(raw, s, e) { return special }
        var buf: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let cap = 63
        return withUnsafeMutableBytes(of: &buf) { out -> Double? in
            var n = 0
            var sawDigit = false
            for i in s..<e {
                let c = raw[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "_") { continue }
                let ok = (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e")
                    || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
                if !ok { return nil }
                if c >= 0x30 && c <= 0x39 { sawDigit = true }
                if n >= cap { return nil }
                out[n] = c; n += 1
            }
            if !sawDigit { return nil }
            out[n] = 0
            let p = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            var endp: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &endp)
            guard let endp, endp - p == n else { return nil }
            return v
        }
    }

    public static func parseDouble(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { parseDouble(UnsafeRawBufferPointer($0)) }
    }

    /// Parses a whole token as an Int (thousands separators accepted; `12.0` accepted when integral).
    public static func parseInt(_ raw: UnsafeRawBufferPointer) -> Int? {
        var s = 0, e = raw.count
        while s < e, isSpaceOrQuote(raw[s]) { s += 1 }
        while e > s, isSpaceOrQuote(raw[e - 1]) { e -= 1 }
        if s == e { return nil }
        var neg = false
        var i = s
        if raw[i] == UInt8(ascii: "-") { neg = true; i += 1 } else if raw[i] == UInt8(ascii: "+") { i += 1 }
        var v = 0
        var digits = 0
        while i < e {
            let c = raw[i]
            if c >= 0x30 && c <= 0x39 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(c - 0x30))
                if o1 || o2 { return nil }
                v = a; digits += 1
            } else if c == UInt8(ascii: ",") || c == UInt8(ascii: "_") {
            } else {
                // Allow an integral float such as "3.0" or "1e3".
                if let d = parseDouble(UnsafeRawBufferPointer(rebasing: raw[s..<e])), d.isFinite,
                   d == d.rounded(), abs(d) < 9e18 { return Int(d) }
                return nil
            }
            i += 1
        }
        return digits > 0 ? (neg ? -v : v) : nil
    }

    public static func parseInt(_ s: String) -> Int? {
        var s = s
        return s.withUTF8 { parseInt(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    static func isSpaceOrQuote(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == UInt8(ascii: "'") || c == UInt8(ascii: "\"")
    }

    static func nonFinite(_ raw: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Double? {
        var i = s
        var sign = 1.0
        if raw[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if raw[i] == UInt8(ascii: "+") { i += 1 }
        let n = e - i
        guard n == 3 || n == 8 else { return nil }
        func lower(_ k: Int) -> UInt8 { raw[i + k] | 0x20 }
        if n == 3, lower(0) == UInt8(ascii: "n"), lower(1) == UInt8(ascii: "a"), lower(2) == UInt8(ascii: "n") {
            return .nan
        }
        if n == 3, lower(0) == UInt8(ascii: "i"), lower(1) == UInt8(ascii: "n"), lower(2) == UInt8(ascii: "f") {
            return sign * .infinity
        }
        if n == 8 {
            let word = "infinity".utf8
            var k = 0
            for c in word { if lower(k) != c { return nil }; k += 1 }
            return sign * .infinity
        }
        return nil
    }
}
