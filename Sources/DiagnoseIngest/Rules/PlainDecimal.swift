import DiagnoseText

/// Metric values as most lines print them (`512`, `0.812`, `-3.5`): read without `strtod` when
/// the digits fit a Double exactly, anything else through `Numbers.parseDouble`.
enum PlainDecimal {
    private static let powers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

    /// The same value as `Numbers.parseDouble(b)`, for every input.
    @inline(__always)
    static func parse(_ b: UnsafeRawBufferPointer) -> Double? {
        // Exact when the mantissa is below 2^53 and at most 22 fraction digits: one correctly
        // rounded division of two exact Doubles (Clinger's fast path), as strtod would round.
        var s = 0, e = b.count
        while s < e, b[s] == 0x20 { s += 1 }
        while e > s, b[e - 1] == 0x20 { e -= 1 }
        var i = s
        let negative = i < e && b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = -1
        while i < e {
            let c = b[i]
            if c &- 0x30 < 10 {
                if digits >= 15 { return Numbers.parseDouble(b) }
                mantissa = mantissa * 10 + UInt64(c &- 0x30)
                if mantissa != 0 || fraction >= 0 { digits += 1 }
                if fraction >= 0 { fraction += 1 }
            } else if c == UInt8(ascii: "."), fraction < 0 {
                fraction = 0
            } else {
                return Numbers.parseDouble(b)
            }
            i += 1
        }
        let hasDigit = e - s > (negative ? 1 : 0) + (fraction >= 0 ? 1 : 0)
        guard hasDigit, fraction <= 22 else { return Numbers.parseDouble(b) }
        var v = Double(mantissa)
        if fraction > 0 { v /= powers[fraction] }
        return negative ? -v : v
    }
}
