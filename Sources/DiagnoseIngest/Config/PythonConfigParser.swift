import Foundation
import DiagnoseCore

/// Python files that are configs: module-level `name = value` assignments, as nanoGPT's
/// `config/train_*.py` (read by its `configurator.py`) and similar "config as Python" setups write
/// them. Values: numbers (`3e-4`, `1_000`), strings, `True`/`False`/`None`, lists and tuples of
/// those as written, and arithmetic on number literals (`5 * 8`, `2**20`, `(12 * 1024)`) evaluated
/// so that `gradient_accumulation_steps = 5 * 8` compares as 40. Anything else (a call, a name)
/// is kept as the expression's text. Files with `def`/`class` at the top level are code, not
/// configs, and are left to the other parsers.
public struct PythonConfigParser: FormatParser {
    public let id = "python-config"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "py", head.size <= 4 << 20 else { return 0 }
        var assignments = 0, other = 0
        for raw in head.text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if raw.hasPrefix("def ") || raw.hasPrefix("class ") || raw.hasPrefix("async def ") || raw.hasPrefix("@") { return 0 }
            if line.hasPrefix("import ") || line.hasPrefix("from ") { continue }
            if raw.first == " " || raw.first == "\t" { other += 1; continue }
            if Self.assignment(String(raw)) != nil { assignments += 1 } else { other += 1 }
        }
        guard assignments >= 3, Double(assignments) >= 0.7 * Double(assignments + other) else { return 0 }
        return 0.65
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "config file too large to read as one document (\(bytes.count) bytes)")
            return
        }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        var entries: [FlatEntry] = []
        for (i, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let (key, expr) = Self.assignment(String(raw)) else { continue }
            entries.append(FlatEntry(key: key, value: Self.value(expr), line: i + 1))
        }
        let kind = ConfigKinds.kind(path: input.path, keys: entries.map(\.key))
        ConfigSupport.emit(entries, kind: kind, into: sink)
    }

    /// `name = expr` at column 0 (not `==`, not an augmented assignment), the comment removed.
    static func assignment(_ line: String) -> (String, String)? {
        let u = Array(line.utf8)
        var i = 0
        guard i < u.count, u[i] == 0x5F || (u[i] | 0x20 >= 0x61 && u[i] | 0x20 <= 0x7A) else { return nil }
        while i < u.count, u[i] == 0x5F || (u[i] | 0x20 >= 0x61 && u[i] | 0x20 <= 0x7A) || (u[i] >= 0x30 && u[i] <= 0x39) { i += 1 }
        let key = String(decoding: u[0..<i], as: UTF8.self)
        while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
        guard i < u.count, u[i] == 0x3D, i + 1 >= u.count || u[i + 1] != 0x3D else { return nil }
        let expr = stripComment(String(decoding: u[(i + 1)...], as: UTF8.self)).trimmingCharacters(in: .whitespaces)
        guard !expr.isEmpty else { return nil }
        return (key, expr)
    }

    /// The text before a `#` that is outside quotes.
    static func stripComment(_ s: String) -> String {
        var quote: Character?
        var out = ""
        for c in s {
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c } else if c == "#" { break }
            out.append(c)
        }
        return out
    }

    static func value(_ expr: String) -> ConfigValue {
        switch expr {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        default: break
        }
        if expr.count >= 2, let f = expr.first, f == "'" || f == "\"", expr.last == f,
           !expr.dropFirst().dropLast().contains(f) {
            return .string(String(expr.dropFirst().dropLast()))
        }
        var arithmetic = Arithmetic(expr)
        if let d = arithmetic.evaluate() { return .number(d) }
        return .string(expr)
    }

    /// Number literals with `+ - * / // ** %` and parentheses; nil for anything else.
    struct Arithmetic {
        let c: [Character]
        var i = 0
        init(_ s: String) { c = Array(s.filter { $0 != " " && $0 != "\t" }) }

        mutating func evaluate() -> Double? {
            guard !c.isEmpty, let v = sum(), i == c.count, v.isFinite else { return nil }
            return v
        }
        mutating func sum() -> Double? {
            guard var v = product() else { return nil }
            while i < c.count, c[i] == "+" || c[i] == "-" {
                let op = c[i]; i += 1
                guard let r = product() else { return nil }
                v = op == "+" ? v + r : v - r
            }
            return v
        }
        mutating func product() -> Double? {
            guard var v = power() else { return nil }
            while i < c.count, c[i] == "*" || c[i] == "/" || c[i] == "%" {
                if c[i] == "*", i + 1 < c.count, c[i + 1] == "*" { break }
                let op = c[i]; i += 1
                var floorDiv = false
                if op == "/", i < c.count, c[i] == "/" { floorDiv = true; i += 1 }
                guard let r = power() else { return nil }
                switch op {
                case "*": v *= r
                case "%": guard r != 0 else { return nil }; v = v - r * (v / r).rounded(.down)
                default: guard r != 0 else { return nil }; v = floorDiv ? (v / r).rounded(.down) : v / r
                }
            }
            return v
        }
        mutating func power() -> Double? {
            guard let base = unary() else { return nil }
            if i + 1 < c.count, c[i] == "*", c[i + 1] == "*" {
                i += 2
                guard let e = power() else { return nil }
                return pow(base, e)
            }
            return base
        }
        mutating func unary() -> Double? {
            if i < c.count, c[i] == "-" { i += 1; return unary().map { -$0 } }
            if i < c.count, c[i] == "+" { i += 1; return unary() }
            if i < c.count, c[i] == "(" {
                i += 1
                guard let v = sum(), i < c.count, c[i] == ")" else { return nil }
                i += 1
                return v
            }
            var j = i
            while j < c.count, c[j].isNumber || c[j] == "." || c[j] == "_" || c[j] == "e" || c[j] == "E"
                    || ((c[j] == "-" || c[j] == "+") && j > i && (c[j - 1] == "e" || c[j - 1] == "E")) { j += 1 }
            guard j > i, let d = Double(String(c[i..<j]).replacingOccurrences(of: "_", with: "")) else { return nil }
            i = j
            return d
        }
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "nanoGPT config file", path: "config/train_gpt2.py", content: """
        # config for training GPT-2 (124M) down to very nice loss of ~2.85 on 1 node of 8X A100 40GB
        # launch as the following (e.g. in a screen session) and wait ~5 days:
        # $ torchrun --standalone --nproc_per_node=8 train.py config/train_gpt2.py

        wandb_log = True
        wandb_project = 'owt'
        wandb_run_name='gpt2-124M'

        # these make the total batch size be ~0.5M
        # 12 batch size * 1024 block size * 5 gradaccum * 8 GPUs = 491,520
        batch_size = 12
        block_size = 1024
        gradient_accumulation_steps = 5 * 8

        # this makes total number of tokens be 300B
        max_iters = 600000
        lr_decay_iters = 600000

        # eval stuff
        eval_interval = 1000
        eval_iters = 200
        log_interval = 10

        # weight decay
        weight_decay = 1e-1
        init_from = 'scratch' # 'scratch' or 'resume' or 'gpt2*'
        """, expect: [.config(key: "wandb_log", value: .bool(true)),
                      .config(key: "wandb_project", value: .string("owt")),
                      .config(key: "wandb_run_name", value: .string("gpt2-124M")),
                      .config(key: "gradient_accumulation_steps", value: .number(40)),
                      .config(key: "weight_decay", value: .number(0.1)),
                      .config(key: "init_from", value: .string("scratch"))])]
    }
}
