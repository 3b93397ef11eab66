import Foundation
import DiagnoseCore
import DiagnoseText

/// Prometheus text exposition (FORMATS.md C.5) read into scrapes: a new scrape begins where a
/// series repeats or a comment mentions a scrape.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [(String, String)]
        var value: Double
        var timestampMs: Double?
        var line: Int
    }

    struct Scrape {
        var samples: [Sample] = []
        var firstLine: Int = 0
    }

    /// Parses one sample line; nil when the line is not a sample.
    static func sample(_ s: Substring, line: Int) -> Sample? {
        var i = s.startIndex
        var name = ""
        var labels: [(String, String)] = []
        if s[i] == "{" {
            // UTF-8 quoted form: {"name",label="v"} value
            guard let (n, rest) = quoted(s[s.index(after: i)...]) else { return nil }
            name = n
            i = rest
            guard let (ls, after) = labelList(s[i...], open: false) else { return nil }
            labels = ls; i = after
        } else {
            while i < s.endIndex, s[i].isLetter || s[i].isNumber || s[i] == "_" || s[i] == ":" { i = s.index(after: i) }
            name = String(s[s.startIndex..<i])
            guard !name.isEmpty, !(name.first!.isNumber) else { return nil }
            if i < s.endIndex, s[i] == "{" {
                guard let (ls, after) = labelList(s[s.index(after: i)...], open: false) else { return nil }
                labels = ls; i = after
            }
        }
        let rest = s[i...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = rest.first, let v = Numbers.parseDouble(String(first)) else { return nil }
        let ts = rest.count > 1 ? Numbers.parseDouble(String(rest[1])) : nil
        return Sample(name: name, labels: labels, value: v, timestampMs: ts, line: line)
    }

    /// A quoted string at the start; returns it and the index after the closing quote.
    static func quoted(_ s: Substring) -> (String, Substring.Index)? {
        guard s.first == "\"" else { return nil }
        var out = ""
        var i = s.index(after: s.startIndex)
        while i < s.endIndex {
            let c = s[i]
            if c == "\\" {
                let n = s.index(after: i)
                guard n < s.endIndex else { return nil }
                out.append(s[n] == "n" ? "\n" : s[n])
                i = s.index(after: n); continue
            }
            if c == "\"" { return (out, s.index(after: i)) }
            out.append(c)
            i = s.index(after: i)
        }
        return nil
    }

    /// `a="x",b="y"}` (after the opening brace, or after the quoted name); returns the labels and
    /// the index after `}`.
    static func labelList(_ s: Substring, open: Bool) -> ([(String, String)], Substring.Index)? {
        var labels: [(String, String)] = []
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "}" { return (labels, s.index(after: i)) }
            if c == "," || c == " " { i = s.index(after: i); continue }
            var j = i
            while j < s.endIndex, s[j] != "=", s[j] != "}" { j = s.index(after: j) }
            guard j < s.endIndex, s[j] == "=" else { return nil }
            let key = String(s[i..<j]).trimmingCharacters(in: .init(charactersIn: " \""))
            guard let (v, after) = quoted(s[s.index(after: j)...]) else { return nil }
            labels.append((key, v))
            i = after
        }
        return nil
    }

    /// Splits a file's text into scrapes.
    static func scrapes(_ text: String, problems: ((Int, String) -> Void)? = nil) -> [Scrape] {
        var out: [Scrape] = []
        var cur = Scrape()
        var seen: Set<String> = []
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let l = raw.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
            if l.isEmpty { continue }
            if l.hasPrefix("#") {
                if l.lowercased().contains("scrape"), !cur.samples.isEmpty { out.append(cur); cur = Scrape(); seen = [] }
                continue
            }
            guard let s = sample(Substring(l), line: lineNo) else { problems?(lineNo, "not a Prometheus sample line"); continue }
            let key = s.name + "{" + s.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
            if seen.contains(key), !cur.samples.isEmpty { out.append(cur); cur = Scrape(); seen = [] }
            seen.insert(key)
            if cur.samples.isEmpty { cur.firstLine = lineNo }
            cur.samples.append(s)
        }
        if !cur.samples.isEmpty { out.append(cur) }
        return out
    }
}
