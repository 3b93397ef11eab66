import Foundation
import DiagnoseCore
import DiagnoseText

/// A reader for Python literal reprs as servers log them (`{'model': 'x', 'enable_prefix_caching': False}`,
/// `ServerArgs(model_path='x', tp_size=2)`): dicts, lists, tuples, quoted strings, numbers,
/// `True`/`False`/`None`, keyword-call reprs (as objects); anything else (an enum repr) is kept as text.
enum PythonLiteral {
    static func parse(_ b: UnsafeRawBufferPointer, from start: Int = 0) -> (JSONValue, Int)? {
        var p = Reader(b: b, i: start)
        guard let v = p.value(depth: 0) else { return nil }
        return (v, p.i)
    }

    struct Reader {
        let b: UnsafeRawBufferPointer
        var i: Int

        mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }

        mutating func value(depth: Int) -> JSONValue? {
            ws()
            guard i < b.count, depth < 32 else { return nil }
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                while true {
                    ws()
                    guard i < b.count else { return nil }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    guard let k = value(depth: depth + 1) else { return nil }
                    ws()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    members.append((k.string ?? k.double.map { ConfigValue.format($0) } ?? "?", v))
                    ws()
                    if i < b.count, b[i] == UInt8(ascii: ",") { i += 1 }
                }
            case UInt8(ascii: "["), UInt8(ascii: "("):
                let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: ")")
                i += 1
                var items: [JSONValue] = []
                while true {
                    ws()
                    guard i < b.count else { return nil }
                    if b[i] == close { i += 1; return .array(items) }
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                    ws()
                    if i < b.count, b[i] == UInt8(ascii: ",") { i += 1 }
                }
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return string(quote: c).map(JSONValue.string)
            case UInt8(ascii: "<"):
                let s = i
                var depth = 0
                while i < b.count {
                    if b[i] == UInt8(ascii: "<") { depth += 1 } else if b[i] == UInt8(ascii: ">") { depth -= 1; if depth == 0 { i += 1; break } }
                    i += 1
                }
                return .string(String(decoding: UnsafeRawBufferPointer(rebasing: b[s..<i]), as: UTF8.self))
            default:
                let s = i
                while i < b.count, isWordByte(b[i]) { i += 1 }
                guard i > s else { return nil }
                let word = String(decoding: UnsafeRawBufferPointer(rebasing: b[s..<i]), as: UTF8.self)
                if i < b.count, b[i] == UInt8(ascii: "(") {
                    // A keyword-call repr: Name(a=1, b='x').
                    i += 1
                    var members: [(String, JSONValue)] = []
                    while true {
                        ws()
                        guard i < b.count else { return nil }
                        if b[i] == UInt8(ascii: ")") { i += 1; return .object(members) }
                        let ks = i
                        while i < b.count, isWordByte(b[i]) { i += 1 }
                        let key = String(decoding: UnsafeRawBufferPointer(rebasing: b[ks..<i]), as: UTF8.self)
                        ws()
                        if i < b.count, b[i] == UInt8(ascii: "=") {
                            i += 1
                            guard let v = value(depth: depth + 1) else { return nil }
                            members.append((key, v))
                        } else {
                            i = ks
                            guard let v = value(depth: depth + 1) else { return nil }
                            members.append((String(members.count), v))
                        }
                        ws()
                        if i < b.count, b[i] == UInt8(ascii: ",") { i += 1 }
                    }
                }
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .null
                default: return Numbers.parseDouble(word).map(JSONValue.number) ?? .string(word)
                }
            }
        }

        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c == 0x2E || c == 0x2D || c == 0x2B || c >= 0x80
        }

        mutating func string(quote: UInt8) -> String? {
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\\"), i + 1 < b.count {
                    let e = b[i + 1]
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    default: out.append(e)
                    }
                    i += 2; continue
                }
                if c == quote { i += 1; return String(decoding: out, as: UTF8.self) }
                out.append(c); i += 1
            }
            return nil
        }
    }
}
