import Foundation
import DiagnoseCore
import DiagnoseText

/// Reads JSON config documents: flattens to dotted keys with the line each key sits on, and
/// salvages what precedes a syntax error (a truncated file keeps its complete members).
public enum JSONConfigReader {
    /// The result of reading one JSON document.
    public struct Result: Sendable {
        public var value: JSONValue?
        public var entries: [FlatEntry]
        /// A syntax error (line, message); `value` then holds the salvaged prefix, if any.
        public var error: (line: Int, message: String)?
    }

    /// Parses, flattens and locates keys; on a syntax error salvages the prefix before it.
    public static func read(_ bytes: [UInt8]) -> Result {
        bytes.withUnsafeBytes { b in
            let lines = JSONKeyLines.index(b)
            do throws(JSONError) {
                let v = try JSONParser.parse(b)
                return Result(value: v, entries: flatten(v, lines: lines), error: nil)
            } catch {
                let salvaged = JSONSalvage.salvage(b, errorLine: error.line, errorColumn: error.column)
                let entries = salvaged.map { flatten($0, lines: lines) } ?? []
                return Result(value: salvaged, entries: entries, error: (error.line, error.description))
            }
        }
    }

    /// Flattens a JSON value into dotted keys (`a.b`, lists as `a.0`); empty containers keep
    /// their key with the value `{}` / `[]`.
    public static func flatten(_ v: JSONValue, prefix: String = "", lines: [String: Int] = [:]) -> [FlatEntry] {
        var out: [FlatEntry] = []
        func lineFor(_ key: String) -> Int? {
            var k = Substring(key)
            while true {
                if let l = lines[String(k)] { return l }
                guard let dot = k.lastIndex(of: ".") else { return lines[""] }
                k = k[..<dot]
            }
        }
        func walk(_ v: JSONValue, _ key: String) {
            switch v {
            case .object(let members):
                if members.isEmpty, !key.isEmpty { out.append(FlatEntry(key: key, value: .string("{}"), line: lineFor(key))) }
                for (k, child) in members { walk(child, key.isEmpty ? k : key + "." + k) }
            case .array(let items):
                if items.isEmpty, !key.isEmpty { out.append(FlatEntry(key: key, value: .string("[]"), line: lineFor(key))) }
                for (i, child) in items.enumerated() { walk(child, key.isEmpty ? String(i) : key + "." + String(i)) }
            case .string(let s): out.append(FlatEntry(key: key.isEmpty ? "value" : key, value: .string(s), line: lineFor(key)))
            case .number(let d): out.append(FlatEntry(key: key.isEmpty ? "value" : key, value: .number(d), line: lineFor(key)))
            case .bool(let b): out.append(FlatEntry(key: key.isEmpty ? "value" : key, value: .bool(b), line: lineFor(key)))
            case .null: out.append(FlatEntry(key: key.isEmpty ? "value" : key, value: .null, line: lineFor(key)))
            }
        }
        walk(v, prefix)
        return out
    }

    /// Compact JSON text in document order (keys not sorted: order is what a cache sees).
    public static func canonicalText(_ v: JSONValue) -> String {
        var out = ""
        func esc(_ s: String) {
            out.append("\"")
            for u in s.unicodeScalars {
                switch u {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                default:
                    if u.value < 0x20 { out.append(String(format: "\\u%04x", u.value)) } else { out.unicodeScalars.append(u) }
                }
            }
            out.append("\"")
        }
        func walk(_ v: JSONValue) {
            switch v {
            case .null: out.append("null")
            case .bool(let b): out.append(b ? "true" : "false")
            case .number(let d): out.append(ConfigValue.format(d))
            case .string(let s): esc(s)
            case .array(let a):
                out.append("[")
                for (i, x) in a.enumerated() { if i > 0 { out.append(",") }; walk(x) }
                out.append("]")
            case .object(let o):
                out.append("{")
                for (i, (k, x)) in o.enumerated() { if i > 0 { out.append(",") }; esc(k); out.append(":"); walk(x) }
                out.append("}")
            }
        }
        walk(v)
        return out
    }
}

/// The 1-based line of every key path (and array element) in a JSON text, from one byte scan.
enum JSONKeyLines {
    private struct Frame {
        var isObject: Bool
        var prefix: String
        var index = 0
        var expectKey = true
        var key: String? = nil
        var valueStarted = false
    }

    static func index(_ b: UnsafeRawBufferPointer) -> [String: Int] {
        var out: [String: Int] = [:]
        var stack: [Frame] = []
        var line = 1
        var i = 0
        let n = b.count
        func join(_ p: String, _ k: String) -> String { p.isEmpty ? k : p + "." + k }
        func childPath() -> String? {
            guard let top = stack.last else { return "" }
            if top.isObject { return top.key.map { join(top.prefix, $0) } }
            return join(top.prefix, String(top.index))
        }
        func noteValueStart() {
            guard var top = stack.last, !top.isObject, !top.valueStarted else { return }
            top.valueStarted = true
            stack[stack.count - 1] = top
            let p = join(top.prefix, String(top.index))
            if out[p] == nil { out[p] = line }
        }
        while i < n {
            let c = b[i]
            switch c {
            case 0x0A: line += 1; i += 1
            case 0x20, 0x09, 0x0D, UInt8(ascii: ":"): i += 1
            case UInt8(ascii: "\""):
                let start = i + 1
                i += 1
                var escaped = false
                while i < n {
                    if b[i] == 0x0A { line += 1 }
                    if b[i] == UInt8(ascii: "\\") { escaped = true; i += 2; continue }
                    if b[i] == UInt8(ascii: "\"") { break }
                    i += 1
                }
                let end = min(i, n)
                i += 1
                if var top = stack.last, top.isObject, top.expectKey {
                    var k = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
                    if escaped, let v = try? JSONParser.parse("\"" + k + "\""), let s = v.string { k = s }
                    top.key = k
                    top.expectKey = false
                    stack[stack.count - 1] = top
                    let p = join(top.prefix, k)
                    if out[p] == nil { out[p] = line }
                } else {
                    noteValueStart()
                }
            case UInt8(ascii: ","):
                if var top = stack.last {
                    if top.isObject { top.expectKey = true; top.key = nil } else { top.index += 1; top.valueStarted = false }
                    stack[stack.count - 1] = top
                }
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                noteValueStart()
                let p = childPath() ?? ""
                stack.append(Frame(isObject: c == UInt8(ascii: "{"), prefix: p))
                if stack.count == 1, out[""] == nil { out[""] = line }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                i += 1
            default:
                noteValueStart()
                i += 1
                while i < n {
                    let d = b[i]
                    if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d == 0x0A
                        || d == 0x20 || d == 0x09 || d == 0x0D { break }
                    i += 1
                }
            }
        }
        return out
    }
}

/// Recovers the complete members before a JSON syntax error: cuts after the last complete value
/// and closes the containers still open there.
enum JSONSalvage {
    static func salvage(_ b: UnsafeRawBufferPointer, errorLine: Int, errorColumn: Int) -> JSONValue? {
        var offset = 0, line = 1, col = 1
        while offset < b.count, line < errorLine || (line == errorLine && col < errorColumn) {
            if b[offset] == 0x0A { line += 1; col = 1 } else { col += 1 }
            offset += 1
        }
        let limit = min(offset, b.count)
        // Stack of open containers: true = object (with whether a key is pending).
        var stack: [(isObject: Bool, expectKey: Bool)] = []
        var cut: (pos: Int, closers: [UInt8])? = nil
        func complete(at pos: Int) {
            guard !stack.isEmpty else { return }
            cut = (pos, stack.reversed().map { $0.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]") })
        }
        var i = 0
        while i < limit {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                while i < limit, b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < limit else { i = limit; break }
                i += 1
                if let top = stack.last, top.isObject, top.expectKey {
                    stack[stack.count - 1].expectKey = false
                } else {
                    complete(at: i)
                }
            case UInt8(ascii: "{"): stack.append((true, true)); i += 1
            case UInt8(ascii: "["): stack.append((false, false)); i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                i += 1
                complete(at: i)
            case UInt8(ascii: ","):
                if let top = stack.last, top.isObject { stack[stack.count - 1].expectKey = true }
                i += 1
            case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ":"): i += 1
            default:
                while i < limit {
                    let d = b[i]
                    if d == UInt8(ascii: ",") || d == UInt8(ascii: "}") || d == UInt8(ascii: "]") || d <= 0x20 { break }
                    i += 1
                }
                if i < limit { complete(at: i) }
            }
        }
        guard let cut else { return nil }
        var fixed = [UInt8](UnsafeRawBufferPointer(rebasing: b[0..<cut.pos]))
        fixed.append(contentsOf: cut.closers)
        return try? JSONParser.parse(fixed)
    }
}
