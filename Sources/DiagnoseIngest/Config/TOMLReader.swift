import Foundation
import DiagnoseCore
import DiagnoseText

/// A small TOML reader for config files: tables, arrays of tables, dotted and quoted keys, basic,
/// literal and multi-line strings, numbers, booleans, dates (kept as strings), arrays and inline
/// tables. Produces flattened dotted keys with their lines; a bad line is reported and skipped.
public enum TOMLReader {
    public struct Result: Sendable {
        public var entries: [FlatEntry]
        public var errors: [(line: Int, message: String)]
    }

    struct Failure: Error { let message: String }

    public static func read(_ text: String) -> Result {
        let s = Array(text.utf8)
        var p = Cursor(s: s)
        var entries: [FlatEntry] = []
        var errors: [(Int, String)] = []
        var table: [String] = []
        var arrayCounts: [String: Int] = [:]
        while p.i < s.count {
            p.skipSpaceAndComments()
            guard p.i < s.count else { break }
            let line = p.line
            do {
                if p.peek == UInt8(ascii: "[") {
                    let isArray = p.peek(1) == UInt8(ascii: "[")
                    p.i += isArray ? 2 : 1
                    p.skipInline()
                    let key = try p.key()
                    p.skipInline()
                    guard p.peek == UInt8(ascii: "]") else { throw Failure(message: "expected ']' after table name") }
                    p.i += 1
                    if isArray {
                        guard p.peek == UInt8(ascii: "]") else { throw Failure(message: "expected ']]'") }
                        p.i += 1
                        let name = key.joined(separator: ".")
                        let n = arrayCounts[name, default: -1] + 1
                        arrayCounts[name] = n
                        table = key + [String(n)]
                    } else {
                        table = key
                    }
                    try p.endOfLine()
                } else {
                    let key = try p.key()
                    p.skipInline()
                    guard p.peek == UInt8(ascii: "=") else { throw Failure(message: "expected '=' after key") }
                    p.i += 1
                    p.skipInline()
                    let v = try p.value()
                    try p.endOfLine()
                    flatten(v, (table + key).joined(separator: "."), line: line, into: &entries)
                }
            } catch let f as Failure {
                errors.append((p.line, f.message))
                p.skipLine()
            } catch {
                errors.append((p.line, "\(error)"))
                p.skipLine()
            }
        }
        return Result(entries: entries, errors: errors)
    }

    indirect enum Value {
        case scalar(ConfigValue)
        case array([Value])
        case table([(String, Value)])
    }

    private static func flatten(_ v: Value, _ key: String, line: Int, into out: inout [FlatEntry]) {
        switch v {
        case .scalar(let c): out.append(FlatEntry(key: key, value: c, line: line))
        case .array(let items):
            if items.isEmpty { out.append(FlatEntry(key: key, value: .string("[]"), line: line)) }
            for (i, x) in items.enumerated() { flatten(x, key + "." + String(i), line: line, into: &out) }
        case .table(let members):
            if members.isEmpty { out.append(FlatEntry(key: key, value: .string("{}"), line: line)) }
            for (k, x) in members { flatten(x, key + "." + k, line: line, into: &out) }
        }
    }

    struct Cursor {
        let s: [UInt8]
        var i = 0
        var line = 1

        var peek: UInt8? { i < s.count ? s[i] : nil }
        func peek(_ k: Int) -> UInt8? { i + k < s.count ? s[i + k] : nil }

        mutating func skipInline() { while let c = peek, c == 0x20 || c == 0x09 { i += 1 } }

        mutating func skipSpaceAndComments() {
            while let c = peek {
                if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 } else if c == 0x0A { i += 1; line += 1 } else if c == UInt8(ascii: "#") {
                    while let d = peek, d != 0x0A { i += 1 }
                } else { break }
            }
        }

        mutating func skipLine() {
            while let c = peek, c != 0x0A { i += 1 }
        }

        mutating func endOfLine() throws {
            skipInline()
            if peek == UInt8(ascii: "#") { while let c = peek, c != 0x0A { i += 1 } }
            if peek == 0x0D { i += 1 }
            guard peek == nil || peek == 0x0A else { throw Failure(message: "unexpected text after value") }
        }

        mutating func key() throws -> [String] {
            var parts: [String] = []
            while true {
                skipInline()
                guard let c = peek else { throw Failure(message: "expected a key") }
                if c == UInt8(ascii: "\"") { parts.append(try basicString()) } else if c == UInt8(ascii: "'") {
                    parts.append(try literalString())
                } else {
                    let start = i
                    while let d = peek, isBareKey(d) { i += 1 }
                    guard i > start else { throw Failure(message: "invalid key") }
                    parts.append(String(decoding: s[start..<i], as: UTF8.self))
                }
                skipInline()
                if peek == UInt8(ascii: ".") { i += 1; continue }
                return parts
            }
        }

        func isBareKey(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }

        var depth = 0

        mutating func value() throws -> Value {
            guard let c = peek else { throw Failure(message: "expected a value") }
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw Failure(message: "nesting too deep") }
            switch c {
            case UInt8(ascii: "\""):
                if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { return .scalar(.string(try multiline(quote: c))) }
                return .scalar(.string(try basicString()))
            case UInt8(ascii: "'"):
                if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { return .scalar(.string(try multiline(quote: c))) }
                return .scalar(.string(try literalString()))
            case UInt8(ascii: "["):
                i += 1
                var items: [Value] = []
                while true {
                    skipSpaceAndComments()
                    guard let d = peek else { throw Failure(message: "unterminated array") }
                    if d == UInt8(ascii: "]") { i += 1; return .array(items) }
                    items.append(try value())
                    skipSpaceAndComments()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw Failure(message: "expected ',' or ']' in array")
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, Value)] = []
                skipInline()
                if peek == UInt8(ascii: "}") { i += 1; return .table(members) }
                while true {
                    let k = try key()
                    skipInline()
                    guard peek == UInt8(ascii: "=") else { throw Failure(message: "expected '=' in inline table") }
                    i += 1
                    skipInline()
                    members.append((k.joined(separator: "."), try value()))
                    skipInline()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "}") { i += 1; return .table(members) }
                    throw Failure(message: "expected ',' or '}' in inline table")
                }
            default:
                let start = i
                while let d = peek, d != 0x0A, d != UInt8(ascii: ","), d != UInt8(ascii: "]"), d != UInt8(ascii: "}"),
                      d != UInt8(ascii: "#"), d != 0x0D {
                    i += 1
                }
                var tok = String(decoding: s[start..<i], as: UTF8.self)
                while tok.last == " " || tok.last == "\t" { tok.removeLast() }
                switch tok {
                case "true": return .scalar(.bool(true))
                case "false": return .scalar(.bool(false))
                case "inf", "+inf": return .scalar(.number(.infinity))
                case "-inf": return .scalar(.number(-.infinity))
                case "nan", "+nan", "-nan": return .scalar(.number(.nan))
                default: break
                }
                if tok.hasPrefix("0x") || tok.hasPrefix("0o") || tok.hasPrefix("0b") {
                    let radix = tok.hasPrefix("0x") ? 16 : tok.hasPrefix("0o") ? 8 : 2
                    if let v = Int(tok.dropFirst(2).replacingOccurrences(of: "_", with: ""), radix: radix) {
                        return .scalar(.number(Double(v)))
                    }
                }
                // Dates and times stay strings (compared as text).
                if tok.count >= 8, tok.contains(":") || (tok.count >= 10 && Array(tok.utf8)[4] == UInt8(ascii: "-")) {
                    return .scalar(.string(tok))
                }
                if let d = Numbers.parseDouble(tok), !tok.contains(",") { return .scalar(.number(d)) }
                throw Failure(message: "invalid value '\(tok.prefix(40))'")
            }
        }

        mutating func basicString() throws -> String {
            i += 1
            var out: [UInt8] = []
            while let c = peek {
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if c == 0x0A { throw Failure(message: "unterminated string") }
                if c == UInt8(ascii: "\\") { try escape(into: &out); continue }
                out.append(c); i += 1
            }
            throw Failure(message: "unterminated string")
        }

        mutating func literalString() throws -> String {
            i += 1
            let start = i
            while let c = peek, c != UInt8(ascii: "'") {
                if c == 0x0A { throw Failure(message: "unterminated string") }
                i += 1
            }
            guard peek != nil else { throw Failure(message: "unterminated string") }
            let r = String(decoding: s[start..<i], as: UTF8.self)
            i += 1
            return r
        }

        mutating func multiline(quote: UInt8) throws -> String {
            i += 3
            if peek == 0x0D { i += 1 }
            if peek == 0x0A { i += 1; line += 1 }
            var out: [UInt8] = []
            while let c = peek {
                if c == quote, peek(1) == quote, peek(2) == quote {
                    i += 3
                    return String(decoding: out, as: UTF8.self)
                }
                if c == 0x0A { line += 1 }
                if c == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                    if let n = peek(1), n == 0x0A || n == 0x20 || n == 0x0D {
                        i += 1
                        while let d = peek, d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D { if d == 0x0A { line += 1 }; i += 1 }
                        continue
                    }
                    try escape(into: &out); continue
                }
                out.append(c); i += 1
            }
            throw Failure(message: "unterminated multi-line string")
        }

        mutating func escape(into out: inout [UInt8]) throws {
            i += 1
            guard let e = peek else { throw Failure(message: "bad escape") }
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "u") ? 4 : 8
                guard i + n <= s.count, let v = UInt32(String(decoding: s[i..<(i + n)], as: UTF8.self), radix: 16),
                      let u = Unicode.Scalar(v) else { throw Failure(message: "bad unicode escape") }
                i += n
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw Failure(message: "bad escape")
            }
        }
    }
}
