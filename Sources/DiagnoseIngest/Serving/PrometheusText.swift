import Foundation
import DiagnoseCore
import DiagnoseText

/// Prometheus text exposition (FORMATS.md C.5) read into scrapes over bytes: a new scrape begins
/// where a series repeats or a comment mentions a scrape.
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

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
    @inline(__always) static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c == 0x3A
    }

    /// Parses one sample line; nil when the line is not a sample. `seriesEnd` is where the series
    /// (name and labels) ends, for repeat detection.
    static func sample(_ b: UnsafeRawBufferPointer, line: Int) -> (Sample, seriesEnd: Int)? {
        var i = 0
        let n = b.count
        var name = ""
        var labels: [(String, String)] = []
        guard n > 0 else { return nil }
        if b[0] == UInt8(ascii: "{") {
            // UTF-8 quoted form: {"name",label="v"} value
            guard let (s, after) = quoted(b, 1) else { return nil }
            name = s
            guard let (ls, end) = labelList(b, after) else { return nil }
            labels = ls; i = end
        } else {
            while i < n, isNameByte(b[i]) { i += 1 }
            guard i > 0, !(b[0] >= 0x30 && b[0] <= 0x39) else { return nil }
            name = String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<i]), as: UTF8.self)
            if i < n, b[i] == UInt8(ascii: "{") {
                guard let (ls, end) = labelList(b, i + 1) else { return nil }
                labels = ls; i = end
            }
        }
        let seriesEnd = i
        guard i < n, isSpace(b[i]) else { return nil }
        while i < n, isSpace(b[i]) { i += 1 }
        let vs = i
        while i < n, !isSpace(b[i]) { i += 1 }
        guard i > vs, let v = Numbers.parseDouble(UnsafeRawBufferPointer(rebasing: b[vs..<i])) else { return nil }
        while i < n, isSpace(b[i]) { i += 1 }
        var ts: Double? = nil
        if i < n {
            let tsStart = i
            while i < n, !isSpace(b[i]) { i += 1 }
            guard let t = Numbers.parseDouble(UnsafeRawBufferPointer(rebasing: b[tsStart..<i])) else { return nil }
            ts = t
            while i < n, isSpace(b[i]) { i += 1 }
            guard i == n else { return nil }
        }
        return (Sample(name: name, labels: labels, value: v, timestampMs: ts, line: line), seriesEnd)
    }

    /// A quoted string starting at the quote at `i`; returns it and the index after the closing quote.
    static func quoted(_ b: UnsafeRawBufferPointer, _ start: Int) -> (String, Int)? {
        guard start < b.count, b[start] == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        var i = start + 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\"), i + 1 < b.count {
                out.append(b[i + 1] == UInt8(ascii: "n") ? 0x0A : b[i + 1]); i += 2; continue
            }
            if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i + 1) }
            out.append(c); i += 1
        }
        return nil
    }

    /// `a="x",b="y"}` from `i`; returns the labels and the index after `}`.
    static func labelList(_ b: UnsafeRawBufferPointer, _ start: Int) -> ([(String, String)], Int)? {
        var labels: [(String, String)] = []
        var i = start
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "}") { return (labels, i + 1) }
            if c == UInt8(ascii: ",") || c == 0x20 { i += 1; continue }
            let ks = i
            while i < b.count, b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: "}") { i += 1 }
            guard i < b.count, b[i] == UInt8(ascii: "=") else { return nil }
            var key = String(decoding: UnsafeRawBufferPointer(rebasing: b[ks..<i]), as: UTF8.self)
            key = key.trimmingCharacters(in: .init(charactersIn: " \""))
            guard let (v, after) = quoted(b, i + 1) else { return nil }
            labels.append((key, v))
            i = after
        }
        return nil
    }

    static func sample(_ line: String) -> Sample? {
        var s = line
        return s.withUTF8 { sample(UnsafeRawBufferPointer($0), line: 0)?.0 }
    }

    /// Splits a file's bytes into scrapes; lines that are neither comments nor samples go to `problems`.
    static func scrapes(_ bytes: [UInt8], problems: ((Int, String) -> Void)? = nil) -> [Scrape] {
        var out: [Scrape] = []
        var cur = Scrape()
        var seen: Set<Int> = []
        bytes.withUnsafeBytes { all in
            var lineNo = 0
            var start = 0
            let n = all.count
            while start <= n {
                var end = start
                while end < n, all[end] != 0x0A { end += 1 }
                if start == n && end == n { break }
                lineNo += 1
                var s = start, e = end
                while s < e, isSpace(all[s]) { s += 1 }
                while e > s, isSpace(all[e - 1]) { e -= 1 }
                defer { start = end + 1 }
                if s == e { continue }
                let l = UnsafeRawBufferPointer(rebasing: all[s..<e])
                if l[0] == UInt8(ascii: "#") {
                    if LinePrefixes.contains(l, 0, l.count, "scrape") || LinePrefixes.contains(l, 0, l.count, "Scrape"), !cur.samples.isEmpty {
                        out.append(cur); cur = Scrape(); seen = []
                    }
                    continue
                }
                guard let (smp, seriesEnd) = sample(l, line: lineNo) else {
                    problems?(lineNo, "not a Prometheus sample line")
                    continue
                }
                var h = Hasher()
                h.combine(bytes: UnsafeRawBufferPointer(rebasing: l[0..<seriesEnd]))
                let key = h.finalize()
                if seen.contains(key), !cur.samples.isEmpty { out.append(cur); cur = Scrape(); seen = [] }
                seen.insert(key)
                if cur.samples.isEmpty { cur.firstLine = lineNo }
                cur.samples.append(smp)
            }
        }
        if !cur.samples.isEmpty { out.append(cur) }
        return out
    }
}
