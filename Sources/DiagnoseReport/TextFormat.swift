import Foundation
import DiagnoseCore
import DiagnoseText

/// Stable, locale-free formatting and escaping shared by every renderer.
public enum TextFormat {
    /// A number with up to `digits` significant digits, spelled the same on every machine.
    public static func number(_ x: Double, digits: Int = 4) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.\(max(1, digits))g", x)
        if let e = s.firstIndex(of: "e") {
            var mantissa = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            if mantissa.contains(".") {
                while mantissa.hasSuffix("0") { mantissa.removeLast() }
                if mantissa.hasSuffix(".") { mantissa.removeLast() }
            }
            let sign = exp.hasPrefix("-") ? "-" : ""
            exp = String(exp.drop { $0 == "+" || $0 == "-" || $0 == "0" })
            s = mantissa + "e" + sign + (exp.isEmpty ? "0" : exp)
        } else if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A probability as a whole percentage ("81%").
    public static func percent(_ p: Double) -> String {
        guard p.isFinite else { return "?%" }
        return "\(Int((min(max(p, 0), 1) * 100).rounded()))%"
    }

    /// Log-odds with an explicit sign and two decimals ("+1.20", "-0.45").
    public static func logOdds(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "+inf" : "-inf") }
        let v = (x * 100).rounded() / 100
        return (v >= 0 ? "+" : "") + String(format: "%.2f", v == 0 ? 0 : v)
    }

    /// Unix seconds as ISO 8601 UTC.
    public static func time(_ unix: Double) -> String {
        unix.isFinite ? ISOTime.string(unix: unix) : "?"
    }

    /// `file:line` (or just the file).
    public static func location(_ source: String, _ line: Int?) -> String {
        line.map { "\(source):\($0)" } ?? source
    }

    /// Input text made safe to print: ANSI sequences removed, control characters other than tab
    /// and (when `multiline`) newline replaced by spaces, runaway length cut with a marker.
    public static func clean(_ text: String, multiline: Bool = false, limit: Int = 4000) -> String {
        var s = text
        if s.utf8.contains(0x1B) { s = Ansi.strip(s) }
        if s.unicodeScalars.contains(where: { isControl($0, multiline: multiline) }) {
            var out = String.UnicodeScalarView()
            for u in s.unicodeScalars { out.append(isControl(u, multiline: multiline) ? " " : u) }
            s = String(out)
        }
        if s.count > limit { s = String(s.prefix(limit)) + "… [cut]" }
        return s
    }

    private static func isControl(_ u: Unicode.Scalar, multiline: Bool) -> Bool {
        if u == "\t" { return false }
        if u == "\n" { return !multiline }
        return u.value < 0x20 || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0)
            || u.value == 0x2028 || u.value == 0x2029
    }

    /// Escapes text for HTML element content and attribute values.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Escapes prose for Markdown so input text cannot open HTML, links, emphasis or code.
    public static func markdown(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "\\", "<", ">", "`", "*", "[", "]", "&", "|", "#": out += "\\"; out.unicodeScalars.append(c)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// An inline Markdown code span holding `text` literally, whatever backticks it contains.
    /// In a table cell, `|` is shown as `¦` (GFM splits cells even inside code spans).
    public static func code(_ text: String, inTable: Bool = false) -> String {
        let t = inTable ? clean(text).replacingOccurrences(of: "|", with: "¦") : clean(text)
        var longest = 0, run = 0
        for c in t { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = t.hasPrefix("`") || t.hasSuffix("`") || t.isEmpty ? " " : ""
        return fence + pad + t + pad + fence
    }
}
