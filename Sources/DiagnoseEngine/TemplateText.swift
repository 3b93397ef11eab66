import Foundation

/// `{id.field}` placeholders in playbook titles and summaries.
enum TemplateText {
    /// The placeholders in `text`, as (id, field).
    static func placeholders(in text: String) -> [(String, String?)] {
        var out: [(String, String?)] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let body = after[..<close]
            if let dot = body.firstIndex(of: ".") {
                out.append((String(body[..<dot]), String(body[body.index(after: dot)...])))
            } else {
                out.append((String(body), nil))
            }
            rest = after[after.index(after: close)...]
        }
        return out
    }

    /// Replaces every placeholder using `value`; nil when one does not resolve.
    static func render(_ text: String, value: (String, String?) -> String?) -> String? {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { out += rest[open...]; return out }
            let body = after[..<close]
            let id: String, field: String?
            if let dot = body.firstIndex(of: ".") {
                id = String(body[..<dot]); field = String(body[body.index(after: dot)...])
            } else {
                id = String(body); field = nil
            }
            guard let v = value(id, field) else { return nil }
            out += v
            rest = after[after.index(after: close)...]
        }
        out += rest
        return out
    }

    /// A number as a person would write it: integers plain, large values rounded, others to 3
    /// significant digits.
    static func number(_ d: Double) -> String {
        if !d.isFinite { return d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf") }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        let a = abs(d)
        if a >= 100 && a < 1e15 { return String(Int64(d.rounded())) }
        return String(format: "%.3g", d)
    }
}
