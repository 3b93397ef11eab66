import Foundation

/// A JSON value written deterministically: object keys sorted, numbers spelled stably, strings
/// escaped per RFC 8259. Used for page payloads, whose shapes are the receivers' and not ours.
public indirect enum JSONOut: Sendable, Hashable {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONOut])
    case object([String: JSONOut])

    /// Compact UTF-8 JSON.
    public var data: Data { Data(text.utf8) }

    public var text: String {
        var out = ""
        write(&out)
        return out
    }

    private func write(_ out: inout String) {
        switch self {
        case .string(let s): JSONOut.quote(s, &out)
        case .number(let x): out += x.isFinite ? TextFormat.number(x, digits: 10) : "null"
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() { if i > 0 { out += "," }; v.write(&out) }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, k) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONOut.quote(k, &out)
                out += ":"
                fields[k]!.write(&out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, _ out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                        + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
