import DiagnoseText

/// Text helpers for template and schema comparison.
public enum TextComparison {
    /// True when both texts are JSON and equal once object keys and array elements are put in a
    /// canonical order (a reordering with no other change).
    public static func sameModuloOrder(_ a: String, _ b: String) -> Bool {
        guard let x = try? JSONParser.parse(a), let y = try? JSONParser.parse(b) else { return false }
        return sorted(x) == sorted(y)
    }

    /// The JSON value with object keys sorted and array elements sorted by their canonical text.
    static func sorted(_ v: JSONValue) -> String {
        switch v {
        case .object(let o): return "{" + o.map { "\($0.0):" + sorted($0.1) }.sorted().joined(separator: ",") + "}"
        case .array(let a): return "[" + a.map(sorted).sorted().joined(separator: ",") + "]"
        case .string(let s): return "\"" + s + "\""
        case .number(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// Length in characters of the common prefix.
    public static func commonPrefix(_ a: String, _ b: String) -> Int {
        var n = 0
        var i = a.makeIterator(), j = b.makeIterator()
        while let x = i.next(), let y = j.next(), x == y { n += 1 }
        return n
    }

    /// 0-based index of the line holding character offset `offset`.
    public static func lineIndex(_ s: String, offset: Int) -> Int {
        var line = 0
        for (k, c) in s.enumerated() {
            if k >= offset { break }
            if c == "\n" { line += 1 }
        }
        return line
    }

    /// The `index`-th line of a text (0-based), capped.
    public static func line(_ s: String, _ index: Int, cap: Int = 200) -> String {
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        guard index < lines.count else { return "" }
        let l = lines[index]
        return l.count <= cap ? String(l) : String(l.prefix(cap)) + "…"
    }
}
