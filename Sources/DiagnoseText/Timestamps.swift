/// Timestamp scanning over bytes: `2026-05-12T08:01:39.331095044Z`, `2023-10-31 07:15:50,880`,
/// `2024-04-06 02:59:36.123456`. Times without a zone are taken as UTC.
public enum Timestamps {
    /// Parses a timestamp starting at `i`; returns unix seconds and the index after it.
    public static func parse(_ b: UnsafeRawBufferPointer, at i: Int) -> (Double, Int)? {
        let n = b.count
        guard i + 19 <= n else { return nil }
        @inline(__always) func d(_ k: Int) -> Int? {
            let c = b[i + k]
            return c >= 0x30 && c <= 0x39 ? Int(c - 0x30) : nil
        }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3), b[i + 4] == UInt8(ascii: "-"),
              let m0 = d(5), let m1 = d(6), b[i + 7] == UInt8(ascii: "-"), let d0 = d(8), let d1 = d(9),
              b[i + 10] == UInt8(ascii: "T") || b[i + 10] == UInt8(ascii: " "),
              let h0 = d(11), let h1 = d(12), b[i + 13] == UInt8(ascii: ":"), let mi0 = d(14), let mi1 = d(15),
              b[i + 16] == UInt8(ascii: ":"), let s0 = d(17), let s1 = d(18) else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        let month = m0 * 10 + m1, day = d0 * 10 + d1
        let hour = h0 * 10 + h1, minute = mi0 * 10 + mi1, second = s0 * 10 + s1
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var j = i + 19
        var frac = 0.0
        if j < n, b[j] == UInt8(ascii: ".") || b[j] == UInt8(ascii: ",") {
            j += 1
            var scale = 0.1
            while j < n, b[j] >= 0x30, b[j] <= 0x39 {
                frac += Double(b[j] - 0x30) * scale
                scale /= 10
                j += 1
            }
        }
        var offsetSeconds = 0
        if j < n, b[j] == UInt8(ascii: "Z") {
            j += 1
        } else if j + 5 < n + 0, j < n, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") {
            // +00:00 or +0000
            let sign = b[j] == UInt8(ascii: "+") ? 1 : -1
            var k = j + 1
            var digits: [Int] = []
            while k < n, digits.count < 4 {
                let c = b[k]
                if c >= 0x30 && c <= 0x39 { digits.append(Int(c - 0x30)) } else if c != UInt8(ascii: ":") { break }
                k += 1
            }
            if digits.count == 4 {
                offsetSeconds = sign * ((digits[0] * 10 + digits[1]) * 3600 + (digits[2] * 10 + digits[3]) * 60)
                j = k
            }
        }
        let days = daysFromCivil(year, month, day)
        let t = Double(days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds) + frac
        return (t, j)
    }

    public static func parse(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0), at: 0)?.0 }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
