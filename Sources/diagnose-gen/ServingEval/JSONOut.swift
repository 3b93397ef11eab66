import Foundation

/// An ordered JSON value, written the way Python's `json.dumps` writes it (key order kept,
/// `", "`/`": "` separators when compact, `NaN` bare, floats in shortest repr).
indirect enum JV {
    case s(String)
    case i(Int)
    case d(Double)
    case b(Bool)
    case null
    case a([JV])
    case o([(String, JV)])

    /// `json.dumps(v)` (no indent).
    var compact: String {
        var out = ""
        write(&out, indent: nil, level: 0)
        return out
    }

    /// `json.dumps(v, indent: n)`.
    func pretty(_ n: Int = 2) -> String {
        var out = ""
        write(&out, indent: n, level: 0)
        return out
    }

    private func write(_ out: inout String, indent: Int?, level: Int) {
        switch self {
        case .s(let s): out += jsonString(s)
        case .i(let i): out += String(i)
        case .d(let d): out += pyFloat(d)
        case .b(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .a(let xs):
            if xs.isEmpty { out += "[]"; return }
            out += "["
            for (k, x) in xs.enumerated() {
                if let indent {
                    out += (k == 0 ? "" : ",") + "\n" + String(repeating: " ", count: indent * (level + 1))
                } else if k > 0 { out += ", " }
                x.write(&out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .o(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{"
            for (k, (key, x)) in kv.enumerated() {
                if let indent {
                    out += (k == 0 ? "" : ",") + "\n" + String(repeating: " ", count: indent * (level + 1))
                } else if k > 0 { out += ", " }
                out += jsonString(key) + ": "
                x.write(&out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }
}

/// Python `repr(float)`.
func pyFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
    var s = "\(d)"
    if s.hasSuffix(".0") == false && !s.contains(".") && !s.contains("e") { s += ".0" }
    return s
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// Seconds since the Unix epoch, rendered without Foundation's locale-dependent formatters.
struct Clock {
    var epoch: Double

    struct Parts { var y, mo, d, h, mi, s: Int; var frac: Double }

    var parts: Parts {
        let secs = Int(epoch.rounded(.down))
        let frac = epoch - Double(secs)
        let days = secs / 86400
        let rem = secs % 86400
        let z = days + 719468
        let era = z / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return Parts(y: y, mo: m, d: d, h: rem / 3600, mi: (rem % 3600) / 60, s: rem % 60, frac: frac)
    }

    static func epoch(y: Int, mo: Int, d: Int, h: Int = 0, mi: Int = 0, s: Int = 0) -> Double {
        let yy = mo <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let mp = mo > 2 ? mo - 3 : mo + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Double(days * 86400 + h * 3600 + mi * 60 + s)
    }

    func adding(_ s: Double) -> Clock { Clock(epoch: epoch + s) }

    private func p2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// `2026-11-03T08:00:00Z`
    var iso: String { let p = parts; return "\(p.y)-\(p2(p.mo))-\(p2(p.d))T\(p2(p.h)):\(p2(p.mi)):\(p2(p.s))Z" }
    /// `2026-11-03 08:00:00`
    var dateTime: String { let p = parts; return "\(p.y)-\(p2(p.mo))-\(p2(p.d)) \(p2(p.h)):\(p2(p.mi)):\(p2(p.s))" }
    /// vLLM's `%m-%d %H:%M:%S`.
    var vllm: String { let p = parts; return "\(p2(p.mo))-\(p2(p.d)) \(p2(p.h)):\(p2(p.mi)):\(p2(p.s))" }
    /// `HH:MM:SS`
    var hms: String { let p = parts; return "\(p2(p.h)):\(p2(p.mi)):\(p2(p.s))" }
    /// milliseconds as three digits.
    var millis: String { let ms = Int((parts.frac * 1000).rounded(.down)); return String(format: "%03d", ms) }
    var micros: String { let us = Int((parts.frac * 1_000_000).rounded(.down)); return String(format: "%06d", us) }
    /// lm-eval's file stamp `2026-11-03T08-00-00.123456`.
    var fileStamp: String { let p = parts; return "\(p.y)-\(p2(p.mo))-\(p2(p.d))T\(p2(p.h))-\(p2(p.mi))-\(p2(p.s)).\(micros)" }
    /// lm-eval logger `2026-11-03:08:00:00,123`.
    var lmEvalLog: String { let p = parts; return "\(p.y)-\(p2(p.mo))-\(p2(p.d)):\(p2(p.h)):\(p2(p.mi)):\(p2(p.s)),\(millis)" }
    /// ISO with microseconds and offset, as Python's `isoformat()` on an aware datetime.
    var isoOffset: String { let p = parts; return "\(p.y)-\(p2(p.mo))-\(p2(p.d))T\(p2(p.h)):\(p2(p.mi)):\(p2(p.s)).\(micros)+00:00" }
}

extension SeededRNG {
    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &self) }
    mutating func unit() -> Double { Double.random(in: 0..<1, using: &self) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &self)] }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func hex(_ n: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<n).map { _ in digits[Int.random(in: 0..<16, using: &self)] })
    }
    /// Exponential with the given mean.
    mutating func exp(mean: Double) -> Double { -mean * log(max(1e-12, 1 - unit())) }
}

/// A stable 64-bit hash (FNV-1a) for deterministic per-item draws.
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf29ce484222325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    return h
}
