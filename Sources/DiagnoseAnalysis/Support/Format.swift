import DiagnoseCore
import Foundation

/// Number and position wording for symptom summaries.
enum Fmt {
    /// Four significant digits; NaN and infinities spelled as Python prints them.
    static func num(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e7 { return String(Int64(d)) }
        return String(format: "%.4g", d)
    }

    static func pct(_ fraction: Double) -> String {
        fraction.isFinite ? String(format: "%.0f%%", fraction * 100) : "?%"
    }

    /// "at step 1203", else "at 2026-11-03T08:00:00Z", else "at line 12".
    static func at(step: Int?, time: Double?, line: Int? = nil) -> String {
        if let step { return "at step \(step)" }
        if let time, time.isFinite { return "at \(ISOTime.string(unix: time))" }
        if let line { return "at line \(line)" }
        return "at an unknown position"
    }

    static func at(_ p: MetricPoint) -> String { at(step: p.step, time: p.time, line: p.line) }

    /// " on rank 3" / " on replica r1" / "".
    static func whose(rank: Int?, label: String?) -> String {
        var s = ""
        if let rank { s += " on rank \(rank)" }
        if let label, !label.isEmpty { s += " (\(label))" }
        return s
    }

    static func whose(_ s: MetricSeries) -> String { whose(rank: s.rank, label: s.label) }

    /// Caps a cited message at about 300 characters.
    static func excerpt(_ s: String, limit: Int = 300) -> String {
        if s.count <= limit { return s }
        return String(s.prefix(limit)) + "…"
    }
}
