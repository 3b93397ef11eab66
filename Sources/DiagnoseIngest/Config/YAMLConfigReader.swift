import Foundation
import DiagnoseCore
import DiagnoseText
import Yams

/// Reads YAML config documents through Yams: flattened dotted keys, typed scalars (YAML's own
/// resolution: quoted scalars stay strings), the line of each key, and a salvage of the lines
/// before a syntax error.
public enum YAMLConfigReader {
    public struct Result: Sendable {
        public var entries: [FlatEntry]
        /// The top-level node kinds seen, for callers that treat a list of strings specially.
        public var topLevelStrings: [(String, Int?)]?
        public var error: (line: Int?, message: String)?
    }

    public static func read(_ text: String) -> Result {
        do {
            return try parse(text)
        } catch {
            let (line, message) = describe(error)
            var salvaged: [FlatEntry] = []
            var top: [(String, Int?)]? = nil
            if let line, line > 1 {
                // The reported line can be past the real break (an unclosed flow list): back off a few lines.
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                var end = line - 1
                while end > 0, end >= line - 12 {
                    if let r = try? parse(lines.prefix(end).joined(separator: "\n")) {
                        salvaged = r.entries; top = r.topLevelStrings
                        break
                    }
                    end -= 1
                }
            }
            return Result(entries: salvaged, topLevelStrings: top, error: (line, message))
        }
    }

    private static func parse(_ text: String) throws -> Result {
        var out: [FlatEntry] = []
        var docs: [Node] = []
        var seq = try Yams.compose_all(yaml: text)
        while let node = seq.next() { docs.append(node) }
        if let e = seq.error { throw e }
        var top: [(String, Int?)]? = nil
        if docs.count == 1, case .sequence(let s) = docs[0] {
            var strings: [(String, Int?)] = []
            for item in s {
                if case .scalar(let sc) = item { strings.append((sc.string, sc.mark?.line)) } else { strings = []; break }
            }
            if !strings.isEmpty { top = strings }
        }
        for (i, d) in docs.enumerated() {
            walk(d, docs.count > 1 ? String(i) : "", into: &out)
        }
        return Result(entries: out, topLevelStrings: top, error: nil)
    }

    private static func walk(_ node: Node, _ key: String, into out: inout [FlatEntry]) {
        func join(_ k: String) -> String { key.isEmpty ? k : key + "." + k }
        switch node {
        case .mapping(let m):
            if m.count == 0, !key.isEmpty { out.append(FlatEntry(key: key, value: .string("{}"), line: node.mark?.line)) }
            for (k, v) in m {
                let name = k.scalar?.string ?? String(describing: k.any)
                let child = join(name)
                // A key's line is where the key is written, not where its value starts.
                switch v {
                case .mapping, .sequence:
                    walk(v, child, into: &out)
                default:
                    out.append(FlatEntry(key: child, value: scalarValue(v), line: k.mark?.line ?? v.mark?.line))
                }
            }
        case .sequence(let s):
            if s.count == 0, !key.isEmpty { out.append(FlatEntry(key: key, value: .string("[]"), line: node.mark?.line)) }
            for (i, item) in s.enumerated() {
                switch item {
                case .mapping, .sequence: walk(item, join(String(i)), into: &out)
                default: out.append(FlatEntry(key: join(String(i)), value: scalarValue(item), line: item.mark?.line))
                }
            }
        case .scalar, .alias:
            out.append(FlatEntry(key: key.isEmpty ? "value" : key, value: scalarValue(node), line: node.mark?.line))
        }
    }

    static func scalarValue(_ node: Node) -> ConfigValue {
        guard case .scalar(let s) = node else { return .null }
        switch Tag.Name(rawValue: node.tag.description) {
        case .int:
            if let i = node.int { return .number(Double(i)) }
            return Numbers.parseDouble(s.string).map(ConfigValue.number) ?? .string(s.string)
        case .float:
            if let d = node.float { return .number(d) }
            return .string(s.string)
        case .bool: return node.bool.map(ConfigValue.bool) ?? .string(s.string)
        case .null: return .null
        default:
            if s.string.contains("\n"), s.string.count > 200 { return .text(s.string) }
            return .string(s.string)
        }
    }

    private static func describe(_ error: Error) -> (Int?, String) {
        if let y = error as? YamlError {
            switch y {
            case .scanner(_, let problem, let mark, _): return (mark.line, "YAML syntax error: \(problem)")
            case .parser(_, let problem, let mark, _): return (mark.line, "YAML syntax error: \(problem)")
            case .composer(_, let problem, let mark, _): return (mark.line, "YAML error: \(problem)")
            case .duplicatedKeysInMapping(let dups, let ctx): return (ctx.mark.line, "YAML duplicate keys: \(dups.joined(separator: ", "))")
            default: return (nil, "YAML error: \(y)")
            }
        }
        return (nil, "YAML error: \(error)")
    }
}
