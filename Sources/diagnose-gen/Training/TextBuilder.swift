import Foundation

/// Builds a text file while tracking 1-based line numbers as `grep -n` counts them (only `\n`
/// ends a line), so truth.yaml evidence points at exactly the generated line.
struct TextBuilder {
    private(set) var text = ""
    /// The 1-based number of the line the next appended text lands on.
    private(set) var currentLine = 1
    /// Named line numbers recorded with `mark`.
    private(set) var marks: [String: Int] = [:]

    init() { text.reserveCapacity(1 << 16) }

    /// Appends a whole line (a `\n` is added).
    mutating func line(_ s: String, mark key: String? = nil) {
        if let key, marks[key] == nil { marks[key] = currentLine }
        text += s
        text += "\n"
        currentLine += 1
    }

    /// Appends text that does not end the line (a progress-bar frame).
    mutating func fragment(_ s: String, mark key: String? = nil) {
        if let key, marks[key] == nil { marks[key] = currentLine }
        text += s
        currentLine += s.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    mutating func lines(_ ls: [String]) { for l in ls { line(l) } }

    /// Overrides or sets a mark to the line the next text lands on.
    mutating func markNext(_ key: String) { marks[key] = currentLine }
}

/// Evidence for truth.yaml: a file relative to the run folder and the line in it.
struct Evidence {
    var file: String
    var line: Int
    var why: String
}

/// Python-compatible number formatting for rendered log lines.
enum Py {
    /// `repr(float)`: shortest round-trip digits, `nan`/`inf`, exponent form below 1e-4.
    static func repr(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded() && abs(x) < 1e16 { return String(format: "%.1f", x) }
        var s = "\(x)"
        if let e = s.firstIndex(of: "e") {
            let mant = s[..<e]
            var exp = String(s[s.index(after: e)...])
            var sign = "+"
            if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
            if exp.count < 2 { exp = "0" + exp }
            s = "\(mant)e\(sign)\(exp)"
        }
        return s
    }
    /// `json.dumps(float)`: like repr but `NaN`/`Infinity`.
    static func json(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
        return repr(x)
    }
    /// `f"{x:.4g}"`.
    static func g4(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.4g", x)
    }
    /// `f"{x:.Nf}"` with Python's nan spelling.
    static func f(_ x: Double, _ n: Int) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.\(n)f", x)
    }
    /// `f"{x:.NE}"` (Megatron), e.g. `2.504220E+00`.
    static func E(_ x: Double, _ n: Int) -> String {
        if x.isNaN { return "NAN" }
        return String(format: "%.\(n)E", x)
    }
    /// `f"{n:,}"`.
    static func thousands(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}

/// A wall clock for rendered logs, advanced explicitly (never read from the system).
struct SimClock {
    var t: Double
    init(epoch: Double) { t = epoch }
    mutating func advance(ms: Double) { t += ms / 1000 }

    private func parts() -> (Int, Int, Int, Int, Int, Int, Int) {
        let secs = Int(floor(t))
        let micros = Int((t - floor(t)) * 1_000_000)
        var days = secs / 86400
        let rem = secs % 86400
        let hh = rem / 3600, mm = (rem % 3600) / 60, ss = rem % 60
        var y = 1970
        while true {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let dy = leap ? 366 : 365
            if days < dy { break }
            days -= dy; y += 1
        }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let ml = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var mo = 0
        while days >= ml[mo] { days -= ml[mo]; mo += 1 }
        return (y, mo + 1, days + 1, hh, mm, ss, micros)
    }
    /// `2026-11-03 08:00:01`
    var ymdhms: String { let p = parts(); return String(format: "%04d-%02d-%02d %02d:%02d:%02d", p.0, p.1, p.2, p.3, p.4, p.5) }
    /// `2026-11-03 08:00:01,123` (Python logging asctime)
    var asctime: String { let p = parts(); return ymdhms + String(format: ",%03d", p.6 / 1000) }
    /// `2026-11-03 08:00:01.123456`
    var micro: String { let p = parts(); return ymdhms + String(format: ".%06d", p.6) }
    /// `2026-11-03T08:00:01`
    var iso: String { let p = parts(); return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", p.0, p.1, p.2, p.3, p.4, p.5) }
    var isoZ: String { iso + "Z" }
    /// `2026-11-03_08:00:01` (torchelastic)
    var elastic: String { let p = parts(); return String(format: "%04d-%02d-%02d_%02d:%02d:%02d", p.0, p.1, p.2, p.3, p.4, p.5) }
    /// glog `E1103 08:00:01.123456789`
    func glog(_ level: String) -> String { let p = parts(); return level + String(format: "%02d%02d %02d:%02d:%02d.%06d%03d", p.1, p.2, p.3, p.4, p.5, p.6, (p.6 * 7) % 1000) }
    /// syslog `Nov  3 08:00:01`
    var syslog: String {
        let p = parts()
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return months[p.1 - 1] + String(format: " %2d %02d:%02d:%02d", p.2, p.3, p.4, p.5)
    }
}
